# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbox of approved orders, and the job that posts them exactly once.

One ``sepidar.export`` row per approved order is created in the approval's own
transaction, with the document GUID Sepidar deduplicates on. The posting job
(``ir.cron``) locks rows (``SKIP LOCKED`` plus an advisory lock that lasts
across commits), marks each ``running`` and commits *before* calling Sepidar,
then stores the document number. A row found ``running`` (a worker died
mid-call) or flagged ``outcome_unknown`` (an answer was lost) is first looked
up in Sepidar by its GUID and adopted when found, so a document is never sent
twice. See readme/DESCRIPTION.md.
"""

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from datetime import timedelta
from functools import partial
from typing import NamedTuple

import psycopg2

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, config, float_is_zero, float_round

from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups

from ..sepidar_client import (
    SepidarAuthError,
    SepidarConfigError,
    SepidarError,
    SepidarTransientError,
    SepidarUnknownOutcome,
    SepidarValidationError,
    SepidarVersionMismatch,
    document_line,
    invoice_payload,
    quotation_payload,
    stable_guid,
)

_logger = logging.getLogger(__name__)

STATES = [
    ("pending", "To Post"),
    ("running", "Posting"),
    ("done", "Posted"),
    ("error", "Sepidar Error"),
    ("cancel", "Not Posted"),
]
READY_STATES = ("pending", "running")
FINANCE_GROUP = "car_portal_sepidar.group_sepidar_finance"
ADMIN_GROUP = "car_portal_orders.group_car_portal_admin"
ERROR_ACTIVITY = "car_portal_sepidar.mail_activity_sepidar_error"
CRON = "car_portal_sepidar.ir_cron_sepidar_post"
NOTIFY_CRON = "car_portal_sepidar.ir_cron_sepidar_notify_dealers"
DEFAULT_BATCH = 100
# Sepidar API level from which a quotation accepts a Description.
DESCRIPTION_LEVEL = 109
# First key of the PostgreSQL advisory locks of posting rows (second: row id).
LOCK_SPACE = 0x5E91DA
# Seconds the sender thread gets alone to send a document (see _launch).
SEND_HEAD_START = 0.002


class SepidarDataError(Exception):
    """The order cannot become a Sepidar document as it stands (mapping, price)."""


class Outcome(NamedTuple):
    """Result of one attempt, as the sync log records it."""

    kind: str
    message: str = ""
    sepidar_message: str = ""
    backend_down: bool = False


class PostingSession:
    """What the orders of one backend share within a batch of the job.

    One client (one kept-alive HTTP connection, one token) and Sepidar's
    customer list, read at most once.
    """

    def __init__(self, backend):
        self.backend = backend
        self._client = None
        self._customers = None
        self._saved = None

    @property
    def client(self):
        if self._client is None:
            self._client = self.backend._get_client()
            self._saved = self._state()
        return self._client

    def _state(self):
        return (self._client.token, self._client.server_version)

    def connects(self):
        """Whether a client can be built (else the attempt records why not)."""
        try:
            return bool(self.client)
        except SepidarError:
            return False

    @property
    def call_count(self):
        return self._client.call_count if self._client is not None else 0

    def customers(self, refresh=False):
        if self._customers is None or refresh:
            self._customers = self.client.customers()
        return self._customers

    def add_customer(self, customer):
        if self._customers is not None:
            self._customers.append(customer)

    def save(self):
        """Keep the client's token for the next job (when it changed)."""
        if self._client is not None and self._state() != self._saved:
            self.backend._save_client_state(self._client)
            self._saved = self._state()

    def close(self):
        if self._client is not None:
            self._client.close()


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
        failed = self.filtered(lambda e: e.state == "error")
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

    # The job -----------------------------------------------------------------

    @api.model
    def _can_commit(self):
        """Commit per order, except in tests (same rule as account.move)."""
        return not config["test_enable"] and not modules.module.current_test

    def _commit(self):
        if not self._can_commit():
            return False
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    @api.model
    def _cron_post_exports(self, batch_size=None):
        """Post a batch of due orders; the cron runs again while some remain."""
        self = self._in_staff_language()  # noqa: PLW0642
        if not batch_size:
            [(largest,)] = self.env["sepidar.backend"]._read_group(
                [], aggregates=["batch_size:max"]
            )
            batch_size = largest or DEFAULT_BATCH
        self.flush_model(["state", "next_attempt_at"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM sepidar_export
                 WHERE state IN %s AND next_attempt_at <= %s
              ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                READY_STATES,
                fields.Datetime.now(),
                batch_size,
            )
        )
        exports = self.browse([row[0] for row in self.env.cr.fetchall()])
        done = exports._post()
        remaining = self.search_count(
            [
                ("state", "in", READY_STATES),
                ("next_attempt_at", "<=", fields.Datetime.now()),
            ]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            self._schedule_next_run()
        if done:
            self.env.ref(NOTIFY_CRON).sudo()._trigger()
        return done

    @api.model
    def _cron_notify_dealers(self, batch_size=200):
        """Tell dealers their orders are in the accounting.

        A job of its own, after the posting: mails never slow down or endanger
        the posting itself.
        """
        self = self._in_staff_language()  # noqa: PLW0642
        exports = self.search(
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
    def _in_staff_language(self):
        """Scheduled jobs run as the robot user, whose language is rarely the
        staff's: the attempt logs, notes and errors they write are in the
        company's language instead."""
        lang = self.env.company.partner_id.lang
        if not lang or self.env.context.get("lang") == lang:
            return self
        return self.with_context(lang=lang)

    @api.model
    def _schedule_next_run(self):
        """Wake the job when the earliest postponed posting is due."""
        following = self.search(
            [
                ("state", "in", READY_STATES),
                ("next_attempt_at", ">", fields.Datetime.now()),
            ],
            order="next_attempt_at",
            limit=1,
        )
        cron = self.env.ref(CRON, raise_if_not_found=False)
        if following and cron:
            cron.sudo()._trigger(at=following.next_attempt_at)

    def _post(self):
        """Post these rows one at a time; returns how many were attempted.

        For each order: its ``running`` marker is committed before its
        document is sent, its result is written when the answer comes, and a
        failing order never stops the others. The one commit an order is made
        while the previous order's document is on the wire (a single worker
        thread sends, so Sepidar sees one call at a time), which hides the
        database work behind the network wait. When the connection itself
        fails (device, login, settings), the other orders of that backend wait.
        """
        # The first document is read alone and sent; the rest of the batch is
        # read (all at once) while it is on the wire.
        prepared = self[:1]._prepare_batch()
        rest = self[1:]
        queue = list(self)
        run = {"sessions": {}, "down": {}, "locked": []}
        attempted = 0
        inflight = None
        sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sepidar")
        try:
            current = self._start_next(queue, prepared, run)
            while current or inflight:
                # Evidence first: the marker of ``current`` is committed before
                # its call; a dead worker leaves the row "running", and the next
                # run looks the document up before sending it again.
                self._commit()
                send = None
                if current:
                    export, attempt, suspect, payload = current
                    session = self._session(export.backend_id, run)
                    if payload and session.connects():
                        send = export._sender(session.client, payload)
                answered = inflight and self._wait(inflight)
                # Sent as soon as the previous answer is in; that answer is
                # recorded while this document is on the wire.
                inflight = send and export._launch(session, attempt, send, sender)
                if rest:
                    prepared.update(rest._prepare_batch())
                    rest = self.browse()
                if answered:
                    self._finish(answered, run)
                    attempted += 1
                if current and not inflight:
                    outcome = export._run(session, attempt, suspect, prepared)
                    self._finished(export, session, outcome, run)
                    attempted += 1
                current = self._start_next(queue, prepared, run)
            self._commit()
        finally:
            # After an error in this loop, a document on the wire is waited for
            # (its row stays "running", so the next run looks it up) before
            # the rows are let go.
            sender.shutdown(wait=True)
            for session in run["sessions"].values():
                session.close()
            self._unlock_all(run["locked"])
        return attempted

    @api.model
    def _session(self, backend, run):
        session = run["sessions"].get(backend.id)
        if session is None:
            session = run["sessions"][backend.id] = PostingSession(backend)
        return session

    def _start_next(self, queue, prepared, run):
        """Claim the next due row of ``queue`` and mark it ``running``.

        Returns ``(export, attempt, suspect, payload)``: ``payload`` is the
        document ready to send when nothing else must be asked from Sepidar
        first (no doubt to clear, customer known), else ``None``. Returns
        ``None`` when the queue is exhausted. Rows of a backend that is down
        are postponed instead.
        """
        while queue:
            export = queue.pop(0)
            if not export._claim(run):
                continue
            down = run["down"].get(export.backend_id.id)
            if down:
                export._defer(*down)
                self._unlock(run["locked"], export)
                continue
            suspect = export.state == "running" or export.outcome_unknown
            attempt = export.attempts + 1
            now = fields.Datetime.now()
            vals = {
                "state": "running",
                "attempts": attempt,
                "outcome_unknown": suspect,
                "last_attempt_at": now,
                "next_attempt_at": now,
                "document_date": export.document_date
                or fields.Date.context_today(export),
            }
            payload, problem, dealer = prepared.get(export.id) or (None, True, None)
            ready = None
            if not (suspect or problem) and payload and dealer.sepidar_customer_id:
                ready = dict(payload, CustomerRef=dealer.sepidar_customer_id)
                vals.update(payload=ready, sepidar_customer_id=ready["CustomerRef"])
            export.write(vals)
            return export, attempt, suspect, ready
        return None

    def _prepare_batch(self):
        """The document of every row, read for the whole batch at once.

        Built within one transaction (a commit empties the ORM cache), so
        orders, lines, mappings and prices are fetched in a few queries.
        Returns ``{export id: (payload or None, problem or None, dealer
        binding)}``.
        """
        prepared = {}
        for backend in self.backend_id:
            exports = self.filtered(lambda e, b=backend: e.backend_id == b)
            orders = exports.order_id
            products = self.env["sepidar.product.binding"]._get_or_create(
                backend, orders.line_ids.product_id
            )
            by_product = {binding.product_id: binding for binding in products}
            dealers = self.env["sepidar.partner.binding"]._get_or_create(
                backend, orders.partner_id
            )
            by_dealer = {binding.partner_id: binding for binding in dealers}
            for export in exports:
                dealer = by_dealer[export.order_id.partner_id.commercial_partner_id]
                try:
                    with self.env.cr.savepoint(flush=False):
                        payload = export._prepare_payload(bindings=by_product)
                except SepidarDataError as error:
                    prepared[export.id] = (None, str(error), dealer)
                except Exception:
                    # Prepared again in the row's own attempt, which fails alone.
                    _logger.debug(
                        "Sepidar: cannot prepare %s", export.name, exc_info=True
                    )
                else:
                    prepared[export.id] = (payload, None, dealer)
        return prepared

    def _claim(self, run):
        """Lock the row for this worker, or skip it; is it still due?

        ``FOR UPDATE SKIP LOCKED`` skips a row another transaction holds. The
        row lock ends at the next commit, so the row is also taken with a
        session-level advisory lock, which lasts across commits until the row
        is finished and dies with the worker's connection (a killed worker's
        rows are free again at once).
        """
        self.ensure_one()
        self.flush_recordset(["state", "next_attempt_at"])
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT state, next_attempt_at FROM sepidar_export "
                "WHERE id = %s FOR UPDATE SKIP LOCKED",
                self.id,
            )
        )
        row = cr.fetchone()
        if not row:
            return False
        state, next_attempt_at = row
        if state not in READY_STATES or (
            next_attempt_at and next_attempt_at > fields.Datetime.now()
        ):
            return False
        cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", LOCK_SPACE, self.id))
        if not cr.fetchone()[0]:
            return False  # another worker owns it (between two of its commits)
        run["locked"].append(self.id)
        self.invalidate_recordset()
        return True

    def _unlock(self, locked, export=None):
        """Release the advisory lock of ``export`` (default: of every row left)."""
        ids = [export.id] if export else list(locked)
        for export_id in ids:
            self.env.cr.execute(
                SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK_SPACE, export_id)
            )
            locked.remove(export_id)

    def _unlock_all(self, locked):
        """Release every advisory lock left, even from a failed transaction.

        Advisory locks belong to the connection, which Odoo pools: they must
        not outlive the job.
        """
        if not locked:
            return
        try:
            self._unlock(locked)
        except psycopg2.Error:
            self.env.cr.rollback()  # the transaction failed anyway
            self._unlock(locked)

    def _defer(self, next_attempt_at, message):
        """Postpone without an attempt: the backend's connection just failed."""
        self.write(
            {
                "state": "pending",
                "next_attempt_at": next_attempt_at,
                "last_error": message,
            }
        )

    def _sender(self, client, payload):
        """The client call that sends ``payload`` (chosen here, not in the
        sender thread: the ORM is not thread-safe)."""
        if self.document_type == "invoice":
            return partial(client.create_invoice, payload)
        return partial(client.create_quotation, payload)

    def _launch(self, session, attempt, send, sender):
        """Start ``send`` in the sender thread, which touches no database."""
        started, calls = time.monotonic(), session.call_count
        begun = threading.Event()
        future = sender.submit(_send_in_thread, session.client, send, begun)
        # Let the request leave before the next database work competes with
        # the sender for the interpreter lock and the CPU (the main thread has
        # tens of idle milliseconds to spare while the document is on the wire).
        begun.wait(1)
        time.sleep(SEND_HEAD_START)
        return self, session, attempt, future, started, calls

    @api.model
    def _wait(self, inflight):
        """Wait for the answer of a launched document (the sender is then free)."""
        wait_futures([inflight[3]])
        return inflight

    def _finish(self, inflight, run):
        """Record the answer of a launched document."""
        export, session, attempt, future, started, _calls = inflight
        calls = 0
        try:
            with self.env.cr.savepoint():
                document, error, calls = future.result()
                if error:
                    outcome = export._outcome_of(error, "post")
                else:
                    outcome = export._mark_done(document)
        except Exception as crash:  # one order must not stop the batch
            _logger.exception(
                "Sepidar: unexpected error while posting order %s", export.name
            )
            outcome = export._fail_unexpected(crash)
        export._log(outcome, attempt, started, calls)
        self._finished(export, session, outcome, run)
        return outcome

    @api.model
    def _finished(self, export, session, outcome, run):
        if outcome.backend_down:
            run["down"][export.backend_id.id] = (
                export.next_attempt_at,
                export.last_error,
            )
        session.save()
        self._unlock(run["locked"], export)

    def _run(self, session, attempt, suspect, prepared=None):
        """One synchronous attempt at this running row, logged; its Outcome."""
        self.ensure_one()
        started = time.monotonic()
        calls = session.call_count
        try:
            with self.env.cr.savepoint():
                outcome = self._attempt(session, suspect, (prepared or {}).get(self.id))
        except Exception as error:  # one order must not stop the batch
            _logger.exception(
                "Sepidar: unexpected error while posting order %s", self.order_id.name
            )
            outcome = self._fail_unexpected(error)
        self._log(outcome, attempt, started, session.call_count - calls)
        return outcome

    def _log(self, outcome, attempt, started, calls):
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

    def _attempt(self, session, suspect, prepared=None):
        """Look up (if in doubt), map, post; every Sepidar error becomes a state."""
        backend = self.backend_id
        phase = "lookup"
        payload, problem, dealer = prepared or (None, None, None)
        try:
            if suspect:
                document = self._lookup_document(session)
                if document:
                    return self._mark_done(document, adopted=True)
            phase = "prepare"  # no call yet: a bad order creates no customer
            if problem:
                raise SepidarDataError(problem)
            if not prepared:
                payload = self._prepare_payload()
            if payload is None:
                return self._mark_nothing_to_post()
            phase = "customer"
            dealer = dealer or self.env["sepidar.partner.binding"]._get_or_create(
                backend, self.order_id.partner_id
            )
            payload = dict(payload, CustomerRef=dealer._ensure_customer(session))
            self.write(
                {"payload": payload, "sepidar_customer_id": payload["CustomerRef"]}
            )
            phase = "post"
            document = self._send_document(session.client, payload)
        except (SepidarError, SepidarDataError) as error:
            return self._outcome_of(error, phase)
        return self._mark_done(document)

    def _outcome_of(self, error, phase):
        """Record what a failure at ``phase`` means for the row.

        ``phase``: ``lookup`` (clearing a doubt), ``prepare``, ``customer`` or
        ``post``. Whether the document may be in Sepidar decides whether the
        next attempt must look it up first.
        """
        if isinstance(error, SepidarDataError):
            return self._mark_error(str(error), maybe_sent=phase == "lookup")
        if isinstance(error, SepidarValidationError):
            return self._mark_error(
                self.backend_id._error_text(error),
                sepidar_message=error.sepidar_message,
                maybe_sent=phase == "lookup",
            )
        if isinstance(error, SepidarUnknownOutcome):
            return self._mark_retry(error, "unknown", maybe_sent=True)
        if isinstance(
            error, (SepidarAuthError, SepidarConfigError, SepidarVersionMismatch)
        ):
            # Refused before anything ran: the connection is wrong, not the order.
            self.backend_id._record_error(error)
            return self._mark_retry(
                error, "backend", maybe_sent=phase == "lookup", backend_down=True
            )
        if isinstance(error, SepidarTransientError):
            # A 5xx answer to the document itself may hide a saved document.
            maybe = phase == "lookup" or (phase == "post" and bool(error.status))
            return self._mark_retry(error, "transient", maybe_sent=maybe)
        # Any other answer (e.g. not JSON): was it the document's?
        return self._mark_retry(
            error, "transient", maybe_sent=phase in ("lookup", "post")
        )

    def _send_document(self, client, payload):
        if self.document_type == "invoice":
            return client.create_invoice(payload)
        return client.create_quotation(payload)

    # Results -------------------------------------------------------------------

    def _retry_delay(self):
        backend = self.backend_id
        first = max(backend.retry_delay, 1)
        longest = max(backend.retry_delay_max, first)
        return min(first * 2 ** max(self.attempts - 1, 0), longest)

    def _mark_done(self, document, adopted=False):
        number = document.get("Number")
        self.write(
            {
                "state": "done",
                "outcome_unknown": False,
                "sepidar_document_id": document.get("ID")
                or document.get("InvoiceID")
                or 0,
                "sepidar_document_number": str(number) if number else False,
                "amount_net": document.get("NetPrice") or 0.0,
                "posted_at": fields.Datetime.now(),
                "last_error": False,
            }
        )
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

    def _mark_error(self, message, sepidar_message=None, maybe_sent=False):
        """Sepidar (or the mapping) refused the order: people must fix it."""
        self.write(
            {"state": "error", "outcome_unknown": maybe_sent, "last_error": message}
        )
        self._notify_error(message)
        return Outcome("invalid", message, sepidar_message or "")

    def _fail_unexpected(self, error):
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

    # Lookup ------------------------------------------------------------------

    def _lookup_document(self, session):
        """The document an earlier attempt may have created, or ``None``.

        Quotations carry their GUID in Sepidar's read model. Invoices do not
        (sepidar-api.md 10): they are matched on customer, amounts, date and
        lines, among invoices no other posting has claimed.
        """
        if self.document_type == "quotation":
            return session.client.find_quotation(
                self.guid, around=self.document_date or fields.Date.today(), days=1
            )
        return self._lookup_invoice(session)

    def _lookup_invoice(self, session):
        binding = self.env["sepidar.partner.binding"]._get_or_create(
            self.backend_id, self.order_id.partner_id
        )
        if not binding.sepidar_customer_id:
            customer, how = binding._match_customer(session.customers())
            if not customer:
                return None  # no customer, so no invoice either
            binding._bind_customer(customer, how)
        payload = self._prepare_payload(binding.sepidar_customer_id)
        if payload is None:
            return None
        claimed = set(
            self.search(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("document_type", "=", "invoice"),
                    ("sepidar_document_id", "!=", 0),
                    ("id", "!=", self.id),
                ]
            ).mapped("sepidar_document_id")
        )
        since = fields.Date.to_string(
            (self.document_date or fields.Date.today()) - timedelta(days=1)
        )
        client = session.client
        candidates = [
            invoice
            for invoice in client.find_invoices(
                customer_id=binding.sepidar_customer_id, price=payload["Price"]
            )
            if invoice["InvoiceID"] not in claimed
            and not invoice.get("QuotationRef")
            and str(invoice.get("Date") or "")[:10] >= since
            and invoice.get("Tax") == payload["Tax"]
        ]
        wanted = _line_signature(payload["Items"])
        for invoice in sorted(candidates, key=lambda i: i["InvoiceID"]):
            detail = client.get_invoice(invoice["InvoiceID"])
            if _line_signature(detail.get("InvoiceItems") or ()) == wanted:
                return detail
        return None

    # Payload -----------------------------------------------------------------

    def _prepare_payload(self, customer_id=None, bindings=None):
        """The Sepidar document of the order; ``None`` if nothing is supplied.

        ``bindings`` maps products to their ``sepidar.product.binding`` (read
        here when not given). Raises :class:`SepidarDataError` listing every
        problem at once.
        """
        self.ensure_one()
        order = self.order_id
        backend = self.backend_id
        problems = []
        sale_type = backend._sale_type_for(order.payment_term_id)
        if not sale_type:
            problems.append(
                self.env._(
                    "Payment term %(term)s has no Sepidar sale type: map it on the "
                    "Sepidar backend (or set a default sale type).",
                    term=order.payment_term_id.name or self.env._("(none)"),
                )
            )
        elif not (sale_type.active and sale_type.is_available):
            problems.append(
                self.env._(
                    "Sepidar sale type %(sale_type)s is not available any more.",
                    sale_type=sale_type.name,
                )
            )
        if not backend.currency_ref:
            problems.append(
                self.env._(
                    "The Sepidar currency is unknown: pull the reference data on "
                    "the Sepidar backend."
                )
            )
        lines = order.line_ids.filtered(
            lambda line: not float_is_zero(line.supplied_qty, precision_digits=6)
        ).sorted(lambda line: (line.sequence, line.id))
        if not lines:
            if problems:
                raise SepidarDataError("\n".join(problems))
            return None
        if bindings is None or not all(p in bindings for p in lines.product_id):
            bindings = {
                binding.product_id: binding
                for binding in self.env["sepidar.product.binding"]._get_or_create(
                    backend, lines.product_id
                )
            }
        document_lines = []
        for line in lines:
            binding = bindings[line.product_id]
            values, problem = self._line_values(line, binding, sale_type)
            if problem:
                problems.append(problem)
            else:
                document_lines.append(document_line(len(document_lines) + 1, **values))
        if problems:
            raise SepidarDataError("\n".join(problems))
        return self._document_payload(customer_id, sale_type, document_lines)

    def _line_values(self, line, binding, sale_type):
        """``(document_line kwargs, None)`` or ``(None, problem text)``."""
        backend = self.backend_id
        product = line.product_id
        item = binding.item_id
        if not binding.is_mapped:
            if item:
                return None, self.env._(
                    "%(product)s: choose which tracing (e.g. colour) of Sepidar "
                    "item %(item)s it is, in Sepidar › Products.",
                    product=product.display_name,
                    item=item.display_name,
                )
            return None, self.env._(
                "%(product)s (code %(code)s) has no Sepidar item: map it in "
                "Sepidar › Products.",
                product=product.display_name,
                code=product.default_code or "-",
            )
        if not (item.active and item.is_active and item.is_sellable):
            return None, self.env._(
                "Sepidar item %(item)s cannot be sold (inactive or not sellable).",
                item=item.display_name,
            )
        stock = backend._stock_for(item)
        if self.document_type == "invoice" and not stock:
            return None, self.env._(
                "Sepidar invoices need a stock: set the default stock of the "
                "Sepidar backend (or the usual stock of item %(item)s).",
                item=item.display_name,
            )
        tracing_ref = binding.tracing_id.sepidar_id or None
        fee = self._fee_for(line, item, tracing_ref, sale_type)
        if fee is None:
            return None, self.env._(
                "Sepidar's price list has no price of %(item)s for sale type "
                "%(sale_type)s.",
                item=item.display_name,
                sale_type=sale_type.name if sale_type else "-",
            )
        precision = backend.currency_precision
        quantity = line.supplied_qty
        if float_is_zero(quantity % 1, precision_digits=6):
            quantity = round(quantity)
        fee = float_round(fee, precision_digits=precision)
        gross = float_round(quantity * fee, precision_digits=precision)
        rates = (0.0, 0.0) if item.is_tax_exempt else (item.tax_rate, item.duty_rate)
        return {
            "item_id": item.sepidar_id,
            "quantity": quantity,
            "fee": fee,
            "stock_id": stock.sepidar_id or None,
            "tracing_id": tracing_ref,
            "tax": float_round(gross * rates[0] / 100, precision_digits=precision),
            "duty": float_round(gross * rates[1] / 100, precision_digits=precision),
            "precision": precision,
        }, None

    def _fee_for(self, line, item, tracing_ref, sale_type):
        """Unit price in Rial: Sepidar's price list and/or the Odoo price."""
        backend = self.backend_id
        fee = None
        if backend.price_source != "odoo" and sale_type:
            fee = item._price_for(sale_type, tracing_ref)
        if fee is None and backend.price_source != "pricelist":
            price = line.price_unit or line.product_id.lst_price
            if price:
                fee = price * (backend.odoo_price_factor or 1.0)
        return fee

    def _document_payload(self, customer_id, sale_type, lines):
        backend = self.backend_id
        description = None
        if (backend.server_version or 0) >= DESCRIPTION_LEVEL:
            description = self.order_id.name
        if self.document_type == "invoice":
            return invoice_payload(
                self.guid,
                customer_id,
                sale_type.sepidar_id,
                backend.currency_ref,
                lines,
                description=description,
            )
        date = self.document_date or fields.Date.context_today(self)
        return quotation_payload(
            self.guid,
            customer_id,
            sale_type.sepidar_id,
            backend.currency_ref,
            lines,
            date=date,
            expiration_date=date
            + timedelta(days=max(backend.quotation_validity_days, 0)),
            description=description,
        )


def _send_in_thread(client, send, begun):
    """``(document, Sepidar error, calls made)``; runs in the sender thread."""
    begun.set()
    calls = client.call_count
    try:
        document = send()
    except SepidarError as error:
        return None, error, client.call_count - calls
    return document, None, client.call_count - calls


def _line_signature(lines):
    """What identifies a document's lines: item, tracing, quantity, fee."""
    return sorted(
        (
            line.get("ItemRef"),
            line.get("TracingRef") or 0,
            float(line.get("Quantity") or 0),
            float(line.get("Fee") or 0),
        )
        for line in lines
    )
