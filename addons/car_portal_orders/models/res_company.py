# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.digits import localize_number

# The largest quantity on a line when the company sets no maximum.
HARD_MAX_LINE_QTY = 1_000_000


class ResCompany(models.Model):
    _inherit = "res.company"

    car_portal_default_expert_id = fields.Many2one(
        "res.users",
        string="Default Expert",
        domain=[("share", "=", False)],
        help="Receives the orders that no referral rule could place.",
    )
    car_portal_review_hours = fields.Integer(
        string="Review Time (hours)",
        default=24,
        help="Time an expert has to review a new order before it shows as late.",
    )
    car_portal_max_line_qty = fields.Integer(
        string="Maximum Quantity per Line",
        default=1000,
        help="Dealers cannot order more than this on one line.",
    )
    car_portal_amount_unit = fields.Selection(
        [("rial", "Rial"), ("toman", "Toman")],
        string="Amounts Shown In",
        default="rial",
        required=True,
        help="Amounts are stored in Rial; Toman shows them divided by ten.",
    )
    car_portal_allocation_cash_first = fields.Boolean(
        string="Cash Orders First",
        help="When stock is short, the suggestions serve the orders paid in "
        "cash before the others; the fair share applies within each group.",
    )

    car_portal_in_stock_from = fields.Integer(
        string="In Stock From",
        default=10,
        help='Dealers read "In stock" when at least this quantity is '
        "available to promise.",
    )
    car_portal_limited_from = fields.Integer(
        string="Limited From",
        default=1,
        help='Dealers read "Limited" from this quantity up to the "In stock" '
        'threshold, "On request" below it.',
    )
    car_portal_show_stock_figures = fields.Boolean(
        string="Show Exact Figures to Dealers",
        help="Dealers read the quantity available to promise next to the band.",
    )

    car_portal_stock_max_age = fields.Integer(
        string="Stock Check: Reading at Most (Hours)",
        default=4,
        help="A stock check stage judges an order on the stock last read, if "
        "it was read within these hours; an older reading makes the order wait "
        "until the next one. 0: any reading.",
    )

    @api.constrains("car_portal_stock_max_age")
    def _check_car_portal_stock_max_age(self):
        if any(company.car_portal_stock_max_age < 0 for company in self):
            raise ValidationError(
                self.env._("The age of the stock reading cannot be negative.")
            )

    @api.constrains("car_portal_in_stock_from", "car_portal_limited_from")
    def _check_car_portal_bands(self):
        for company in self:
            if company.car_portal_limited_from < 1:
                raise ValidationError(
                    self.env._('The "Limited" threshold must be at least 1.')
                )
            if company.car_portal_in_stock_from < company.car_portal_limited_from:
                raise ValidationError(
                    self.env._(
                        'The "In stock" threshold cannot be below the "Limited" one.'
                    )
                )

    def _car_portal_band(self, qty):
        """The availability band dealers read for ``qty`` available to
        promise: ``in_stock``, ``limited`` or ``on_request`` (the company's
        thresholds). The one home of the rule."""
        self.ensure_one()
        if qty >= self.car_portal_in_stock_from:
            return "in_stock"
        if qty >= self.car_portal_limited_from:
            return "limited"
        return "on_request"

    def _car_portal_format_amount(self, amount):
        """``amount`` (Rial) for people: in the display unit, rounded, with the
        reader's digits and the unit's name."""
        self.ensure_one()
        units = dict(
            self._fields["car_portal_amount_unit"]._description_selection(self.env)
        )
        unit = self.car_portal_amount_unit or "rial"
        value = (amount or 0.0) / (10 if unit == "toman" else 1)
        number = localize_number(f"{round(value):,}", self.env.lang)
        return f"{number} {units[unit]}"

    def _car_portal_max_qty(self):
        """The most a dealer may order on one line."""
        self.ensure_one()
        return self.car_portal_max_line_qty or HARD_MAX_LINE_QTY

    def _car_portal_qty_problem(self, qty):
        """Why ``qty`` cannot be ordered on one line (a translated message), or
        None: a whole number, at least 1, at most the company's maximum. The
        one home of the rule: the portal form and the submission check read it.
        """
        self.ensure_one()
        if qty % 1:
            return self.env._("The quantity must be a whole number, without decimals.")
        if qty < 1:
            return self.env._("The quantity must be at least 1.")
        if qty > self._car_portal_max_qty():
            return self.env._(
                "At most %(max)s can be ordered on one line.",
                max=localize_number(self._car_portal_max_qty(), self.env.lang),
            )
        return None

    def _car_portal_managers(self):
        """The active order managers of this company (internal users of the
        Manager group or above): they stand in when nobody else can act."""
        self.ensure_one()
        managers = self.env.ref("car_portal_orders.group_car_portal_manager").users
        return managers.filtered(
            lambda u: u.active and not u.share and self in u.company_ids
        )
