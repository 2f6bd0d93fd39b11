# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The jobs that write posted rows (read-back, notices) never write the same
row at the same time: on two workers, the second writer would fail under
REPEATABLE READ and its whole batch would be undone with an error.

These tests need committed rows and real concurrent transactions, so they use
their own cursors (not the test transaction) and clean up after themselves.
"""

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests.common import TransactionCase


class TestPostedRowLocks(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            self.ids = self._create_posted_order(api.Environment(cr, SUPERUSER_ID, {}))
        self.addCleanup(self._cleanup)

    def _create_posted_order(self, env):
        dealer = env["res.partner"].create(
            {
                "name": "Lock test dealer",
                "is_company": True,
                "car_portal_is_dealer": True,
            }
        )
        product = env["product.product"].create(
            {"name": "Lock test part", "car_portal_orderable": True, "sale_ok": True}
        )
        term = env["car.portal.payment.term"].create({"name": "Lock test cash"})
        order = env["car.portal.order"].create(
            {
                "partner_id": dealer.id,
                "payment_term_id": term.id,
                "line_ids": [
                    Command.create({"product_id": product.id, "requested_qty": 1})
                ],
            }
        )
        # One backend per company: the database's own, or one of the test's.
        backend = env["sepidar.backend"].search([("company_id", "=", env.company.id)])
        created_backend = not backend
        if created_backend:
            backend = env["sepidar.backend"].create(
                {
                    "name": "Lock test backend",
                    "url": "http://127.0.0.1:9",
                    "serial": "10017ff3",
                    "username": "shop",
                    "password": "shop",
                }
            )
        export = env["sepidar.export"].create(
            {
                "order_id": order.id,
                "backend_id": backend.id,
                "guid": "00000000-0000-4000-8000-00000000c0c4",
                "document_type": "quotation",
                "state": "done",
                "sepidar_document_number": "4242",
                "posted_at": fields.Datetime.now(),
            }
        )
        return {
            "export": export.id,
            "order": order.id,
            "backend": created_backend and backend.id,
            "dealer": dealer.id,
            "product": product.id,
            "term": term.id,
        }

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["sepidar.export"].browse(self.ids["export"]).unlink()
            env["car.portal.order"].browse(self.ids["order"]).unlink()
            if self.ids["backend"]:
                env["sepidar.backend"].browse(self.ids["backend"]).unlink()
            env["car.portal.payment.term"].browse(self.ids["term"]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["dealer"]).unlink()

    def _hold_row(self, cr):
        """Another job's transaction holds the row (as a read-back does while
        it waits on Sepidar)."""
        cr.execute(
            "SELECT id FROM sepidar_export WHERE id = %s FOR UPDATE",
            [self.ids["export"]],
        )

    def _impatient(self, cr):
        """Without the skip, a job would wait for the holder: fail instead of
        hanging the suite (until the transaction ends)."""
        cr.execute("SET LOCAL lock_timeout = '3s'")

    def _notified_at(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT dealer_notified_at FROM sepidar_export WHERE id = %s",
                [self.ids["export"]],
            )
            return cr.fetchone()[0]

    def test_notice_job_skips_a_row_another_job_holds_then_takes_it(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            self._hold_row(cr_a)
            self._impatient(cr_b)
            Export = api.Environment(cr_b, SUPERUSER_ID, {})["sepidar.export"]
            # Without the skip, this job would wait for A, then fail.
            Export._cron_notify_dealers()
            self.assertFalse(Export.browse(self.ids["export"]).dealer_notified_at)
            cr_b.rollback()
            cr_a.rollback()  # A is done with the row
            Export._cron_notify_dealers()
            self.assertTrue(Export.browse(self.ids["export"]).dealer_notified_at)
            cr_b.commit()
        self.assertTrue(self._notified_at())

    def test_read_back_claims_only_rows_no_other_job_holds(self):
        domain = [("id", "=", self.ids["export"]), ("readback_done", "=", False)]
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            Export = api.Environment(cr_b, SUPERUSER_ID, {})["sepidar.export"]
            self._hold_row(cr_a)
            self._impatient(cr_b)
            self.assertFalse(Export._claim_free_rows(domain, order="id", limit=10))
            cr_b.rollback()
            cr_a.rollback()
            claimed = Export._claim_free_rows(domain, order="id", limit=10)
            self.assertEqual(claimed.ids, [self.ids["export"]])
            # Now B holds it: A (the notice job, say) skips it in turn.
            A = api.Environment(cr_a, SUPERUSER_ID, {})["sepidar.export"]
            self.assertFalse(A._claim_free_rows(domain, order="id", limit=10))
            cr_a.rollback()
            cr_b.rollback()
