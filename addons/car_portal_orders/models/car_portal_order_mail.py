# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import api, models

# What a mail template gives a post on an order, rendered in one pass for all
# the orders (``_message_post_template``): what Odoo's mail composer renders
# from it in comment mode.
TEMPLATE_POST_FIELDS = frozenset(
    {
        "subject",
        "body_html",
        "lang",
        "partner_to",
        "email_to",
        "email_cc",
        "scheduled_date",
        "attachment_ids",
        "report_template_ids",
    }
)

# The mail templates posted on orders, and the subtypes of the messages posted
# (``_mail_post_template`` reads them together).
MAIL_TEMPLATES = (
    "car_portal_orders.mail_template_order_submitted",
    "car_portal_orders.mail_template_order_referred",
    "car_portal_orders.mail_template_order_approved",
    "car_portal_orders.mail_template_order_rejected",
)
NOTICE_SUBTYPES = ("mail.mt_note", "mail.mt_comment", "mail.mt_activities")


class CarPortalOrderMail(models.AbstractModel):
    """How an order's notices are posted: its mail templates rendered once for
    all the orders of a call and posted with ``message_post`` (no mail
    composer), from the person who acts. Part of ``car.portal.order``, which
    inherits it after ``mail.thread``."""

    _name = "car.portal.order.mail"
    _description = "Dealer Order: Notices"

    def _message_post_template(self, template_xmlid, subscribe_author=True, **kwargs):
        """Post the mail template ``template_xmlid`` on each of these orders,
        as ``message_post_with_source`` does, without its mail composer.

        The composer (``mail.compose.message``) is a database row per post,
        renders the template once per field and reads it back before calling
        ``message_post``. Here the template is rendered once for all the
        orders (each in the language its ``lang`` says), then posted with
        ``message_post``: the same subject (the order's name when the template
        has none), body, recipients (``partner_to``, ``email_to``,
        ``email_cc``), attachments (the template's, copied, and its reports),
        layout and language of the mail, author, mail server and auto-delete;
        the mails go through the mail queue unless ``force_send`` is given
        (``TestTemplatePosting`` compares the two ways).

        The author follows the orders when the message is not a notification,
        as ``message_post`` does, in one subscription for all the orders;
        ``subscribe_author=False`` when the caller subscribes them itself.
        ``kwargs`` go to ``message_post`` (``message_type``, ``subtype_xmlid``,
        ``force_send``...). Returns the messages.
        """
        if not self:
            return self.env["mail.message"]
        template = self._mail_post_template(template_xmlid)
        render_fields = set(TEMPLATE_POST_FIELDS)
        if template.email_from:
            render_fields.add("email_from")
        rendered = template._generate_template(
            self.ids, render_fields, find_or_create_partners=True
        )
        kwargs.setdefault("message_type", "notification")
        author_subscribe = (
            subscribe_author
            and kwargs["message_type"] != "notification"
            and not self.env.context.get("mail_create_nosubscribe")
        )
        poster = self.with_context(mail_create_nosubscribe=True)
        defaults = poster._message_post_defaults()
        messages = self.env["mail.message"]
        for order in poster:
            messages |= order._message_post_rendered(
                template, rendered[order.id], defaults, **kwargs
            )
        if author_subscribe:
            self._subscribe_poster(messages.author_id)
        return messages

    def _message_post_rendered(self, template, values, defaults, **kwargs):
        """Post on this order what ``template`` rendered for it (``values``),
        as the composer would (``_message_post_template``)."""
        self.ensure_one()
        author_id = email_from = None
        if values.get("email_from"):
            # As the composer: the author is whoever the sender's address is.
            email_from = values["email_from"]
            author_id = (
                (
                    self.env["mail.thread"]
                    .with_context(active_test=False)
                    ._message_compute_author(None, email_from, raise_on_email=False)[0]
                )
                or self.env.user.partner_id.id
            )
        # The template's own attachments are copied for each message (the
        # copies move to the order), its reports rendered as new ones.
        copies = [
            attachment.copy({"res_model": "mail.compose.message", "res_id": 0}).id
            for attachment in template.attachment_ids
        ]
        copies.reverse()
        return self.message_post(
            **self._message_post_author(defaults, author_id, email_from),
            subject=values.get("subject") or self._message_compute_subject(),
            body=values.get("body_html") or "",
            partner_ids=values.get("partner_ids") or [],
            attachment_ids=copies,
            attachments=[
                (name, base64.b64decode(content))
                for name, content in values.get("attachments") or []
            ],
            email_add_signature=False,
            email_layout_xmlid=template.email_layout_xmlid,
            mail_auto_delete=template.auto_delete,
            mail_server_id=template.mail_server_id.id,
            force_email_lang=values.get("lang"),
            scheduled_date=values.get("scheduled_date"),
            model_description=self.env.context.get("model_description"),
            **kwargs,
        )

    @api.model
    def _mail_post_template(self, xmlid):
        """The mail template ``xmlid``, read with the order's other templates
        and the subtypes its notices use: a request that posts several of them
        (a submission: the referral note and the dealer's notice) reads them
        once. ``xmlid`` must name an existing template."""
        to_id = self.env["ir.model.data"]._xmlid_to_res_id
        known = [to_id(name, raise_if_not_found=False) for name in MAIL_TEMPLATES]
        template = self.env["mail.template"].browse(to_id(xmlid))
        template = template.with_prefetch([template.id, *filter(None, known)])
        subtypes = [to_id(name) for name in NOTICE_SUBTYPES]
        self.env["mail.message.subtype"].browse(subtypes).mapped("internal")
        return template

    def _message_post_defaults(self):
        """What ``message_post`` looks up for each message it posts on an order
        (the reply-to alias, the alias domain, the company), looked up once for
        all these orders: ``{order id: values}``, for ``_message_post_author``.
        """
        reply_to = self._notify_get_reply_to(default=False)
        alias_domains = self.sudo()._mail_get_alias_domains(
            default_company=self.env.company
        )
        companies = self._mail_get_companies(default=self.env.company)
        return {
            order.id: {
                "reply_to": reply_to[order.id],
                "record_alias_domain_id": alias_domains[order.id].id,
                "record_company_id": companies[order.id].id,
            }
            for order in self
        }

    def _message_post_author(self, defaults, author_id=None, email_from=None):
        """The author, sender, reply-to and alias values ``message_post``
        would compute for a message on this order, from ``defaults``
        (``_message_post_defaults``): passed to it, it looks up none of them."""
        self.ensure_one()
        author_id, email_from = self._message_compute_author(
            author_id, email_from, raise_on_email=True
        )
        values = dict(defaults[self.id], author_id=author_id, email_from=email_from)
        values["reply_to"] = values["reply_to"] or email_from
        return values

    def _subscribe_poster(self, authors=None):
        """Whoever posts on the orders follows them, as ``message_post`` does
        for its author: the current user, or the message's author when the
        user is inactive (the superuser)."""
        user = self.env.user
        if user.active:
            partners = user.partner_id
        else:
            partners = (authors or self.env["res.partner"]).filtered("active")
        if partners:
            self._message_subscribe(partner_ids=partners.ids)
