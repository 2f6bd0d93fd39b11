# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mapper: an approved order as the Sepidar document of its posting.

Plain Python given an Odoo environment (no record of its own): the sale type
of the payment term, one document line per supplied order line with its item
and tracing, stock, fee, tax and duty, and the quotation or invoice around
them (``sepidar_client.payloads``). Every problem of an order is reported at
once, as a :class:`SepidarDataError`.
"""

import logging
from datetime import timedelta
from typing import NamedTuple

from odoo import fields
from odoo.tools import float_is_zero, float_round

from ..sepidar_client import document_line, invoice_payload, quotation_payload

_logger = logging.getLogger(__name__)

# Sepidar API level from which a quotation accepts a Description.
DESCRIPTION_LEVEL = 109


class SepidarDataError(Exception):
    """The order cannot become a Sepidar document as it stands (mapping, price)."""


class PreparedDocument(NamedTuple):
    """A posting's document read ahead with its batch (see ``prepare_batch``)."""

    payload: dict | None  # None: nothing supplied, or a problem
    problem: str | None  # why the order cannot be posted as it stands
    dealer: object  # the dealer's sepidar.partner.binding


class DocumentMapper:
    """Builds the Sepidar document (payload) of ``sepidar.export`` rows."""

    def __init__(self, env):
        self.env = env
        # export id: lines priced from Odoo as the backend's fallback; said on
        # the order once the document is posted (price_source).
        self.price_notes = {}
        self._today = None

    @property
    def today(self):
        """The date of the documents of this run, read once: the user's time
        zone costs queries after every commit, and the payload of a quotation
        and the ``document_date`` of its row must agree even across midnight."""
        if self._today is None:
            self._today = fields.Date.context_today(self.env["sepidar.export"])
        return self._today

    def prepare_batch(self, exports):
        """The document of every row, read for the whole batch at once.

        Built within one transaction (a commit empties the ORM cache), so
        orders, lines, mappings and prices are fetched in a few queries.
        Returns ``{export id: PreparedDocument}``; a row whose document
        cannot even be tried (a bug) is left out, to fail alone in its
        attempt.
        """
        prepared = {}
        for backend in exports.backend_id:
            rows = exports.filtered(lambda e, b=backend: e.backend_id == b)
            orders = rows.order_id
            products = self.env["sepidar.product.binding"]._get_or_create(
                backend, orders.line_ids.product_id
            )
            by_product = {binding.product_id: binding for binding in products}
            dealers = self.env["sepidar.partner.binding"]._get_or_create(
                backend, orders.partner_id
            )
            by_dealer = {binding.partner_id: binding for binding in dealers}
            for export in rows:
                dealer = by_dealer[export.order_id.partner_id.commercial_partner_id]
                try:
                    with self.env.cr.savepoint(flush=False):
                        payload = self.payload(export, bindings=by_product)
                except SepidarDataError as error:
                    prepared[export.id] = PreparedDocument(None, str(error), dealer)
                except Exception:
                    _logger.debug(
                        "Sepidar: cannot prepare %s", export.name, exc_info=True
                    )
                else:
                    prepared[export.id] = PreparedDocument(payload, None, dealer)
        return prepared

    def payload(self, export, customer_id=None, bindings=None):
        """The Sepidar document of ``export``; ``None`` if nothing is supplied.

        ``bindings`` maps products to their ``sepidar.product.binding`` (read
        here when not given). Raises :class:`SepidarDataError` listing every
        problem at once.
        """
        export.ensure_one()
        self.price_notes.pop(export.id, None)
        sale_type, problems = self._header(export)
        lines = export.order_id._supplied_lines()
        if not lines:
            if problems:
                raise SepidarDataError("\n".join(problems))
            return None
        if bindings is None or not all(p in bindings for p in lines.product_id):
            bindings = {
                binding.product_id: binding
                for binding in self.env["sepidar.product.binding"]._get_or_create(
                    export.backend_id, lines.product_id
                )
            }
        document_lines = []
        for line in lines:
            values, problem = self._line_values(
                export, line, bindings[line.product_id], sale_type
            )
            if problem:
                problems.append(problem)
            else:
                document_lines.append(document_line(len(document_lines) + 1, **values))
        if problems:
            raise SepidarDataError("\n".join(problems))
        return self._document_payload(export, customer_id, sale_type, document_lines)

    def _header(self, export):
        """``(sale type, problems)`` of the document's header."""
        order = export.order_id
        backend = export.backend_id
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
        return sale_type, problems

    def _line_values(self, export, line, binding, sale_type):
        """``(document_line kwargs, None)`` or ``(None, problem text)``."""
        backend = export.backend_id
        item = binding.item_id
        problem = self._item_problem(binding)
        if problem:
            return None, problem
        stock = backend._stock_for(item)
        if export.document_type == "invoice" and not stock:
            return None, self.env._(
                "Sepidar invoices need a stock: set the default stock of the "
                "Sepidar backend (or the usual stock of item %(item)s).",
                item=item.display_name,
            )
        tracing_ref = binding.tracing_id.sepidar_id or None
        fee, from_odoo = self._fee_for(backend, line, item, tracing_ref, sale_type)
        if fee is None:
            return None, self._missing_price(backend, item, sale_type)
        if from_odoo:
            self.price_notes.setdefault(export.id, []).append(
                self.env._(
                    "%(item)s: Sepidar has no price for sale type %(sale_type)s; "
                    "the Odoo price was used (%(fee)s Rial a unit), as the "
                    "Sepidar backend is set to.",
                    item=item.display_name,
                    sale_type=sale_type.name if sale_type else "-",
                    fee=format(fee, ",.0f"),
                )
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
            "secondary_quantity": item._secondary_quantity(quantity),
            "fee": fee,
            "stock_id": stock.sepidar_id or None,
            "tracing_id": tracing_ref,
            "tax": float_round(gross * rates[0] / 100, precision_digits=precision),
            "duty": float_round(gross * rates[1] / 100, precision_digits=precision),
            "precision": precision,
        }, None

    def _item_problem(self, binding):
        """Why the product of ``binding`` cannot be sold as a Sepidar item."""
        product = binding.product_id
        item = binding.item_id
        if not binding.is_mapped:
            if item:
                return self.env._(
                    "%(product)s: choose which tracing (e.g. colour) of Sepidar "
                    "item %(item)s it is, in Sepidar › Products.",
                    product=product.display_name,
                    item=item.display_name,
                )
            return self.env._(
                "%(product)s (code %(code)s) has no Sepidar item: map it in "
                "Sepidar › Products.",
                product=product.display_name,
                code=product.default_code or "-",
            )
        if not (item.active and item.is_active and item.is_sellable):
            return self.env._(
                "Sepidar item %(item)s cannot be sold (inactive or not sellable).",
                item=item.display_name,
            )
        if binding.tracing_id and not binding.tracing_id.is_selectable:
            return self.env._(
                "%(product)s: tracing %(tracing)s of Sepidar item %(item)s cannot "
                "be chosen on documents in Sepidar; map the product to another "
                "tracing in Sepidar › Products.",
                product=product.display_name,
                tracing=binding.tracing_id.name,
                item=item.display_name,
            )
        return None

    def _fee_for(self, backend, line, item, tracing_ref, sale_type):
        """``(unit price in Rial, taken from Odoo as a fallback)``; the price
        is ``None`` when the backend's price source has none."""
        if backend.price_source == "odoo":
            return self._odoo_fee(backend, line), False
        fee = item._price_for(sale_type, tracing_ref) if sale_type else None
        if fee is None and backend.price_source == "pricelist_then_odoo":
            fee = self._odoo_fee(backend, line)
            return fee, fee is not None
        return fee, False

    @staticmethod
    def _odoo_fee(backend, line):
        price = line.price_unit or line.product_id.lst_price
        return price * (backend.odoo_price_factor or 1.0) if price else None

    def _missing_price(self, backend, item, sale_type):
        """Why a line has no price: never a silent fallback (see price_source)."""
        if backend.price_source == "odoo":
            return self.env._(
                "%(item)s has no price in Odoo: set the product's sales price.",
                item=item.display_name,
            )
        return self.env._(
            "Sepidar's price list has no price of %(item)s for sale type "
            "%(sale_type)s: add it in Sepidar and pull the reference data on the "
            "Sepidar backend, or map the payment term to another sale type; "
            "then retry.",
            item=item.display_name,
            sale_type=sale_type.name if sale_type else "-",
        )

    def _document_payload(self, export, customer_id, sale_type, lines):
        """The quotation or invoice of ``export`` around its document ``lines``."""
        backend = export.backend_id
        description = None
        if (backend.server_version or 0) >= DESCRIPTION_LEVEL:
            description = export.order_id.name
        if export.document_type == "invoice":
            return invoice_payload(
                export.guid,
                customer_id,
                sale_type.sepidar_id,
                backend.currency_ref,
                lines,
                description=description,
            )
        date = export.document_date or self.today
        return quotation_payload(
            export.guid,
            customer_id,
            sale_type.sepidar_id,
            backend.currency_ref,
            lines,
            date=date,
            expiration_date=date
            + timedelta(days=max(backend.quotation_validity_days, 0)),
            description=description,
        )
