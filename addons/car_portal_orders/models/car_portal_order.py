# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


import json

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..tools.rpc_access import allowed_groups, orm_access
from .order_states import CLOSED_STATES, OPEN_STATES, ORDER_STATES, REFUSED_STATES

# Fields the dealer sets; once the order is submitted nobody changes them,
# administrators and superuser included (see ``_check_frozen_fields``).
DEALER_FROZEN_FIELDS = frozenset(
    {
        "partner_id",
        "ordered_by_id",
        "company_id",
        "dealer_note",
    }
)

# Fields that only the order's own transitions set (``_write_system``).
SYSTEM_FIELDS = frozenset(
    {
        "state",
        "date_submitted",
        "date_reviewed",
        "date_approved",
        "date_deadline",
        "referral_rule_id",
        "reject_reason",
        "process_id",
        "stage_id",
        "stage_entered_at",
        "current_reviewer_ids",
        "stock_shortfall",
        "credit_shortfall",
    }
)

# What the expert settles in the review: set by the dealer in the draft, then
# changed only during the review, by the order's reviewer
# (``_check_review_fields``); the approvers judge the order as reviewed.
REVIEW_FIELDS = ("expert_opinion", "payment_term_id")
# ... but the conversation, the to-dos and the portal link live on.
CLOSED_WRITABLE_PREFIXES = ("message_", "activity_", "website_message_")
CLOSED_WRITABLE_FIELDS = frozenset({"access_token"})


def _differs(record, fname, value):
    """Whether writing ``value`` to ``record[fname]`` would change it."""
    field = record._fields[fname]
    current = field.convert_to_write(record[fname], record)
    if field.type == "float":
        return float_compare(current or 0.0, value or 0.0, precision_digits=6) != 0
    return (current or False) != (value or False)


class CarPortalOrder(models.Model):
    _name = "car.portal.order"
    _description = "Dealer Order"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "car.portal.process.engine",
        "car.portal.order.portal",
        "car.portal.order.referral",
        "car.portal.order.mail",
    ]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Number",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Dealer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain=[("is_company", "=", True), ("car_portal_is_dealer", "=", True)],
    )
    ordered_by_id = fields.Many2one(
        "res.partner",
        tracking=True,
        help="The dealer's contact who placed the order.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Expert",
        index=True,
        tracking=True,
        copy=False,
        domain=[("share", "=", False)],
        help="The account expert who reviews the order.",
    )
    referral_rule_id = fields.Many2one(
        "car.portal.referral.rule", string="Referred By Rule", readonly=True, copy=False
    )
    state = fields.Selection(
        ORDER_STATES,
        required=True,
        default="draft",
        readonly=True,
        index=True,
        tracking=True,
        copy=False,
        group_expand=True,
    )
    payment_term_id = fields.Many2one(
        "car.portal.payment.term",
        tracking=True,
        check_company=True,
    )
    dealer_note = fields.Text(string="Dealer Notes", tracking=True)
    expert_opinion = fields.Html(copy=False)
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    date_submitted = fields.Datetime(
        string="Submitted On", readonly=True, copy=False, index=True
    )
    date_reviewed = fields.Datetime(string="Reviewed On", readonly=True, copy=False)
    date_approved = fields.Datetime(string="Approved On", readonly=True, copy=False)
    date_deadline = fields.Datetime(
        string="Deadline",
        readonly=True,
        copy=False,
        help="When the current step (review or approval stage) becomes late.",
    )
    is_late = fields.Boolean(compute="_compute_is_late", search="_search_is_late")
    line_ids = fields.One2many(
        "car.portal.order.line", "order_id", string="Lines", copy=True
    )
    history_ids = fields.One2many("car.portal.order.history", "order_id", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    requested_qty = fields.Float(
        string="Requested",
        compute="_compute_totals",
        store=True,
        digits="Product Unit of Measure",
    )
    supplied_qty = fields.Float(
        string="Supplied",
        compute="_compute_totals",
        store=True,
        digits="Product Unit of Measure",
    )
    discrepancy_qty = fields.Float(
        string="Discrepancy",
        compute="_compute_totals",
        store=True,
        digits="Product Unit of Measure",
        help="Requested minus supplied quantity.",
    )
    amount_requested = fields.Monetary(
        compute="_compute_totals", store=True, string="Requested Value"
    )
    amount_supplied = fields.Monetary(
        compute="_compute_totals", store=True, string="Supplied Value"
    )
    line_count = fields.Integer(compute="_compute_totals", store=True)

    @api.depends(
        "line_ids.requested_qty",
        "line_ids.supplied_qty",
        "line_ids.price_unit",
    )
    def _compute_totals(self):
        for order in self:
            lines = order.line_ids
            order.requested_qty = sum(lines.mapped("requested_qty"))
            order.supplied_qty = sum(lines.mapped("supplied_qty"))
            order.discrepancy_qty = order.requested_qty - order.supplied_qty
            order.amount_requested = sum(lines.mapped("price_subtotal_requested"))
            order.amount_supplied = sum(lines.mapped("price_subtotal_supplied"))
            order.line_count = len(lines)

    def _compute_is_late(self):
        now = fields.Datetime.now()
        for order in self:
            order.is_late = bool(order.date_deadline and order.date_deadline < now)

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the late flag."))
        late = [
            ("state", "in", OPEN_STATES),
            ("date_deadline", "<", fields.Datetime.now()),
        ]
        if (operator == "=") == value:
            return late
        return ["!", "&", *late]

    def _compute_access_url(self):
        for order in self:
            order.access_url = f"/my/car-orders/{order.id}"

    # CRUD -----------------------------------------------------------------

    @orm_access
    @api.model_create_multi
    def create(self, vals_list):
        new = self.env._("New")
        numbered = []
        for vals in vals_list:
            if vals.get("state", "draft") != "draft" or SYSTEM_FIELDS.intersection(
                vals
            ) - {"state"}:
                raise UserError(
                    self.env._("An order is created as a draft, then submitted.")
                )
            numbered.append(vals.get("name") in (None, False, new))
            if numbered[-1]:
                vals["name"] = new
        orders = super().create(vals_list)
        self.browse(
            [order.id for order, flag in zip(orders, numbered, strict=True) if flag]
        )._assign_number()
        return orders

    def _assign_number(self):
        """Give the orders their numbers, once their rows exist.

        A form sent twice (a double click) fails on its one-time token when
        its row is inserted: numbering after the insert means the failed copy
        uses no number (sequence numbers are not given back on rollback).
        """
        for order in self:
            sequence = self.env["ir.sequence"].with_company(order.company_id)
            number = sequence.next_by_code("car.portal.order")
            if number:
                order._write_system({"name": number})

    @orm_access
    def write(self, vals):
        if SYSTEM_FIELDS.intersection(vals):
            raise UserError(
                self.env._(
                    "The order status and its dates change through its buttons "
                    "only (submit, approve, reject, cancel)."
                )
            )
        self._check_closed(vals)
        self._check_frozen_fields(vals)
        if "user_id" in vals:
            self._check_reassign_allowed()
        old_opinions = self._check_review_fields(vals)
        old_experts = {order: order.user_id for order in self}
        result = super().write(vals)
        if "user_id" in vals:
            self.filtered(
                lambda o: old_experts[o] != o.user_id
            )._schedule_review_activity()
        if old_opinions:
            self._log_opinion_changes(old_opinions)
        return result

    def _write_system(self, vals):
        """Write a transition decided by the business methods of this model.

        It bypasses the guards of ``write`` on purpose (status, expert): those
        fields must not be writable by RPC, where any context key could be
        forged, but the transitions themselves are checked by their callers.
        """
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(order.state != "draft" for order in self):
            raise UserError(
                self.env._(
                    "A submitted order is kept for the record and cannot be "
                    "deleted; cancel it instead."
                )
            )

    @orm_access
    def copy_data(self, default=None):
        # A copy is a new draft of the dealer: keep what they asked for only.
        vals_list = super().copy_data(default=default)
        for vals in vals_list:
            vals.pop("name", None)
        return vals_list

    # Guards ---------------------------------------------------------------

    def _check_frozen_fields(self, vals):
        frozen = DEALER_FROZEN_FIELDS.intersection(vals)
        if not frozen:
            return
        for order in self.filtered(lambda o: o.state != "draft"):
            changed = [f for f in frozen if _differs(order, f, vals[f])]
            if changed:
                labels = ", ".join(
                    order._fields[f].get_description(self.env)["string"]
                    for f in sorted(changed)
                )
                raise UserError(
                    self.env._(
                        "Order %(order)s was submitted; what the dealer asked for "
                        "cannot change any more (%(fields)s).",
                        order=order.name,
                        fields=labels,
                    )
                )

    @api.model
    def _writable_when_closed(self, fname):
        """Fields that still change once an order is closed: its chatter,
        activities and portal link. Extensions add theirs here."""
        return fname in CLOSED_WRITABLE_FIELDS or fname.startswith(
            CLOSED_WRITABLE_PREFIXES
        )

    def _check_closed(self, vals):
        """An approved, rejected or cancelled order is the record of what was
        decided (and, once approved, of what went to the accounting): nobody
        changes it, administrators and superuser included. Later notes go to
        the chatter."""
        fnames = [f for f in vals if not self._writable_when_closed(f)]
        if not fnames:
            return
        for order in self.filtered(lambda o: o.state in CLOSED_STATES):
            if any(_differs(order, f, vals[f]) for f in fnames):
                raise UserError(
                    self.env._(
                        "Order %(order)s is closed (%(status)s) and cannot change "
                        "any more; write in its chatter instead.",
                        order=order.name,
                        status=order._state_label(),
                    )
                )

    def _check_review_fields(self, vals):
        """The expert's opinion and the payment term change after submission
        only during the review, by the expert who reviews (or a manager): the
        dealer reads the opinion as the expert's, and the approvers judge the
        order as it was reviewed. Returns the opinions before the change, to
        be logged (an Html field has no tracking)."""
        fnames = [f for f in REVIEW_FIELDS if f in vals]
        if not fnames:
            return {}
        changed = self.filtered(
            lambda o: (
                o.state != "draft" and any(_differs(o, f, vals[f]) for f in fnames)
            )
        )
        not_in_review = changed.filtered(lambda o: o.state != "review")
        if not_in_review:
            labels = ", ".join(
                self._fields[f].get_description(self.env)["string"] for f in fnames
            )
            raise UserError(
                self.env._(
                    "%(fields)s of order %(order)s can only be changed during the "
                    "review.",
                    fields=labels,
                    order=not_in_review[0].name,
                )
            )
        changed._check_can_review()
        if "expert_opinion" not in fnames:
            return {}
        return {order: order.expert_opinion for order in changed}

    def _log_opinion_changes(self, old_opinions):
        """A trace of every change of the opinion (Html fields have no tracking)."""
        for order, before in old_opinions.items():
            if not before or not before.striptags().strip():
                continue  # the first opinion is not a change (and is posted on review)
            order.message_post(
                body=Markup("<p>%s</p><blockquote>%s</blockquote><p>%s</p>%s")
                % (
                    self.env._("Expert's opinion changed. Before:"),
                    before or Markup("<p>—</p>"),
                    self.env._("After:"),
                    order.expert_opinion or Markup("<p>—</p>"),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_submittable(self):
        for order in self:
            if order.state != "draft":
                raise UserError(
                    self.env._(
                        "Order %(order)s was already submitted.", order=order.name
                    )
                )
            if not order.line_ids:
                raise UserError(
                    self.env._("Add at least one product before submitting.")
                )
            order.line_ids._check_orderable()

    # Actions --------------------------------------------------------------

    def _set_state(self, state, **vals):
        """Move the orders to ``state``. A refused order supplies nothing: its
        lines' supplied quantities become 0, so that "supplied" means one thing
        on the order, the portal, the reports and in Sepidar (the expert's
        figures stay in the chatter's review log)."""
        if state == "draft":
            raise UserError(self.env._("A submitted order cannot go back to draft."))
        if state in REFUSED_STATES:
            self.line_ids._clear_supply()
        return self._write_system(dict(vals, state=state))

    @allowed_groups("car_portal_orders.group_car_portal_expert")
    def action_submit(self):
        """The dealer sends the order: freeze it and refer it to an expert."""
        self._check_submittable()
        now = fields.Datetime.now()
        # The notices' notifications: right after the commit (_notify_thread).
        for order in self.with_context(car_portal_notify_after_commit=True):
            order.line_ids._prefill_supplied_qty()
            ordered_by = order.ordered_by_id or order._default_ordered_by()
            order._set_state("review", date_submitted=now, ordered_by_id=ordered_by.id)
            order._log_history("submit")
            # The ordering contact and whoever posts the notice below (the
            # dealer's user on the portal) follow the order: one subscription.
            poster = self.env.user.partner_id.filtered(lambda _p: self.env.user.active)
            order.message_subscribe(partner_ids=(ordered_by | poster).ids)
            order._refer_to_expert()
            order._post_dealer_notice(
                template="car_portal_orders.mail_template_order_submitted",
                subscribe_author=not poster,
            )
        self._hook_submitted()
        return True

    @allowed_groups("car_portal_orders.group_car_portal_expert")
    def action_send_to_process(self):
        """The expert has set the supplied quantities and written an opinion."""
        self._check_can_review()
        for order in self:
            if order.state != "review":
                raise UserError(
                    self.env._(
                        "Order %(order)s is not waiting for review.", order=order.name
                    )
                )
            if not order.expert_opinion or not order.expert_opinion.striptags().strip():
                raise UserError(
                    self.env._(
                        "Write your opinion on order %(order)s before sending it on.",
                        order=order.name,
                    )
                )
            order._set_state("process", date_reviewed=fields.Datetime.now())
            order._log_history("review")
            order._feedback_review_activity(self.env._("Reviewed"))
            order._post_dealer_notice(
                body=lambda reader: (
                    Markup("<p>%s</p>%s")
                    % (
                        reader.env._("Review done. The expert's opinion:"),
                        reader.expert_opinion,
                    )
                ),
            )
            order._start_process()
        return True

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_reject(self, reason):
        """Refuse the order: its expert during review, a stage's responsible
        during the process. The dealer is told why."""
        if not (reason or "").strip():
            raise UserError(self.env._("Give the dealer a reason for the rejection."))
        for order in self:
            if order.state == "review":
                order._check_can_review()
            else:
                order._lock_for_action()
                order._check_can_act()
            order._log_history("reject", reason=reason)
            order._close_step_activities()
            order._set_state(
                "rejected",
                reject_reason=reason,
                date_deadline=False,
                current_reviewer_ids=[Command.clear()],
            )
            order._post_dealer_notice(
                template="car_portal_orders.mail_template_order_rejected"
            )
        return True

    @allowed_groups("car_portal_orders.group_car_portal_manager")
    def action_cancel(self, reason=None):
        """Cancel: the dealer before the review is done, a manager until approval."""
        is_manager = self.env.user.has_group(
            "car_portal_orders.group_car_portal_manager"
        )
        for order in self:
            if order.state in CLOSED_STATES:
                raise UserError(
                    self.env._(
                        "Order %(order)s is closed and cannot be cancelled.",
                        order=order.name,
                    )
                )
            if not is_manager and not order._dealer_can_cancel():
                raise UserError(
                    self.env._(
                        "Order %(order)s is already being reviewed; ask your "
                        "expert to cancel it.",
                        order=order.name,
                    )
                )
            if order.state == "process":
                order._lock_for_action()
            if order.state != "draft":
                order._log_history("cancel", reason=reason)
            order._close_step_activities()
            order._set_state(
                "cancel", date_deadline=False, current_reviewer_ids=[Command.clear()]
            )
            order._post_dealer_notice(
                body=lambda reader: (
                    reader.env._(
                        "Order cancelled by %(user)s.", user=reader.env.user.name
                    )
                    + (" " + reason if reason else "")
                ),
            )
        return True

    def _dealer_can_cancel(self):
        self.ensure_one()
        return self.state == "draft" or (
            self.state == "review" and not self.date_reviewed
        )

    def _default_ordered_by(self):
        """The current user when they are one of the dealer's contacts."""
        self.ensure_one()
        partner = self.env.user.partner_id
        if partner.commercial_partner_id == self.partner_id:
            return partner
        return self.partner_id

    @allowed_groups("car_portal_orders.group_car_portal_expert")
    def action_reorder(self):
        """A new draft with the same products and requested quantities."""
        self.ensure_one()
        return self.copy({"ordered_by_id": self._default_ordered_by().id})

    def _log_history(self, action, reason=None, stage=None):
        """One history row per order, in one ``create``; ``stage`` defaults to
        each order's current stage."""
        rows = []
        for order in self:
            step = order.stage_id if stage is None else stage
            rows.append(
                {
                    "order_id": order.id,
                    "stage_id": step.id,
                    "stage_name": step.name,
                    "user_id": self.env.uid,
                    "action": action,
                    "reason": reason,
                }
            )
        self.env["car.portal.order.history"].sudo().create(rows)

    def _in_language_of(self, user):
        """These orders in ``user``'s language: a to-do's texts are copied
        when it is scheduled, so they are written in the language of whoever
        will read them, not of whoever triggered them."""
        return self.with_context(lang=user.lang or self.env.lang)

    def _close_step_activities(self):
        """The order leaves its step: drop the to-dos nobody needs any more."""
        self.activity_unlink(
            [
                "car_portal_orders.mail_activity_order_review",
                "car_portal_orders.mail_activity_order_approval",
            ]
        )

    def _approve(self):
        self._set_state(
            "approved", date_approved=fields.Datetime.now(), date_deadline=False
        )
        self._post_dealer_notice(
            template="car_portal_orders.mail_template_order_approved"
        )
        self._hook_approved()

    @api.model
    def _car_portal_promised_domain(self):
        """Approved orders whose supplied quantities still hold stock (the
        available to promise subtracts them). Here every approved order;
        an addon that learns when an order leaves the stock (invoiced in the
        accounting, say) narrows it."""
        return [("state", "=", "approved")]

    def _hook_submitted(self):
        """Extension point: called after orders are submitted by the dealer."""

    def _hook_approved(self):
        """Extension point: called once orders are finally approved.

        The Sepidar addon queues the posting of the orders here.
        """

    # Portal -----------------------------------------------------------------

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Order %(number)s", number=self.name)

    @api.constrains("ordered_by_id", "partner_id")
    def _check_ordered_by(self):
        for order in self.filtered("ordered_by_id"):
            if order.ordered_by_id.commercial_partner_id != order.partner_id:
                raise ValidationError(
                    self.env._(
                        "%(contact)s does not belong to dealer %(dealer)s.",
                        contact=order.ordered_by_id.name,
                        dealer=order.partner_id.name,
                    )
                )

    # Mail ---------------------------------------------------------------------
    # The notices' posting is in ``car_portal_order_mail.py``.

    # Dealers write to their expert from the portal chatter; read access to
    # their own orders (record rules) is what allows it.
    _mail_post_access = "read"

    # Here, not in ``car.portal.order.mail``: an override in that mixin comes
    # after ``mail.thread``'s in the order's inheritance and is never called.
    def _message_compute_author(
        self, author_id=None, email_from=None, raise_on_email=True
    ):
        """Every step of an order posts a notice from the person who acts. A
        user without an email address would otherwise get Odoo's "configure
        the sender's email address" and could not act at all: the notice is
        then sent from the company's address, still in the user's name."""
        author_id, email_from = super()._message_compute_author(
            author_id, email_from, raise_on_email=False
        )
        if email_from or not raise_on_email or self.env.su:
            return author_id, email_from
        company = self.company_id[:1] or self.env.company
        email_from = company.partner_id.email_formatted
        if not email_from:
            raise UserError(
                self.env._(
                    "Neither your user nor the company %(company)s has an email "
                    "address, and the order's notices need a sender. Ask an "
                    "administrator to set one (Settings › Users, or the company).",
                    company=company.name,
                )
            )
        return author_id, email_from

    def _notify_thread(self, message, msg_vals=False, **kwargs):
        """In a submission, the notifications (mails, inbox) go to Odoo's
        queue of scheduled notifications for now: its cron, woken at commit,
        makes them; the dealer's request does not wait. (``scheduled_date``
        takes a later second only: Odoo's cron would see it up to 60 s late.)
        """
        if kwargs.get("scheduled_date") or not self.env.context.get(
            "car_portal_notify_after_commit"
        ):
            return super()._notify_thread(message, msg_vals=msg_vals, **kwargs)
        self.env["mail.message.schedule"].sudo().create(
            {
                "scheduled_datetime": fields.Datetime.now(),
                "mail_message_id": message.id,
                "notification_parameters": json.dumps(kwargs),
            }
        )
        return []
