# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.rpc_access import allowed_groups, orm_access


class CarPortalOrderDecision(models.TransientModel):
    """Reject, send back or approve with a comment: the decisions that need words."""

    _name = "car.portal.order.decision"
    _description = "Dealer Order Decision"

    order_id = fields.Many2one("car.portal.order", required=True, ondelete="cascade")
    decision = fields.Selection(
        [
            ("approve", "Approve"),
            ("reject", "Reject"),
            ("return", "Send back"),
        ],
        required=True,
        default="reject",
    )
    reason = fields.Text(
        help="Rejections are sent to the dealer; other comments stay internal."
    )
    return_stage_id = fields.Many2one(
        "car.portal.process.stage",
        string="Back To",
        help="Leave empty to send the order back to its expert.",
    )
    allowed_stage_ids = fields.Many2many(
        "car.portal.process.stage", compute="_compute_allowed_stage_ids"
    )
    seen_state = fields.Char()
    seen_stage_id = fields.Integer()

    @api.depends("order_id")
    def _compute_allowed_stage_ids(self):
        for wizard in self:
            order = wizard.order_id
            wizard.allowed_stage_ids = (
                order._stages_before(order.stage_id) if order.stage_id else False
            )

    @orm_access
    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        order = self.env["car.portal.order"].browse(values.get("order_id"))
        if order:
            # What the user saw when opening the dialog: acting later on an order
            # that moved on in the meantime is refused with a clear message.
            values.setdefault("seen_state", order.state)
            values.setdefault("seen_stage_id", order.stage_id.id)
        return values

    @allowed_groups("car_portal_orders.group_car_portal_staff")
    def action_confirm(self):
        self.ensure_one()
        order = self.order_id.with_context(
            car_portal_seen_state=self.seen_state,
            car_portal_seen_stage=self.seen_stage_id,
        )
        if self.decision == "approve":
            order.action_approve(comment=self.reason)
        elif self.decision == "reject":
            order.action_reject(self.reason)
        elif self.decision == "return":
            if order.state != "process":
                raise UserError(
                    self.env._("Only an order in approval can be sent back.")
                )
            order.action_return(self.reason, stage=self.return_stage_id or None)
        return {"type": "ir.actions.act_window_close"}
