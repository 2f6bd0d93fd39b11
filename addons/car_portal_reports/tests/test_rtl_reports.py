# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Requested vs Supplied list in Persian: right to left, Jalali dates."""

from odoo.tests import tagged

from odoo.addons.car_portal_orders.tests.portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestReportListPersian(CarPortalHttpCase):
    def test_screenshot_report_list_persian(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.manager.write({"lang": "fa_IR", "tz": "Asia/Tehran"})
        self.dealer_a.name = "نمایندگی رشت"
        for quantity in (2, 5):
            self._submitted_order(lines=[(self.vehicle, quantity), (self.brake_pad, 4)])
        # Ready only when the Jalali column is shown and the Gregorian one is not.
        path = self._screenshot(
            self.manager,
            "/odoo/action-car_portal_reports.car_portal_order_line_report_action"
            "?view_type=list",
            "car_portal_report_list_fa.png",
            ".o_list_renderer:not(:has(th[data-name=date_submitted])) "
            "td[name=date_submitted_jalali]",
        )
        self.assertGreater(path.stat().st_size, 10_000)
