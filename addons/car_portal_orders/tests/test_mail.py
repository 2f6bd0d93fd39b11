# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from .common import CarPortalCase
from .translation_common import PERSIAN, TranslationCase


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
        # The referral note, and the dealer's "received" notice, which every
        # follower of the order gets (the expert follows it from now on).
        referred = order.message_ids.filtered(
            lambda m: "is referred to" in (m.body or "")
        )
        received = self._dealer_notices(order, "We received order")
        self.assertEqual(self._notified(expert, order), referred | received)
        self.assertIn(expert, order.message_partner_ids)
        self.assertEqual(order.activity_ids.user_id, self.expert_1)

    def _notified(self, partner, order):
        """The order's messages ``partner`` was notified of, once Odoo's queue
        of notifications has run (the submission's are queued)."""
        self.env["mail.message.schedule"]._send_notifications_cron()
        return (
            self.env["mail.notification"]
            .search(
                [
                    ("res_partner_id", "=", partner.id),
                    ("mail_message_id.model", "=", order._name),
                    ("mail_message_id.res_id", "=", order.id),
                ]
            )
            .mail_message_id
        )

    def test_submission_notifications_come_from_the_queue_after_commit(self):
        """The dealer's request does not wait for the submission's mails: its
        two notices are in the conversation at once, their notifications are
        queued in Odoo's own queue (``mail.message.schedule``) for now, and
        its cron, woken at commit, makes the same mails and notifications."""
        order = self._submitted_order()
        notices = order.message_ids.filtered(
            lambda m: "is referred to" in (m.body or "")
        ) | self._dealer_notices(order, "We received order")
        self.assertEqual(len(notices), 2)
        queued = self.env["mail.message.schedule"].search(
            [("mail_message_id", "in", notices.ids)]
        )
        self.assertEqual(queued.mail_message_id, notices)
        self.assertFalse(notices.notification_ids)
        cron = self.env.ref("mail.ir_cron_send_scheduled_message")
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", cron.id), ("call_at", "<=", order.date_submitted)]
            ),
            "the queue's cron runs at once, not at its hourly run",
        )
        # Outside a submission (a reply, a later step), Odoo notifies at once.
        order.with_user(self.expert_1).message_post(
            body="Noted", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(
            self.env["mail.message.schedule"].search(
                [("mail_message_id", "in", order.message_ids.ids)]
            ),
            queued,
        )
        self.env["mail.message.schedule"]._send_notifications_cron()
        self.assertFalse(queued.exists())
        mails = self.env["mail.mail"].search([("mail_message_id", "in", notices.ids)])
        # The expert: the note and the notice; the ordering contact: the notice.
        self.assertEqual(
            mails.recipient_ids,
            self.expert_1.partner_id | order.ordered_by_id,
        )
        for mail in mails:
            self.assertIn(order.name, (mail.subject or "") + mail.body_html)

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


SIGNED_TOKEN = re.compile(r"token=[\w-]+")


class TestTemplatePosting(TranslationCase, CarPortalCase):
    """``_message_post_template`` renders a mail template itself and posts
    it with ``message_post``: the message, its mails and its notifications
    are those Odoo's mail composer (``message_post_with_source``, and its
    batch mode for several orders) gives, in the reader's language."""

    translated_module = "car_portal_orders"

    MESSAGE_FIELDS = (
        "subject",
        "body",
        "message_type",
        "subtype_id",
        "author_id",
        "email_from",
        "reply_to",
        "partner_ids",
        "record_name",
        "record_company_id",
        "record_alias_domain_id",
        "email_add_signature",
        "email_layout_xmlid",
        "mail_server_id",
        "is_internal",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.submitted = "car_portal_orders.mail_template_order_submitted"
        cls.referred = "car_portal_orders.mail_template_order_referred"
        # An attachment of the template: each message gets its own copy.
        cls.leaflet = cls.env["ir.attachment"].create(
            {"name": "conditions.txt", "raw": b"Conditions of supply"}
        )
        cls.env.ref(cls.submitted).attachment_ids = cls.leaflet
        cls.dealer_fa = cls._dealer("نمایندگی رشت", cls.expert_2, cls.region_north)
        cls.buyer_fa = cls.env["res.partner"].create(
            {
                "name": "مریم احمدی",
                "parent_id": cls.dealer_fa.id,
                "lang": PERSIAN,
                "email": "maryam@example.com",
            }
        )
        cls.dealer_a.email = "dealer.a@example.com"

    def _left_by(self, message):
        """What a post leaves: the message, its attachments, mails and
        notifications (without what differs from one message to the next)."""
        mails = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        body_id = f"/mail/view?model={message.model}"
        return {
            **{fname: message[fname] for fname in self.MESSAGE_FIELDS},
            "attachments": sorted(
                (a.name, a.raw, a.res_model, a.res_id) for a in message.attachment_ids
            ),
            "mails": sorted(
                (
                    mail.recipient_ids.ids,
                    mail.subject,
                    mail.email_from,
                    mail.reply_to,
                    mail.auto_delete,
                    mail.is_notification,
                    mail.mail_server_id.id,
                    sorted(mail.attachment_ids.mapped("name")),
                    # The mail's body: the template in the notification layout.
                    str(mail.body_html).count(body_id),
                    # Signed tokens of the links carry their time of signing;
                    # the message's id only as a whole number (a link's hash
                    # may hold the same digits).
                    re.sub(
                        rf"(?<!\w){message.id}(?!\w)",
                        "<message>",
                        SIGNED_TOKEN.sub("token=<signed>", str(mail.body_html)),
                    ),
                )
                for mail in mails
            ),
            "notified": sorted(
                (n.res_partner_id.id, n.notification_type, n.is_read)
                for n in message.notification_ids
            ),
        }

    def _assert_same_posts(self, composed, direct):
        self.assertTrue(composed)
        self.assertEqual(len(composed), len(direct))
        self.assertNotEqual(composed, direct)
        for old, new in zip(composed, direct, strict=True):
            self.assertEqual(self._left_by(new), self._left_by(old))

    def test_dealer_notice_as_the_composer_posts_it(self):
        """Posted by a manager, who follows the order afterwards either way."""
        order = self._submitted_order().with_user(self.manager)
        kwargs = {
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            "force_send": False,
        }
        composed = order.message_post_with_source(self.submitted, **kwargs)
        self.assertIn(self.manager.partner_id, order.message_partner_ids)
        order.sudo().message_unsubscribe(partner_ids=self.manager.partner_id.ids)
        direct = order._message_post_template(self.submitted, **kwargs)
        self._assert_same_posts(composed, direct)
        self.assertEqual(direct.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(direct.attachment_ids.raw, b"Conditions of supply")
        self.assertNotEqual(direct.attachment_ids, self.leaflet)
        self.assertTrue(
            self.env["mail.mail"].search([("mail_message_id", "=", direct.id)])
        )
        self.assertIn(self.manager.partner_id, order.message_partner_ids)

    def test_referral_note_as_the_composer_posts_it(self):
        order = self._submitted_order()
        referral = {"fallback": False, "rule_name": "Rule X", "absent_names": "Ali"}
        order = order.with_context(car_portal_referral=referral)
        composed = order.message_post_with_source(
            self.referred, subtype_xmlid="mail.mt_note", force_send=False
        )
        direct = order._message_post_template(
            self.referred, subtype_xmlid="mail.mt_note", force_send=False
        )
        self._assert_same_posts(composed, direct)
        self.assertEqual(direct.partner_ids, self.expert_1.partner_id)
        self.assertIn("Rule X", direct.body)
        self.assertIn("On leave: Ali", " ".join(str(direct.body).split()))

    def test_persian_dealer_reads_it_in_persian(self):
        order = self._submitted_order(
            dealer=self.dealer_fa, ordered_by_id=self.buyer_fa.id
        )
        kwargs = {
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            "force_send": False,
        }
        composed = order.message_post_with_source(self.submitted, **kwargs)
        direct = order._message_post_template(self.submitted, **kwargs)
        self._assert_same_posts(composed, direct)
        names = [order.name, self.buyer_fa.name, self.expert_2.name]
        self.assertPersian(str(direct.body), allowed=names)
        self.assertPersian(direct.subject, allowed=names)
        mail = self.env["mail.mail"].search(
            [
                ("mail_message_id", "=", direct.id),
                ("recipient_ids", "in", self.buyer_fa.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(str(direct.body), str(mail.body_html))

    def test_several_orders_as_the_batch_composer_posts_them(self):
        """Orders of an English and a Persian dealer at once (mass approval):
        one rendering pass, each order in its dealer's language."""
        orders = self._submitted_order() | self._submitted_order(
            dealer=self.dealer_fa, ordered_by_id=self.buyer_fa.id
        )
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model=orders._name,
                default_res_ids=orders.ids,
                default_template_id=self.env.ref(self.submitted).id,
            )
            .create(
                {
                    "message_type": "comment",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                }
            )
        )
        _mails, composed = composer._action_send_mail()
        direct = orders._message_post_template(
            self.submitted,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            force_send=False,
        )
        self._assert_same_posts(composed.sorted("res_id"), direct.sorted("res_id"))
        persian = direct.filtered(lambda m: m.res_id == orders[1].id)
        self.assertPersian(
            str(persian.body),
            allowed=[orders[1].name, self.buyer_fa.name, self.expert_2.name],
        )
