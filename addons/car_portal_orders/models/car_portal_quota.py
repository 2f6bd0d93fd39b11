# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

import jdatetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..tools.digits import localize_number

PERIOD_KINDS = [("month", "Month"), ("season", "Season"), ("year", "Year")]
# Jalali months of each kind of period, by its number (season 1 = spring).
MONTHS_OF = {
    "month": lambda number: (number, number),
    "season": lambda number: (3 * number - 2, 3 * number),
    "year": lambda number: (1, 12),
}
LAST_NUMBER = {"month": 12, "season": 4, "year": 1}


def jalali_period(kind, year, number):
    """``(first day, last day)`` (Gregorian dates) of a Jalali period."""
    first_month, last_month = MONTHS_OF[kind](number)
    start = jdatetime.date(year, first_month, 1)
    if last_month == 12:
        end = jdatetime.date(year + 1, 1, 1)
    else:
        end = jdatetime.date(year, last_month + 1, 1)
    return start.togregorian(), end.togregorian() - timedelta(days=1)


class CarPortalQuota(models.Model):
    """How much of a product model or category a dealer may be supplied in a
    Jalali period (month, season or year); what approved orders supplied in
    the period is used, the rest remains."""

    _name = "car.portal.quota"
    _description = "Dealer Quota"
    _order = "date_from desc, partner_id, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Dealer",
        required=True,
        index=True,
        domain=[("car_portal_is_dealer", "=", True)],
        check_company=True,
    )
    product_tmpl_id = fields.Many2one(
        "product.template", string="Model", index=True, check_company=True
    )
    categ_id = fields.Many2one("product.category", string="Product Category")
    period_kind = fields.Selection(
        PERIOD_KINDS, string="Period", required=True, default="month"
    )
    jalali_year = fields.Integer(
        string="Year (Jalali)",
        required=True,
        default=lambda self: jdatetime.date.today().year,
    )
    period_number = fields.Integer(
        string="Month / Season",
        default=1,
        help="The Jalali month (1-12) or season (1 = spring ... 4 = winter); "
        "not used for a year.",
    )
    date_from = fields.Date(compute="_compute_dates", store=True, index=True)
    date_to = fields.Date(compute="_compute_dates", store=True, index=True)
    quantity = fields.Float(
        string="Quota", digits="Product Unit of Measure", required=True
    )
    used_qty = fields.Float(
        string="Used",
        compute="_compute_used",
        digits="Product Unit of Measure",
        help="Supplied on the dealer's approved orders submitted in the period.",
    )
    remaining_qty = fields.Float(
        string="Remaining", compute="_compute_used", digits="Product Unit of Measure"
    )

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity >= 0)", "A quota cannot be negative."),
        (
            "model_or_category",
            "CHECK((product_tmpl_id IS NULL) != (categ_id IS NULL))",
            "A quota is for a product model or for a product category, one of the two.",
        ),
    ]

    @api.depends("period_kind", "jalali_year", "period_number")
    def _compute_dates(self):
        for quota in self:
            if quota._period_problem():
                quota.date_from = quota.date_to = False
                continue
            number = 1 if quota.period_kind == "year" else quota.period_number
            quota.date_from, quota.date_to = jalali_period(
                quota.period_kind, quota.jalali_year, number
            )

    @api.depends("partner_id", "product_tmpl_id", "categ_id", "date_from", "quantity")
    def _compute_used(self):
        used = self._used_map()
        for quota in self:
            quota.used_qty = used.get(quota.id, 0.0)
            quota.remaining_qty = quota.quantity - quota.used_qty

    @api.depends("partner_id", "product_tmpl_id", "categ_id", "period_kind")
    def _compute_display_name(self):
        for quota in self:
            target = quota.product_tmpl_id or quota.categ_id
            quota.display_name = " · ".join(
                (
                    quota.partner_id.name or "",
                    target.display_name or "",
                    quota._period_label(),
                )
            )

    @api.constrains("period_kind", "jalali_year", "period_number")
    def _check_period(self):
        for quota in self:
            problem = quota._period_problem()
            if problem:
                raise ValidationError(problem)

    def _period_problem(self):
        self.ensure_one()
        if not 1300 <= self.jalali_year <= 1500:
            return self.env._("The year of a quota is a Jalali year, e.g. 1405.")
        last = LAST_NUMBER.get(self.period_kind, 1)
        if self.period_kind != "year" and not 1 <= self.period_number <= last:
            return self.env._(
                "The period number must be between 1 and %(last)s.",
                last=localize_number(str(last), self.env.lang),
            )
        return None

    def _period_label(self):
        """The period for people: ``1405/09``, ``1405 Q3``, ``1405``."""
        self.ensure_one()
        if self.period_kind == "month":
            text = f"{self.jalali_year}/{self.period_number:02d}"
        elif self.period_kind == "season":
            text = self.env._(
                "%(year)s season %(number)s",
                year=self.jalali_year,
                number=self.period_number,
            )
        else:
            text = str(self.jalali_year)
        return localize_number(text, self.env.lang)

    def _applies_to(self, product):
        """Whether this quota covers ``product`` (its model, or its category
        or a parent category)."""
        self.ensure_one()
        if self.product_tmpl_id:
            return product.product_tmpl_id == self.product_tmpl_id
        return product.categ_id.parent_path.startswith(self.categ_id.parent_path)

    def _used_map(self):
        """``{quota id: supplied on the dealer's approved orders in its
        period}``, in one query for all of ``self``."""
        quotas = self.filtered("date_from")
        if not quotas:
            return {}
        groups = (
            self.env["car.portal.order.line"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "approved"),
                    ("partner_id", "in", quotas.partner_id.ids),
                    ("date_submitted", ">=", min(quotas.mapped("date_from"))),
                    (
                        "date_submitted",
                        "<",
                        max(quotas.mapped("date_to")) + timedelta(days=1),
                    ),
                    *quotas._covered_domain(),
                ],
                ["partner_id", "product_id", "date_submitted:day"],
                ["supplied_qty:sum"],
            )
        )
        used = defaultdict(float)
        for partner, product, day, supplied in groups:
            for quota in quotas:
                if (
                    quota.partner_id == partner
                    and quota.date_from <= day.date() <= quota.date_to
                    and quota._applies_to(product)
                ):
                    used[quota.id] += supplied
        return used

    @api.model
    def _remaining_for_lines(self, lines, today=None):
        """``{line id: remaining quota}`` of the dealers of ``lines`` today;
        a line without a quota is left out (``_remaining_for_keys``)."""
        keys = {
            line.id: (
                line.partner_id.commercial_partner_id.id,
                line.company_id.id,
                line.product_id.id,
            )
            for line in lines
        }
        remaining = self._remaining_for_keys(set(keys.values()), today=today)
        return {
            line_id: remaining[key] for line_id, key in keys.items() if key in remaining
        }

    @api.model
    def _remaining_for_keys(self, keys, today=None):
        """``{(dealer id, company id, product id): remaining quota}`` today,
        for the given keys (the dealer is a commercial partner); a key
        without a quota is left out. A model's quota wins over a category's,
        a shorter period over a longer one (``_current_by_dealer``). A
        bounded number of queries: the quotas, what they used, the products."""
        if not keys:
            return {}
        quotas, by_dealer = self._current_by_dealer(
            self.env["res.partner"].browse({key[0] for key in keys}),
            self.env["res.company"].browse({key[1] for key in keys}),
            today,
        )
        if not quotas:
            return {}
        used = quotas._used_map()
        products = self.env["product.product"].browse({key[2] for key in keys})
        remaining = {}
        for key in keys:
            product = products.browse(key[2]).with_prefetch(products._ids)
            quota = next(
                (q for q in by_dealer.get(key[:2], ()) if q._applies_to(product)),
                None,
            )
            if quota is not None:
                remaining[key] = quota.quantity - used.get(quota.id, 0.0)
        return remaining

    @api.model
    def _current_by_dealer(self, dealers, companies, today=None):
        """The quotas of ``dealers`` (commercial partners) in ``companies``
        covering ``today``: ``(quotas, {(dealer id, company id): [quota,
        ...]})``, each list best first: a model's quota before a category's,
        a shorter period before a longer one. One query."""
        today = today or fields.Date.context_today(self)
        quotas = self.sudo().search(
            [
                ("company_id", "in", companies.ids),
                ("partner_id", "in", dealers.ids),
                ("date_from", "<=", today),
                ("date_to", ">=", today),
            ]
        )
        ranked = quotas.sorted(
            lambda q: (not q.product_tmpl_id, q.date_to - q.date_from, q.id)
        )
        by_dealer = defaultdict(list)
        for quota in ranked:
            by_dealer[quota.partner_id.id, quota.company_id.id].append(quota)
        return quotas, by_dealer

    def _covered_domain(self):
        """A domain of order lines on the products these quotas cover (their
        models, their categories and subcategories): what ``_used_map`` needs
        to read, whatever else the dealers ordered."""
        covered = []
        if self.product_tmpl_id:
            covered.append(
                [("product_id.product_tmpl_id", "in", self.product_tmpl_id.ids)]
            )
        covered.extend(
            [("product_id.categ_id.parent_path", "=like", f"{path}%")]
            for path in sorted(set(self.categ_id.mapped("parent_path")))
        )
        return expression.OR(covered) if covered else expression.FALSE_DOMAIN

    @api.model
    def _remaining_for_products(self, products, company, dealer, today=None):
        """``{product id: (quota, remaining)}``: the quota of ``dealer`` (a
        commercial partner) in ``company`` that covers each of ``products``
        today, and what remains of it; products without a quota are left out.
        Used is read for those quotas only: a constant number of queries,
        whatever the number of products."""
        quotas, by_dealer = self._current_by_dealer(dealer, company, today)
        ranked = by_dealer.get((dealer.id, company.id), ())
        found = {}
        for product in products:
            quota = next((q for q in ranked if q._applies_to(product)), None)
            if quota is not None:
                found[product.id] = quota
        used = quotas.browse([q.id for q in found.values()])._used_map()
        return {
            product_id: (quota, quota.quantity - used.get(quota.id, 0.0))
            for product_id, quota in found.items()
        }
