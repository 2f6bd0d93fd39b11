# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who sees and does what."""

from odoo.exceptions import AccessError

from .common import SepidarCase


class TestSecurity(SepidarCase):
    def test_password_and_token_are_for_system_administrators(self):
        backend = self.backend.with_user(self.finance)
        self.assertTrue(backend.read(["url", "serial", "is_registered"]))
        for field in ("password", "token", "public_key_xml"):
            with self.assertRaises(AccessError):
                backend.read([field])
        self.assertNotIn("password", backend.fields_get())
        # cp_admin is a car portal administrator and a system administrator.
        backend = self.backend.with_user(self.admin)
        self.assertEqual(backend.read(["password"])[0]["password"], "shop123")

    def test_car_portal_admin_without_system_rights_configures_but_sees_no_secret(self):
        admin = self._user(
            "cp_portal_admin", "car_portal_orders.group_car_portal_admin"
        )
        backend = self.backend.with_user(admin)
        backend.write({"document_type": "invoice"})
        with self.assertRaises(AccessError):
            backend.read(["password"])
        with self.assertRaises(AccessError):
            backend.create({"name": "Another", "company_id": self.company.id})

    def test_finance_reads_postings_and_orders_but_no_config_write(self):
        order = self._approved()
        self._run_cron()
        export = self._export(order).with_user(self.finance)
        self.assertEqual(export.state, "done")
        self.assertTrue(export.log_ids)
        self.assertEqual(order.with_user(self.finance).sepidar_state, "done")
        order.with_user(self.finance).check_access("read")  # to act on to-dos
        self.assertFalse(
            self._order().with_user(self.finance).has_access("read")
        )  # but not orders that never went to Sepidar
        with self.assertRaises(AccessError):
            self.backend.with_user(self.finance).write({"batch_size": 5})
        with self.assertRaises(AccessError):
            export.log_ids.unlink()

    def test_experts_see_the_status_not_the_outbox(self):
        order = self._approved(dealer=self.dealer_a)
        self._run_cron()
        as_expert = order.with_user(self.expert_1)
        self.assertEqual(as_expert.sepidar_state, "done")
        self.assertTrue(as_expert.sepidar_document_number)
        with self.assertRaises(AccessError):
            self.env["sepidar.export"].with_user(self.expert_1).search([])
        with self.assertRaises(AccessError):
            self.backend.with_user(self.expert_1).read(["url"])
