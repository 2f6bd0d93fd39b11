# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbox of approved orders: one ``sepidar.export`` row per order.

The row is created in the approval's own transaction, with the document GUID
Sepidar deduplicates on (``_enqueue``). It holds the posting's state and its
marks, the state changes an attempt ends with (``_mark_*``); the buttons of
the finance team; and the entry points of the two jobs. Who posts the rows,
exactly once, is the runner (``sepidar_posting_runner.py``); the document
comes from the mapper (``sepidar_document_mapper.py``); an earlier attempt's
document is found by the lookup (``sepidar_document_lookup.py``). See
readme/DESCRIPTION.md.
"""

import json
import logging
import time
from datetime import timedelta
from typing import NamedTuple

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups

from ..sepidar_client import stable_guid
from .sepidar_posting_runner import CRON, PostingRunner, commit_unless_testing
from .sepidar_readback_runner import ReadbackRunner, invoice_values

_logger = logging.getLogger(__name__)

STATES = [
    ("pending", "To Post"),
    ("running", "Posting"),
    ("done", "Posted"),
    ("error", "Sepidar Error"),
    ("credit_refused", "Refused: Over Credit Ceiling"),
    ("cancel", "Not Posted"),
]
# Which states the finance team retries from (Retry button).
RETRYABLE_STATES = ("error", "credit_refused")
INVOICE_STATES = [("registered", "Registered"), ("revoked", "Revoked")]
FINANCE_GROUP = "car_portal_sepidar.group_sepidar_finance"
ADMIN_GROUP = "car_portal_orders.group_car_portal_admin"
ERROR_ACTIVITY = "car_portal_sepidar.mail_activity_sepidar_error"


class Outcome(NamedTuple):
    """Result of one attempt, as the sync log records it."""

    kind: str
    message: str = ""
    sepidar_message: str = ""
    backend_down: bool = False


class SepidarExport(models.Model):
    _name = "sepidar.export"
    _description = "Sepidar Posting of an Order"
    _order = "id desc"

    name = fields.Char(related="order_id.name", store=True, string="Order Number")
    order_id = fields.Many2one(
        "car.portal.order",
        required=True,
        readonly=True,
        ondelete="restrict",
        index=True,
    )
    partner_id = fields.Many2one(
        related="order_id.partner_id", store=True, string="Dealer"
    )
    backend_id = fields.Many2one(
        "sepidar.backend", required=True, readonly=True, ondelete="restrict", index=True
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
    guid = fields.Char(
        string="GUID",
        required=True,
        readonly=True,
        copy=False,
        help="Identifies the document in Sepidar; fixed when the order is approved.",
    )
    document_type = fields.Selection(
        [("quotation", "Quotation"), ("invoice", "Sales Invoice")],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        STATES, required=True, default="pending", readonly=True, index=True
    )
    outcome_unknown = fields.Boolean(
        string="May Be in Sepidar",
        readonly=True,
        copy=False,
        help="An earlier attempt may have reached Sepidar: the document is looked "
        "up by its GUID before it is sent again.",
    )
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(
        string="Next Attempt", readonly=True, index=True, default=fields.Datetime.now
    )
    last_attempt_at = fields.Datetime(string="Last Attempt", readonly=True)
    document_date = fields.Date(
        readonly=True,
        help="Date of the document in Sepidar (set at the first attempt).",
    )
    last_error = fields.Text(readonly=True, copy=False)
    sepidar_document_id = fields.Integer(
        string="Sepidar Document ID", readonly=True, copy=False
    )
    sepidar_document_number = fields.Char(
        string="Sepidar Number", readonly=True, copy=False
    )
    sepidar_customer_id = fields.Integer(
        string="Sepidar Customer ID", readonly=True, copy=False
    )
    amount_net = fields.Float(
        string="Net Amount (Rial)", readonly=True, copy=False, digits=(19, 4)
    )
    posted_at = fields.Datetime(string="Posted On", readonly=True, copy=False)
    dealer_notified_at = fields.Datetime(
        string="Dealer Told On",
        readonly=True,
        copy=False,
        help="When the dealer was told the order is in the accounting.",
    )
    # Read back from Sepidar (sepidar_readback_runner.py) ----------------------
    sepidar_invoice_id = fields.Integer(
        string="Sepidar Invoice ID", readonly=True, copy=False
    )
    invoice_number = fields.Char(readonly=True, copy=False)
    invoice_state = fields.Selection(
        INVOICE_STATES, readonly=True, copy=False, index=True
    )
    invoiced_at = fields.Datetime(
        string="Invoiced On",
        readonly=True,
        copy=False,
        help="When Odoo learnt the invoice exists (posted as one, or read back).",
    )
    amount_received = fields.Float(
        string="Received (Rial)", readonly=True, copy=False, digits=(19, 4)
    )
    amount_remaining = fields.Float(
        string="Remaining (Rial)", readonly=True, copy=False, digits=(19, 4)
    )
    quotation_closed = fields.Boolean(readonly=True, copy=False)
    readback_at = fields.Datetime(string="Read Back On", readonly=True, copy=False)
    readback_done = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="Nothing more will change in Sepidar (paid, revoked, or quotation "
        "closed without an invoice): the read-back job stops reading it.",
    )
    payload = fields.Json(readonly=True, copy=False)
    payload_text = fields.Text(string="Last Payload", compute="_compute_payload_text")
    log_ids = fields.One2many("sepidar.sync.log", "export_id", string="Attempt Log")
    log_count = fields.Integer(compute="_compute_log_count")

    _sql_constraints = [
        ("order_unique", "UNIQUE(order_id)", "An order is posted to Sepidar once."),
        ("guid_unique", "UNIQUE(guid)", "Two postings cannot share a GUID."),
    ]

    def _compute_payload_text(self):
        for export in self:
            export.payload_text = (
                json.dumps(export.payload, ensure_ascii=False, indent=2)
                if export.payload
                else False
            )

    def _compute_log_count(self):
        counts = dict(
            self.env["sepidar.sync.log"]._read_group(
                [("export_id", "in", self.ids)], ["export_id"], ["__count"]
            )
        )
        for export in self:
            export.log_count = counts.get(export, 0)

    # Queueing ----------------------------------------------------------------

    @api.model
    def _guid_for(self, order):
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return stable_guid(db_uuid, "car.portal.order", order.id)

    @api.model
    def _enqueue(self, orders):
        """Queue approved ``orders`` once each; the GUID is stored right away.

        Called in the approval's transaction: the order is approved and its
        posting (with its GUID) exists together, or neither does.
        """
        orders = orders.filtered(lambda o: o.state == "approved")
        if not orders:
            return self.browse()
        queued = self.search([("order_id", "in", orders.ids)]).order_id
        backends = {}
        vals_list = []
        for order in orders - queued:
            company = order.company_id
            if company not in backends:
                backends[company] = self.env["sepidar.backend"]._get_for_company(
                    company
                )
            backend = backends[company]
            if not backend:
                _logger.info(
                    "No Sepidar backend for %s: order %s is not posted.",
                    company.name,
                    order.name,
                )
                continue
            vals_list.append(
                {
                    "order_id": order.id,
                    "backend_id": backend.id,
                    "guid": self._guid_for(order),
                    "document_type": backend.document_type,
                    "state": "pending",
                    "next_attempt_at": fields.Datetime.now(),
                }
            )
        exports = self.create(vals_list)
        if exports:
            self.env.ref(CRON)._trigger()
        return exports

    # Buttons -----------------------------------------------------------------

    def _check_can_manage(self):
        user = self.env.user
        if not (self.env.su or user.has_groups(f"{FINANCE_GROUP},{ADMIN_GROUP}")):
            raise AccessError(
                self.env._("Only Sepidar finance users and administrators can do this.")
            )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_retry(self):
        """Post again a rejected order, once its data is fixed."""
        self._check_can_manage()
        failed = self.filtered(lambda e: e.state in RETRYABLE_STATES)
        if not failed:
            raise UserError(self.env._("Only postings in error can be retried."))
        failed.sudo().write(
            {"state": "pending", "next_attempt_at": fields.Datetime.now()}
        )
        for export in failed:
            export.order_id.sudo().activity_feedback(
                [ERROR_ACTIVITY],
                feedback=self.env._("Retried by %(user)s.", user=self.env.user.name),
            )
        self.env.ref(CRON).sudo()._trigger()
        return True

    @allowed_groups(ADMIN_GROUP)
    def action_cancel(self):
        """Give up posting (e.g. the document was entered in Sepidar by hand)."""
        if not (self.env.su or self.env.user.has_group(ADMIN_GROUP)):
            raise AccessError(self.env._("Only administrators can cancel a posting."))
        if self.filtered(lambda e: e.state in ("done", "running")):
            raise UserError(
                self.env._("A posted order, or one being posted, cannot be cancelled.")
            )
        self.write({"state": "cancel"})
        return True

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_open_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "car.portal.order",
            "res_id": self.order_id.id,
            "view_mode": "form",
        }

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_open_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "car_portal_sepidar.sepidar_sync_log_action"
        )
        action["domain"] = [("export_id", "=", self.id)]
        action["context"] = {}
        return action

    # The jobs ----------------------------------------------------------------

    @api.model
    def _cron_post_exports(self, batch_size=None):
        """Post a batch of due orders; the cron runs again while some remain."""
        return PostingRunner(self._in_staff_language()).run_batch(batch_size)

    @api.model
    def _cron_read_back(self, batch_size=None):
        """Read posted documents back from Sepidar (never posts anything)."""
        return ReadbackRunner(self._in_staff_language().env).run(batch_size)

    def _readback_summary(self):
        """What Sepidar says of the document, in one sentence (history, chatter)."""
        self.ensure_one()
        if self.invoice_state == "revoked":
            return self.env._(
                "Invoice %(number)s was revoked in Sepidar.", number=self.invoice_number
            )
        if self.invoice_state == "registered":
            text = self.env._(
                "Invoiced in Sepidar as number %(number)s.", number=self.invoice_number
            )
            if self.amount_received or self.amount_remaining:
                received = format(self.amount_received, ",.0f")
                remaining = format(self.amount_remaining, ",.0f")
                text += " " + self.env._(
                    "Received %(received)s Rial, remaining %(remaining)s Rial.",
                    received=received,
                    remaining=remaining,
                )
            return text
        if self.quotation_closed:
            return self.env._("The quotation was closed in Sepidar without an invoice.")
        return self.env._("In Sepidar, not invoiced yet.")

    @api.model
    def _cron_notify_dealers(self, batch_size=200):
        """Tell dealers their orders are in the accounting.

        A job of its own, after the posting: mails never slow down or endanger
        the posting itself.
        """
        self = self._in_staff_language()  # noqa: PLW0642
        exports = self._claim_free_rows(
            [("state", "=", "done"), ("dealer_notified_at", "=", False)],
            order="id",
            limit=batch_size,
        )
        for export in exports:
            export.order_id.with_context(
                car_portal_sepidar_number=export.sepidar_document_number
            )._post_dealer_notice(
                template="car_portal_sepidar.mail_template_order_posted"
            )
            export.dealer_notified_at = fields.Datetime.now()
        remaining = self.search_count(
            [("state", "=", "done"), ("dealer_notified_at", "=", False)]
        )
        self.env["ir.cron"]._notify_progress(done=len(exports), remaining=remaining)
        return len(exports)

    @api.model
    def _claim_free_rows(self, domain, order, limit):
        """The rows of ``domain`` no other job holds, locked until this
        transaction ends.

        The read-back and the notice jobs both write posted rows and may run
        at the same time on two workers: under REPEATABLE READ the second
        writer of a row fails (a job error, its whole batch undone). A job
        skips the rows the other holds and takes them on its next run. The
        claim starts a transaction of its own, so that no row was changed
        after this transaction's first read (locking such a row fails too).
        """
        commit_unless_testing(self.env)
        query = self._search(domain, order=order, limit=limit)
        self.env.cr.execute(
            SQL(
                "%s FOR UPDATE OF %s SKIP LOCKED",
                query.select(),
                SQL.identifier(self._table),
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _in_staff_language(self):
        """Scheduled jobs run as the robot user, whose language is rarely the
        staff's: the attempt logs, notes and errors they write are in the
        company's language instead."""
        lang = self.env.company.partner_id.lang
        if not lang or self.env.context.get("lang") == lang:
            return self
        return self.with_context(lang=lang)

    # Document kind -------------------------------------------------------------

    @api.model
    def _document_sender(self, client, document_type, payload):
        """The client call that creates a document of ``document_type`` in
        Sepidar with ``payload``, built now (``client.document_call``).

        Chosen and built in the job's thread (the ORM is not thread-safe, and
        the thread has time to spare while the previous document is on the
        wire); the runner's sender thread then calls it. The runner passes the
        type it read when it claimed the row: reading it again after the
        commit between would cost a query per order.
        """
        kind = "invoice" if document_type == "invoice" else "quotation"
        return client.document_call(kind, payload)

    # Marks: the state changes an attempt ends with ---------------------------

    def _mark_running(self, in_doubt, payload=None, today=None):
        """Start an attempt: ``running`` (committed before any call to Sepidar).

        ``in_doubt``: an earlier attempt may have reached Sepidar, so this one
        looks the document up first. ``payload``: the document, when it is
        ready to send with no question to Sepidar first. ``today``: the date
        of the run's documents (the mapper's), else the user's today.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        vals = {
            "state": "running",
            "attempts": self.attempts + 1,
            "outcome_unknown": in_doubt,
            "last_attempt_at": now,
            "next_attempt_at": now,
            "document_date": self.document_date
            or today
            or fields.Date.context_today(self),
        }
        if payload:
            vals.update(payload=payload, sepidar_customer_id=payload["CustomerRef"])
        self.write(vals)

    def _mark_deferred(self, next_attempt_at, message):
        """Postpone without an attempt: the backend's connection just failed."""
        self.write(
            {
                "state": "pending",
                "next_attempt_at": next_attempt_at,
                "last_error": message,
            }
        )

    def _mark_done(self, document, adopted=False):
        number = document.get("Number")
        now = fields.Datetime.now()
        # One write (an invoice's values with the rest): one pass of the ORM.
        vals = invoice_values(document, now) if self.document_type == "invoice" else {}
        vals.update(
            {
                "state": "done",
                "outcome_unknown": False,
                "sepidar_document_id": document.get("ID")
                or document.get("InvoiceID")
                or 0,
                "sepidar_document_number": str(number) if number else False,
                "amount_net": document.get("NetPrice") or 0.0,
                "posted_at": now,
                "last_error": False,
            }
        )
        self.write(vals)
        if self.attempts > 1:  # an earlier refusal may have left to-dos
            self.order_id.activity_feedback(
                [ERROR_ACTIVITY], feedback=self.env._("Posted to Sepidar.")
            )

        if adopted:
            message = self.env._(
                "Found in Sepidar as number %(number)s: an earlier attempt had "
                "reached it, so it was not sent again.",
                number=self.sepidar_document_number,
            )
            return Outcome("adopted", message)
        return Outcome(
            "posted",
            self.env._(
                "Posted as number %(number)s.", number=self.sepidar_document_number
            ),
        )

    def _note_price_fallback(self, outcome, notes):
        """Say on the order which lines were priced from Odoo (the backend's
        explicit fallback): a posted price is never silently not Sepidar's."""
        text = "\n".join(notes)
        self.order_id.message_post(
            body=Markup("<br/>").join(
                [self.env._("Posted to Sepidar with Odoo prices:"), *notes]
            ),
            subtype_xmlid="mail.mt_note",
        )
        return outcome._replace(message=f"{outcome.message}\n{text}")

    def _mark_nothing_to_post(self):
        message = self.env._("Nothing to post: no line has a supplied quantity.")
        self.write({"state": "cancel", "outcome_unknown": False, "last_error": message})
        return Outcome("skipped", message)

    def _mark_retry(self, error, kind, maybe_sent, backend_down=False):
        message = self.backend_id._error_text(error)
        self.write(
            {
                "state": "pending",
                "outcome_unknown": maybe_sent,
                "next_attempt_at": fields.Datetime.now()
                + timedelta(seconds=self._retry_delay()),
                "last_error": message,
            }
        )
        return Outcome(
            kind, message, error.sepidar_message or "", backend_down=backend_down
        )

    def _retry_delay(self):
        backend = self.backend_id
        first = max(backend.retry_delay, 1)
        longest = max(backend.retry_delay_max, first)
        return min(first * 2 ** max(self.attempts - 1, 0), longest)

    def _mark_error(self, message, sepidar_message=None, maybe_sent=False):
        """Sepidar (or the mapping) refused the order: people must fix it."""
        self.write(
            {"state": "error", "outcome_unknown": maybe_sent, "last_error": message}
        )
        self._notify_error(message)
        return Outcome("invalid", message, sepidar_message or "")

    def _mark_credit_refused(self, message, sepidar_message=None, maybe_sent=False):
        """Sepidar refused the invoice over the dealer's credit ceiling: a state
        of its own, and finance is told (they raise the ceiling, collect a
        payment, or cancel), then Retry."""
        self.write(
            {
                "state": "credit_refused",
                "outcome_unknown": maybe_sent,
                "last_error": message,
            }
        )
        self._notify_error(
            self.env._(
                "Sepidar refused the invoice: it would exceed the dealer's credit "
                "ceiling. Raise the ceiling or collect a payment in Sepidar, then "
                "press Retry. (%(message)s)",
                message=message,
            )
        )
        return Outcome("credit_refused", message, sepidar_message or "")

    def _mark_crashed(self, error):
        """A bug, not a Sepidar answer: stop this row, keep it safe to retry."""
        message = self.env._(
            "Unexpected error while posting: %(error)s", error=repr(error)
        )
        # Whatever happened, the document may have reached Sepidar.
        self.write({"state": "error", "outcome_unknown": True, "last_error": message})
        self._notify_error(message)
        return Outcome("crash", message)

    def _notify_error(self, message):
        """Tell on the order, and give the finance team one to-do each."""
        order = self.order_id
        order.message_post(
            body=self.env._(
                "Posting to Sepidar failed: %(message)s Fix the data, then press "
                "Retry.",
                message=message,
            ),
            subtype_xmlid="mail.mt_note",
        )
        order.activity_unlink([ERROR_ACTIVITY])
        for user in self._finance_users():
            reader = order._in_language_of(user)
            reader.activity_schedule(
                ERROR_ACTIVITY,
                user_id=user.id,
                summary=reader.env._(
                    "Sepidar refused order %(order)s", order=order.name
                ),
                note=message,
            )

    def _finance_users(self):
        """Sepidar finance users of the order's company (else its administrators)."""
        company = self.order_id.company_id
        for xmlid in (FINANCE_GROUP, ADMIN_GROUP):
            users = self.env.ref(xmlid).users.filtered(
                lambda u: u.active and not u.share and company in u.company_ids
            )
            users = users.filtered(lambda u: u.id != self.env.ref("base.user_root").id)
            if users:
                return users
        return self.env["res.users"]

    def _log_attempt(self, outcome, attempt, started, calls):
        """One line of the sync log: ``attempt`` (its number), begun at
        ``started`` (``time.monotonic()``), made ``calls`` HTTP calls."""
        self.env["sepidar.sync.log"].sudo().create(
            {
                "export_id": self.id,
                "attempt": attempt,
                "outcome": outcome.kind,
                "duration": time.monotonic() - started,
                "http_calls": calls,
                "message": outcome.message or False,
                "sepidar_message": outcome.sepidar_message or False,
                "document_number": self.sepidar_document_number or False,
            }
        )
