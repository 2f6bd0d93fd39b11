# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading posted documents back: invoice, payment, revocation, and what the
dealer reads of each."""

from .common import SepidarCase


class TestReadback(SepidarCase):
    def _posted(self, document_type="invoice", count=1):
        self.backend.document_type = document_type
        orders = self.env["car.portal.order"]
        for _i in range(count):
            orders |= self._approved(lines=[(self.oil_filter, 2)])
        self._run_cron()
        self.assertEqual(set(orders.mapped("sepidar_state")), {"done"})
        return orders

    def _read_back(self):
        before = self._sim_state()["requests"]
        self.env["sepidar.export"]._cron_read_back()
        return self._sim_state()["requests"] - before

    def _sepidar_history(self, order):
        return order.history_ids.filtered(lambda h: h.action == "sepidar")

    def test_payment_then_full_payment(self):
        order = self._posted()
        export = self._export(order)
        self.assertEqual(export.invoice_state, "registered")  # posted as invoice
        status = order._portal_sepidar_status()
        self.assertEqual(
            (status["label"], status["number"]), ("Invoiced", export.invoice_number)
        )
        net = export.amount_net
        self.simulator.pay_invoice(export.sepidar_document_id, 1_000_000)
        self.assertEqual(self._read_back(), 1)
        self.assertEqual(export.amount_received, 1_000_000)
        self.assertEqual(export.amount_remaining, net - 1_000_000)
        self.assertFalse(export.readback_done)
        self.assertIn("Received 1,000,000 Rial", self._sepidar_history(order).reason)
        status = order._portal_sepidar_status()
        self.assertEqual(status["label"], "Partly paid")
        self.assertEqual(status["remaining"], f"{net - 1_000_000:,.0f}")
        self.assertTrue(status["date"])
        fa = order.with_context(lang="fa_IR")._portal_sepidar_status()
        self.assertNotIn("1", fa["remaining"])  # Persian digits
        # Nothing changed: no new history row.
        self._read_back()
        self.assertEqual(len(self._sepidar_history(order)), 1)
        # An amount Sepidar sends with more decimals than Odoo keeps is no change.
        self.simulator.pay_invoice(export.sepidar_document_id, 1 / 3)
        self._read_back()
        self._read_back()
        self.assertEqual(len(self._sepidar_history(order)), 2)
        self.simulator.pay_invoice(export.sepidar_document_id, net)
        self._read_back()
        self.assertEqual(export.amount_remaining, 0)
        self.assertTrue(export.readback_done)
        self.assertEqual(order._portal_sepidar_status()["label"], "Paid")
        self.assertEqual(self._read_back(), 0)  # settled: not read again

    def test_revoked_invoice_is_flagged_for_finance(self):
        order = self._posted()
        export = self._export(order)
        self.simulator.revoke_invoice(export.sepidar_document_id)
        self._read_back()
        self.assertEqual(export.invoice_state, "revoked")
        self.assertTrue(export.readback_done)
        todo = self._activities(order)
        self.assertIn(self.finance, todo.user_id)
        todo = todo.filtered(lambda a: a.user_id == self.finance)
        self.assertIn("revoked", todo.summary)
        self.assertIn("revoked", self._sepidar_history(order).reason)
        status = order._portal_sepidar_status()
        self.assertEqual(
            (status["label"], status["tone"]), ("Invoice revoked", "danger")
        )

    def test_invoiced_orders_no_longer_hold_stock(self):
        """Available to promise: an approved order holds its supplied
        quantities until Sepidar has its invoice; a revoked invoice gives the
        claim back."""
        self.backend.document_type = "quotation"
        order = self._approved(lines=[(self.oil_filter, 2)])
        Order = self.env["car.portal.order"]

        def promised():
            held = self.oil_filter._car_portal_promised(order.company_id)
            return held.get(self.oil_filter.id, 0), order in Order.search(
                Order._car_portal_promised_domain()
            )

        self.assertEqual(promised(), (2, True))
        self._run_cron()
        self.assertEqual(promised(), (2, True))  # a quotation: not invoiced yet
        export = self._export(order)
        self._sepidar_client().create_invoice_from_quotation(export.sepidar_document_id)
        self._read_back()
        self.assertTrue(export.invoiced_at)
        self.assertEqual(promised(), (0, False))
        self.simulator.revoke_invoice(export.sepidar_invoice_id)
        self._read_back()
        self.assertEqual(export.invoice_state, "revoked")
        self.assertEqual(promised(), (2, True))

    def test_quotation_invoiced_in_sepidar_is_read_back(self):
        orders = self._posted("quotation", count=3)
        exports = (
            self._export(orders[0]) | self._export(orders[1]) | self._export(orders[2])
        )
        self.assertEqual(order_status(orders[0]), "Registered in accounting")
        client = self._sepidar_client()
        invoice = client.create_invoice_from_quotation(exports[0].sepidar_document_id)
        client.close_quotation(exports[1].sepidar_document_id)
        # One invoice list, one quotation list for three documents.
        self.assertEqual(self._read_back(), 2)
        self.assertEqual(exports[0].invoice_number, str(invoice["Number"]))
        self.assertEqual(order_status(orders[0]), "Invoiced")
        self.assertTrue(exports[1].quotation_closed)
        self.assertTrue(exports[1].readback_done)
        self.assertFalse(exports[2].readback_done)
        self.assertEqual(self._sim_state()["quotations"], 3)  # nothing posted
        self.assertEqual(self._sim_state()["invoices"], 1)

    def test_sepidar_down_changes_nothing(self):
        order = self._posted()
        export = self._export(order)
        self.simulator.configure(error_rate=1.0)
        self.env["sepidar.export"]._cron_read_back()
        self.assertFalse(export.readback_at)
        self.assertFalse(self._sepidar_history(order))


def order_status(order):
    return order._portal_sepidar_status()["label"]
