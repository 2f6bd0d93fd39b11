# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SepidarSaleType(models.Model):
    """A Sepidar sale type (نوع فروش), cached from ``GET /api/SaleTypes``.

    Every Sepidar document needs one; it selects the accounts and the price list.
    """

    _name = "sepidar.sale.type"
    _description = "Sepidar Sale Type"
    _order = "backend_id, sepidar_id"

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    sepidar_id = fields.Integer(string="Sepidar ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    market = fields.Selection(
        [("1", "Domestic"), ("2", "Export")], readonly=True, help="Sepidar's Market."
    )
    is_available = fields.Boolean(
        string="Available",
        default=True,
        readonly=True,
        help="Sepidar refuses documents of an unavailable sale type.",
    )
    active = fields.Boolean(
        default=True, help="Cleared when Sepidar no longer lists the sale type."
    )

    _sql_constraints = [
        (
            "sepidar_id_unique",
            "UNIQUE(backend_id, sepidar_id)",
            "This Sepidar sale type is already known for this backend.",
        ),
    ]
