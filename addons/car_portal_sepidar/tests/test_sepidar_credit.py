# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The credit-check stage reads the dealer's credit snapshot from Sepidar;
Sepidar's refusal of an invoice over the credit ceiling has a state of its own."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError

from .common import SepidarCase

SAMAND = 7e9  # Odoo price of one Samand (odoo_price_factor 1: Rial)


class TestCreditCheckStage(SepidarCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["car.portal.process"].create(
            {
                "name": "Credit first",
                "company_id": cls.company.id,
                "is_default": True,
                "sequence": 1,
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Credit check",
                            "kind": "credit_check",
                            "responsible_user_ids": [Command.set(cls.manager.ids)],
                        }
                    )
                ],
            }
        )
        cls.binding = cls._bind(cls, cls.dealer_a, 1)

    def _credit(self, ceiling):
        """Sepidar gives customer 1 this ceiling; Odoo reads it."""
        self.simulator.set_credit_ceiling(1, ceiling)
        self.binding.action_refresh_credit()

    def _through_review(self, qty=1):
        order = self._order(lines=[(self.samand, qty)])
        order.action_submit()
        order.expert_opinion = "<p>Supply it.</p>"
        order.action_send_to_process()
        return order

    def test_credit_that_covers_the_order_passes(self):
        self._credit(2 * SAMAND)
        self.assertEqual(self.binding.credit_remainder, 2 * SAMAND)
        self.assertTrue(self.binding.credit_read_at)
        order = self._through_review()
        self.assertEqual(order.state, "approved")
        self.assertFalse(order.credit_shortfall)
        self.assertIn("credit_pass", order.history_ids.mapped("action"))

    def test_short_credit_waits_with_the_shortfall_and_override_needs_a_reason(self):
        self._credit(SAMAND / 2)
        order = self._through_review()
        self.assertEqual(
            (order.state, order.stage_id.kind), ("process", "credit_check")
        )
        self.assertIn("does not cover", order.credit_shortfall)
        self.assertIn("Short by 3,500,000,000 Rial", order.credit_shortfall)
        self.assertEqual(order.current_reviewer_ids, self.manager)
        self.assertIn("credit_stop", order.history_ids.mapped("action"))
        as_manager = order.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "approve it with a comment"):
            as_manager.action_approve()
        as_manager.action_approve(comment="Pays cash on delivery")
        self.assertEqual(order.state, "approved")
        approval = order.history_ids.filtered(lambda h: h.action == "approve")
        self.assertEqual(approval.reason, "Pays cash on delivery")

    def test_approved_orders_not_yet_invoiced_count_against_the_credit(self):
        self._credit(SAMAND * 1.5)
        first = self._through_review()
        self.assertEqual(first.state, "approved")  # its posting is pending
        second = self._through_review()
        self.assertEqual(second.state, "process")
        self.assertIn(
            "approved and not yet invoiced: 7,000,000,000", second.credit_shortfall
        )

    def test_stale_credit_waits_and_finance_refresh_lets_it_go_on(self):
        self._credit(2 * SAMAND)
        self.binding.credit_read_at = fields.Datetime.now() - timedelta(hours=30)
        order = self._through_review()
        self.assertEqual(order.state, "process")
        self.assertIn("too old to rely on", order.credit_shortfall)
        with self.assertRaises(UserError):  # not for the dealer's expert
            order.with_user(self.expert_1).action_sepidar_refresh_credit()
        order.with_user(self.finance).action_sepidar_refresh_credit()
        self.assertEqual(order.state, "approved")

    def test_sepidar_down_waits_and_says_why(self):
        self.simulator.configure(customers_down=True)
        action = self.binding.action_refresh_credit()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertTrue(self.binding.credit_error)
        self.assertFalse(self.binding.credit_read_at)
        order = self._through_review()
        self.assertEqual(order.state, "process")
        self.assertIn("could not be checked", order.credit_shortfall)
        self.assertIn("has not been read from Sepidar", order.credit_shortfall)
        self.assertIn("Sepidar", order.credit_shortfall)

    def test_stale_and_unreachable_says_both(self):
        self._credit(2 * SAMAND)
        self.binding.credit_read_at = fields.Datetime.now() - timedelta(days=3)
        self.simulator.configure(customers_down=True)
        self.env["sepidar.partner.binding"]._cron_refresh_credit()
        order = self._through_review()
        self.assertIn("too old", order.credit_shortfall)
        self.assertIn("could not be reached", order.credit_shortfall)

    def test_unmapped_dealer_waits(self):
        self.binding.sepidar_customer_id = 0
        order = self._through_review()
        self.assertEqual(order.state, "process")
        self.assertIn("not yet a known Sepidar customer", order.credit_shortfall)

    def test_the_cron_reads_every_mapped_dealer_in_one_call(self):
        self.simulator.set_credit_ceiling(1, 5e9)
        before = self._sim_state()["requests"]
        self.env["sepidar.partner.binding"]._cron_refresh_credit()
        self.assertEqual(self._sim_state()["requests"] - before, 1)
        self.assertEqual(self.binding.credit_remainder, 5e9)

    def test_persian_reader_gets_jalali_date_and_persian_digits(self):
        self._credit(SAMAND / 2)
        order = self._through_review()
        _status, note = order.with_context(lang="fa_IR")._credit_check()
        self.assertIn("۳٬۵۰۰٬۰۰۰٬۰۰۰", note)
        self.assertIn("۱۴", note)  # a Jalali year (14xx)


class TestCreditCeilingRefusal(SepidarCase):
    def test_refusal_for_the_ceiling_is_a_clear_state_with_a_finance_todo(self):
        self.backend.document_type = "invoice"
        self._bind(self.dealer_a, 1)
        self.simulator.set_credit_ceiling(1, 1_000_000)
        order = self._approved(lines=[(self.oil_filter, 4)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "credit_refused")
        self.assertEqual(order.sepidar_state, "credit_refused")
        self.assertIn("سقف اعتبار", export.last_error)
        self.assertEqual(export.log_ids.outcome, "credit_refused")
        todo = self._activities(order)
        self.assertIn(self.finance, todo.user_id)
        todo = todo.filtered(lambda a: a.user_id == self.finance)
        self.assertIn("credit ceiling", todo.note)
        self.assertEqual(self._sim_state()["invoices"], 0)
        # Finance raises the ceiling in Sepidar, then retries.
        self.simulator.set_credit_ceiling(1, 1e12)
        export.with_user(self.finance).action_retry()
        self._make_due(export)
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.invoice_state, "registered")
