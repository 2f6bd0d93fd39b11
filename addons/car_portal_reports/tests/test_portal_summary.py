# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.car_portal_orders.tests.portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestPortalSummary(CarPortalHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2026-05-10 09:00:00"):
            partial = cls._submitted_order(
                lines=[(cls.vehicle, 4), (cls.brake_pad, 10)]
            )
            partial.line_ids[0].with_user(cls.expert_1).supplied_qty = 1
            rejected = cls._submitted_order(lines=[(cls.brake_pad, 6)])
            rejected.with_user(cls.expert_1).action_reject("No")
            cls._submitted_order(dealer=cls.dealer_b, lines=[(cls.vehicle, 50)])
        with freeze_time("2025-12-30 09:00:00"):
            cls._submitted_order(lines=[(cls.vehicle, 7)])

    def _rows(self, html):
        rows = re.findall(
            r'<tr class="o_car_portal_summary_row[^"]*">\s*'
            r"<td>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*"
            r"<td[^>]*>([^<]*)</td>",
            html,
        )
        return [tuple(cell.strip() for cell in row) for row in rows]

    def test_dealer_sees_the_year_per_product(self):
        self.authenticate(self.portal_a.login, self.portal_a.login)
        response = self.url_open("/my/car-orders/summary/2026")
        self.assertEqual(response.status_code, 200)
        # Sedan 4 → 1 (3 short); brake pads 10 → 10 and 6 → 0 (rejected).
        # Dealer B's order and last year's order are not counted.
        self.assertEqual(
            self._rows(response.text),
            [
                (self.brake_pad.display_name, "16", "10", "6"),
                (self.vehicle.display_name, "4", "1", "3"),
            ],
        )
        for year in (999, 9999, 99999999):
            response = self.url_open(f"/my/car-orders/summary/{year}")
            self.assertEqual(response.status_code, 404, year)
        last_year = self.url_open("/my/car-orders/summary/2025").text
        self.assertEqual(
            self._rows(last_year), [(self.vehicle.display_name, "7", "7", "0")]
        )
        self.assertIn("/my/car-orders/summary", self.url_open("/my/car-orders").text)

    def test_persian_dealer_reads_jalali_years(self):
        # 15 March 2026 is in Gregorian 2026 but in Jalali 1404 (Esfand).
        with freeze_time("2026-03-15 09:00:00"):
            self._submitted_order(lines=[(self.brake_pad, 5)])
        self.env["res.lang"]._activate_lang("fa_IR")
        self.portal_a.write({"lang": "fa_IR", "tz": "Asia/Tehran"})
        self.authenticate(self.portal_a.login, self.portal_a.login)
        fa = "/" + self.env["res.lang"]._lang_get("fa_IR").url_code
        page = self.url_open(f"{fa}/my/car-orders/summary/1405").text
        self.assertEqual(
            self._rows(page),
            [
                (self.brake_pad.display_name, "۱۶", "۱۰", "۶"),
                (self.vehicle.display_name, "۴", "۱", "۳"),
            ],
        )
        self.assertIn('<span class="btn btn-light active">۱۴۰۵</span>', page)
        self.assertIn('/my/car-orders/summary/1404"', page)
        # Jalali 1404 runs from 21 March 2025 to 20 March 2026.
        self.assertCountEqual(
            self._rows(self.url_open(f"{fa}/my/car-orders/summary/1404").text),
            [
                (self.vehicle.display_name, "۷", "۷", "۰"),
                (self.brake_pad.display_name, "۵", "۵", "۰"),
            ],
        )
        # A Gregorian year stays Gregorian.
        self.assertEqual(
            len(self._rows(self.url_open(f"{fa}/my/car-orders/summary/2026").text)),
            2,
        )
        Order = self.env["car.portal.order"]
        with freeze_time("2026-03-20 21:00:00"):  # 00:30 on 1 Farvardin 1405
            self.assertEqual(
                Order.with_context(
                    lang="fa_IR", tz="Asia/Tehran"
                )._portal_current_year(),
                1405,
            )
            self.assertEqual(
                Order.with_context(
                    lang="en_US", tz="Asia/Tehran"
                )._portal_current_year(),
                2026,
            )
        with freeze_time("2026-03-20 20:00:00"):  # 23:30 on 29 Esfand 1404
            self.assertEqual(
                Order.with_context(
                    lang="fa_IR", tz="Asia/Tehran"
                )._portal_current_year(),
                1404,
            )

    def test_other_dealer_and_non_dealers(self):
        self.authenticate(self.portal_b.login, self.portal_b.login)
        rows = self._rows(self.url_open("/my/car-orders/summary/2026").text)
        self.assertEqual(rows, [(self.vehicle.display_name, "50", "50", "0")])
        self.authenticate(None, None)
        response = self.url_open("/my/car-orders/summary", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.authenticate(self.expert_1.login, self.expert_1.login)
        response = self.url_open("/my/car-orders/summary")
        self.assertEqual(response.status_code, 403)
