# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

import jdatetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.models import NewId
from odoo.tools import SQL, float_compare, groupby

from ..tools.allocation import Claim, allocate
from ..tools.digits import format_quantity, localize_number
from ..tools.rpc_access import allowed_groups
from .car_portal_quota import jalali_period

EXPERT = "car_portal_orders.group_car_portal_expert"
MANAGER = "car_portal_orders.group_car_portal_manager"
# Priority tiers of the suggestions (higher is served first).
CASH_FIRST = 1
# The dealer's fill rate covers this many Jalali months, the current one included.
FILL_RATE_MONTHS = 3


def fill_rate_window(today, months=FILL_RATE_MONTHS):
    """``(first day, day after the last)`` (Gregorian dates) of the last
    ``months`` Jalali months, the one of ``today`` included."""
    current = jdatetime.date.fromgregorian(date=today)
    year, month = current.year, current.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    first, _last = jalali_period("month", year, month)
    _first, last = jalali_period("month", current.year, current.month)
    return first, last + timedelta(days=1)


def _saved_id(line_id):
    """The id of the saved line behind ``line_id``: a line being edited (an
    onchange of the board or the review form) is a new record whose origin
    is the saved line, and shows the saved line's figures."""
    return line_id.origin if isinstance(line_id, NewId) else line_id


class AllocationFigures(NamedTuple):
    """What the allocation shows on a line (``None``: unknown)."""

    atp: float | None
    quota: float | None
    suggestion: float | None
    fill_rate: float | None


NO_FIGURES = AllocationFigures(None, None, None, None)


class AllocationRow(NamedTuple):
    """One line as the suggestions read it (``_allocation_claims``)."""

    line_id: int
    company_id: int
    product_id: int
    dealer_id: int  # the commercial partner: the quotas are theirs
    requested: float
    state: str
    date_submitted: object
    is_cash: bool

    @property
    def quota_key(self):
        return (self.dealer_id, self.company_id, self.product_id)


class CarPortalOrderLine(models.Model):
    """What the allocation adds to an order line: the suggested supplied
    quantity (``tools/allocation.py``), the ATP of its product, the dealer's
    remaining quota and fill rate, read for every open line of the same
    products at once (a constant number of queries, whatever the number of
    lines); and the allocation board (*Car Orders › Orders › Allocation
    Board*): every line under review, by product, where the expert edits the
    supplied quantity and the note, or applies the suggestions at once."""

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

    expert_id = fields.Many2one(related="order_id.user_id", string="Expert")
    can_edit_supply = fields.Boolean(
        compute="_compute_can_edit_supply",
        help="Under review, and I may review it: its expert, their substitute "
        "today, or a manager.",
    )

    fill_rate = fields.Float(
        compute="_compute_allocation",
        help="What the dealer's approved orders submitted in the last three "
        "Jalali months (this one included) were supplied, against what they "
        "requested, all products together.",
    )
    has_fill_rate = fields.Boolean(
        compute="_compute_allocation",
        help="Set when the dealer has approved orders in those months.",
    )

    @api.depends("product_id", "partner_id", "supplied_qty", "state")
    def _compute_allocation(self):
        figures = self._allocation_figures()
        # The other lines of the same pools get their figures too (those not
        # in the cache yet): the ORM computes a non-stored field by batches of
        # 1,000 records (PREFETCH_MAX), and would run the same queries again
        # for each batch of a board or a benchmark reading 5,000 lines.
        others = self.browse(set(figures).difference(map(_saved_id, self._ids)))
        others = others.browse(
            self.env.cache.get_missing_ids(others, self._fields["suggested_qty"])
        )
        lines = self | others
        found = [figures.get(_saved_id(line_id), NO_FIGURES) for line_id in lines._ids]
        # Straight into the cache, a field at a time: assigning 7 fields to
        # 5,000 records one by one through the ORM (each value converted and
        # rounded) takes longer than the rest. The values are plain floats
        # (sums of the database's quantities) and booleans already.
        cache = self.env.cache
        for fname, value_of in (
            ("atp_qty", lambda f: float(f.atp or 0.0)),
            ("has_quota", lambda f: f.quota is not None),
            ("quota_remaining_qty", lambda f: float(f.quota or 0.0)),
            ("has_suggestion", lambda f: f.suggestion is not None),
            ("suggested_qty", lambda f: float(f.suggestion or 0.0)),
            ("has_fill_rate", lambda f: f.fill_rate is not None),
            ("fill_rate", lambda f: float(f.fill_rate or 0.0)),
        ):
            cache.update(lines, self._fields[fname], [value_of(f) for f in found])

    def _allocation_figures(self):
        """``{line id: AllocationFigures}`` for ``self`` and every line under
        review of the same products (the claims that share the ATP), ``None``
        where unknown. A constant number of queries, whatever the number of
        lines: the claims (one SQL query), the companies, the ATP (two per
        company), the quotas (``_remaining_for_keys``), the fill rates."""
        ids = [line_id for line_id in map(_saved_id, self._ids) if line_id]
        if not ids:
            return {}
        claims = self._allocation_claims(ids)
        companies = self.env["res.company"].browse({c.company_id for c in claims})
        products = self.env["product.product"].browse({c.product_id for c in claims})
        atp = {
            company.id: products.sudo()._car_portal_atp(company)
            for company in companies
        }
        quotas = (
            self.env["car.portal.quota"]
            .sudo()
            ._remaining_for_keys({c.quota_key for c in claims})
        )
        suggestions = self._suggestions(claims, companies, atp, quotas)
        rates = self._fill_rates({(c.dealer_id, c.company_id) for c in claims})
        return {
            claim.line_id: AllocationFigures(
                atp[claim.company_id].get(claim.product_id, (None,))[0],
                quotas.get(claim.quota_key),
                suggestions.get(claim.line_id),
                rates.get((claim.dealer_id, claim.company_id)),
            )
            for claim in claims
        }

    @api.model
    def _fill_rates(self, dealers, today=None):
        """``{(dealer id, company id): supplied / requested}`` of the dealers
        (commercial partners) over the last ``FILL_RATE_MONTHS`` Jalali
        months, on their approved orders submitted then, all products
        together; a dealer without any is left out. One query."""
        if not dealers:
            return {}
        first, end = fill_rate_window(today or fields.Date.context_today(self))
        self.env["car.portal.order.line"].flush_model(
            ["company_id", "partner_id", "state", "supplied_qty", "requested_qty"]
        )
        self.env["car.portal.order"].flush_model(["date_submitted"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(dealer.commercial_partner_id, line.partner_id),
                       line.company_id,
                       sum(line.supplied_qty) / sum(line.requested_qty)
                  FROM car_portal_order_line line
                  JOIN car_portal_order ord ON ord.id = line.order_id
             LEFT JOIN res_partner dealer ON dealer.id = line.partner_id
                 WHERE line.state = 'approved'
                   AND ord.date_submitted >= %(first)s
                   AND ord.date_submitted < %(end)s
                   AND COALESCE(dealer.commercial_partner_id, line.partner_id)
                       = ANY(%(dealers)s)
              GROUP BY 1, 2
                HAVING sum(line.requested_qty) > 0
                """,
                first=first,
                end=end,
                dealers=list({dealer for dealer, _company in dealers}),
            )
        )
        return {(dealer, company): float(rate) for dealer, company, rate in rows}

    def _allocation_claims(self, ids):
        """The lines ``ids`` and every line under review of the same products
        and companies, as :class:`AllocationRow` tuples, in one query."""
        self.env["car.portal.order.line"].flush_model(
            ["company_id", "product_id", "requested_qty", "state", "partner_id"]
        )
        self.env["car.portal.order"].flush_model(["date_submitted", "payment_term_id"])
        self.env["car.portal.payment.term"].flush_model(["kind"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.id, line.company_id, line.product_id,
                       COALESCE(dealer.commercial_partner_id, line.partner_id),
                       line.requested_qty, line.state, ord.date_submitted,
                       COALESCE(term.kind = 'cash', FALSE)
                  FROM car_portal_order_line line
                  JOIN car_portal_order ord ON ord.id = line.order_id
             LEFT JOIN res_partner dealer ON dealer.id = line.partner_id
             LEFT JOIN car_portal_payment_term term
                    ON term.id = ord.payment_term_id
                 WHERE line.id = ANY(%(ids)s)
                    OR (line.state = 'review'
                        AND (line.product_id, line.company_id) IN (
                            SELECT product_id, company_id
                              FROM car_portal_order_line
                             WHERE id = ANY(%(ids)s)))
                """,
                ids=ids,
            )
        )
        # The quantities are numeric columns (Decimal): floats, as the ORM gives.
        return [
            AllocationRow(line_id, company_id, product_id, dealer_id, float(qty), *rest)
            for line_id, company_id, product_id, dealer_id, qty, *rest in rows
        ]

    @api.model
    def _suggestions(self, claims, companies, atp, quotas):
        """``{line id: suggested quantity}`` for the claims (``AllocationRow``)
        under review whose product's stock is known."""
        by_pool = defaultdict(list)
        for claim in claims:
            if claim.state == "review":
                by_pool[claim.company_id, claim.product_id].append(claim)
        cash_first = {
            company.id: company.car_portal_allocation_cash_first
            for company in companies
        }
        now = fields.Datetime.now()
        suggestions = {}
        for (company_id, product_id), pool in by_pool.items():
            if product_id not in atp[company_id]:
                continue
            allocated = allocate(
                [
                    Claim(
                        key=claim.line_id,
                        requested=claim.requested,
                        quota=quotas.get(claim.quota_key),
                        priority=CASH_FIRST
                        if cash_first[company_id] and claim.is_cash
                        else 0,
                        age=(claim.date_submitted or now, claim.line_id),
                    )
                    for claim in pool
                ],
                atp[company_id][product_id][0],
            )
            suggestions.update(allocated)
        return suggestions

    @api.depends("state", "order_id.user_id")
    @api.depends_context("uid")
    def _compute_can_edit_supply(self):
        manager = self.env.user.has_group(MANAGER)
        for line in self:
            line.can_edit_supply = line.state == "review" and (
                manager or line.order_id.can_review
            )

    @allowed_groups(EXPERT)
    def action_apply_suggestions(self):
        """Supplied = suggested on these lines (those with a suggestion whose
        supplied quantity differs), with the rights of editing the supplied
        quantity in a review (``write``: the order under review, its expert,
        their substitute or a manager), one review message per order."""
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        lines = self.filtered(
            lambda ln: (
                ln.has_suggestion
                and float_compare(ln.supplied_qty, ln.suggested_qty, digits) != 0
            )
        )
        with self._gathering_review_changes() as gathering:
            for suggested, group in groupby(lines, key=lambda ln: ln.suggested_qty):
                gathering.browse([line.id for line in group]).write(
                    {"supplied_qty": suggested}
                )
        return True

    # Review rules -----------------------------------------------------------

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
