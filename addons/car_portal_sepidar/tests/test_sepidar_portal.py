# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the dealer reads on the portal of the order's life in Sepidar: the
order page and list (invoiced, partly paid, paid, revoked, with the date it was
read), the yearly summary's invoiced and paid figures; and a screenshot of the
order page of an invoiced, partly paid order in Persian
(``.local/artifacts/portal_order_invoiced_fa.png``, the README's
``docs/screenshots/portal_order_invoiced_fa.png``)."""

from odoo.tests import tagged

from odoo.addons.car_portal_orders.tests.portal_common import CarPortalHttpCase

from .common import SepidarCase


@tagged("post_install", "-at_install")
class TestSepidarPortal(CarPortalHttpCase, SepidarCase):
    def _invoiced(self, dealer=None, lines=None):
        self.backend.document_type = "invoice"
        order = self._approved(
            dealer=dealer, lines=lines or [(self.oil_filter, 10), (self.samand, 1)]
        )
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.invoice_state, "registered")
        return order, export

    def _read_back(self):
        self.env["sepidar.export"]._cron_read_back()

    def _page(self, url):
        self._login(self.portal_a)
        response = self._get(url)
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_order_page_and_list_follow_sepidar(self):
        order, export = self._invoiced()
        html = self._page(order.access_url)
        self.assertIn("Invoiced", html)
        self.assertIn(export.invoice_number, html)
        self.simulator.pay_invoice(export.sepidar_document_id, 1_000_000)
        self._read_back()
        html = self._page(order.access_url)
        self.assertIn("Partly paid", html)
        self.assertIn("o_car_portal_sepidar_remaining", html)
        self.assertIn(f"{export.amount_remaining:,.0f}", html)
        self.assertIn("Read on", html)
        listing = self._page("/my/car-orders")
        self.assertIn("o_car_portal_sepidar_list_status", listing)
        self.assertIn("Partly paid", listing)
        self.simulator.pay_invoice(export.sepidar_document_id, export.amount_remaining)
        self._read_back()
        self.assertIn("Paid", self._page(order.access_url))

    def test_revoked_invoice_on_the_page(self):
        order, export = self._invoiced(lines=[(self.oil_filter, 2)])
        self.simulator.revoke_invoice(export.sepidar_document_id)
        self._read_back()
        html = self._page(order.access_url)
        self.assertIn("Invoice revoked", html)
        self.assertIn("text-bg-danger", html)

    def test_yearly_summary_adds_invoiced_and_paid(self):
        _order, export = self._invoiced(lines=[(self.oil_filter, 2)])
        self.simulator.pay_invoice(export.sepidar_document_id, 1_000_000)
        self._read_back()
        html = self._page("/my/car-orders/summary")
        self.assertIn("o_car_portal_summary_money", html)
        self.assertIn(f"{export.amount_net:,.0f}", html)  # invoiced
        self.assertIn("1,000,000", html)  # paid

    def test_screenshot_invoiced_partly_paid_order_in_persian(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        dealer = self._dealer("نمایندگی رشت", self.expert_1, self.region_north)
        user = self._portal_user("cp_dealer_fa", dealer)
        user.write({"lang": "fa_IR", "name": "مریم احمدی", "tz": "Asia/Tehran"})
        user.partner_id.lang = "fa_IR"
        self.oil_filter.name = "فیلتر روغن"
        self.samand.name = "سمند"
        order, export = self._invoiced(
            dealer=dealer, lines=[(self.samand, 1), (self.oil_filter, 10)]
        )
        self.simulator.pay_invoice(export.sepidar_document_id, export.amount_net / 3)
        self._read_back()
        self.assertEqual(order._portal_sepidar_status()["label"], "Partly paid")
        path = self._screenshot(
            user, order.access_url, "portal_order_invoiced_fa.png", "#car_order_sepidar"
        )
        self.assertGreater(path.stat().st_size, 10_000)
        self.authenticate(user.login, user.login)
        html = self.url_open(order.access_url).text
        self.assertIn("o_car_portal_sepidar_remaining", html)
        self.assertIn("۱۴", html)  # the Jalali read date, Persian digits
