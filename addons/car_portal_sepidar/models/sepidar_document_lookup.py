# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lookup: the document an earlier attempt at a posting may have created.

Plain Python given an Odoo environment. The runner asks it before sending a
row that is in doubt (found ``running``: its worker died, maybe mid-call; or
flagged ``outcome_unknown``: an answer was lost), so that a document is never
sent twice.
"""

from datetime import timedelta

from odoo import fields

from .sepidar_document_mapper import DocumentMapper


class DocumentLookup:
    """Finds a posting's document in Sepidar, or tells it is not there."""

    def __init__(self, env, mapper=None):
        self.env = env
        self.mapper = mapper or DocumentMapper(env)

    def find(self, export, session):
        """The document an earlier attempt may have created, or ``None``.

        Quotations carry their GUID in Sepidar's read model. Invoices do not
        (sepidar-api.md 10): they are matched on customer, amounts, date and
        lines, among invoices no other posting has claimed.
        """
        if export.document_type == "quotation":
            return session.client.find_quotation(
                export.guid, around=export.document_date or fields.Date.today(), days=1
            )
        return self._find_invoice(export, session)

    def _find_invoice(self, export, session):
        customer_id = self._known_customer(export, session)
        if not customer_id:
            return None  # no customer, so no invoice either
        payload = self.mapper.payload(export, customer_id)
        if payload is None:
            return None
        claimed = self._claimed_invoices(export)
        since = fields.Date.to_string(
            (export.document_date or fields.Date.today()) - timedelta(days=1)
        )
        client = session.client
        candidates = [
            invoice
            for invoice in client.find_invoices(
                customer_id=customer_id, price=payload["Price"]
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

    def _known_customer(self, export, session):
        """Sepidar's CustomerID of the dealer, when bound or found (none created)."""
        binding = self.env["sepidar.partner.binding"]._get_or_create(
            export.backend_id, export.order_id.partner_id
        )
        if not binding.sepidar_customer_id:
            customer, how = binding._match_customer(session.customers())
            if not customer:
                return None
            binding._bind_customer(customer, how)
        return binding.sepidar_customer_id

    def _claimed_invoices(self, export):
        """Sepidar ids of the invoices other postings of the backend hold."""
        others = export.search(
            [
                ("backend_id", "=", export.backend_id.id),
                ("document_type", "=", "invoice"),
                ("sepidar_document_id", "!=", 0),
                ("id", "!=", export.id),
            ]
        )
        return set(others.mapped("sepidar_document_id"))


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
