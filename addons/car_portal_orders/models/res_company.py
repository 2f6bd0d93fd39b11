# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


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
