# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The allocation board: every line under review by product, the suggestions
applied in one click with the rights of a review, one history message per
order, the dealer's fill rate, and a first page in a constant number of
queries."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

import jdatetime
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.models import BaseModel
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from ..models.car_portal_order_line_allocation import fill_rate_window
from .common import CarPortalCase
from .portal_common import CarPortalHttpCase

BOARD_ACTION = "car_portal_orders.car_portal_order_line_action_board"
BOARD_LIST = "car_portal_orders.car_portal_order_line_view_list_board"


def board_specification(env):
    """What the web client reads for each row of the board's list: its
    fields, the many2one ones with their display name."""
    arch = etree.fromstring(
        env["car.portal.order.line"].get_view(env.ref(BOARD_LIST).id)["arch"]
    )
    fields_ = env["car.portal.order.line"]._fields
    return {
        name: {"fields": {"display_name": {}}}
        if fields_[name].type == "many2one"
        else {}
        for name in arch.xpath("//field/@name")
    }


class BoardMixin:
    @classmethod
    def _board_fixtures(cls):
        cls.dealer_c = cls._dealer("Dealer C", cls.expert_3, cls.region_north)
        cls.Line = cls.env["car.portal.order.line"]
        month = jdatetime.date.today()
        for dealer, quantity in (
            (cls.dealer_a, 2),
            (cls.dealer_b, 4),
            (cls.dealer_c, 6),
        ):
            cls.env["car.portal.quota"].create(
                {
                    "partner_id": dealer.id,
                    "product_tmpl_id": cls.vehicle.product_tmpl_id.id,
                    "period_kind": "month",
                    "jalali_year": month.year,
                    "period_number": month.month,
                    "quantity": quantity,
                }
            )
        cls.env["car.portal.stock.level"]._store(
            cls.company, {cls.vehicle.id: 5, cls.brake_pad.id: 100}
        )

    def _messages(self, order):
        return order.message_ids.filtered(lambda m: "Review changes" in str(m.body))


@tagged("post_install", "-at_install")
class TestAllocationBoard(BoardMixin, CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._board_fixtures()
        # Three dealers ask for 2 sedans and 10 brake pads each; 5 sedans in
        # stock, quotas 2 : 4 : 6: suggested 1, 2 and 2 sedans, all the pads.
        cls.order_a = cls._submitted_order(dealer=cls.dealer_a)
        cls.order_b = cls._submitted_order(dealer=cls.dealer_b)
        cls.order_c = cls._submitted_order(dealer=cls.dealer_c)

    def _vehicle_line(self, order):
        return order.line_ids.filtered(lambda ln: ln.product_id == self.vehicle)

    def test_board_action_lists_the_lines_under_review_by_product(self):
        action = self.env.ref(BOARD_ACTION)
        self.assertEqual(action.res_model, "car.portal.order.line")
        self.assertEqual(action.view_id, self.env.ref(BOARD_LIST))
        self.assertIn("search_default_group_product", action.context)
        self.assertIn("No order waiting for review", action.help)
        self._order(dealer=self.dealer_a)  # a draft: not on the board
        domain = safe_eval(action.domain)
        lines = self.Line.with_user(self.manager).search(domain)
        ours = (self.order_a | self.order_b | self.order_c).line_ids
        self.assertEqual(lines & ours, ours)
        self.assertEqual(set(lines.mapped("state")), {"review"})
        # An expert sees the lines of the orders they review (record rules).
        mine = self.Line.with_user(self.expert_1).search(domain)
        self.assertEqual(mine & ours, self.order_a.line_ids)
        menu = self.env.ref("car_portal_orders.car_portal_order_line_menu_board")
        self.assertEqual(
            menu.groups_id, self.env.ref("car_portal_orders.group_car_portal_expert")
        )
        arch = etree.fromstring(self.Line.get_view(action.view_id.id)["arch"])
        self.assertEqual(
            arch.xpath("//header/button/@name"), ["action_apply_suggestions"]
        )
        editable = [
            field.get("name")
            for field in arch.xpath("//field")
            if field.get("readonly") == "not can_edit_supply"
        ]
        self.assertEqual(editable, ["supplied_qty", "expert_note"])

    def test_board_figures(self):
        lines = self._vehicle_line(self.order_a | self.order_b | self.order_c)
        self.assertEqual(lines.mapped("requested_qty"), [2.0, 2.0, 2.0])
        self.assertEqual(lines.mapped("suggested_qty"), [1.0, 2.0, 2.0])
        self.assertEqual(lines.mapped("quota_remaining_qty"), [2.0, 4.0, 6.0])
        self.assertEqual(lines.mapped("atp_qty"), [5.0, 5.0, 5.0])
        # A line being edited (the onchange of the list or the form is a new
        # record whose origin is the line) shows the same figures.
        editing = lines[0].new({"supplied_qty": 0.0}, origin=lines[0])
        self.assertEqual(
            (editing.suggested_qty, editing.atp_qty, editing.has_suggestion),
            (1.0, 5.0, True),
        )
        self.assertEqual(
            lines.mapped("expert_id"), self.expert_1 | self.expert_2 | self.expert_3
        )

    def test_apply_suggestions_to_one_line(self):
        line = self._vehicle_line(self.order_a)
        other = self._vehicle_line(self.order_b)
        line.with_user(self.expert_1).action_apply_suggestions()
        self.assertEqual(line.supplied_qty, 1.0)
        self.assertEqual(other.supplied_qty, 2.0)  # untouched (= requested)
        (message,) = self._messages(self.order_a)
        self.assertIn("2.0 → 1.0", str(message.body))

    def test_apply_suggestions_to_all_lines_one_message_per_order(self):
        # More lines per order: a second sedan line each would be frozen, so
        # lower the pads' stock instead: both lines of each order change.
        self.env["car.portal.stock.level"]._store(self.company, {self.brake_pad.id: 15})
        orders = self.order_a | self.order_b | self.order_c
        before = {order: len(order.message_ids) for order in orders}
        suggested = {line: line.suggested_qty for line in orders.line_ids}
        self.assertEqual(
            sum(v for ln, v in suggested.items() if ln.product_id == self.brake_pad), 15
        )
        orders.line_ids.with_user(self.manager).action_apply_suggestions()
        for line, value in suggested.items():
            self.assertEqual(line.supplied_qty, value)
        for order in orders:
            self.assertEqual(len(order.message_ids) - before[order], 1, order.name)
            (message,) = self._messages(order)
            self.assertIn(self.brake_pad.display_name, str(message.body))
        # Order A: its two lines changed, in the one message.
        self.assertIn(self.vehicle.display_name, str(self._messages(self.order_a).body))
        # Applied again: nothing changes, nothing more is posted.
        orders.line_ids.with_user(self.manager).action_apply_suggestions()
        for order in orders:
            self.assertEqual(len(order.message_ids) - before[order], 1)

    def test_dealer_cannot_apply_suggestions(self):
        line = self._vehicle_line(self.order_a)
        with self.assertRaisesRegex(AccessError, "action_apply_suggestions"):
            line.with_user(self.portal_a).action_apply_suggestions()
        with self.assertRaises(AccessError):
            line.with_user(self.staff).action_apply_suggestions()
        self.assertEqual(line.supplied_qty, 2.0)

    def test_expert_applies_only_to_the_orders_they_review(self):
        lines = self._vehicle_line(self.order_a | self.order_b)
        with self.assertRaises(AccessError):
            lines.with_user(self.expert_1).action_apply_suggestions()
        self.assertEqual(lines.mapped("supplied_qty"), [2.0, 2.0])
        self.assertFalse(self._messages(self.order_a))
        # The board makes editable what the user may edit.
        line_a = self._vehicle_line(self.order_a)
        self.assertTrue(line_a.with_user(self.expert_1).can_edit_supply)
        self.assertFalse(line_a.with_user(self.expert_2).can_edit_supply)
        self.assertTrue(line_a.with_user(self.manager).can_edit_supply)
        # Their own lines: applied.
        line_a.with_user(self.expert_1).action_apply_suggestions()
        self.assertEqual(line_a.supplied_qty, 1.0)
        # A line no longer under review is left alone by the manager too.
        self.order_c.action_cancel()
        line_c = self._vehicle_line(self.order_c)
        supplied = line_c.supplied_qty
        with self.assertRaises(UserError):
            line_c.with_user(self.manager).write(
                {"supplied_qty": 1, "expert_note": "x"}
            )
        line_c.with_user(self.manager).action_apply_suggestions()
        self.assertEqual(line_c.supplied_qty, supplied)
        self.assertFalse(line_c.with_user(self.manager).can_edit_supply)

    def test_supplied_differing_from_the_suggestion_needs_a_reason(self):
        line = self._vehicle_line(self.order_a).with_user(self.expert_1)
        with self.assertRaisesRegex(UserError, "differs from the suggestion"):
            line.write({"supplied_qty": 0})
        line.write({"supplied_qty": 0, "expert_note": "Dealer asked to wait"})
        (message,) = self._messages(self.order_a)
        self.assertIn("Dealer asked to wait", str(message.body))
        self.assertIn("2.0 → 0.0", str(message.body))

    def test_gathered_review_changes_make_one_message_per_order(self):
        lines = self.order_a.line_ids.with_user(self.expert_1)
        pad = lines.filtered(lambda ln: ln.product_id == self.brake_pad)
        sedan = lines - pad
        with lines._gathering_review_changes() as gathering:
            gathering.browse(sedan.id).write({"supplied_qty": 1})
            gathering.browse(pad.id).write({"supplied_qty": 9, "expert_note": "Short"})
            gathering.browse(pad.id).write({"supplied_qty": 8})
            self.assertFalse(self._messages(self.order_a))
        (message,) = self._messages(self.order_a)
        body = str(message.body)
        self.assertIn("10.0 → 8.0", body)  # first value → last value
        self.assertNotIn("9.0", body)
        self.assertIn("Short", body)
        # A context sent over RPC cannot pose as a gathering: posted at once.
        sedan.with_context(car_portal_review_changes={}).write(
            {"supplied_qty": 0, "expert_note": "None left"}
        )
        self.assertEqual(len(self._messages(self.order_a)), 2)

    def test_fill_rate_over_the_last_three_jalali_months(self):
        self.assertEqual(
            fill_rate_window(date(2026, 12, 3)), (date(2026, 9, 23), date(2026, 12, 22))
        )
        self.assertEqual(
            fill_rate_window(date(2026, 4, 1)), (date(2026, 1, 21), date(2026, 4, 21))
        )
        self.env["car.portal.stock.level"].search([]).unlink()  # no suggestions

        def approved(dealer, lines, supplied, submitted=None):
            order = self._submitted_order(dealer=dealer, lines=lines)
            for line, quantity in zip(order.line_ids, supplied, strict=True):
                line.supplied_qty = quantity
            if submitted:
                order._write_system({"date_submitted": submitted})
            order._set_state("approved")
            return order

        approved(self.dealer_a, [(self.vehicle, 10), (self.brake_pad, 4)], [6, 4])
        approved(
            self.dealer_a,
            [(self.vehicle, 10)],
            [0],
            submitted=datetime.now() - timedelta(days=120),
        )
        refused = self._submitted_order(dealer=self.dealer_a)
        refused._set_state("rejected")
        lines = (self.order_a | self.order_b).line_ids
        self.assertEqual(lines.mapped("has_fill_rate"), [True, True, False, False])
        self.assertAlmostEqual(lines[0].fill_rate, 10 / 14)
        self.assertEqual(lines[2].fill_rate, 0.0)

    def test_suggestions_constant_queries_beyond_the_orms_batches(self):
        """The ORM computes a non-stored field by batches of PREFETCH_MAX
        (1,000) records; with batches of 5 here, 6 and 48 lines would cost
        different numbers of queries if a batch read or computed anything."""
        dealers = (self.dealer_a, self.dealer_b, self.dealer_c)

        def lines_of(orders_per_dealer):
            orders = self.env["car.portal.order"]
            for dealer in dealers:
                for _i in range(orders_per_dealer):
                    orders |= self._submitted_order(dealer=dealer)
            return self.Line.browse(orders.line_ids.ids)

        def queries(lines):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            lines.mapped("suggested_qty")
            lines.mapped("fill_rate")
            return self.cr.sql_log_count - before

        small, large = lines_of(1), lines_of(8)
        self.assertEqual(len(large), 48)
        with patch.object(BaseModel._in_cache_without, "__defaults__", (5,)):
            queries(small)  # warm the registry's caches
            self.assertEqual(queries(small), queries(large))
            with self.assertQueryCount(12):
                self.env.invalidate_all()
                large.mapped("suggested_qty")
                large.mapped("fill_rate")

    def test_board_first_page_in_constant_queries(self):
        """The web client's first page: the product groups, then the lines of
        the first group, as the expert and the manager; the same number of
        queries with 2 and 16 orders per dealer."""
        Line = self.Line.with_user(self.manager)
        spec = board_specification(self.env)
        domain = [("state", "=", "review")]

        def first_page(model):
            model.env.invalidate_all()
            before = self.cr.sql_log_count
            groups = model.web_read_group(
                domain,
                ["requested_qty:sum", "supplied_qty:sum"],
                ["product_id"],
                limit=80,
                lazy=True,
            )["groups"]
            first = groups[0]["__domain"]
            records = model.web_search_read(first, spec, limit=80)["records"]
            self.assertTrue(records)
            return self.cr.sql_log_count - before

        def more_orders(count):
            for dealer in (self.dealer_a, self.dealer_b, self.dealer_c):
                for _i in range(count):
                    self._submitted_order(dealer=dealer)

        first_page(Line)  # warm the caches
        first_page(self.Line.with_user(self.expert_1))
        small = first_page(Line)
        small_expert = first_page(self.Line.with_user(self.expert_1))
        more_orders(15)
        self.assertEqual(first_page(Line), small)
        self.assertEqual(first_page(self.Line.with_user(self.expert_1)), small_expert)
        with self.assertQueryCount(22):
            first_page(Line)
        with self.assertQueryCount(23):
            first_page(self.Line.with_user(self.expert_1))


@tagged("post_install", "-at_install")
class TestAllocationBoardPersian(CarPortalHttpCase):
    def test_screenshot_allocation_board_persian(self):
        """The board as the demo expert reads it, in Persian: three dealers
        of the demo competing for the Aria sedans, with quotas (the demo's)
        and short stock. Saved to .local/artifacts/allocation_board_fa.png."""
        expert = self.env.ref("car_portal_orders.user_expert_1", False)
        if not expert:
            self.skipTest("the demo data is not installed")
        self.env["res.lang"]._activate_lang("fa_IR")
        expert.lang = "fa_IR"
        dealers = [self.env.ref(f"car_portal_orders.dealer_{n}") for n in (1, 2, 3)]
        arias = self.env["product.product"].search(
            [("product_tmpl_id", "=", self.ref("car_portal_orders.product_tmpl_aria"))],
            order="default_code",
        )
        self.env["car.portal.stock.level"]._store(
            self.company, {arias[0].id: 9, arias[1].id: 30, self.brake_pad.id: 40}
        )
        for dealer, sedans in zip(dealers, (6, 8, 10), strict=True):
            order = self._submitted_order(
                dealer=dealer,
                lines=[(arias[0], sedans), (arias[1], 2), (self.brake_pad, 20)],
            )
            order._write_system({"user_id": expert.id})
        path = self._screenshot(
            expert,
            "/odoo/action-car_portal_orders.car_portal_order_line_action_board",
            "allocation_board_fa.png",
            ".o_list_renderer .o_group_header",
            # Every product group opened (they start folded).
            steps=[
                (
                    (
                        "document.querySelectorAll('.o_group_header')"
                        ".forEach((header) => header.click())"
                    ),
                    ".o_list_renderer .o_data_row",
                )
            ],
        )
        self.assertGreater(path.stat().st_size, 10_000)
