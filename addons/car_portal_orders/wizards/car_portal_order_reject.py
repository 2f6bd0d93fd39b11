# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CarPortalOrderReject(models.TransientModel):
    _name = "car.portal.order.reject"
    _description = "Reject Dealer Order"

    order_id = fields.Many2one("car.portal.order", required=True, ondelete="cascade")
    reason = fields.Text(required=True, help="Sent to the dealer.")

    def action_reject(self):
        self.ensure_one()
        self.order_id.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
