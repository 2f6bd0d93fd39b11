# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    car_portal_default_expert_id = fields.Many2one(
        related="company_id.car_portal_default_expert_id", readonly=False
    )
    car_portal_review_hours = fields.Integer(
        related="company_id.car_portal_review_hours", readonly=False
    )
    car_portal_max_line_qty = fields.Integer(
        related="company_id.car_portal_max_line_qty", readonly=False
    )
    car_portal_amount_unit = fields.Selection(
        related="company_id.car_portal_amount_unit", readonly=False
    )
    car_portal_allocation_cash_first = fields.Boolean(
        related="company_id.car_portal_allocation_cash_first", readonly=False
    )
    car_portal_in_stock_from = fields.Integer(
        related="company_id.car_portal_in_stock_from", readonly=False
    )
    car_portal_limited_from = fields.Integer(
        related="company_id.car_portal_limited_from", readonly=False
    )
    car_portal_show_stock_figures = fields.Boolean(
        related="company_id.car_portal_show_stock_figures", readonly=False
    )
    car_portal_stock_max_age = fields.Integer(
        related="company_id.car_portal_stock_max_age", readonly=False
    )
