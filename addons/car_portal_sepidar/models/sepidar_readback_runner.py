# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The read-back job: what happened in Sepidar to the documents Odoo posted.

Plain Python (no ORM model). :class:`ReadbackRunner` takes the posted
``sepidar.export`` rows not yet settled (``readback_done`` unset), oldest read
first, and per backend reads Sepidar's lists once:

* ``GET /api/invoices/`` (the current fiscal year, without lines): each
  invoice's number, ``QuotationRef``, and from API level 109 its ``State``
  (1 registered, 2 revoked), ``RemainingAmount`` and ``TotalReceivedAmount``;
* ``GET /api/Quotations`` over the posting dates, only when a posted quotation
  has no invoice yet (its ``Closed`` flag, newer levels);
* ``GET /api/invoices/{id}`` for a known invoice missing from the list (an
  earlier fiscal year): at most one call for that document.

So a run costs one or two calls per backend, whatever the number of
documents: at most one HTTP call per posted document in steady state
(``bench/sepidar_readback.py``). A change is written on the row and in the
order's history (``car.portal.order.history``, action "Sepidar update"); a
revoked invoice gets a finance to-do. Reading back never posts anything.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import fields
from odoo.tools import float_compare, split_every

from ..sepidar_client import SepidarError, SepidarNotFound

_logger = logging.getLogger(__name__)

DEFAULT_BATCH = 500
REGISTERED, REVOKED = 1, 2
ERROR_ACTIVITY = "car_portal_sepidar.mail_activity_sepidar_error"


def invoice_values(invoice, now):
    """The ``sepidar.export`` values an invoice read model gives.

    ``State`` and the amounts exist from API level 109; below, only the
    number and id are known, and the amounts stay unset.
    """
    values = {
        "sepidar_invoice_id": invoice.get("InvoiceID") or 0,
        "invoice_number": str(invoice["Number"]) if invoice.get("Number") else False,
        "invoice_state": "revoked" if invoice.get("State") == REVOKED else "registered",
        "invoiced_at": now,
    }
    if "RemainingAmount" in invoice:
        values["amount_remaining"] = invoice.get("RemainingAmount") or 0.0
        values["amount_received"] = invoice.get("TotalReceivedAmount") or 0.0
    return values


class ReadbackRunner:
    """One run of the read-back job."""

    def __init__(self, env):
        self.env = env
        self.Export = env["sepidar.export"].sudo()
        self.calls = 0
        self.changed = self.Export.browse()

    def run(self, batch_size=None):
        """Read back up to ``batch_size`` documents; returns how many changed."""
        exports = self.Export._claim_free_rows(
            [("state", "=", "done"), ("readback_done", "=", False)],
            order="readback_at asc nulls first, id",
            limit=batch_size or DEFAULT_BATCH,
        )
        by_backend = defaultdict(lambda: self.Export.browse())
        for export in exports:
            by_backend[export.backend_id] |= export
        for backend, rows in by_backend.items():
            self._read_backend(backend, rows)
        return len(self.changed)

    def _read_backend(self, backend, exports):
        try:
            with backend._session() as client:
                calls = client.call_count
                invoices, quotations, extra = self._read(client, exports)
                self.calls += client.call_count - calls
        except SepidarError as error:
            # Nothing is changed: the next run reads again.
            _logger.info(
                "Sepidar read-back of backend %s failed: %s", backend.id, error
            )
            backend._record_error(error)
            return
        now = fields.Datetime.now()
        by_id = {inv.get("InvoiceID"): inv for inv in invoices}
        by_id.update(extra)
        by_quotation = {
            inv.get("QuotationRef"): inv for inv in invoices if inv.get("QuotationRef")
        }
        for batch in split_every(200, exports.ids, exports.browse):
            for export in batch:
                if export.document_type == "invoice" or export.sepidar_invoice_id:
                    invoice = by_id.get(
                        export.sepidar_invoice_id or export.sepidar_document_id
                    )
                    quotation = None
                else:
                    invoice = by_quotation.get(export.sepidar_document_id)
                    quotation = quotations.get(export.sepidar_document_id)
                if _apply(export, invoice, quotation, now):
                    self.changed |= export

    def _read(self, client, exports):
        """Sepidar's invoice list, the quotations needed, and the invoices
        known but missing from the list (earlier fiscal year)."""
        invoices = client.invoices()
        listed = {inv.get("InvoiceID") for inv in invoices}
        listed_quotations = {inv.get("QuotationRef") for inv in invoices}
        extra = {}
        for export in exports:
            invoice_id = export.sepidar_invoice_id or (
                export.document_type == "invoice" and export.sepidar_document_id
            )
            if invoice_id and invoice_id not in listed:
                try:
                    extra[invoice_id] = client.get_invoice(invoice_id)
                except SepidarNotFound:
                    continue
        waiting = exports.filtered(
            lambda e: (
                e.document_type == "quotation"
                and not e.sepidar_invoice_id
                and e.sepidar_document_id not in listed_quotations
            )
        )
        quotations = {}
        if waiting:
            dates = [e.document_date or e.posted_at.date() for e in waiting]
            rows = client.quotations(
                min(dates) - timedelta(days=1), max(dates) + timedelta(days=1)
            )
            quotations = {q.get("ID"): q for q in rows}
        return invoices, quotations, extra


def _apply(export, invoice, quotation, now):
    """Write what Sepidar says of ``export``; True when something changed."""
    values = {"readback_at": now}
    if invoice:
        values.update(invoice_values(invoice, export.invoiced_at or now))
    if quotation and quotation.get("Closed"):
        values["quotation_closed"] = True
    old = {name: export[name] for name in values if name != "readback_at"}
    new = {name: value for name, value in values.items() if name != "readback_at"}
    changes = {
        name: value
        for name, value in new.items()
        if name != "invoiced_at" and _differs(old[name], value)
    }
    values["readback_done"] = _settled(export, values)
    export.write(values)
    if not changes:
        return False
    _tell(export, changes)
    return True


def _differs(old, new):
    """Has a value changed? Amounts as stored (to the cent), not as sent."""
    if isinstance(old, float) or isinstance(new, float):
        return float_compare(old or 0.0, new or 0.0, precision_digits=2) != 0
    return (old or False) != (new or False)


def _settled(export, values):
    state = values.get("invoice_state", export.invoice_state)
    if state == "revoked":
        return True
    if state == "registered":
        remaining = values.get("amount_remaining", export.amount_remaining)
        has_amounts = "amount_remaining" in values
        # Below API level 109 nothing more can be learnt once invoiced.
        return not has_amounts or float_compare(remaining, 0.0, precision_digits=2) <= 0
    return bool(values.get("quotation_closed", export.quotation_closed))


def _tell(export, changes):
    """History entry on the order; a revoked invoice is flagged for finance."""
    order = export.order_id.sudo()
    text = export._readback_summary()
    order._log_history("sepidar", reason=text, stage=order.stage_id)
    if changes.get("invoice_state") == "revoked":
        reader = export._in_staff_language()
        message = reader.env._(
            "Invoice %(number)s of order %(order)s was revoked in Sepidar.",
            number=export.invoice_number or "",
            order=order.name,
        )
        order.message_post(body=message, subtype_xmlid="mail.mt_note")
        for user in export._finance_users():
            order._in_language_of(user).activity_schedule(
                ERROR_ACTIVITY,
                user_id=user.id,
                summary=message,
            )
