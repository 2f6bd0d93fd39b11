# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .car_portal_order_matching import parse_order_domain


class CarPortalProcessStage(models.Model):
    """One step of an approval process: who acts, when it applies, its SLA."""

    _name = "car.portal.process.stage"
    _description = "Order Approval Stage"
    _order = "process_sequence, process_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    fold = fields.Boolean(string="Folded in Kanban")
    process_id = fields.Many2one(
        "car.portal.process", required=True, ondelete="cascade", index=True
    )
    process_sequence = fields.Integer(
        related="process_id.sequence", store=True, string="Process Sequence"
    )
    company_id = fields.Many2one(related="process_id.company_id", store=True)
    kind = fields.Selection(
        [
            ("approval", "Approval"),
            ("stock_check", "Stock Check"),
            ("credit_check", "Credit Check"),
        ],
        required=True,
        default="approval",
        help="A stock check stage checks the stock by itself, a credit check "
        "stage the dealer's credit: the order goes on when they cover it and "
        "waits for the responsibles otherwise (approving over the credit asks "
        "for a reason).",
    )
    responsible_user_ids = fields.Many2many(
        "res.users",
        "car_portal_stage_responsible_user_rel",
        string="Responsible Users",
        domain=[("share", "=", False)],
    )
    responsible_group_ids = fields.Many2many(
        "res.groups",
        "car_portal_stage_responsible_group_rel",
        string="Responsible Groups",
    )
    responsible_role = fields.Selection(
        [
            ("expert", "The order's expert"),
            ("expert_manager", "The expert's manager"),
            ("regional_manager", "The dealer's regional manager"),
        ],
    )
    approval_mode = fields.Selection(
        [("any", "Any one of them"), ("all", "All of them")],
        required=True,
        default="any",
        help="How many of the responsibles must approve before the order moves on.",
    )
    condition_domain = fields.Char(
        string="Condition",
        default="[]",
        help="The stage is skipped for orders that do not match this filter.",
    )
    sla_hours = fields.Integer(
        string="SLA (hours)",
        help="After this many hours in the stage the order shows as late.",
    )
    server_action_id = fields.Many2one(
        "ir.actions.server",
        string="Action on Entering",
        domain=[("model_id.model", "=", "car.portal.order")],
        help="Runs when an order enters the stage (e.g. send an email).",
    )
    notify_dealer = fields.Boolean(
        help="Tell the dealer when their order enters this stage."
    )

    _sql_constraints = [
        ("sla_positive", "CHECK(sla_hours >= 0)", "The SLA cannot be negative."),
    ]

    @api.constrains("condition_domain")
    def _check_condition_domain(self):
        for stage in self:
            stage._condition_list()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self.env["car.portal.order"].search_count([("stage_id", "in", self.ids)])
        used += (
            self.env["car.portal.order.history"]
            .sudo()
            .search_count([("stage_id", "in", self.ids)])
        )
        if used:
            raise UserError(
                self.env._(
                    "Orders went through this stage: archive it instead, so that "
                    "their history stays intact."
                )
            )

    def _condition_list(self):
        self.ensure_one()
        return parse_order_domain(self, self.condition_domain)

    def _applies_to(self, order):
        self.ensure_one()
        domain = self._condition_list()
        return not domain or bool(order.filtered_domain(domain))

    def _resolve_responsibles(self, order):
        """The users who may act on ``order`` in this stage, leaves applied.

        Computed once when the order enters the stage and stored on the order, so
        editing the stage later does not silently change who acts on orders
        already in it.
        """
        self.ensure_one()
        users = self.responsible_user_ids | self.responsible_group_ids.users
        if self.responsible_role == "expert":
            users |= order.user_id
        elif self.responsible_role == "expert_manager":
            users |= order.user_id.car_portal_manager_id
        elif self.responsible_role == "regional_manager":
            users |= (
                order.partner_id.commercial_partner_id.car_portal_region_id.manager_id
            )
        Substitute = self.env["car.portal.expert.leave"]
        resolved = self.env["res.users"]
        for user in users.filtered(lambda u: u.active and not u.share):
            if order.company_id not in user.company_ids:
                continue
            resolved |= Substitute._resolve(user)[0] or user
        return resolved
