# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Report figures against hand-computed fixtures.

Fixture (dealer A's expert is expert 1, dealer B's is expert 2):

=====  ========  ==========================  =========  ========  ===========
order  dealer    lines (requested→supplied)  state      counted   discrepancy
=====  ========  ==========================  =========  ========  ===========
A      dealer A  sedan 2→1, brake pad 10→10  approved   11        1
B      dealer A  brake pad 5→5               rejected   0         5
C      dealer B  sedan 3→3                   cancelled  0         3
D      dealer B  sedan 4→4                   review     4         0
E      dealer A  sedan 1                     draft      (not in the reports)
=====  ========  ==========================  =========  ========  ===========
"""

import io
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo import Command, models

from odoo.addons.car_portal_orders.tests.common import CarPortalCase


class TestReports(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A one-stage process, so that approving is one step for the manager.
        cls.tag = cls.env["res.partner.category"].create({"name": "Report tag"})
        (cls.dealer_a | cls.dealer_b).category_id = cls.tag
        cls.env["car.portal.process"].create(
            {
                "name": "Report process",
                "partner_category_ids": [Command.set(cls.tag.ids)],
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Report stage",
                            "responsible_user_ids": cls.manager.ids,
                        }
                    )
                ],
            }
        )
        with freeze_time("2026-03-01 08:00:00"):
            cls.order_a = cls._submitted_order(
                lines=[(cls.vehicle, 2), (cls.brake_pad, 10)]
            )
        with freeze_time("2026-03-01 10:00:00"):
            cls.order_a.line_ids[0].with_user(cls.expert_1).supplied_qty = 1
            cls._send_on(cls.order_a)
        with freeze_time("2026-03-02 10:00:00"):
            cls.order_a.with_user(cls.manager).action_approve()
        with freeze_time("2026-04-03 09:00:00"):
            cls.order_b = cls._submitted_order(lines=[(cls.brake_pad, 5)])
            cls.order_b.with_user(cls.expert_1).action_reject("Not this season")
            cls.order_c = cls._submitted_order(
                dealer=cls.dealer_b, lines=[(cls.vehicle, 3)]
            )
            cls.order_c.with_user(cls.portal_b).sudo().action_cancel()
            cls.order_d = cls._submitted_order(
                dealer=cls.dealer_b, lines=[(cls.vehicle, 4)]
            )
            cls.order_e = cls._order(lines=[(cls.vehicle, 1)])
        cls.ours = [("partner_id", "in", (cls.dealer_a | cls.dealer_b).ids)]

    @classmethod
    def _send_on(cls, order):
        order.expert_opinion = "<p>ok</p>"
        order.with_user(order.user_id).action_send_to_process()

    def _sums(self, model, groupby, domain=None, user=None):
        Report = self.env[model].with_user(user) if user else self.env[model]
        groups = Report._read_group(
            self.ours + (domain or []),
            groupby,
            ["requested_qty:sum", "supplied_qty:sum", "discrepancy_qty:sum"],
        )
        return {
            tuple(getattr(key, "id", key) for key in group[: len(groupby)]): tuple(
                group[len(groupby) :]
            )
            for group in groups
        }

    def test_line_report_by_dealer(self):
        self.assertEqual(
            self._sums("car.portal.order.line.report", ["partner_id"]),
            {
                (self.dealer_a.id,): (17.0, 11.0, 6.0),
                (self.dealer_b.id,): (7.0, 4.0, 3.0),
            },
        )

    def test_line_report_by_product_and_colourless_parts(self):
        self.assertEqual(
            self._sums("car.portal.order.line.report", ["product_id"]),
            {
                (self.vehicle.id,): (9.0, 5.0, 4.0),
                (self.brake_pad.id,): (15.0, 10.0, 5.0),
            },
        )

    def test_discrepancy_by_dealer_and_month(self):
        sums = self._sums(
            "car.portal.order.line.report", ["partner_id", "date_submitted:month"]
        )
        march, april = datetime(2026, 3, 1), datetime(2026, 4, 1)
        self.assertEqual(
            sums,
            {
                (self.dealer_a.id, march): (12.0, 11.0, 1.0),
                (self.dealer_a.id, april): (5.0, 0.0, 5.0),
                (self.dealer_b.id, april): (7.0, 4.0, 3.0),
            },
        )

    def test_discrepancy_by_dealer_and_jalali_month(self):
        # 20 March 2026, 21:00 UTC is 00:30 on 1 Farvardin 1405 in Tehran:
        # Gregorian March, but the first Jalali month of the year.
        with freeze_time("2026-03-20 21:00:00"):
            self._submitted_order(lines=[(self.brake_pad, 2)])
        esfand, farvardin = "۱۴۰۴/۱۲ اسفند", "۱۴۰۵/۰۱ فروردین"
        self.assertEqual(
            self._sums("car.portal.order.line.report", ["partner_id", "jalali_month"]),
            {
                (self.dealer_a.id, esfand): (12.0, 11.0, 1.0),
                (self.dealer_a.id, farvardin): (7.0, 2.0, 5.0),
                (self.dealer_b.id, farvardin): (7.0, 4.0, 3.0),
            },
        )
        counts = self.env["car.portal.order.report"]._read_group(
            self.ours, ["jalali_month"], ["__count"], order="jalali_month"
        )
        self.assertEqual(counts, [(esfand, 1), (farvardin, 4)])

    def test_groups_in_natural_order(self):
        """Groups come in the standard order (dealers by name, then months),
        also when the report sorts them itself instead of joining dealers."""
        self.dealer_a.name = "Zagros Motors"  # created first, named last
        self.dealer_b.name = "Alborz Cars"
        Report = self.env["car.portal.order.line.report"].with_user(self.manager)
        fields = ["requested_qty:sum", "discrepancy_qty:sum"]
        for groupby in (
            ["partner_id", "date_submitted:month"],
            ["date_submitted:month", "partner_id"],
            ["partner_id", "jalali_month"],
            ["user_id", "product_id"],
        ):
            with self.subTest(groupby=groupby):
                ours = Report.read_group(self.ours, fields, groupby, lazy=False)
                standard = Report.read_group(
                    self.ours,
                    fields,
                    groupby,
                    lazy=False,
                    orderby=", ".join(f"{spec} asc" for spec in groupby),
                )
                self.assertEqual(ours, standard)
                self.assertGreater(len(ours), 1)
        first = Report.read_group(self.ours, fields, ["partner_id"], lazy=False)
        self.assertEqual(
            [group["partner_id"][1] for group in first],
            ["Alborz Cars", "Zagros Motors"],
        )

    def test_groups_formatted_as_odoo_formats_them(self):
        """The report formats each distinct group value once (a pivot's speed);
        labels, ranges, drill-down domains and counts are Odoo's own, in the
        reader's language and time zone."""
        Report = (
            self.env["car.portal.order.line.report"]
            .with_user(self.manager)
            .with_context(tz="Asia/Tehran", lang="en_US")
        )
        fields = ["requested_qty:sum", "supplied_qty:sum"]
        standard = models.BaseModel._read_group_format_result
        for groupby, lazy in (
            (["partner_id", "date_submitted:month"], False),
            (["date_submitted:day", "product_id"], False),
            (["date_submitted:week"], True),
            (["user_id", "date_submitted:month_number"], False),
            (["partner_id", "date_submitted:quarter"], True),
        ):
            with self.subTest(groupby=groupby, lazy=lazy):
                ours = Report.read_group(self.ours, fields, groupby, lazy=lazy)
                with patch.object(type(Report), "_read_group_format_result", standard):
                    odoo = Report.read_group(self.ours, fields, groupby, lazy=lazy)
                self.assertEqual(ours, odoo)
                self.assertGreater(len(ours), 1)
                self.assertTrue(all(group["__domain"] for group in ours))

    def test_jalali_dates_for_persian_readers(self):
        report = (
            self.env["car.portal.order.report"]
            .with_context(lang="fa_IR", tz="Asia/Tehran")
            .search([("order_id", "=", self.order_a.id)])
        )
        # Submitted 2026-03-01 08:00 UTC: 11:30 on 10 Esfand 1404 in Tehran.
        self.assertEqual(report.date_submitted_jalali, "۱۴۰۴/۱۲/۱۰")
        arch = self.env.ref("car_portal_reports.car_portal_order_report_view_list").arch
        self.assertIn("date_submitted_jalali", arch)

    def test_jalali_calendar_days(self):
        # Calendar facts, not outputs of our code: 1 Azar 1405 is 22 November
        # 2026 and 1 Farvardin 1405 is 21 March 2026.
        Day = self.env["car.portal.jalali.day"]
        months = dict(
            Day.search_fetch(
                [("day", "in", ["2026-11-21", "2026-11-22", "2026-03-20"])],
                ["day", "month"],
            ).mapped(lambda d: (str(d.day), d.month))
        )
        self.assertEqual(
            months,
            {
                "2026-03-20": "۱۴۰۴/۱۲ اسفند",
                "2026-11-21": "۱۴۰۵/۰۸ آبان",
                "2026-11-22": "۱۴۰۵/۰۹ آذر",
            },
        )
        self.assertEqual(Day.search_count([]), 29220)  # 2000-01-01 to 2079-12-31

    def test_line_percent_and_drafts_left_out(self):
        lines = self.env["car.portal.order.line.report"].search(self.ours)
        self.assertEqual(len(lines), 5)
        self.assertNotIn(self.order_e, lines.order_id)
        sedan_a = lines.filtered(
            lambda r: r.order_id == self.order_a and r.product_id == self.vehicle
        )
        self.assertAlmostEqual(sedan_a.discrepancy_percent, 50.0)
        rejected = lines.filtered(lambda r: r.order_id == self.order_b)
        self.assertAlmostEqual(rejected.discrepancy_percent, 100.0)

    def test_order_report_status_and_pending(self):
        Report = self.env["car.portal.order.report"]
        states = dict(Report._read_group(self.ours, ["state"], ["__count"]))
        self.assertEqual(
            states, {"approved": 1, "rejected": 1, "cancel": 1, "review": 1}
        )
        self.assertEqual(
            Report.search(self.ours + [("is_pending", "=", True)]).order_id,
            self.order_d,
        )
        self.assertEqual(
            self._sums("car.portal.order.report", ["state"]),
            {
                ("approved",): (12.0, 11.0, 1.0),
                ("rejected",): (5.0, 0.0, 5.0),
                ("cancel",): (3.0, 0.0, 3.0),
                ("review",): (4.0, 4.0, 0.0),
            },
        )

    def test_lead_times(self):
        row = self.env["car.portal.order.report"].search(
            [("order_id", "=", self.order_a.id)]
        )
        self.assertAlmostEqual(row.review_hours, 2.0)
        self.assertAlmostEqual(row.approval_hours, 24.0)
        self.assertEqual(row.stage_id.name, False)
        self.assertEqual(row.state, "approved")

    def test_expert_sees_own_orders_only(self):
        sums = self._sums("car.portal.order.line.report", [], user=self.expert_1)
        self.assertEqual(sums, {(): (17.0, 11.0, 6.0)})
        rows = self.env["car.portal.order.report"].with_user(self.expert_2).search([])
        self.assertEqual(rows.order_id, self.order_c | self.order_d)
        rows = (
            self.env["car.portal.order.report"]
            .with_user(self.manager)
            .search(self.ours)
        )
        self.assertEqual(len(rows), 4)

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "Report Co 2"})
        self.manager.company_ids |= other
        foreign = self.env["car.portal.order"].create(
            {
                "partner_id": self.dealer_a.id,
                "company_id": other.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.brake_pad.id, "requested_qty": 7}
                    )
                ],
            }
        )
        foreign.action_submit()
        Report = self.env["car.portal.order.line.report"].with_user(self.manager)
        one = Report.with_context(allowed_company_ids=self.company.ids)
        both = Report.with_context(allowed_company_ids=[self.company.id, other.id])
        self.assertNotIn(foreign, one.search(self.ours).order_id)
        self.assertIn(foreign, both.search(self.ours).order_id)
        groups = both._read_group(self.ours, ["company_id"], ["requested_qty:sum"])
        self.assertEqual(dict(groups)[other], 7.0)

    def test_dashboard_counts(self):
        Tile = self.env["car.portal.dashboard.tile"].with_user(self.manager)

        def values():
            # Tiles are computed rows whose ids repeat from one reading to the
            # next: read them fresh, as a new page load does.
            Tile.invalidate_model()
            return {
                (tile.kind, tile.stage_id.id): tile.value for tile in Tile.search([])
            }

        before = values()
        order = self._submitted_order(dealer=self.dealer_b, lines=[(self.vehicle, 2)])
        after_submit = values()
        self.assertEqual(after_submit[("review", False)], before[("review", False)] + 1)
        self._send_on(order)
        stage = order.stage_id
        self.assertEqual(
            values()[("stage", stage.id)], after_submit[("stage", stage.id)] + 1
        )
        action = Tile.search([("kind", "=", "stage"), ("stage_id", "=", stage.id)])
        action = action.action_open()
        self.assertIn(order, self.env["car.portal.order"].search(action["domain"]))

    def test_xlsx_export(self):
        lines = self.env["car.portal.order.line.report"].search(self.ours)
        action = lines.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        sheet = load_workbook(io.BytesIO(attachment.raw)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            rows[0][:5], ("Dealer", "Product", "Requested", "Supplied", "Discrepancy")
        )
        self.assertEqual(rows[-1][:5], ("Total", None, 24, 15, 9))

    def test_this_month_is_the_readers_month(self):
        Lines = self.env["car.portal.order.line.report"]
        # 2026-03-01 08:00 UTC is 10 Esfand 1404 in Tehran: Esfand 1404 runs
        # from 20 February to 20 March 2026.
        with freeze_time("2026-03-15 12:00:00"):
            persian = Lines.with_context(lang="fa_IR", tz="Asia/Tehran")
            start, end = persian._this_month_bounds()
            self.assertEqual(
                (start, end),
                (datetime(2026, 2, 19, 20, 30), datetime(2026, 3, 20, 20, 30)),
            )
            english = Lines.with_context(lang="en_US", tz="UTC")
            self.assertEqual(
                english._this_month_bounds(),
                (datetime(2026, 3, 1), datetime(2026, 4, 1)),
            )
            found = persian.search(self.ours + [("is_this_month", "=", True)])
            self.assertEqual(found.order_id, self.order_a)
        # The "This Month" filter and the dashboard tile read the same month.
        view = self.env.ref(
            "car_portal_reports.car_portal_order_line_report_view_search"
        )
        self.assertIn("is_this_month", view.arch)

    def test_persian_readers_pivot_by_jalali_month(self):
        for lang, column in (("fa_IR", "jalali_month"), ("en_US", "date_submitted")):
            with self.subTest(lang=lang):
                arch = (
                    self.env["car.portal.order.line.report"]
                    .with_context(lang=lang)
                    .get_views([(False, "pivot")])["views"]["pivot"]["arch"]
                )
                self.assertIn(f'name="{column}"', arch)
                self.assertIn('type="col"', arch)

    def test_supplied_means_one_thing_on_the_order_and_in_the_reports(self):
        """Every submitted line's figures, on the order and in the reports,
        in every state (the fixture's and the demo's orders)."""
        self.assertEqual(
            set(self.env["car.portal.order"].search(self.ours).mapped("state")),
            {"draft", "review", "approved", "rejected", "cancel"},
        )
        for order in self.order_b | self.order_c:  # rejected, cancelled
            self.assertEqual(order.supplied_qty, 0)
            self.assertEqual(order.discrepancy_qty, order.requested_qty)
        reports = self.env["car.portal.order.line.report"].search([])
        lines = self.env["car.portal.order.line"].search([("state", "!=", "draft")])
        self.assertEqual(len(reports), len(lines))
        by_line = {report.id: report for report in reports}
        for line in lines:
            report = by_line[line.id]
            with self.subTest(order=line.order_id.name, state=line.state):
                self.assertEqual(
                    (report.supplied_qty, report.discrepancy_qty),
                    (line.supplied_qty, line.discrepancy_qty),
                )
        for report in self.env["car.portal.order.report"].search([]):
            order = report.order_id
            with self.subTest(order=order.name):
                self.assertEqual(
                    (report.supplied_qty, report.discrepancy_qty),
                    (order.supplied_qty, order.discrepancy_qty),
                )
