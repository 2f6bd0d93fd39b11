# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stock check stage on the available to promise, without any stock
source: stock levels as a source would store them (``_store``)."""

from datetime import timedelta

from odoo import Command, fields

from .common import STAFF, CarPortalCase


class TestStockCheck(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = cls._user("cp_stock", STAFF)
        cls.process = cls.env["car.portal.process"].create(
            {
                "name": "Stock only",
                "company_id": cls.company.id,
                "sequence": 1,
                "is_default": True,
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Stock check",
                            "kind": "stock_check",
                            "responsible_user_ids": [Command.set(cls.stock_user.ids)],
                        }
                    )
                ],
            }
        )
        cls.fitting = cls.env["product.product"].create(
            {
                "name": "Fitting service",
                "type": "service",
                "car_portal_orderable": True,
                "sale_ok": True,
            }
        )
        cls._stock({cls.vehicle: 5, cls.brake_pad: 40})

    @classmethod
    def _stock(cls, quantities, read_at=None):
        cls.env["car.portal.stock.level"]._store(
            cls.company, {p.id: q for p, q in quantities.items()}, read_at=read_at
        )

    def _in_process(self, lines):
        order = self._submitted_order(lines=lines)
        order.expert_opinion = "<p>Fine</p>"
        for line in order.line_ids:
            line.expert_note = "As agreed"  # away from a suggestion: a reason
        order.with_user(order.user_id).action_send_to_process()
        return order

    def _actions(self, order):
        return order.history_ids.sorted(lambda e: (e.date, e.id)).mapped("action")

    def test_the_order_goes_on_when_the_stock_covers_it(self):
        order = self._in_process([(self.vehicle, 3), (self.brake_pad, 40)])
        self.assertEqual(order.state, "approved")
        self.assertIn("auto_pass", self._actions(order))

    def test_the_shortfall_counts_what_other_orders_hold(self):
        self._in_process([(self.vehicle, 3)])  # approved: holds 3 of 5
        order = self._in_process([(self.vehicle, 2), (self.vehicle, 1)])
        self.assertEqual(order.state, "process")
        self.assertEqual(order.current_reviewer_ids, self.stock_user)
        self.assertIn("1 to supply, 0 in stock", order.stock_shortfall)
        self.assertEqual(self._actions(order)[-1], "auto_stop")
        self.assertEqual(order.activity_ids.user_id, self.stock_user)

    def test_a_service_is_not_checked(self):
        order = self._in_process([(self.fitting, 3)])
        self.assertEqual(order.state, "approved")

    def test_never_read_or_too_old_waits_with_the_reason(self):
        unknown = self._product("Unknown part", "PT-T9", self.categ_parts, 5.0)
        order = self._in_process([(unknown, 1)])
        self.assertIn("Unknown part", order.stock_shortfall)
        self.assertIn("never read", order.stock_shortfall)
        self._stock({self.vehicle: 5}, fields.Datetime.now() - timedelta(hours=6))
        order = self._in_process([(self.vehicle, 1)])
        self.assertIn("last read 6 hours ago", order.stock_shortfall)
        self.assertIn("4 hours", order.stock_shortfall)

    def test_a_new_reading_checks_the_waiting_orders_again(self):
        order = self._in_process([(self.vehicle, 7)])
        self.assertEqual(order.state, "process")
        messages = len(order.message_ids)
        self._stock({self.vehicle: 5})  # the same: nothing new said
        self.assertEqual(len(order.message_ids), messages)
        self._stock({self.vehicle: 6})  # still short, by less: said again
        self.assertIn("7 to supply, 6 in stock", order.stock_shortfall)
        self.assertEqual(order.state, "process")
        self.assertEqual(len(order.activity_ids), 1)  # the to-do they have
        self._stock({self.vehicle: 9})
        self.assertEqual(order.state, "approved")
        self.assertFalse(order.activity_ids)
        self.assertEqual(self._actions(order).count("auto_pass"), 1)

    def test_persian_readers_get_persian_digits(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        order = self._in_process([(self.vehicle, 7)])
        reader = order.with_context(lang="fa_IR")
        self.assertIn("۷", reader._stock_check_note())

    def test_the_check_costs_the_same_queries_whatever_the_lines(self):
        parts = [
            self._product(f"Part {n}", f"PT-Q{n}", self.categ_parts, 5.0)
            for n in range(12)
        ]
        self._stock(dict.fromkeys(parts, 100))
        small = self._submitted_order(lines=[(part, 1) for part in parts[:2]])
        large = self._submitted_order(lines=[(part, 1) for part in parts])
        small._stock_shortfall()  # warm the registry's caches
        counts = []
        for order in (small, large):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.assertEqual(order._stock_shortfall(), [])
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1], counts)
