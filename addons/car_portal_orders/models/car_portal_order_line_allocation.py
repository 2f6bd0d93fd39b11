# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.allocation import Claim, allocate
from ..tools.digits import format_quantity, localize_number

# Priority tiers of the suggestions (higher is served first).
CASH_FIRST = 1


class CarPortalOrderLine(models.Model):
    """What the allocation adds to an order line: the suggested supplied
    quantity (``tools/allocation.py``), the ATP of its product and the
    dealer's remaining quota, read for every open line of the same products
    at once (a bounded number of queries, whatever the number of lines)."""

    _inherit = "car.portal.order.line"

    date_submitted = fields.Datetime(related="order_id.date_submitted")
    atp_qty = fields.Float(
        string="ATP",
        compute="_compute_allocation",
        digits="Product Unit of Measure",
        help="Available to promise: the last stock read minus what orders in "
        "the approval process and approved orders still hold.",
    )
    quota_remaining_qty = fields.Float(
        string="Quota Left",
        compute="_compute_allocation",
        digits="Product Unit of Measure",
        help="The dealer's quota for this product in the current period, "
        "minus what approved orders used.",
    )
    has_quota = fields.Boolean(compute="_compute_allocation")
    suggested_qty = fields.Float(
        string="Suggested",
        compute="_compute_allocation",
        digits="Product Unit of Measure",
        help="The fair share of the ATP among the open requests of all dealers, "
        "within the request and the dealer's remaining quota.",
    )
    has_suggestion = fields.Boolean(
        compute="_compute_allocation",
        help="Set when the product's stock is known, so a suggestion is made.",
    )

    @api.depends("product_id", "supplied_qty", "state")
    def _compute_allocation(self):
        figures = self._allocation_figures()
        for line in self:
            atp, quota, suggestion = figures.get(line.id, (None, None, None))
            line.atp_qty = atp or 0.0
            line.has_quota = quota is not None
            line.quota_remaining_qty = quota or 0.0
            line.has_suggestion = suggestion is not None
            line.suggested_qty = suggestion or 0.0

    def _allocation_figures(self):
        """``{line id: (atp, remaining quota, suggestion)}`` for ``self``
        (``None`` where unknown), from every line under review of the same
        products: the claims that share the ATP."""
        lines = self.filtered("id").sudo()
        if not lines:
            return {}
        products = lines.product_id
        claims = lines | lines.search(
            [
                ("state", "=", "review"),
                ("product_id", "in", products.ids),
                ("company_id", "in", lines.company_id.ids),
            ]
        )
        atp = {
            company: products._car_portal_atp(company) for company in claims.company_id
        }
        quotas = self.env["car.portal.quota"]._remaining_for_lines(claims)
        suggestions = self._suggestions(claims, atp, quotas)
        return {
            line.id: (
                atp[line.company_id].get(line.product_id.id, (None,))[0],
                quotas.get(line.id),
                suggestions.get(line.id),
            )
            for line in lines
        }

    @api.model
    def _suggestions(self, claims, atp, quotas):
        """``{line id: suggested quantity}`` for the lines of ``claims`` under
        review whose product's stock is known."""
        by_pool = defaultdict(list)
        for line in claims.filtered(lambda ln: ln.state == "review"):
            by_pool[line.company_id, line.product_id.id].append(line)
        suggestions = {}
        for (company, product_id), pool in by_pool.items():
            if product_id not in atp[company]:
                continue
            cash_first = company.car_portal_allocation_cash_first
            allocated = allocate(
                [
                    Claim(
                        key=line.id,
                        requested=line.requested_qty,
                        quota=quotas.get(line.id),
                        priority=CASH_FIRST
                        if cash_first and line.order_id.payment_term_id.kind == "cash"
                        else 0,
                        age=(line.date_submitted or fields.Datetime.now(), line.id),
                    )
                    for line in pool
                ],
                atp[company][product_id][0],
            )
            suggestions.update(allocated)
        return suggestions

    def _check_suggestion_reason(self, vals):
        """A supplied quantity that differs from the suggestion needs a short
        reason (the line's note), kept in the order's history with the change
        (``_log_review_changes``)."""
        if "supplied_qty" not in vals:
            return
        if (
            not self.env["car.portal.stock.level"]
            .sudo()
            .search_count([("product_id", "in", self.product_id.ids)], limit=1)
        ):
            return  # no stock known, no suggestion: one query
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        for line in self:
            note = vals.get("expert_note", line.expert_note)
            if (
                line.has_suggestion
                and float_compare(
                    vals["supplied_qty"], line.suggested_qty, precision_digits=digits
                )
                and not (note or "").strip()
            ):
                raise UserError(
                    self.env._(
                        "%(product)s: the supplied quantity differs from the "
                        "suggestion (%(suggested)s). Give a short reason in the "
                        "line's note.",
                        product=line.product_id.display_name,
                        suggested=localize_number(
                            format_quantity(line.suggested_qty), self.env.lang
                        ),
                    )
                )
