# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The runner: one run of the posting job, which posts each due row exactly once.

Plain Python (no ORM model): :class:`PostingRunner` claims due
``sepidar.export`` rows (``FOR UPDATE SKIP LOCKED`` plus an advisory lock that
lasts across commits), marks each ``running`` and commits *before* calling
Sepidar, and takes every row through the same path: the questions to Sepidar
that must come first (lookup of a row in doubt, the dealer's customer), then
the document, sent from a single sender thread so that the answer to the
previous document is recorded while this one is on the wire. An attempt's
steps run through :meth:`PostingRunner._settle`, the one place where an
exception becomes the row's outcome. See readme/DESCRIPTION.md.
"""

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg2

from odoo import fields, modules
from odoo.tools import SQL, config

from ..sepidar_client import (
    SepidarAuthError,
    SepidarConfigError,
    SepidarError,
    SepidarTransientError,
    SepidarUnknownOutcome,
    SepidarValidationError,
    SepidarVersionMismatch,
)
from .sepidar_credit_reader import is_credit_refusal
from .sepidar_document_lookup import DocumentLookup
from .sepidar_document_mapper import DocumentMapper, SepidarDataError

_logger = logging.getLogger(__name__)

# States of the rows the job takes (a "running" row was left by a dead worker).
READY_STATES = ("pending", "running")
CRON = "car_portal_sepidar.ir_cron_sepidar_post"
NOTIFY_CRON = "car_portal_sepidar.ir_cron_sepidar_notify_dealers"
DEFAULT_BATCH = 100
# First key of the PostgreSQL advisory locks of posting rows (second: row id).
LOCK_SPACE = 0x5E91DA
# Seconds the sender thread gets alone to send a document (see _launch).
SEND_HEAD_START = 0.002
# Rows whose documents are read together while a document is on the wire (see
# post): few enough for their reads to fit in one call's time on the wire.
PREPARE_CHUNK = 10
# Seconds during which a run takes the next batch of due rows while the last
# document of a batch is on the wire (see post): a run stays about this long
# plus one batch, as the cron's own ten runs of a batch would.
MORE_BATCHES_SECONDS = 30


class PostingSession:
    """What the orders of one backend share within a batch of the job.

    One client (one kept-alive HTTP connection, one token), opened by the
    backend's Sepidar session at first use, and Sepidar's customer list, read
    at most once. The token is saved after each order when it changed (the
    next job needs no login even if this one dies), and at the end.
    """

    def __init__(self, backend):
        self.backend = backend
        self._client = None
        self._customers = None
        self._saved = None
        self._exit = contextlib.ExitStack()

    @property
    def is_open(self):
        """Whether the client is open (using it then runs no SQL)."""
        return self._client is not None

    @property
    def client(self):
        if self._client is None:
            self._client = self._exit.enter_context(self.backend._session())
            self._saved = self._state()
        return self._client

    def _state(self):
        return (self._client.token, self._client.server_version)

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
        """End the backend's session: token saved, connection closed."""
        self._exit.close()


class Attempt:
    """One attempt at posting a claimed row, from ``running`` to its outcome.

    ``payload`` is the document once it is ready to send; ``phase`` is how
    far the attempt went (``lookup``, ``prepare``, ``customer``, ``post``),
    which tells whether a failure may have left the document in Sepidar.
    ``document_type`` is the row's, read when it was claimed.
    """

    def __init__(self, export, session, in_doubt, payload, prepared):
        self.export = export
        self.session = session
        self.number = export.attempts
        self.document_type = export.document_type
        self.in_doubt = in_doubt
        self.payload = payload
        self.prepared = prepared
        self.phase = "post" if payload else "lookup"
        self.send = None
        self.future = None
        self.started = None
        self.calls = 0

    def begin(self):
        """The attempt's work starts (its logged duration counts from here)."""
        if self.started is None:
            self.started = time.monotonic()


def commit_unless_testing(env):
    """Commit, except in tests (same rule as account.move).

    A commit empties the ORM cache; tests, which cannot commit, empty it
    too, so that they run (and count) the queries production runs.
    """
    if config["test_enable"] or modules.module.current_test:
        env.flush_all()
        env.invalidate_all()
        return
    env.cr.commit()  # pylint: disable=invalid-commit


class PostingRunner:
    """One run of the posting job over ``exports`` (a ``sepidar.export`` model).

    Holds the run's state: a :class:`PostingSession` per backend, the
    backends found down, the advisory locks held, the sender thread and the
    attempt whose document is on the wire.
    """

    def __init__(self, exports):
        self.Export = exports.browse()
        self.env = exports.env
        self.mapper = DocumentMapper(self.env)
        self.lookup = DocumentLookup(self.env, self.mapper)
        self.sessions = {}  # backend id: PostingSession
        self.down = {}  # backend id: (next attempt, message) of its other rows
        self.locked = []  # ids of the rows holding an advisory lock
        self.prepared = {}  # export id: PreparedDocument
        # Dealer binding id: Sepidar customer id, once known in this run (read
        # once, not after every commit; set when an attempt finds or creates it).
        self.customers = {}
        self.inflight = None  # the Attempt whose document is on the wire
        self.sender = None
        self.attempted = 0
        # More batches (run_batch only): their size, until when, the rows seen.
        self.batch_size = None
        self.more_until = None
        self.seen = set()

    # The batch ---------------------------------------------------------------

    def run_batch(self, batch_size=None):
        """Post a batch of due rows; the cron runs again while some remain.

        Returns how many rows were attempted.
        """
        self.batch_size = batch_size or self._batch_size()
        self.more_until = time.monotonic() + MORE_BATCHES_SECONDS
        done = self.post(self._due_rows(self.batch_size))
        remaining = self.Export.search_count(
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

    def _batch_size(self):
        [(largest,)] = self.env["sepidar.backend"]._read_group(
            [], aggregates=["batch_size:max"]
        )
        return largest or DEFAULT_BATCH

    def _due_rows(self, batch_size):
        """Due rows no other transaction holds and this run has not taken,
        oldest first, locked."""
        self.Export.flush_model(["state", "next_attempt_at"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM sepidar_export
                 WHERE state IN %s AND next_attempt_at <= %s
                   AND NOT id = ANY(%s::int[])
              ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                READY_STATES,
                fields.Datetime.now(),
                sorted(self.seen),
                batch_size,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.seen.update(ids)
        return self.Export.browse(ids)

    def _start_batch(self, exports):
        """The batch's queue of rows and the rows whose documents are unread.

        The first document is read now, alone; the rest in chunks of
        PREPARE_CHUNK, one while each document is on the wire (each chunk in
        one transaction: a commit empties the ORM cache). The whole rest at
        once took longer than a call, and the second order waited for it.
        """
        self.prepared = self.mapper.prepare_batch(self.Export.browse(exports.ids[:1]))
        # Each row is read on its own after a commit: the batch's records
        # share their prefetch, so reading one field of one row would read
        # every row of the batch again after each commit.
        return [export.with_prefetch() for export in exports], exports.ids[1:]

    def _more_rows(self, taken):
        """The next batch, when the last one was full and the run is young:
        claimed while the last document of the batch is on the wire, so that
        the wire is not left idle between batches (the last answer waited for
        alone, the cron's next run, the first document read alone)."""
        if not (
            self.inflight
            and self.batch_size
            and len(taken) >= self.batch_size
            and time.monotonic() < self.more_until
        ):
            return self.Export.browse()
        return self._due_rows(self.batch_size)

    def _schedule_next_run(self):
        """Wake the job when the earliest postponed posting is due."""
        following = self.Export.search(
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

    def post(self, exports):
        """Post these rows one at a time; returns how many were attempted.

        For each order: its ``running`` mark is committed before anything of
        it is sent, its result is written when the answer comes, and a
        failing order never stops the others. The one commit an order is made
        while the previous order's document is on the wire (a single sender
        thread, so Sepidar sees one call at a time), which hides the database
        work behind the network wait. When the connection itself fails
        (device, login, settings), the other orders of that backend wait.
        """
        queue, unread = self._start_batch(exports)
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sepidar")
        try:
            current = self._next_attempt(queue)
            while current or self.inflight:
                # Evidence first: a dead worker leaves the row "running", and
                # the next run looks the document up before sending it again.
                self._commit()
                self._send_and_record_previous(current)
                if unread:
                    chunk, unread = unread[:PREPARE_CHUNK], unread[PREPARE_CHUNK:]
                    self.prepared.update(
                        self.mapper.prepare_batch(self.Export.browse(chunk))
                    )
                current = self._next_attempt(queue)
                if current is None:
                    exports = self._more_rows(exports)
                    queue, unread = self._start_batch(exports)
                    current = self._next_attempt(queue)
            self._commit()
        finally:
            # After an error in this loop, a document on the wire is waited for
            # (its row stays "running", so the next run looks it up) before
            # the rows are let go.
            self.sender.shutdown(wait=True)
            for session in self.sessions.values():
                session.close()
            self._unlock_all()
        return self.attempted

    def _commit(self):
        """Commit per order (see :func:`commit_unless_testing`)."""
        commit_unless_testing(self.env)

    # One attempt ---------------------------------------------------------------

    def _send_and_record_previous(self, attempt):
        """Put ``attempt``'s document on the wire, then record the answer to
        the previous document while it travels (``attempt`` may be ``None``:
        the queue is done, only that answer is left).

        An attempt that must ask Sepidar something first (a lookup, the
        dealer's customer) waits for the previous answer: the client is not
        shared between threads.
        """
        previous, self.inflight = self.inflight, None
        outcome = None
        if attempt and not attempt.payload:
            self._record_answer(previous)
            previous = None
            attempt.begin()
            outcome = self._settle(attempt, self._ask_first)
        if attempt and not outcome:
            # Once the backend's session is open, choosing the call runs no
            # SQL: there is nothing for a savepoint to undo.
            outcome = self._settle(
                attempt, self._choose_sender, savepoint=not attempt.session.is_open
            )
        if attempt and not outcome:
            # Queued behind the previous document: the sender thread sends it
            # the moment the previous answer is in, without waiting for this
            # thread (one hand-off less per order on the wire's critical path).
            self._launch(attempt)
            self.inflight = attempt
        self._record_answer(previous)
        if attempt and outcome:
            attempt.begin()
            self._conclude(attempt, outcome)

    def _ask_first(self, attempt):
        """What must come before the document: clear a doubt, map the order,
        find or create the customer. Returns the outcome when the attempt
        ends here, else ``None`` with ``attempt.payload`` ready to send."""
        export = attempt.export
        calls = attempt.session.call_count
        try:
            if attempt.in_doubt:
                document = self.lookup.find(export, attempt.session)
                if document:
                    return export._mark_done(document, adopted=True)
            attempt.phase = "prepare"  # no call yet: a bad order creates no customer
            payload, problem, dealer = attempt.prepared or (None, None, None)
            if problem:
                raise SepidarDataError(problem)
            if not attempt.prepared:
                payload = self.mapper.payload(export)
            if payload is None:
                return export._mark_nothing_to_post()
            attempt.phase = "customer"
            dealer = dealer or self.env["sepidar.partner.binding"]._get_or_create(
                export.backend_id, export.order_id.partner_id
            )
            customer_id = dealer._ensure_customer(attempt.session)
            self.customers[dealer.id] = customer_id
            attempt.payload = dict(payload, CustomerRef=customer_id)
            export.write(
                {"payload": attempt.payload, "sepidar_customer_id": customer_id}
            )
            attempt.phase = "post"
            return None
        finally:
            attempt.calls += attempt.session.call_count - calls

    def _choose_sender(self, attempt):
        """The client call of the document, chosen in this thread (the ORM
        is not thread-safe); opening the client may fail (settings)."""
        attempt.send = self.Export._document_sender(
            attempt.session.client, attempt.document_type, attempt.payload
        )

    def _launch(self, attempt):
        """Have the sender thread send the document once the previous one is
        answered (its running mark is committed already)."""
        begun = threading.Event()
        attempt.future = self.sender.submit(_send_in_thread, attempt, begun)
        # Let the request leave before the next database work competes with
        # the sender for the interpreter lock and the CPU (the main thread has
        # tens of idle milliseconds to spare while the document is on the wire).
        # A slow previous answer is waited for in _record_answer instead.
        if begun.wait(1):
            time.sleep(SEND_HEAD_START)

    def _record_answer(self, attempt):
        """Wait for the answer to ``attempt``'s document and record it."""
        if attempt:
            self._conclude(attempt, self._settle(attempt, self._mark_posted))

    @staticmethod
    def _mark_posted(attempt):
        """The row is done with Sepidar's answer; a failure of the call is
        raised here, in this thread, and settled like any other."""
        return attempt.export._mark_done(attempt.future.result())

    def _settle(self, attempt, step, savepoint=True):
        """Run one ``step`` of ``attempt``: its outcome, or ``None`` to go on.

        The one place where an exception becomes the row's outcome. A Sepidar
        error or a mapping problem is turned into the row's state
        (:meth:`_outcome_of`), keeping what the step wrote before it (a
        customer found, say); anything else is a bug: what the step wrote is
        rolled back and the row stops in error, to be looked up before any
        resend. One order never stops the batch. ``savepoint=False`` only for
        a step that runs no SQL (nothing to roll back; two queries saved).
        """
        try:
            with self.env.cr.savepoint() if savepoint else contextlib.nullcontext():
                try:
                    return step(attempt)
                except (SepidarError, SepidarDataError) as error:
                    return self._outcome_of(attempt, error)
        except Exception as crash:  # one order must not stop the batch
            _logger.exception(
                "Sepidar: unexpected error while posting order %s",
                attempt.export.name,
            )
            return attempt.export._mark_crashed(crash)

    def _outcome_of(self, attempt, error):
        """Record what a failure at the attempt's phase means for the row.

        Whether the document may be in Sepidar decides whether the next
        attempt must look it up first.
        """
        export, phase = attempt.export, attempt.phase
        if isinstance(error, SepidarDataError):
            return export._mark_error(str(error), maybe_sent=phase == "lookup")
        if isinstance(error, SepidarValidationError) and is_credit_refusal(error):
            return export._mark_credit_refused(
                export.backend_id._error_text(error),
                sepidar_message=error.sepidar_message,
                maybe_sent=phase == "lookup",
            )
        if isinstance(error, SepidarValidationError):
            return export._mark_error(
                export.backend_id._error_text(error),
                sepidar_message=error.sepidar_message,
                maybe_sent=phase == "lookup",
            )
        if isinstance(error, SepidarUnknownOutcome):
            return export._mark_retry(error, "unknown", maybe_sent=True)
        if isinstance(
            error, (SepidarAuthError, SepidarConfigError, SepidarVersionMismatch)
        ):
            # Refused before anything ran: the connection is wrong, not the order.
            export.backend_id._record_error(error)
            return export._mark_retry(
                error, "backend", maybe_sent=phase == "lookup", backend_down=True
            )
        if isinstance(error, SepidarTransientError):
            # A 5xx answer to the document itself may hide a saved document.
            maybe = phase == "lookup" or (phase == "post" and bool(error.status))
            return export._mark_retry(error, "transient", maybe_sent=maybe)
        # Any other answer (e.g. not JSON): was it the document's?
        return export._mark_retry(
            error, "transient", maybe_sent=phase in ("lookup", "post")
        )

    def _conclude(self, attempt, outcome):
        """Log the attempt, keep the token, let the row go."""
        export = attempt.export
        notes = self.mapper.price_notes.get(export.id)
        if notes and outcome.kind in ("posted", "adopted"):
            outcome = export._note_price_fallback(outcome, notes)
        export._log_attempt(outcome, attempt.number, attempt.started, attempt.calls)
        if outcome.backend_down:
            self.down[export.backend_id.id] = (
                export.next_attempt_at,
                export.last_error,
            )
        attempt.session.save()
        self._unlock(export.id)
        self.attempted += 1

    # Claiming ------------------------------------------------------------------

    def _next_attempt(self, queue):
        """Claim the next due row of ``queue``, mark it ``running``: its
        :class:`Attempt`, or ``None`` when the queue is exhausted.

        The attempt carries the document ready to send when nothing must be
        asked from Sepidar first (no doubt to clear, customer known). Rows of
        a backend that is down are postponed instead.
        """
        while queue:
            export = queue.pop(0)
            state = self._lock_if_due(export)
            if not state:
                continue
            down = self.down.get(export.backend_id.id)
            if down:
                export._mark_deferred(*down)
                self._unlock(export.id)
                continue
            in_doubt = state == "running" or export.outcome_unknown
            prepared = self.prepared.get(export.id)
            payload, problem, dealer = prepared or (None, True, None)
            ready = None
            if not (in_doubt or problem) and payload:
                customer_id = self._known_customer(dealer)
                if customer_id:
                    ready = dict(payload, CustomerRef=customer_id)
            export._mark_running(in_doubt, ready, today=self.mapper.today)
            session = self.sessions.get(export.backend_id.id)
            if session is None:
                session = PostingSession(export.backend_id)
                self.sessions[export.backend_id.id] = session
            return Attempt(export, session, in_doubt, ready, prepared)
        return None

    def _known_customer(self, dealer):
        """The dealer's Sepidar customer id (0: to find or create first),
        read once per run once known."""
        if not self.customers.get(dealer.id):
            self.customers[dealer.id] = dealer.sepidar_customer_id
        return self.customers[dealer.id]

    def _lock_if_due(self, export):
        """Lock the row for this worker, or skip it: its state if it is due.

        ``FOR UPDATE SKIP LOCKED`` skips a row another transaction holds. The
        row lock ends at the next commit, so the row is also taken with a
        session-level advisory lock, which lasts across commits until the row
        is finished and dies with the worker's connection (a killed worker's
        rows are free again at once).

        One query: the advisory lock is tried in the outer SELECT, on the row
        the (materialized) CTE has locked, and only when the row is still
        due; a row skipped as locked never reaches it, so no advisory lock is
        taken for a row this worker does not hold.
        """
        export.flush_recordset(["state", "next_attempt_at"])
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH claimed AS MATERIALIZED (
                    SELECT id, state, next_attempt_at FROM sepidar_export
                     WHERE id = %s
                       FOR UPDATE SKIP LOCKED
                )
                SELECT state,
                       CASE WHEN state IN %s
                             AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
                            THEN pg_try_advisory_lock(%s, id)
                       END
                  FROM claimed
                """,
                export.id,
                READY_STATES,
                fields.Datetime.now(),
                LOCK_SPACE,
            )
        )
        row = cr.fetchone()
        if not row or not row[1]:
            # Gone, held by another transaction, not due any more, or (lock
            # refused) owned by another worker between two of its commits.
            return None
        self.locked.append(export.id)
        export.invalidate_recordset()
        return row[0]

    def _unlock(self, export_id):
        """Release the advisory lock of a row: another worker may take it."""
        self.env.cr.execute(
            SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK_SPACE, export_id)
        )
        self.locked.remove(export_id)

    def _unlock_all(self):
        """Release every advisory lock left, even from a failed transaction.

        Advisory locks belong to the connection, which Odoo pools: they must
        not outlive the job.
        """
        try:
            for export_id in list(self.locked):
                self._unlock(export_id)
        except psycopg2.Error:
            self.env.cr.rollback()  # the transaction failed anyway
            for export_id in list(self.locked):
                self._unlock(export_id)


def _send_in_thread(attempt, begun):
    """Send the attempt's document; runs in the sender thread, touches no
    database. Its result (or exception) is read by ``future.result()``."""
    attempt.begin()  # its logged duration counts from the send, not the queue
    begun.set()
    calls = attempt.session.call_count
    try:
        return attempt.send()
    finally:
        attempt.calls += attempt.session.call_count - calls
