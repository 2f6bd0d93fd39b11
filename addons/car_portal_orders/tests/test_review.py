# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from .common import CarPortalCase


class TestReview(CarPortalCase):
    def test_submit_prefills_supply_and_freezes(self):
        order = self._submitted_order()
        self.assertEqual(order.state, "review")
        self.assertTrue(order.date_submitted)
        self.assertEqual(order.line_ids.mapped("supplied_qty"), [2.0, 10.0])
        self.assertEqual(order.requested_qty, 12.0)
        self.assertEqual(order.discrepancy_qty, 0.0)

    def test_empty_order_cannot_be_submitted(self):
        order = self._order(lines=[])
        order.line_ids.unlink()
        with self.assertRaisesRegex(UserError, "at least one product"):
            order.action_submit()
        self.assertEqual(order.state, "draft")

    def test_unorderable_or_fractional_lines_cannot_be_submitted(self):
        order = self._order(lines=[(self.vehicle, 1.5)])
        with self.assertRaisesRegex(UserError, "whole number"):
            order.action_submit()
        order.line_ids.requested_qty = 501
        with self.assertRaisesRegex(UserError, "At most 500"):
            order.action_submit()
        order.line_ids.requested_qty = 1
        self.vehicle.car_portal_orderable = False
        with self.assertRaisesRegex(UserError, "cannot be ordered"):
            order.action_submit()

    def test_expert_sets_supplied_quantity_and_opinion(self):
        order = self._submitted_order()
        line = order.line_ids.filtered(lambda ln: ln.product_id == self.brake_pad)
        line.with_user(self.expert_1).write({"supplied_qty": 4, "expert_note": "Short"})
        self.assertEqual(line.discrepancy_qty, 6.0)
        self.assertAlmostEqual(line.discrepancy_percent, 60.0)
        self.assertEqual(order.discrepancy_qty, 6.0)
        self.assertIn("10.0 → 4.0", order.message_ids[0].body)
        order.with_user(self.expert_1).expert_opinion = "<p>Partial supply.</p>"
        order.with_user(self.expert_1).action_send_to_process()
        self.assertEqual(order.state, "process")
        self.assertEqual(
            order.process_id, self.env.ref("car_portal_orders.process_default")
        )
        self.assertTrue(order.date_reviewed)
        review = self.env.ref("car_portal_orders.mail_activity_order_review")
        self.assertNotIn(review, order.activity_ids.activity_type_id)

    def test_zero_supply_allowed_more_than_requested_rejected(self):
        order = self._submitted_order()
        line = order.line_ids[0]
        line.with_user(self.expert_1).supplied_qty = 0
        self.assertEqual(line.discrepancy_qty, 2.0)
        with self.assertRaisesRegex(ValidationError, "cannot exceed"):
            line.with_user(self.expert_1).supplied_qty = 3
        with self.assertRaisesRegex(ValidationError, "cannot exceed"):
            line.sudo().supplied_qty = 3

    def test_opinion_required(self):
        order = self._submitted_order()
        with self.assertRaisesRegex(UserError, "opinion"):
            order.with_user(self.expert_1).action_send_to_process()
        order.expert_opinion = "<p> </p>"
        with self.assertRaisesRegex(UserError, "opinion"):
            order.with_user(self.expert_1).action_send_to_process()

    def test_only_the_expert_substitute_or_manager_reviews(self):
        order = self._submitted_order()
        line = order.line_ids[0]
        with self.assertRaises(AccessError):
            line.with_user(self.expert_2).supplied_qty = 1
        with self.assertRaises(AccessError):
            order.with_user(self.expert_2).action_reject("no")
        line.with_user(self.manager).supplied_qty = 1
        self.assertEqual(line.supplied_qty, 1)

    def test_supply_only_changes_during_review(self):
        order = self._submitted_order()
        order.expert_opinion = "<p>ok</p>"
        order.with_user(self.expert_1).action_send_to_process()
        with self.assertRaisesRegex(
            UserError, "only be changed during the expert review"
        ):
            order.line_ids[0].with_user(self.manager).supplied_qty = 0

    def test_reject_requires_reason_and_tells_dealer(self):
        order = self._submitted_order()
        with self.assertRaisesRegex(UserError, "reason"):
            order.with_user(self.expert_1).action_reject(" ")
        order.with_user(self.expert_1).action_reject("Model discontinued")
        self.assertEqual(order.state, "rejected")
        self.assertEqual(order.reject_reason, "Model discontinued")
        message = order.message_ids[0]
        self.assertEqual(message, self._dealer_notices(order)[0])
        self.assertIn("Model discontinued", message.body)

    def test_cancel_rules(self):
        order = self._submitted_order()
        # The dealer can cancel before the expert's review is done.
        order.with_user(self.portal_a).sudo().action_cancel()
        self.assertEqual(order.state, "cancel")
        with self.assertRaisesRegex(UserError, "closed"):
            order.action_cancel()

    def test_state_and_dates_not_writable(self):
        order = self._submitted_order()
        for vals in (
            {"state": "approved"},
            {"date_approved": "2026-01-01 00:00:00"},
            {"reject_reason": "x"},
        ):
            with self.assertRaisesRegex(UserError, "buttons"):
                order.sudo().write(vals)
        with self.assertRaises(UserError):
            self.env["car.portal.order"].create(
                {"partner_id": self.dealer_a.id, "state": "approved"}
            )
        self.assertEqual(order.state, "review")

    def test_reorder_copies_request_as_draft(self):
        order = self._submitted_order()
        order.line_ids[0].with_user(self.expert_1).supplied_qty = 1
        copy = order.action_reorder()
        self.assertEqual(copy.state, "draft")
        self.assertNotEqual(copy.name, order.name)
        self.assertEqual(copy.line_ids.mapped("requested_qty"), [2.0, 10.0])
        self.assertEqual(copy.line_ids.mapped("supplied_qty"), [0.0, 0.0])
        self.assertFalse(copy.user_id)

    def test_number_from_sequence(self):
        first, second = self._order(), self._order()
        self.assertTrue(first.name.startswith("CO/"))
        self.assertNotEqual(first.name, second.name)

    def test_add_line_in_draft_only(self):
        order = self._order()
        order.write(
            {
                "line_ids": [
                    Command.create({"product_id": self.vehicle.id, "requested_qty": 1})
                ]
            }
        )
        self.assertEqual(len(order.line_ids), 3)
