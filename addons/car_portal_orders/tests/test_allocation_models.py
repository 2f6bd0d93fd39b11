# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Quotas, available to promise (ATP) and the suggested supplied quantities
on the lines under review."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

import jdatetime
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CarPortalCase


@tagged("post_install", "-at_install")
class TestAllocationModels(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dealer_c = cls._dealer("Dealer C", cls.expert_3, cls.region_north)
        cls.Quota = cls.env["car.portal.quota"]
        cls.Level = cls.env["car.portal.stock.level"]
        # Quotas of the current Jalali month: the period "today" is in.
        cls.month = jdatetime.date.today()

    def _quota(self, dealer, quantity, **vals):
        return self.Quota.create(
            dict(
                {
                    "partner_id": dealer.id,
                    "product_tmpl_id": self.vehicle.product_tmpl_id.id,
                    "period_kind": "month",
                    "jalali_year": self.month.year,
                    "period_number": self.month.month,
                    "quantity": quantity,
                },
                **vals,
            )
        )

    def _stock(self, product, quantity):
        self.Level._store(self.company, {product.id: quantity})

    def _vehicle_order(self, dealer, qty, submitted=None):
        order = self._submitted_order(dealer=dealer, lines=[(self.vehicle, qty)])
        if submitted:
            order._write_system({"date_submitted": submitted})
        return order

    def _line(self, order):
        return order.line_ids

    # Quotas -----------------------------------------------------------------

    def test_quota_periods_are_jalali(self):
        month = self._quota(self.dealer_a, 5, jalali_year=1405, period_number=9)
        self.assertEqual(
            (month.date_from, month.date_to), (date(2026, 11, 22), date(2026, 12, 21))
        )
        season = self._quota(
            self.dealer_a, 5, period_kind="season", jalali_year=1405, period_number=4
        )
        self.assertEqual(
            (season.date_from, season.date_to), (date(2026, 12, 22), date(2027, 3, 20))
        )
        year = self._quota(
            self.dealer_a, 5, period_kind="year", jalali_year=1405, period_number=0
        )
        self.assertEqual(
            (year.date_from, year.date_to), (date(2026, 3, 21), date(2027, 3, 20))
        )
        with self.assertRaises(ValidationError):
            self._quota(self.dealer_a, 5, period_number=13)
        with self.assertRaises(ValidationError):
            self._quota(self.dealer_a, 5, jalali_year=2026)

    def test_quota_used_is_supplied_on_approved_orders_of_the_period(self):
        quota = self._quota(self.dealer_a, 10)
        approved = self._vehicle_order(self.dealer_a, 3)
        approved._set_state("approved")
        self._vehicle_order(self.dealer_a, 4)  # under review: not used yet
        before = datetime.combine(quota.date_from, datetime.min.time())
        earlier = self._vehicle_order(
            self.dealer_a, 2, submitted=before - timedelta(days=2)
        )
        earlier._set_state("approved")  # another month
        other = self._vehicle_order(self.dealer_b, 5)
        other._set_state("approved")  # another dealer
        self.assertEqual((quota.used_qty, quota.remaining_qty), (3.0, 7.0))

    def test_category_quota_covers_subcategories_and_model_wins(self):
        parts = self._quota(
            self.dealer_a, 50, product_tmpl_id=False, categ_id=self.categ_parts.id
        )
        order = self._submitted_order(
            dealer=self.dealer_a, lines=[(self.brake_pad, 10), (self.vehicle, 1)]
        )
        remaining = self.Quota._remaining_for_lines(order.line_ids)
        pad, vehicle = order.line_ids
        self.assertEqual(remaining, {pad.id: 50.0})
        self._quota(self.dealer_a, 2)
        self._quota(
            self.dealer_a, 99, product_tmpl_id=False, categ_id=self.categ_vehicles.id
        )
        remaining = self.Quota._remaining_for_lines(order.line_ids)
        self.assertEqual(remaining, {pad.id: 50.0, vehicle.id: 2.0})
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            parts.product_tmpl_id = self.vehicle.product_tmpl_id
            parts.flush_recordset()

    # ATP ----------------------------------------------------------------------

    def test_atp_is_stock_minus_what_orders_hold(self):
        self.assertEqual(self.vehicle._car_portal_atp(self.company), {})
        self._stock(self.vehicle, 20)
        in_process = self._vehicle_order(self.dealer_a, 4)
        in_process._set_state("process")
        approved = self._vehicle_order(self.dealer_b, 5)
        approved._set_state("approved")
        self._vehicle_order(self.dealer_c, 6)  # under review: claims, holds nothing
        refused = self._vehicle_order(self.dealer_c, 7)
        refused._set_state("rejected")
        atp, read_at = self.vehicle._car_portal_atp(self.company)[self.vehicle.id]
        self.assertEqual(atp, 11.0)
        self.assertTrue(read_at)
        # An addon that knows when an approved order left the stock narrows
        # the one question "is this approved order still promised?".
        order_class = type(self.env["car.portal.order"])
        with patch.object(
            order_class,
            "_car_portal_promised_domain",
            lambda self: [("state", "=", "approved"), ("id", "!=", approved.id)],
        ):
            atp, _read_at = self.vehicle._car_portal_atp(self.company)[self.vehicle.id]
        self.assertEqual(atp, 16.0)

    # Suggestions ----------------------------------------------------------------

    def test_three_dealers_share_short_stock_by_quota(self):
        self._stock(self.vehicle, 10)
        for dealer, quota in (
            (self.dealer_a, 10),
            (self.dealer_b, 20),
            (self.dealer_c, 30),
        ):
            self._quota(dealer, quota)
        orders = [
            self._vehicle_order(dealer, 10)
            for dealer in (self.dealer_a, self.dealer_b, self.dealer_c)
        ]
        lines = self._line(orders[0] | orders[1] | orders[2])
        figures = [
            (line.atp_qty, line.quota_remaining_qty, line.suggested_qty)
            for line in lines
        ]
        self.assertEqual(
            figures, [(10.0, 10.0, 2.0), (10.0, 20.0, 3.0), (10.0, 30.0, 5.0)]
        )

    def test_cash_orders_first_when_the_company_says_so(self):
        self._stock(self.vehicle, 6)
        cash = self.env["car.portal.payment.term"].create(
            {"name": "Cash", "kind": "cash"}
        )
        credit_order = self._vehicle_order(self.dealer_a, 5)
        cash_order = self._vehicle_order(self.dealer_b, 5)
        cash_order._write_system({"payment_term_id": cash.id})
        lines = self._line(credit_order | cash_order)
        self.assertEqual(lines.mapped("suggested_qty"), [3.0, 3.0])
        self.company.car_portal_allocation_cash_first = True
        lines.invalidate_recordset(["suggested_qty"])
        self.assertEqual(lines.mapped("suggested_qty"), [1.0, 5.0])

    def test_no_stock_read_no_suggestion(self):
        line = self._line(self._vehicle_order(self.dealer_a, 3))
        self.assertFalse(line.has_suggestion)
        self.assertFalse(line.has_quota)
        # Without a suggestion, the expert changes the line freely.
        line.with_user(self.expert_1).supplied_qty = 1
        self.assertEqual(line.supplied_qty, 1.0)

    def test_differing_from_the_suggestion_needs_a_reason_in_history(self):
        self._stock(self.vehicle, 2)
        line = self._line(self._vehicle_order(self.dealer_a, 3))
        self.assertEqual((line.has_suggestion, line.suggested_qty), (True, 2.0))
        as_expert = line.with_user(self.expert_1)
        with self.assertRaisesRegex(UserError, "differs from the suggestion"):
            as_expert.supplied_qty = 3
        as_expert.supplied_qty = 2  # the suggestion: no reason needed
        as_expert.write({"supplied_qty": 1, "expert_note": "Dealer pays late"})
        self.assertEqual(line.supplied_qty, 1.0)
        log = line.order_id.message_ids[:1].body
        self.assertIn("Dealer pays late", log)
        self.assertIn("2.0 → 1.0", log)

    def test_suggestions_cost_the_same_queries_whatever_the_lines(self):
        self._stock(self.vehicle, 30)
        self._stock(self.brake_pad, 30)
        self._quota(self.dealer_a, 10)
        dealers = (self.dealer_a, self.dealer_b, self.dealer_c)

        def lines_of(orders_per_dealer):
            orders = self.env["car.portal.order"]
            for dealer in dealers:
                for _i in range(orders_per_dealer):
                    orders |= self._submitted_order(
                        dealer=dealer, lines=[(self.vehicle, 4), (self.brake_pad, 8)]
                    )
            # Browsed by ids, as a list or a form reads them (the lines of
            # ``orders.line_ids`` prefetch through the orders' cache).
            return self.env["car.portal.order.line"].browse(orders.line_ids.ids)

        def queries(lines):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            lines.mapped("suggested_qty")
            return self.cr.sql_log_count - before

        small, large = lines_of(1), lines_of(8)
        queries(small)  # warm the caches of the registry
        self.assertEqual(len(large), 48)
        self.assertEqual(queries(small), queries(large))
        with self.assertQueryCount(14):
            self.env.invalidate_all()
            large.mapped("suggested_qty")

    # Access ---------------------------------------------------------------------

    def test_who_reads_and_edits_quotas_and_stock(self):
        quota = self._quota(self.dealer_a, 5)
        self._stock(self.vehicle, 4)
        level = self.Level.search([("product_id", "=", self.vehicle.id)])
        for record in (quota, level):
            with self.assertRaises(AccessError):
                record.with_user(self.portal_a).read(["company_id"])
            record.with_user(self.staff).read(["company_id"])
            with self.assertRaises(AccessError):
                record.with_user(self.manager).write({"company_id": self.company.id})
        quota.with_user(self.admin).quantity = 8
        level.with_user(self.admin).quantity = 3
        self.assertEqual((quota.quantity, level.quantity), (8.0, 3.0))
        # The suggestion figures are read for the staff, whatever they may
        # read of the other dealers' orders.
        line = self._line(self._vehicle_order(self.dealer_a, 6))
        self.assertEqual(line.with_user(self.expert_1).suggested_qty, 3.0)
