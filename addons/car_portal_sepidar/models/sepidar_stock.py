# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SepidarStock(models.Model):
    """A Sepidar warehouse (انبار), cached from ``GET /api/Stocks``."""

    _name = "sepidar.stock"
    _description = "Sepidar Stock"
    _order = "backend_id, code, sepidar_id"

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    sepidar_id = fields.Integer(string="Sepidar ID", required=True, readonly=True)
    code = fields.Integer(readonly=True)
    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(
        default=True,
        help="Cleared when Sepidar no longer lists the stock or marks it inactive.",
    )

    _sql_constraints = [
        (
            "sepidar_id_unique",
            "UNIQUE(backend_id, sepidar_id)",
            "This Sepidar stock is already known for this backend.",
        ),
    ]
