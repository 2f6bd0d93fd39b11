# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SepidarItemTracing(models.Model):
    """A tracing factor (عامل ردیابی) of a Sepidar item, e.g. a vehicle colour.

    Lines of an item with tracing factors must name one of them.
    """

    _name = "sepidar.item.tracing"
    _description = "Sepidar Item Tracing"
    _order = "item_id, sepidar_id"

    item_id = fields.Many2one(
        "sepidar.item", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(related="item_id.backend_id", store=True)
    company_id = fields.Many2one(related="item_id.company_id", store=True)
    sepidar_id = fields.Integer(string="Sepidar ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    is_selectable = fields.Boolean(string="Selectable", default=True, readonly=True)
    inventory_qty = fields.Float(
        string="Inventory", readonly=True, digits="Product Unit of Measure"
    )

    _sql_constraints = [
        (
            "sepidar_id_unique",
            "UNIQUE(item_id, sepidar_id)",
            "This tracing is already known for this item.",
        ),
    ]

    def _compute_display_name(self):
        for tracing in self:
            tracing.display_name = f"{tracing.item_id.code} / {tracing.name}"
