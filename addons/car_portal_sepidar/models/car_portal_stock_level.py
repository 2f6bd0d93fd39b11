# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CarPortalStockLevel(models.Model):
    """The stock levels read from Sepidar say which way they were read
    (``sepidar_stock_reader.py``)."""

    _inherit = "car.portal.stock.level"

    source = fields.Selection(
        selection_add=[
            ("sepidar_per_item", "Sepidar, per item (sale quantity)"),
            ("sepidar_list", "Sepidar, inventory list"),
        ],
        ondelete={"sepidar_per_item": "set null", "sepidar_list": "set null"},
    )
