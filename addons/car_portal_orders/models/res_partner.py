# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools.rpc_access import allowed_groups


class ResPartner(models.Model):
    _inherit = "res.partner"

    car_portal_is_dealer = fields.Boolean(
        string="Car Dealer",
        help="The company orders vehicles and parts on the portal. Its account "
        "expert is its salesperson.",
    )
    car_portal_region_id = fields.Many2one(
        "car.portal.region",
        string="Dealer Region",
        compute="_compute_car_portal_region_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        recursive=True,
    )
    car_portal_order_ids = fields.One2many(
        "car.portal.order", "partner_id", string="Car Orders"
    )
    car_portal_order_count = fields.Integer(
        string="Car Order Count", compute="_compute_car_portal_order_count"
    )

    @api.depends("state_id", "parent_id.car_portal_region_id")
    def _compute_car_portal_region_id(self):
        for partner in self:
            if partner.parent_id:
                partner.car_portal_region_id = partner.parent_id.car_portal_region_id
            elif partner.state_id and not partner.car_portal_region_id:
                partner.car_portal_region_id = self.env["car.portal.region"].search(
                    [("state_ids", "in", partner.state_id.id)], limit=1
                )

    def _compute_car_portal_order_count(self):
        counts = dict(
            self.env["car.portal.order"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.car_portal_order_count = counts.get(
                partner.commercial_partner_id, 0
            )

    @allowed_groups("car_portal_orders.group_car_portal_expert")
    def action_view_car_portal_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "car_portal_orders.car_portal_order_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
