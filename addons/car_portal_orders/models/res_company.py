# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools.digits import localize_number


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
