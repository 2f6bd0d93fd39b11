# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closed orders do not change; the expert's opinion is the reviewer's; every
notice is readable where the dealer looks; to-dos speak their reader's
language; a user without an email address can still act."""

from odoo.exceptions import AccessError, UserError

from .test_process import ProcessCase


class TestClosedOrders(ProcessCase):
    def _approved(self):
        order = self._in_process(lines=[(self.vehicle, 2)])
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.state, "approved")
        return order

    def _everybody(self, order):
        return {
            "expert": order.with_user(self.expert_1),
            "manager": order.with_user(self.manager),
            "admin": order.with_user(self.admin),
            "sudo": order.sudo(),
            "superuser": order.with_user(self.env.ref("base.user_root")),
        }

    def test_approved_order_is_frozen_for_everybody(self):
        order = self._approved()
        other_term = self.env["car.portal.payment.term"].create(
            {"name": "Cash", "kind": "cash", "days": 0}
        )
        opinion = order.expert_opinion
        for role, as_role in self._everybody(order).items():
            for vals in (
                {"payment_term_id": other_term.id},
                {"expert_opinion": "<p>Rewritten after the fact</p>"},
            ):
                with (
                    self.subTest(role=role, vals=vals),
                    self.assertRaisesRegex(UserError, "closed"),
                ):
                    as_role.write(vals)
            with (
                self.subTest(role=role, line=True),
                self.assertRaisesRegex(UserError, "closed"),
            ):
                as_role.line_ids[0].write({"expert_note": "changed later"})
        order.invalidate_recordset()
        self.assertEqual(order.payment_term_id, self.payment_term)
        self.assertEqual(order.expert_opinion, opinion)

    def test_rejected_and_cancelled_orders_are_frozen_too(self):
        rejected = self._in_process()
        rejected.with_user(self.approver_1).action_reject("No stock")
        cancelled = self._submitted_order()
        cancelled.with_user(self.manager).action_cancel()
        for order in rejected | cancelled:
            with (
                self.subTest(state=order.state),
                self.assertRaisesRegex(UserError, "closed"),
            ):
                order.sudo().write({"payment_term_id": False})

    def test_chatter_and_activities_still_work_on_closed_orders(self):
        order = self._approved()
        order.with_user(self.manager).message_post(
            body="Delivered on Saturday", message_type="comment"
        )
        order.with_user(self.manager).activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.manager.id
        )
        order.sudo()._portal_ensure_token()
        self.assertIn("Delivered on Saturday", order.message_ids[0].body)
        self.assertTrue(order.access_token)
        # Writing the same value is no change.
        order.sudo().write({"payment_term_id": order.payment_term_id.id})


class TestExpertOpinion(ProcessCase):
    def test_only_the_reviewer_writes_it_during_the_review(self):
        order = self._submitted_order()
        with self.assertRaises(AccessError):
            order.with_user(self.expert_2).write({"expert_opinion": "<p>Mine</p>"})
        order.with_user(self.expert_1).write({"expert_opinion": "<p>First</p>"})
        order.with_user(self.expert_1).action_send_to_process()
        for vals in ({"expert_opinion": "<p>Later</p>"}, {"payment_term_id": False}):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "during the review"),
            ):
                order.with_user(self.manager).write(vals)

    def test_a_changed_opinion_is_traced(self):
        order = self._submitted_order()
        order.with_user(self.expert_1).write({"expert_opinion": "<p>Supply all</p>"})
        self.assertFalse(
            order.message_ids.filtered(lambda m: "opinion changed" in str(m.body))
        )
        order.with_user(self.expert_1).write({"expert_opinion": "<p>Supply half</p>"})
        [trace] = order.message_ids.filtered(lambda m: "opinion changed" in str(m.body))
        self.assertIn("Supply all", trace.body)
        self.assertIn("Supply half", trace.body)
        self.assertTrue(trace.subtype_id.internal)

    def test_tracked_fields(self):
        fields = self.env["car.portal.order"]._fields
        for fname in (
            "partner_id",
            "ordered_by_id",
            "user_id",
            "state",
            "payment_term_id",
            "dealer_note",
            "process_id",
            "stage_id",
            "reject_reason",
        ):
            with self.subTest(field=fname):
                self.assertTrue(fields[fname].tracking)


class TestReviewList(ProcessCase):
    def test_waiting_for_my_review(self):
        mine = self._submitted_order()
        approved = self._in_process()
        approved.with_user(self.approver_1).action_approve()
        other = self._submitted_order(dealer=self.dealer_b)
        Order = self.env["car.portal.order"].with_user(self.expert_1)
        found = Order.search([("can_review", "=", True)])
        self.assertIn(mine, found)
        self.assertNotIn(approved, found)
        self.assertNotIn(other, found)
        self.assertTrue(mine.with_user(self.expert_1).can_review)
        self.assertFalse(approved.with_user(self.expert_1).can_review)

    def test_a_substitute_sees_the_absent_experts_orders(self):
        order = self._submitted_order()
        self.env["car.portal.expert.leave"].create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_2.id,
                "date_from": "2000-01-01",
                "date_to": "2099-12-31",
            }
        )
        Order = self.env["car.portal.order"].with_user(self.expert_2)
        self.assertIn(order, Order.search([("can_review", "=", True)]))

    def test_the_action_filters_on_it_alone(self):
        action = self.env.ref("car_portal_orders.car_portal_order_action_to_review")
        self.assertEqual(action.context, "{'search_default_my_reviews': 1}")


class TestNoticesAndLanguages(ProcessCase):
    def test_dealer_notices_are_discussion_messages(self):
        order = self._in_process(lines=[(self.vehicle, 2)])
        order.with_user(self.approver_1).action_approve()
        texts = " ".join(str(m.body) for m in self._dealer_notices(order))
        for expected in ("We received order", "Review done", "is approved"):
            with self.subTest(notice=expected):
                self.assertIn(expected, texts)
        # Internal steps stay notes.
        process_note = order.message_ids.filtered(
            lambda m: "Approval process:" in str(m.body)
        )
        self.assertTrue(process_note.subtype_id.internal)

    def test_todos_are_written_in_their_readers_language(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.expert_1.lang = "fa_IR"
        order = self._submitted_order()  # submitted by an English speaker
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.expert_1)
        self.assertNotIn("Set the supplied quantities", str(activity.note))
        self.assertRegex(str(activity.note), "[\u0600-\u06ff]")

    def test_a_user_without_email_can_act(self):
        self.expert_1.email = False
        self.company.email = "orders@example.com"
        order = self._submitted_order()
        order.with_user(self.expert_1).write({"expert_opinion": "<p>Fine</p>"})
        order.with_user(self.expert_1).action_send_to_process()
        review = self._dealer_notices(order, "Review done")
        self.assertEqual(review.author_id, self.expert_1.partner_id)
        self.assertIn("orders@example.com", review.email_from)

    def test_without_any_sender_the_message_says_why(self):
        self.expert_1.email = False
        self.company.email = False
        order = self._submitted_order()
        order.with_user(self.expert_1).write({"expert_opinion": "<p>Fine</p>"})
        with self.assertRaisesRegex(UserError, "email address"):
            order.with_user(self.expert_1).action_send_to_process()
