"""Customer credit and what happens to an invoice after it is issued.

Sepidar keeps, per customer, a balance (``Remainder``, from level 104
``AccountingRemainder``) and what is left of its credit ceiling
(``CreditRemainder``). The web service only reads them; finance sets the
ceiling, receives payments and revokes invoices in the desktop application.
The simulator lets tests and demos do the same through its control endpoint
(``/__sim__/credit``, ``/__sim__/payments``, ``/__sim__/invoices/revoke``).

A customer's ceiling is kept in ``CreditCeiling`` (not part of the read
model): ``None`` means no ceiling (``CreditRemainder`` stays as the dataset
says). With a ceiling, ``CreditRemainder`` is the ceiling less the balance,
and an invoice above it is refused (``check_credit_ceiling`` knob).
"""

from . import errors
from .errors import ApiError

REGISTERED, REVOKED = 1, 2


def _customer(ledger, customer_id):
    customer = ledger.customers.get(customer_id)
    if customer is None:
        raise ApiError(404, errors.CUSTOMER_NOT_FOUND)
    return customer


def _invoice(ledger, invoice_id):
    invoice = ledger.invoices.get(invoice_id)
    if invoice is None:
        raise ApiError(404, errors.DOCUMENT_NOT_FOUND)
    return invoice


def _refresh_credit(customer):
    ceiling = customer.get("CreditCeiling")
    if ceiling is not None:
        customer["CreditRemainder"] = ceiling - customer["Remainder"]


def set_ceiling(ledger, customer_id, ceiling):
    """Give the customer a credit ceiling (``None``: none); returns the row."""
    customer = _customer(ledger, customer_id)
    customer["CreditCeiling"] = None if ceiling is None else float(ceiling)
    _refresh_credit(customer)
    ledger.changed.add("customers")
    return customer


def charge(ledger, customer_id, amount):
    """An invoice of ``amount`` for the customer: refused above the credit left
    (when the customer has a ceiling), else added to its balance."""
    customer = ledger.customers.get(customer_id)
    if customer is None:
        return
    ceiling = customer.get("CreditCeiling")
    if (
        ceiling is not None
        and ledger.knobs.check_credit_ceiling
        and amount > customer["CreditRemainder"]
    ):
        raise ApiError(400, errors.CREDIT_CEILING)
    customer["Remainder"] += amount
    _refresh_credit(customer)
    ledger.changed.add("customers")


def _settle(ledger, customer_id, amount):
    customer = ledger.customers.get(customer_id)
    if customer is not None:
        customer["Remainder"] -= amount
        _refresh_credit(customer)
        ledger.changed.add("customers")


def pay(ledger, invoice_id, amount):
    """A receipt of ``amount`` against the invoice (as ``Receipts/BasedOnInvoice``
    would do): 400 when revoked or nothing is left to settle."""
    invoice = _invoice(ledger, invoice_id)
    if invoice["State"] == REVOKED:
        raise ApiError(400, errors.INVOICE_REVOKED)
    left = invoice["NetPrice"] - invoice.get("Received", 0)
    if left <= 0:
        raise ApiError(400, errors.NOTHING_TO_SETTLE)
    amount = min(float(amount), left)
    invoice["Received"] = invoice.get("Received", 0) + amount
    _settle(ledger, invoice["CustomerRef"], amount)
    ledger.changed.add("invoices")
    return invoice


def revoke(ledger, invoice_id):
    """Revoke (ابطال) the invoice: its open amount leaves the balance."""
    invoice = _invoice(ledger, invoice_id)
    if invoice["State"] != REVOKED:
        invoice["State"] = REVOKED
        _settle(
            ledger,
            invoice["CustomerRef"],
            invoice["NetPrice"] - invoice.get("Received", 0),
        )
        ledger.changed.add("invoices")
    return invoice


def remaining(invoice):
    """What is left to receive of an invoice (0 once revoked)."""
    if invoice["State"] == REVOKED:
        return 0
    return invoice["NetPrice"] - invoice.get("Received", 0)
