# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CarPortalOrderHistory(models.Model):
    """The read-back job writes what happened in Sepidar into the history."""

    _inherit = "car.portal.order.history"

    action = fields.Selection(
        selection_add=[("sepidar", "Sepidar update")],
        ondelete={"sepidar": "cascade"},
    )
