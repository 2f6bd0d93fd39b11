# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Backend buttons: register, test the connection, pull reference data."""

from odoo.exceptions import UserError

from ..sepidar_client import SepidarClient
from .common import FILTER_FEE, OIL_FILTER, PARTS_STOCK, SERIAL, SepidarCase


class TestBackend(SepidarCase):
    def test_registration_stored_the_device_key(self):
        backend = self.backend.sudo()
        self.assertTrue(backend.is_registered)
        self.assertTrue(backend.public_key_xml.startswith("<RSAKeyValue>"))
        self.assertEqual(backend.integration_id, 1001)
        self.assertTrue(backend.device_title)

    def test_registering_a_serial_twice_is_refused_clearly(self):
        self.backend.action_reset_registration()
        with self.assertRaisesRegex(UserError, "already registered"):
            self.backend.action_register_device()

    def test_new_serial_registers_again(self):
        # Another device: the class's device 1001 must keep its key.
        device = self.simulator.issue_serial(title="Second shop")
        self.backend.serial = device["Serial"]
        self.assertFalse(self.backend.is_registered)  # the old key is void
        self.backend.action_register_device()
        self.assertTrue(self.backend.is_registered)
        self.backend.action_test_connection()
        self.assertFalse(self.backend.last_error)

    def test_invalid_serial_is_refused(self):
        with self.assertRaises(UserError):
            self.backend.serial = "abc"

    def test_test_connection_reports_level_and_errors(self):
        result = self.backend.action_test_connection()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(self.backend.server_version, 110)
        self.assertEqual(self.backend.lock_number, "0051607")
        self.backend.sudo().password = "wrong"
        result = self.backend.action_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("Wrong password", result["params"]["message"])
        self.assertIn("Wrong password", self.backend.last_error)

    def test_a_saved_token_skips_the_login(self):
        client = self.backend._get_client()
        client.stocks()
        client.close()
        self.assertEqual(self._sim_state()["logins"], 0)
        self.assertEqual(client.call_count, 1)

    def test_the_sepidar_session_keeps_the_token(self):
        """Every caller opens the client through the backend's session, which
        keeps the token the client ends with, also when the block fails."""
        backend = self.backend.sudo()
        backend.token = False
        binding = self.env["sepidar.partner.binding"]._get_or_create(
            self.backend, self.dealer_a
        )
        binding.action_match()  # logs in to read the customers
        self.assertEqual(self._sim_state()["logins"], 1)
        self.assertTrue(backend.token)
        backend.token = False
        with (
            self.assertRaisesRegex(ValueError, "after the call"),
            self.backend._session() as client,
        ):
            client.stocks()
            raise ValueError("after the call")
        self.assertEqual(self._sim_state()["logins"], 2)
        self.assertTrue(backend.token)

    def test_reference_data_is_cached(self):
        backend = self.backend
        self.assertEqual((backend.currency_ref, backend.currency_precision), (1, 0))
        items = self.env["sepidar.item"].search([("backend_id", "=", backend.id)])
        self.assertEqual(len(items), 9)
        oil_filter = items.filtered(lambda i: i.sepidar_id == OIL_FILTER)
        self.assertEqual(oil_filter.code, "PT-0002")
        self.assertEqual((oil_filter.tax_rate, oil_filter.duty_rate), (9, 1))
        self.assertEqual(oil_filter.stock_id.sepidar_id, PARTS_STOCK)
        self.assertEqual(oil_filter.inventory_qty, 120)
        sale_type = self._sepidar("sepidar.sale.type", 1)
        self.assertEqual(oil_filter._price_for(sale_type), FILTER_FEE)
        self.assertEqual(
            len(items.filtered(lambda i: i.sepidar_id == 1).tracing_ids), 2
        )
        stocks = self.env["sepidar.stock"].search([("backend_id", "=", backend.id)])
        self.assertEqual(len(stocks), 2)  # the inactive one is archived

    def test_reference_data_then_the_stock_levels(self):
        """The pull has the stock job run right after it, which keeps each
        orderable product's stock, with its age, for the available to
        promise (nothing reads Sepidar on a page)."""
        stock_job = self.env.ref("car_portal_sepidar.ir_cron_sepidar_stock")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", stock_job.id)])
        self.backend._pull_reference_data()
        new = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", stock_job.id), ("id", "not in", triggers.ids)]
        )
        self.assertEqual(len(new), 1)
        self.env["sepidar.backend"]._cron_read_stock()  # what the trigger runs
        levels = self.env["car.portal.stock.level"].search(
            [("product_id", "=", self.oil_filter.id)]
        )
        self.assertEqual(levels.quantity, 120)
        self.assertTrue(levels.read_at)
        atp = self.oil_filter._car_portal_atp(self.company)
        self.assertEqual(atp[self.oil_filter.id][0], 120)

    def test_pulling_again_updates_and_archives(self):
        ledger = self.simulator.backend.ledger
        ledger.items[OIL_FILTER]["TaxRate"] = 10
        del ledger.items[7]
        ledger.inventories[:] = [r for r in ledger.inventories if r["ItemRef"] != 7]
        ledger.price_note_items[:] = [
            p for p in ledger.price_note_items if p["ItemRef"] != 7
        ]
        counts = self.backend._pull_reference_data()
        self.assertEqual(counts["items"], 8)
        self.assertEqual(self._sepidar("sepidar.item", OIL_FILTER).tax_rate, 10)
        gone = (
            self.env["sepidar.item"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.backend.id), ("sepidar_id", "=", 7)])
        )
        self.assertFalse(gone.active)

    def test_match_button_binds_products_and_dealers(self):
        self.dealer_b.ref = "10002"
        self.backend.action_match_mappings()
        products = self.env["sepidar.product.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertIn(self.oil_filter, products.filtered("is_mapped").product_id)
        self.assertIn(
            self.mystery, products.filtered(lambda b: not b.is_mapped).product_id
        )
        dealers = self.env["sepidar.partner.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        dealer_b = dealers.filtered(lambda b: b.partner_id == self.dealer_b)
        self.assertEqual(
            (dealer_b.sepidar_customer_id, dealer_b.matched_by), (2, "code")
        )
        self.assertFalse(
            dealers.filtered(lambda b: b.partner_id == self.dealer_a).is_mapped
        )
        self.assertEqual(self.backend.unmapped_dealer_count, len(dealers) - 1)

    def test_client_headers_use_the_stored_key(self):
        """The stored key is the one Sepidar checks signatures with."""
        client = SepidarClient(
            self.simulator.url,
            serial=SERIAL,
            username="shop",
            password="shop123",
            public_key=self.backend.sudo().public_key_xml,
        )
        self.addCleanup(client.close)
        self.assertTrue(client.login()["Token"])
        self.assertTrue(client.is_authorized())
