# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import secrets
from datetime import date, datetime, time, timedelta

import jdatetime
import pytz
from markupsafe import Markup
from psycopg2 import OperationalError
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare, mute_logger

from ..tools.digits import format_quantity, localize_number, to_ascii_digits
from ..tools.jalali import FIRST_GREGORIAN_YEAR, format_jalali, parse_user_date
from ..tools.rpc_access import allowed_groups, orm_access
from .ir_qweb_fields import JALALI_LANGS

# Dates a dealer may filter on: a typo such as 0001 or 9999 gets a message,
# not an overflow in the time zone arithmetic.
PORTAL_DATE_RANGE = (date(1900, 1, 1), date(2199, 12, 31))

ORDER_STATES = [
    ("draft", "Draft"),
    ("review", "Expert Review"),
    ("process", "In Approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]

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
    }
)


# What the expert settles in the review: set by the dealer in the draft, then
# changed only during the review, by the order's reviewer
# (``_check_review_fields``); the approvers judge the order as reviewed.
REVIEW_FIELDS = ("expert_opinion", "payment_term_id")
# Closed orders: nothing changes on them any more (``_check_closed``).
CLOSED_STATES = ("approved", "rejected", "cancel")
# ... but the conversation, the to-dos and the portal link live on.
CLOSED_WRITABLE_PREFIXES = ("message_", "activity_", "website_message_")
CLOSED_WRITABLE_FIELDS = frozenset({"access_token"})


# Portal: the most lines a dealer may send in one order, and the longest note.
PORTAL_MAX_LINES = 300
PORTAL_MAX_NOTE = 4000


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
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
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
    process_id = fields.Many2one(
        "car.portal.process",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    stage_id = fields.Many2one(
        "car.portal.process.stage",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
    )
    stage_entered_at = fields.Datetime(readonly=True, copy=False)
    current_reviewer_ids = fields.Many2many(
        "res.users",
        "car_portal_order_reviewer_rel",
        "order_id",
        "user_id",
        string="Waiting For",
        readonly=True,
        copy=False,
        help="Who may act on the order in its current stage.",
    )
    can_act = fields.Boolean(
        compute="_compute_can_act",
        search="_search_can_act",
        string="My Approval",
    )
    can_review = fields.Boolean(
        compute="_compute_can_review",
        search="_search_can_review",
        string="Waiting for My Review",
        help="In review, and referred to me or to an expert I stand in for today.",
    )
    approval_ids = fields.One2many(
        "car.portal.order.approval", "order_id", string="History", readonly=True
    )
    stock_shortfall = fields.Text(
        readonly=True, copy=False, help="What stock could not cover at the check."
    )
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
            ("state", "in", ("review", "process")),
            ("date_deadline", "<", fields.Datetime.now()),
        ]
        if (operator == "=") == value:
            return late
        return ["!", "&", *late]

    @api.depends("state", "current_reviewer_ids")
    @api.depends_context("uid")
    def _compute_can_act(self):
        for order in self:
            order.can_act = (
                order.state == "process" and self.env.user in order.current_reviewer_ids
            )

    @api.depends("state", "user_id")
    @api.depends_context("uid")
    def _compute_can_review(self):
        experts = self.env.user | self.env["car.portal.expert.substitute"]._covered_by(
            self.env.user
        )
        for order in self:
            order.can_review = order.state == "review" and order.user_id in experts

    def _search_can_review(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the review flag."))
        experts = self.env.user | self.env["car.portal.expert.substitute"]._covered_by(
            self.env.user
        )
        domain = [("state", "=", "review"), ("user_id", "in", experts.ids)]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    def _search_can_act(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the approval flag."))
        domain = [
            ("state", "=", "process"),
            ("current_reviewer_ids", "in", self.env.uid),
        ]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([("process_id.active", "=", True)])

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

    def _check_reassign_allowed(self):
        if self.env.su:
            return
        submitted = self.filtered(lambda o: o.state != "draft")
        if submitted and not self.env.user.has_group(
            "car_portal_orders.group_car_portal_manager"
        ):
            raise AccessError(
                self.env._("Only an order manager can reassign an order.")
            )
        if any(o.state in ("approved", "rejected", "cancel") for o in submitted):
            raise UserError(self.env._("A closed order cannot be reassigned."))

    def _check_can_review(self):
        """Raise unless the current user may act as expert on these orders."""
        user = self.env.user
        if user.has_group("car_portal_orders.group_car_portal_manager"):
            return
        for order in self:
            if order.user_id == user:
                continue
            substitute, _absent = self.env["car.portal.expert.substitute"]._resolve(
                order.user_id
            )
            if substitute != user:
                raise AccessError(
                    self.env._(
                        "Order %(order)s is reviewed by %(expert)s; you cannot "
                        "review it.",
                        order=order.name,
                        expert=order.user_id.name,
                    )
                )

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
        if state == "draft":
            raise UserError(self.env._("A submitted order cannot go back to draft."))
        return self._write_system(dict(vals, state=state))

    @allowed_groups("car_portal_orders.group_car_portal_expert")
    def action_submit(self):
        """The dealer sends the order: freeze it and refer it to an expert."""
        self._check_submittable()
        now = fields.Datetime.now()
        for order in self:
            order.line_ids._prefill_supplied_qty()
            ordered_by = order.ordered_by_id or order._default_ordered_by()
            order._set_state("review", date_submitted=now, ordered_by_id=ordered_by.id)
            order._log_history("submit")
            order.message_subscribe(partner_ids=ordered_by.ids)
            order._refer_to_expert()
            order._post_dealer_notice(
                template="car_portal_orders.mail_template_order_submitted"
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
            if order.state in ("approved", "rejected", "cancel"):
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

    # Process hook -------------------------------------------------------------

    def _start_process(self):
        """Enter the approval process chosen for each order after its review."""
        for order in self:
            process = self.env["car.portal.process"]._select_for(order)
            order._write_system({"process_id": process.id})
            if process:
                order.message_post(
                    body=self.env._(
                        "Approval process: %(process)s.", process=process.name
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            order._advance()

    def _advance(self, after=None):
        """Enter the first stage after ``after`` that applies; past the last
        stage the order is approved."""
        self.ensure_one()
        for stage in self._stages_after(after):
            if not stage._applies_to(self):
                self._log_history("skip", stage=stage)
                continue
            self._enter_stage(stage)
            if stage.kind != "stock_check" or not self._run_stock_check():
                return
        self._write_system(
            {"stage_id": False, "current_reviewer_ids": [Command.clear()]}
        )
        self._approve()

    def _stages_after(self, stage=None):
        stages = self.process_id.stage_ids.sorted(lambda s: (s.sequence, s.id))
        if stage:
            stages = stages.filtered(
                lambda s: (s.sequence, s.id) > (stage.sequence, stage.id)
            )
        return stages

    def _enter_stage(self, stage):
        self.ensure_one()
        reviewers = stage._resolve_responsibles(self)
        if not reviewers:
            # A stage nobody can act on would block the order: managers act.
            reviewers = self._company_managers()
            self.message_post(
                body=self.env._(
                    "Nobody is responsible for stage %(stage)s; the managers act "
                    "instead.",
                    stage=stage.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        now = fields.Datetime.now()
        self._write_system(
            {
                "stage_id": stage.id,
                "stage_entered_at": now,
                "date_deadline": now + timedelta(hours=stage.sla_hours)
                if stage.sla_hours
                else False,
                "current_reviewer_ids": [Command.set(reviewers.ids)],
                "stock_shortfall": False,
            }
        )
        self._log_history("enter", stage=stage)
        if stage.kind == "approval":
            self._schedule_stage_activities()
        if stage.server_action_id:
            stage.server_action_id.with_context(
                active_model=self._name, active_id=self.id, active_ids=self.ids
            ).run()
        if stage.notify_dealer:
            self._post_dealer_notice(
                body=lambda reader: reader.env._(
                    "Your order is now at stage: %(stage)s.",
                    stage=stage.with_context(lang=reader.env.lang).name,
                ),
            )

    def _run_stock_check(self):
        """Check stock at a stock-check stage. Returns True when it passed.

        When the stock cannot be read (the stock source is down), the order
        waits in the stage with the reason, like a shortfall: the stage's
        responsibles decide, nothing is approved blindly.
        """
        try:
            with self.env.cr.savepoint():
                shortfall = self._stock_shortfall()
        except UserError as error:
            self._stop_stock_check(
                self.env._(
                    "The stock could not be checked: %(reason)s", reason=error.args[0]
                )
            )
            return False
        if not shortfall:
            self._log_history("auto_pass")
            return True
        note = "\n".join(
            self.env._(
                "%(product)s: %(supplied)s to supply, %(available)s in stock",
                product=line.product_id.display_name,
                supplied=localize_number(
                    format_quantity(line.supplied_qty), self.env.lang
                ),
                available=localize_number(format_quantity(available), self.env.lang),
            )
            for line, available in shortfall
        )
        self._stop_stock_check(note)
        return False

    def _stop_stock_check(self, note):
        """The order waits in the stock-check stage for its responsibles."""
        self._write_system({"stock_shortfall": note})
        self._log_history("auto_stop", reason=note)
        self._schedule_stage_activities()
        self.message_post(
            body=Markup("<p>%s</p><pre>%s</pre>")
            % (self.env._("Stock does not cover the order:"), note),
            subtype_xmlid="mail.mt_note",
        )

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_approve(self, comment=None):
        """Approve the current stage; the order moves on when the stage has the
        approvals it needs."""
        for order in self:
            order._lock_for_action()
            order._check_can_act()
            user = self.env.user
            order._log_history("approve", reason=comment)
            order._feedback_stage_activity(user)
            remaining = order.current_reviewer_ids - user
            if (
                order.stage_id.approval_mode == "all"
                and remaining
                and not user._is_superuser()
            ):
                order._write_system({"current_reviewer_ids": [Command.unlink(user.id)]})
                continue
            order._close_step_activities()
            order._advance(after=order.stage_id)
        return True

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_return(self, reason, stage=None):
        """Send the order back, to its expert (no ``stage``) or to an earlier stage."""
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the order is sent back."))
        for order in self:
            order._lock_for_action()
            order._check_can_act()
            if stage and stage not in order._stages_before(order.stage_id):
                raise UserError(
                    self.env._(
                        "Order %(order)s can only go back to an earlier stage of "
                        "its process.",
                        order=order.name,
                    )
                )
            order._log_history("return", reason=reason)
            order._close_step_activities()
            if stage:
                order._enter_stage(stage)
                if stage.kind == "stock_check" and order._run_stock_check():
                    order._advance(after=stage)
                continue
            order._set_state(
                "review",
                stage_id=False,
                current_reviewer_ids=[Command.clear()],
                date_deadline=fields.Datetime.now()
                + timedelta(hours=order.company_id.car_portal_review_hours or 24),
            )
            order._schedule_review_activity()
            order.message_post(
                body=self.env._("Returned to the expert: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
                partner_ids=order.user_id.partner_id.ids,
            )
        return True

    def _stages_before(self, stage):
        return self.process_id.stage_ids.filtered(
            lambda s: (s.sequence, s.id) < (stage.sequence, stage.id)
        )

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_mass_approve(self):
        """Approve what the user may approve; report the rest, fail none."""
        approved, refused = self.browse(), []
        readable = self._filtered_access("read")
        if self - readable:
            refused.append(
                self.env._(
                    "%(count)s order(s) you cannot see", count=len(self - readable)
                )
            )
        for order in readable:
            name = order.name
            try:
                with self.env.cr.savepoint():
                    order.action_approve()
                approved |= order
            except (UserError, OperationalError) as error:
                self.env.invalidate_all()
                message = (
                    error.args[0]
                    if isinstance(error, UserError)
                    else self.env._("someone else is acting on it right now")
                )
                refused.append(f"{name}: {message}")
        message = self.env._("%(count)s order(s) approved.", count=len(approved))
        if refused:
            message += "\n" + self.env._("Not approved:") + "\n" + "\n".join(refused)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Mass approval"),
                "message": message,
                "type": "warning" if refused else "success",
                "sticky": bool(refused),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # Concurrency and permissions of process actions --------------------------

    def _lock_for_action(self):
        """Lock the order and make sure the caller acts on what they saw.

        ``FOR UPDATE NOWAIT``: when someone else holds the order, PostgreSQL
        raises at once and Odoo retries the whole request; on the retry the
        order has moved on and the checks below say so. Screens pass the state
        and stage they showed in the context (``car_portal_seen_*``).
        """
        self.ensure_one()
        self.env.cr.execute(
            "SELECT id FROM car_portal_order WHERE id = %s FOR UPDATE NOWAIT",
            [self.id],
        )
        self.invalidate_recordset(["state", "stage_id", "current_reviewer_ids"])
        # Read as superuser: a user who just lost access because the order moved
        # to a stage that is not theirs gets told so, not an access error.
        current = self.sudo()
        context = self.env.context
        seen_state = context.get("car_portal_seen_state")
        seen_stage = context.get("car_portal_seen_stage")
        moved = (seen_state and seen_state != current.state) or (
            "car_portal_seen_stage" in context
            and (seen_stage or False) != (current.stage_id.id or False)
        )
        if moved:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "Order %(order)s has moved on (now: %(status)s). Reload it to "
                    "see where it stands.",
                    order=current.name,
                    status=current.stage_id.name or states[current.state],
                )
            )

    def _check_can_act(self):
        """Only the current stage's responsibles act, whatever the screen shows."""
        self.ensure_one()
        if self.state != "process":
            raise UserError(
                self.env._(
                    "Order %(order)s is not waiting for an approval.", order=self.name
                )
            )
        user = self.env.user
        if user._is_superuser() or user in self.current_reviewer_ids:
            return
        raise AccessError(
            self.env._(
                "You are not responsible for stage %(stage)s of order %(order)s.",
                stage=self.stage_id.name,
                order=self.name,
            )
        )

    def _company_managers(self):
        managers = self.env.ref("car_portal_orders.group_car_portal_manager").users
        return managers.filtered(
            lambda u: u.active and not u.share and self.company_id in u.company_ids
        )

    def _log_history(self, action, reason=None, stage=None):
        stage = self.stage_id if stage is None else stage
        self.env["car.portal.order.approval"].sudo().create(
            [
                {
                    "order_id": order.id,
                    "stage_id": stage.id,
                    "stage_name": stage.name,
                    "user_id": self.env.user.id,
                    "action": action,
                    "reason": reason,
                }
                for order in self
            ]
        )

    def _schedule_stage_activities(self):
        for order in self:
            for user in order.current_reviewer_ids:
                reader = order._in_language_of(user)
                reader.activity_schedule(
                    "car_portal_orders.mail_activity_order_approval",
                    date_deadline=fields.Date.context_today(order),
                    user_id=user.id,
                    summary=reader.env._(
                        "Approve: %(stage)s", stage=reader.stage_id.name
                    ),
                )

    def _in_language_of(self, user):
        """These orders in ``user``'s language: a to-do's texts are copied
        when it is scheduled, so they are written in the language of whoever
        will read them, not of whoever triggered them."""
        return self.with_context(lang=user.lang or self.env.lang)

    def _feedback_stage_activity(self, user):
        self.activity_feedback(
            ["car_portal_orders.mail_activity_order_approval"],
            user_id=user.id,
            feedback=self.env._("Approved"),
        )

    def _close_step_activities(self):
        """The order leaves its step: drop the to-dos nobody needs any more."""
        self.activity_unlink(
            [
                "car_portal_orders.mail_activity_order_review",
                "car_portal_orders.mail_activity_order_approval",
            ]
        )

    def _get_portal_timeline(self):
        """The order's steps as the dealer sees them, oldest first."""
        self.ensure_one()
        entries = self.sudo().approval_ids.filtered(lambda e: e.action != "enter")
        return entries.sorted(lambda e: (e.date, e.id))._portal_values()

    def _approve(self):
        self._set_state(
            "approved", date_approved=fields.Datetime.now(), date_deadline=False
        )
        self._post_dealer_notice(
            template="car_portal_orders.mail_template_order_approved"
        )
        self._hook_approved()

    def _post_dealer_notice(self, template=None, body=None):
        """Tell the dealer: a notice mailed to the order's followers and shown
        in the conversation of the portal order page, in the dealer's language.

        Odoo's portal shows only discussion messages (``mail.mt_comment``), so
        every notice meant for the dealer is one, as ``sale`` does with its
        confirmations; internal steps stay notes. ``template`` renders in the
        language its ``lang`` field says; ``body`` is a function of the order
        read in the dealer's language (whoever acts, the dealer reads it).
        """
        notice = {"message_type": "comment", "subtype_xmlid": "mail.mt_comment"}
        for order in self:
            if template:
                order.message_post_with_source(template, **notice)
            else:
                reader = order.with_context(lang=order._dealer_lang())
                order.message_post(body=body(reader), **notice)

    def _dealer_lang(self):
        """The language the dealer reads: the ordering contact's, else the
        dealer's, else the current one (as the mail templates choose)."""
        self.ensure_one()
        return (
            self.ordered_by_id.lang or self.partner_id.lang or self.env.lang or "en_US"
        )

    @api.model
    def _portal_digits(self, value):
        """``value`` (a number or a text of ASCII digits) as the reader writes
        it: Persian digits for a Persian reader. For the mail templates."""
        return localize_number(value, self.env.lang)

    def _stock_shortfall(self):
        """Lines that stock cannot cover: a list of ``(line, available_qty)``.

        Used by "stock check" process stages. This module knows no stock source
        and reports no shortfall; ``car_portal_sepidar`` reads Sepidar's
        inventory.
        """
        self.ensure_one()
        return []

    def _hook_submitted(self):
        """Extension point: called after orders are submitted by the dealer."""

    def _hook_approved(self):
        """Extension point: called once orders are finally approved.

        The Sepidar addon queues the posting of the orders here.
        """

    # Referral -------------------------------------------------------------

    def _refer_to_expert(self):
        self.ensure_one()
        found = self.env["car.portal.referral.rule"]._find_expert(self)
        deadline = fields.Datetime.now() + timedelta(
            hours=self.company_id.car_portal_review_hours or 24
        )
        self._write_system(
            {
                "user_id": found["user"].id,
                "referral_rule_id": found["rule"].id,
                "date_deadline": deadline,
            }
        )
        self._log_referral(found)
        self._schedule_review_activity()
        if found["fallback"]:
            self._warn_managers_of_fallback()

    def _log_referral(self, found):
        """Tell the expert (and the chatter) who got the order and why."""
        # Mail templates render with the context (``ctx``), not render values.
        self.with_context(
            car_portal_referral={
                "fallback": found["fallback"],
                "rule_name": found["rule"].name,
                "absent_names": ", ".join(found["absent"].mapped("name")),
            }
        ).message_post_with_source(
            "car_portal_orders.mail_template_order_referred",
            subtype_xmlid="mail.mt_note",
        )

    def _reassign(self, user, reason):
        """A manager gives the order to another expert, with a logged reason."""
        self.ensure_one()
        self._check_reassign_allowed()
        if not user._car_portal_can_review(self.company_id):
            raise UserError(
                self.env._(
                    "%(user)s is not an active expert of %(company)s.",
                    user=user.name,
                    company=self.company_id.name,
                )
            )
        previous = self.user_id
        self.user_id = user
        self.message_post(
            body=self.env._(
                "Reassigned from %(old)s to %(new)s by %(manager)s: %(reason)s",
                old=previous.name or self.env._("nobody"),
                new=user.name,
                manager=self.env.user.name,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _warn_managers_of_fallback(self):
        managers = self.env.ref("car_portal_orders.group_car_portal_manager").users
        managers = managers.filtered(
            lambda u: u.active and not u.share and self.company_id in u.company_ids
        )
        self.message_post(
            body=self.env._(
                "No referral rule matched order %(order)s of %(dealer)s; please "
                "check the referral rules.",
                order=self.name,
                dealer=self.partner_id.name,
            ),
            partner_ids=managers.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )

    def _schedule_review_activity(self):
        """One to-do for the order's expert while the order waits for review."""
        for order in self.filtered(lambda o: o.state == "review" and o.user_id):
            order.activity_unlink(["car_portal_orders.mail_activity_order_review"])
            reader = order._in_language_of(order.user_id)
            reader.activity_schedule(
                "car_portal_orders.mail_activity_order_review",
                date_deadline=fields.Date.context_today(order),
                user_id=order.user_id.id,
                note=Markup("<p>%s</p>")
                % reader.env._("Set the supplied quantities and write your opinion."),
            )

    def _feedback_review_activity(self, feedback):
        self.activity_feedback(
            ["car_portal_orders.mail_activity_order_review"], feedback=feedback
        )

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

    # Dealer portal helpers (controllers/portal.py) ------------------------------
    # The controller checks who the dealer is, then calls these on a sudo'ed
    # record or model. Only the dealer's own fields (lines: product and
    # quantity; payment term; notes) are ever taken from a form.

    # Dealers write to their expert from the portal chatter; read access to
    # their own orders (record rules) is what allows it.
    _mail_post_access = "read"

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

    portal_form_token = fields.Char(
        copy=False,
        readonly=True,
        help="One-time token of the portal form that created the order: the "
        "same form sent twice (double click, browser retry) creates one order.",
    )

    _sql_constraints = [
        (
            "portal_form_token_unique",
            "UNIQUE(portal_form_token)",  # also the index of the lookup
            "This order form was already sent.",
        ),
    ]

    @api.model
    def _portal_new_form_token(self):
        return secrets.token_urlsafe(24)

    @api.model
    def _portal_dealer_domain(self, partner):
        """The orders of ``partner``'s company (the dealer)."""
        return [("partner_id", "child_of", partner.commercial_partner_id.ids)]

    @api.model
    def _portal_counts(self, partner):
        """Counters of the "Car orders" tile on /my, with the caller's rights."""
        by_state = dict(
            self._read_group(
                self._portal_dealer_domain(partner), ["state"], ["__count"]
            )
        )
        return {
            "car_order_count": sum(by_state.values()),
            "car_order_submitted_count": sum(
                count for state, count in by_state.items() if state != "draft"
            ),
            "car_order_review_count": by_state.get("review", 0)
            + by_state.get("process", 0),
            "car_order_approved_count": by_state.get("approved", 0),
            "car_order_todo_count": by_state.get("draft", 0),
        }

    @api.model
    def _portal_search_domain(self, search, search_in="all"):
        """Orders whose number, products (name or code) or notes contain
        ``search``. Product names are matched as superuser (dealers cannot read
        products) but only select among the orders the caller may see."""
        search = " ".join((search or "").split())[:100]
        if not search:
            return []
        terms = {search, to_ascii_digits(search)}
        domains = []
        if search_in in ("all", "name"):
            domains += [[("name", "ilike", t)] for t in terms]
        if search_in in ("all", "note"):
            domains += [[("dealer_note", "ilike", t)] for t in terms]
        if search_in in ("all", "product"):
            products = (
                self.env["product.product"]
                .sudo()
                .with_context(active_test=False)
                ._search(
                    expression.OR(
                        [(fname, "ilike", t)]
                        for t in terms
                        for fname in ("name", "default_code")
                    )
                )
            )
            domains.append([("line_ids.product_id", "in", products)])
        return expression.OR(domains) if domains else []

    @api.model
    def _portal_date_domain(self, date_from="", date_to=""):
        """Orders submitted between two dates typed by the reader (both
        included, in the reader's time zone); Jalali dates for Persian readers.

        Returns ``(domain, errors)``: ``errors`` maps ``"date_from"`` or
        ``"date_to"`` to a message in the reader's language; a bound that could
        not be read does not filter.
        """
        jalali = self.env.lang in JALALI_LANGS
        bounds, errors = {}, {}
        for key, text in (("date_from", date_from), ("date_to", date_to)):
            if not (text or "").strip():
                continue
            try:
                bounds[key] = parse_user_date(text, jalali=jalali)
                if not PORTAL_DATE_RANGE[0] <= bounds[key] <= PORTAL_DATE_RANGE[1]:
                    raise ValueError(text)
            except ValueError:
                bounds.pop(key, None)
                errors[key] = self.env._(
                    "Enter the date as year/month/day, e.g. %(example)s.",
                    example=self._portal_date_example(jalali),
                )
        if len(bounds) == 2 and bounds["date_from"] > bounds["date_to"]:
            errors["date_to"] = self.env._("The end date is before the start date.")
            del bounds["date_to"]
        domain = []
        if "date_from" in bounds:
            domain.append(
                ("date_submitted", ">=", self._portal_utc(bounds["date_from"]))
            )
        if "date_to" in bounds:
            next_day = bounds["date_to"] + timedelta(days=1)
            domain.append(("date_submitted", "<", self._portal_utc(next_day)))
        return domain, errors

    @api.model
    def _portal_current_year(self):
        """This year in the reader's calendar: 1405 for a Persian reader."""
        today = fields.Date.context_today(self)
        if self.env.lang in JALALI_LANGS:
            return jdatetime.date.fromgregorian(date=today).year
        return today.year

    @api.model
    def _portal_year_domain(self, year):
        """Orders submitted in ``year`` of the reader's calendar (Jalali for a
        Persian reader, unless the year is a Gregorian one such as 2026).

        Raises ``ValueError`` for a year no order can be in (before 1000 or
        after 2999), which callers turn into "not found".
        """
        if not 1000 <= year <= 2999:
            raise ValueError(f"year out of range: {year}")
        if self.env.lang in JALALI_LANGS and year < FIRST_GREGORIAN_YEAR:
            start = jdatetime.date(year, 1, 1).togregorian()
            end = jdatetime.date(year + 1, 1, 1).togregorian()
        else:
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
        return [
            ("date_submitted", ">=", self._portal_utc(start)),
            ("date_submitted", "<", self._portal_utc(end)),
        ]

    @api.model
    def _portal_date_example(self, jalali):
        today = fields.Date.context_today(self)
        return format_jalali(today) if jalali else today.isoformat()

    @api.model
    def _portal_utc(self, day):
        """Midnight at the start of ``day`` in the reader's time zone, as the
        naive UTC datetime Odoo stores."""
        zone = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local = zone.localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.UTC).replace(tzinfo=None)

    @api.model
    def _portal_payment_terms(self, company):
        return self.env["car.portal.payment.term"].search(
            [("company_id", "in", [company.id, False])]
        )

    @api.model
    def _portal_check_values(self, raw, company, submit=False):
        """Check what a dealer posted on the order form.

        ``raw`` is ``{"payment_term_id": str, "dealer_note": str, "lines":
        [{"product_query", "product_tmpl_id", "product_id", "qty"}]}``; any
        other key is ignored. Returns ``(vals, errors, templates)``: the values
        for ``_portal_create_draft``/``_portal_update_draft``; the translated
        messages by field (``errors["lines"][row index][field]`` for lines,
        ``errors["order"]`` for the whole order); the model found on each row,
        whose colours the form offers again.
        """
        Line = self.env["car.portal.order.line"]
        errors, line_errors, templates, lines = {}, {}, {}, []
        rows = list(raw.get("lines") or [])
        for index, row in enumerate(rows[: PORTAL_MAX_LINES + 1]):
            if Line._portal_row_is_blank(row):
                continue
            product, template, field, message = Line._portal_resolve_product(
                row, company
            )
            templates[index] = template
            row_errors = {field: message} if message else {}
            qty, qty_error = Line._portal_parse_qty(row.get("qty"), company)
            if qty_error:
                row_errors["qty"] = qty_error
            if row_errors:
                line_errors[index] = row_errors
            else:
                lines.append((product, qty))
        if line_errors:
            errors["lines"] = line_errors
        if len(lines) + len(line_errors) > PORTAL_MAX_LINES:
            errors["order"] = self.env._(
                "An order has at most %(max)s lines; split it in two.",
                max=localize_number(PORTAL_MAX_LINES, self.env.lang),
            )
        elif submit and not lines and not line_errors:
            errors["order"] = self.env._("Add at least one product before submitting.")

        term = self.env["car.portal.payment.term"]
        term_id = to_ascii_digits(str(raw.get("payment_term_id") or "")).strip()
        if term_id:
            allowed = self._portal_payment_terms(company)
            term = allowed.filtered(lambda t: str(t.id) == term_id)
            if not term:
                errors["payment_term_id"] = self.env._(
                    "Choose a payment term from the list."
                )
        elif submit:
            errors["payment_term_id"] = self.env._("Choose a payment term.")

        note = (raw.get("dealer_note") or "").strip()
        if len(note) > PORTAL_MAX_NOTE:
            errors["dealer_note"] = self.env._(
                "Notes are limited to %(max)s characters (you typed %(count)s).",
                max=localize_number(PORTAL_MAX_NOTE, self.env.lang),
                count=localize_number(len(note), self.env.lang),
            )
        vals = {
            "payment_term_id": term.id,
            "dealer_note": note or False,
            "lines": lines,
        }
        return vals, errors, templates

    @api.model
    def _portal_line_commands(self, lines):
        return [
            Command.create(
                {
                    "sequence": 10 * (position + 1),
                    "product_id": product.id,
                    "requested_qty": qty,
                }
            )
            for position, (product, qty) in enumerate(lines)
        ]

    @api.model
    def _portal_find_by_token(self, partner, form_token):
        if not form_token:
            return self.browse()
        return self.search(
            [
                ("portal_form_token", "=", form_token),
                *self._portal_dealer_domain(partner),
            ],
            limit=1,
        )

    @api.model
    def _portal_create_draft(self, contact, company, vals, form_token=None):
        """Create the draft of the dealer's contact ``contact``.

        The same form (``form_token``) sent twice creates one order. Returns
        ``(order, created)``; ``order`` is empty when a concurrent request
        with the same token holds it (not yet visible here: look it up again
        in a new transaction).
        """
        existing = self._portal_find_by_token(contact, form_token)
        if existing:
            return existing, False
        values = {
            "partner_id": contact.commercial_partner_id.id,
            "ordered_by_id": contact.id,
            "company_id": company.id,
            "payment_term_id": vals["payment_term_id"] or False,
            "dealer_note": vals["dealer_note"] or False,
            "portal_form_token": form_token or False,
            "line_ids": self._portal_line_commands(vals["lines"]),
        }
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return self.create(values), True
        except UniqueViolation:
            return self.browse(), False

    def _portal_lock(self):
        """Wait for concurrent requests on these orders (double clicks)."""
        self.env.cr.execute(
            "SELECT id FROM car_portal_order WHERE id IN %s FOR UPDATE",
            [tuple(self.ids)],
        )
        self.invalidate_recordset()

    def _portal_update_draft(self, vals):
        """Replace a draft's lines, payment term and notes."""
        self.ensure_one()
        self._portal_lock()
        if self.state != "draft":
            raise UserError(
                self.env._(
                    "Order %(order)s was submitted; it cannot be changed any more.",
                    order=self.name,
                )
            )
        self.write(
            {
                "payment_term_id": vals["payment_term_id"] or False,
                "dealer_note": vals["dealer_note"] or False,
                "line_ids": [Command.delete(line.id) for line in self.line_ids]
                + self._portal_line_commands(vals["lines"]),
            }
        )
        return True

    def _portal_submit(self):
        """Submit from the portal. Returns False when the order was already
        submitted (a second click): nothing happens then."""
        self.ensure_one()
        self._portal_lock()
        if self.state != "draft":
            return False
        if not self.payment_term_id:
            raise UserError(
                self.env._("Choose a payment term before submitting the order.")
            )
        self.action_submit()
        return True

    def _portal_cancel(self):
        """Cancel from the portal; False when it was already cancelled."""
        self.ensure_one()
        self._portal_lock()
        if self.state == "cancel":
            return False
        self.action_cancel()
        return True

    def _portal_reorder(self):
        """A new draft with this order's products and quantities.

        Returns ``(draft, left_out)``: lines whose product cannot be ordered any
        more are left out, ``left_out`` names them.
        """
        self.ensure_one()
        Line = self.env["car.portal.order.line"]
        draft = self.action_reorder()
        stale = draft.line_ids.filtered(
            lambda line: not Line._portal_orderable(line.product_id, draft.company_id)
        )
        left_out = stale.product_id.mapped("display_name")
        stale.unlink()
        return draft, left_out

    def _portal_form_values(self):
        """The form values of a draft, as the dealer would post them."""
        self.ensure_one()
        Line = self.env["car.portal.order.line"]
        return {
            "payment_term_id": str(self.payment_term_id.id or ""),
            "dealer_note": self.dealer_note or "",
            "lines": [
                {
                    "product_query": Line._portal_template_label(
                        line.product_id.product_tmpl_id
                    ),
                    "product_tmpl_id": str(line.product_id.product_tmpl_id.id),
                    "product_id": str(line.product_id.id),
                    "qty": f"{line.requested_qty:g}",
                }
                for line in self.line_ids
            ],
        }

    def _portal_supply_known(self):
        """Whether the expert has decided the supplied quantities."""
        self.ensure_one()
        return bool(self.date_reviewed)

    def _portal_qty(self, fname):
        """A quantity total of the order, formatted for the portal and report."""
        self.ensure_one()
        return localize_number(format_quantity(self[fname]), self.env.lang)

    def _portal_amount(self, fname):
        """An amount field, in the company's display unit (Rial or Toman)."""
        self.ensure_one()
        return self.company_id._car_portal_format_amount(self[fname])

    def _portal_status_label(self):
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        label = states[self.state]
        if self.state == "process" and self.stage_id:
            label = f"{label}: {self.stage_id.name}"
        return label
