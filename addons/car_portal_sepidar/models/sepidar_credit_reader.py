# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading the dealers' credit from Sepidar, and what the credit check makes of it.

Plain Python (no ORM model). :class:`CreditReader` keeps a snapshot of each
mapped dealer's credit on its ``sepidar.partner.binding``: Sepidar's
``CreditRemainder`` (credit left) and balance (``Remainder`` up to API level
103, ``AccountingRemainder`` from 104), with the date it was read. One
``GET /api/Customers`` per backend reads every customer at once (level 101 has
no search endpoint), so a run costs one call per backend however many dealers
it refreshes. A failed read keeps the last snapshot and records why.

:func:`credit_verdict` is the credit check of an order (the hook
``_credit_check`` of ``car_portal_orders``): the credit left must cover the
order and the dealer's other approved orders not yet invoiced in Sepidar.
Stale data, an unmapped dealer or a failed read make the order wait, saying why.
"""

import logging
from datetime import timedelta

from odoo import fields
from odoo.tools import split_every

from odoo.addons.car_portal_orders.models.car_portal_process_credit import (
    CREDIT_PASS,
    CREDIT_SHORT,
    CREDIT_WAIT,
)
from odoo.addons.car_portal_orders.models.ir_qweb_fields import JALALI_LANGS
from odoo.addons.car_portal_orders.tools.digits import localize_number
from odoo.addons.car_portal_orders.tools.jalali import format_jalali

from ..sepidar_client import SepidarError

_logger = logging.getLogger(__name__)

# Sepidar's refusal of an invoice over the customer's credit ceiling
# (sepidar-api.md 9.6: "customer credit ceiling would be exceeded"; the
# exact text is not public): recognised by these words, Persian letters folded.
CREDIT_REFUSAL_MARKERS = ("سقف اعتبار",)


def is_credit_refusal(error):
    """Is this Sepidar error the refusal of a document over the credit ceiling?"""
    text = (getattr(error, "sepidar_message", None) or "").replace("ي", "ی")
    return any(marker in text for marker in CREDIT_REFUSAL_MARKERS)


def balance_of(customer):
    """The customer's balance whatever the API level of the read model."""
    for field in ("AccountingRemainder", "Remainder"):
        if customer.get(field) is not None:
            return customer[field]
    return 0.0


class CreditReader:
    """Refreshes the credit snapshot of dealers' bindings."""

    def __init__(self, env):
        self.env = env

    def refresh_all(self, batch_size):
        """Every mapped binding of every backend, written in batches."""
        Binding = self.env["sepidar.partner.binding"].sudo()
        for backend in self.env["sepidar.backend"].sudo().search([]):
            bindings = Binding.search(
                [("backend_id", "=", backend.id), ("is_mapped", "=", True)]
            )
            if bindings and backend.is_registered:
                self._refresh_backend(backend, bindings, batch_size)

    def refresh(self, bindings):
        """Refresh ``bindings`` now; returns the error text of a failed read."""
        errors = []
        for backend in bindings.backend_id:
            mine = bindings.filtered(
                lambda b, backend=backend: b.backend_id == backend and b.is_mapped
            )
            if not mine:
                continue
            error = self._refresh_backend(backend, mine, len(mine))
            if error:
                errors.append(error)
        return "\n".join(errors)

    def _refresh_backend(self, backend, bindings, batch_size):
        try:
            with backend._session() as client:
                customers = client.customers()
        except SepidarError as error:
            message = backend._error_text(error)
            _logger.info("Sepidar credit of backend %s not read: %s", backend.id, error)
            bindings.write({"credit_error": message})
            return message
        by_id = {c.get("CustomerID"): c for c in customers}
        now = fields.Datetime.now()
        for batch in split_every(batch_size, bindings.ids, bindings.browse):
            for binding in batch:
                customer = by_id.get(binding.sepidar_customer_id)
                if customer is None:
                    binding.write(
                        {
                            "credit_error": self.env._(
                                "Sepidar no longer lists customer %(id)s.",
                                id=binding.sepidar_customer_id,
                            )
                        }
                    )
                    continue
                binding.write(
                    {
                        "credit_remainder": customer.get("CreditRemainder") or 0.0,
                        "credit_balance": balance_of(customer),
                        "credit_read_at": now,
                        "credit_error": False,
                    }
                )
        return ""


def credit_notification(env, error):
    """What the finance user reads after pressing Refresh Credit."""
    message = (
        env._("Could not read the credit from Sepidar: %(error)s", error=error)
        if error
        else env._("The credit was read from Sepidar.")
    )
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "message": message,
            "type": "warning" if error else "success",
            "sticky": bool(error),
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }


def when(record, value):
    """A stored datetime as the reader reads it: Jalali with Persian digits
    for Persian readers."""
    local = fields.Datetime.context_timestamp(record, value)
    if (record.env.lang or "") in JALALI_LANGS:
        return format_jalali(local, with_time=True)
    return local.strftime("%Y-%m-%d %H:%M")


def _amount(env, value):
    return localize_number(f"{value:,.0f}", env.lang)


def credit_verdict(order, backend, binding):
    """``(status, note)`` of the dealer's credit for ``order`` (see module doc)."""
    env = order.env
    if not binding or not binding.sepidar_customer_id:
        return CREDIT_WAIT, env._(
            "The dealer is not yet a known Sepidar customer, so its credit is "
            "unknown. Map it under Dealers in Sepidar, then refresh its credit."
        )
    if not binding.credit_read_at:
        reason = binding.credit_error or env._("it was never read")
        return CREDIT_WAIT, env._(
            "The dealer's credit has not been read from Sepidar: %(reason)s",
            reason=reason,
        )
    read_text = when(order, binding.credit_read_at)
    max_age = timedelta(hours=max(backend.credit_max_age_hours, 1))
    if binding.credit_read_at < fields.Datetime.now() - max_age:
        note = env._(
            "The dealer's credit was read from Sepidar on %(date)s, more than "
            "%(hours)s hours ago: too old to rely on. Finance can refresh it.",
            date=read_text,
            hours=localize_number(str(backend.credit_max_age_hours), env.lang),
        )
        if binding.credit_error:
            note += "\n" + env._(
                "Sepidar could not be reached: %(error)s", error=binding.credit_error
            )
        return CREDIT_WAIT, note
    factor = backend.odoo_price_factor or 1.0
    this_order = order.amount_supplied * factor
    open_orders = _approved_not_invoiced(order, binding)
    needed = this_order + open_orders
    left = binding.credit_remainder
    note = env._(
        "Credit left in Sepidar: %(left)s Rial (read on %(date)s). This order: "
        "%(order)s Rial; approved and not yet invoiced: %(open)s Rial.",
        left=_amount(env, left),
        date=read_text,
        order=_amount(env, this_order),
        open=_amount(env, open_orders),
    )
    if needed <= left:
        return CREDIT_PASS, note
    return CREDIT_SHORT, note + "\n" + env._(
        "Short by %(amount)s Rial.", amount=_amount(env, needed - left)
    )


def _approved_not_invoiced(order, binding):
    """Rial of the dealer's other approved orders that Sepidar's credit does
    not count yet: not invoiced, or invoiced after the credit was read."""
    exports = (
        order.env["sepidar.export"]
        .sudo()
        .search(
            [
                ("backend_id", "=", binding.backend_id.id),
                ("partner_id", "child_of", binding.partner_id.id),
                ("order_id", "!=", order.id),
                ("state", "not in", ("cancel", "credit_refused")),
                ("invoice_state", "!=", "revoked"),
                "|",
                ("invoiced_at", "=", False),
                ("invoiced_at", ">", binding.credit_read_at),
            ]
        )
    )
    factor = binding.backend_id.odoo_price_factor or 1.0
    return sum(
        export.amount_net or export.order_id.amount_supplied * factor
        for export in exports
    )
