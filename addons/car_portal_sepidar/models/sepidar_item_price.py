# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SepidarItemPrice(models.Model):
    """A line of Sepidar's price list (اعلامیه قیمت), from ``GET /api/PriceNoteItems``.

    A price applies to a sale type, an item, optionally one of its tracings and
    a customer group. Fees are in the document currency (Rial).
    """

    _name = "sepidar.item.price"
    _description = "Sepidar Price List Line"
    _order = "item_id, sale_type_id, tracing_ref desc, id"

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    sepidar_id = fields.Integer(string="Sepidar ID", readonly=True)
    item_id = fields.Many2one(
        "sepidar.item", required=True, ondelete="cascade", index=True
    )
    sale_type_id = fields.Many2one(
        "sepidar.sale.type", required=True, ondelete="cascade", index=True
    )
    tracing_ref = fields.Integer(
        string="Tracing ID", readonly=True, help="Empty: the price of every tracing."
    )
    unit_ref = fields.Integer(string="Unit ID", readonly=True)
    currency_ref = fields.Integer(string="Currency ID", readonly=True)
    customer_grouping_ref = fields.Integer(
        string="Customer Group ID",
        readonly=True,
        help="Empty: the price for every customer.",
    )
    fee = fields.Float(readonly=True, digits=(19, 4))
    addition_rate = fields.Float(readonly=True)
