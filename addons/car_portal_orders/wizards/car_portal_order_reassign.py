# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools.rpc_access import allowed_groups


class CarPortalOrderReassign(models.TransientModel):
    _name = "car.portal.order.reassign"
    _description = "Reassign Dealer Order"

    order_id = fields.Many2one("car.portal.order", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id")
    current_user_id = fields.Many2one(
        related="order_id.user_id", string="Current Expert"
    )
    user_id = fields.Many2one(
        "res.users",
        string="New Expert",
        required=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    reason = fields.Text(required=True)

    @allowed_groups("car_portal_orders.group_car_portal_manager")
    def action_reassign(self):
        self.ensure_one()
        self.order_id._reassign(self.user_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
