# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import CarPortalCase


class TestMailTemplates(CarPortalCase):
    def test_submitted_and_referred(self):
        order = self._submitted_order()
        submitted = self._dealer_notices(order, "We received order")
        self.assertIn(order.name, submitted.body)
        self.assertIn(self.expert_1.name, submitted.body)
        self.assertIn(order.ordered_by_id, order.message_partner_ids)
        referred = order.message_ids.filtered(
            lambda m: "is referred to" in (m.body or "")
        )
        self.assertEqual(referred.partner_ids, self.expert_1.partner_id)
        self.assertIn("Account expert rule", referred.body)

    def test_expert_gets_one_message_per_referral(self):
        """The referral note is the expert's one message about a new order:
        Odoo's "assigned to you" and "activity assigned" mails are left out,
        while the expert still follows the order and has the review to-do."""
        order = self._submitted_order()
        expert = self.expert_1.partner_id
        notified = self.env["mail.notification"].search(
            [
                ("res_partner_id", "=", expert.id),
                ("mail_message_id.model", "=", order._name),
                ("mail_message_id.res_id", "=", order.id),
            ]
        )
        # The referral note, and the dealer's "received" notice, which every
        # follower of the order gets (the expert follows it from now on).
        referred = order.message_ids.filtered(
            lambda m: "is referred to" in (m.body or "")
        )
        received = self._dealer_notices(order, "We received order")
        self.assertEqual(notified.mail_message_id, referred | received)
        self.assertIn(expert, order.message_partner_ids)
        self.assertEqual(order.activity_ids.user_id, self.expert_1)

    def test_rejected_carries_the_reason(self):
        order = self._submitted_order()
        order.with_user(self.expert_1).action_reject("Colour discontinued")
        rejected = self._dealer_notices(order, "Colour discontinued")
        self.assertIn("Colour discontinued", rejected.body)
        self.assertIn(order.name, rejected.subject or rejected.record_name)

    def test_approved_states_the_supply(self):
        process = self.env["car.portal.process"].create(
            {
                "name": "One step",
                "partner_category_ids": [(6, 0, self.tag_gold.ids)],
                "stage_ids": [
                    (0, 0, {"name": "Only", "responsible_user_ids": self.manager.ids})
                ],
            }
        )
        self.dealer_a.category_id = self.tag_gold
        # The mail is in the dealer's language: English here, whatever the
        # database's default language (test_translations checks the Persian).
        self.env["res.lang"]._activate_lang("en_US")
        self.dealer_a.lang = "en_US"
        order = self._submitted_order()
        order.line_ids[0].with_user(self.expert_1).supplied_qty = 1
        order.expert_opinion = "<p>ok</p>"
        order.with_user(self.expert_1).action_send_to_process()
        self.assertEqual(order.process_id, process)
        order.with_user(self.manager).action_approve()
        approved = self._dealer_notices(order, "is approved")
        self.assertIn("11 of the 12 units", " ".join(approved.body.split()))
