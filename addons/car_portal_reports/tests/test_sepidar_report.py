# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Approved vs invoiced vs paid per dealer and period; open credit exposure."""

from odoo.exceptions import AccessError

from odoo.addons.car_portal_sepidar.tests.common import SepidarCase


class TestSepidarReport(SepidarCase):
    def _posted(self, dealer, lines):
        order = self._approved(dealer=dealer, lines=lines)
        self._run_cron()
        return order, self._export(order)

    def _rows(self, user=None):
        Report = self.env["car.portal.sepidar.report"]
        if user:
            Report = Report.with_user(user)
        return Report._read_group(
            [("partner_id", "in", (self.dealer_a | self.dealer_b).ids)],
            ["partner_id"],
            [
                "amount_approved:sum",
                "amount_invoiced:sum",
                "amount_paid:sum",
                "amount_open:sum",
            ],
        )

    def test_approved_invoiced_paid_and_exposure_per_dealer(self):
        self.backend.document_type = "invoice"
        _paid, paid = self._posted(self.dealer_a, [(self.oil_filter, 2)])
        _revoked, revoked = self._posted(self.dealer_a, [(self.oil_filter, 1)])
        self.backend.document_type = "quotation"
        _quoted, quoted = self._posted(self.dealer_b, [(self.oil_filter, 3)])
        self.simulator.pay_invoice(paid.sepidar_document_id, 1_000_000)
        self.simulator.revoke_invoice(revoked.sepidar_document_id)
        self.env["sepidar.export"]._cron_read_back()
        rows = {partner: figures for partner, *figures in self._rows()}
        approved_a = paid.amount_net + revoked.amount_net
        self.assertEqual(
            rows[self.dealer_a],
            [approved_a, paid.amount_net, 1_000_000, paid.amount_net - 1_000_000],
        )
        # Posted as a quotation, not invoiced: all of it is open exposure.
        self.assertEqual(
            rows[self.dealer_b],
            [quoted.amount_net, 0, 0, quoted.amount_net],
        )
        # Per period: the approval month.
        by_month = self.env["car.portal.sepidar.report"]._read_group(
            [("partner_id", "=", self.dealer_a.id)],
            ["date_approved:month"],
            ["amount_invoiced:sum"],
        )
        self.assertEqual(len(by_month), 1)

    def test_managers_and_finance_read_it_experts_do_not(self):
        self._posted(self.dealer_a, [(self.oil_filter, 1)])
        self.assertTrue(self._rows(self.finance))
        self.assertTrue(self._rows(self.manager))
        with self.assertRaises(AccessError):
            self._rows(self.expert_1)

    def test_dealer_year_money(self):
        self.backend.document_type = "invoice"
        _order, export = self._posted(self.dealer_a, [(self.oil_filter, 2)])
        self.simulator.pay_invoice(export.sepidar_document_id, 1_000_000)
        self.env["sepidar.export"]._cron_read_back()
        year = self.env["car.portal.order"]._portal_current_year()
        money = self.env["car.portal.sepidar.report"]._portal_year_money(
            self.dealer_a, year
        )
        self.assertEqual(money["paid"], "1,000,000")
        self.assertEqual(money["invoiced"], f"{export.amount_net:,.0f}")
        self.assertIsNone(
            self.env["car.portal.sepidar.report"]._portal_year_money(
                self.dealer_b, year
            )
        )
