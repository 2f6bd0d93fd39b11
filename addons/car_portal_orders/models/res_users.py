# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    car_portal_leave_ids = fields.One2many(
        "car.portal.expert.leave",
        "user_id",
        string="Leaves and Substitutes",
    )
    car_portal_manager_id = fields.Many2one(
        "res.users",
        string="Reports To",
        domain=[("share", "=", False)],
        help="The expert's manager, who can be named responsible for an "
        'approval stage (role "expert\'s manager").',
    )

    def _car_portal_can_review(self, company):
        """Whether this user can take an order of ``company`` for review."""
        self.ensure_one()
        return (
            self.active
            and not self.share
            and company in self.company_ids
            and self.has_group("car_portal_orders.group_car_portal_expert")
        )
