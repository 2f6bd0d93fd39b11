# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.rpc_access import orm_access
from .car_portal_order_matching import parse_order_domain


class CarPortalProcess(models.Model):
    """An approval process an order runs after the expert's review.

    Admins define processes and their stages in the UI. At the end of the
    review the most specific process matching the order is chosen (see
    ``_select_for``); the default process catches every other order.
    """

    _name = "car.portal.process"
    _inherit = "car.portal.order.matching"
    _description = "Order Approval Process"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10, help="Among equally specific processes, the lowest wins."
    )
    active = fields.Boolean(default=True)
    is_default = fields.Boolean(
        string="Default Process",
        help="Runs the orders no other process matches; its conditions are ignored.",
    )
    company_id = fields.Many2one(
        "res.company", help="Leave empty for a process of every company."
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category", string="Dealer Tags"
    )
    region_ids = fields.Many2many("car.portal.region", string="Dealer Regions")
    order_domain = fields.Char(
        string="Order Condition",
        default="[]",
        help="Orders must match this filter, e.g. on the requested quantity or "
        "the products' category.",
    )
    stage_ids = fields.One2many(
        "car.portal.process.stage", "process_id", string="Stages", copy=True
    )
    order_count = fields.Integer(compute="_compute_order_count")

    def _compute_order_count(self):
        counts = dict(
            self.env["car.portal.order"]._read_group(
                [("process_id", "in", self.ids)], ["process_id"], ["__count"]
            )
        )
        for process in self:
            process.order_count = counts.get(process, 0)

    @api.constrains("order_domain")
    def _check_order_domain(self):
        for process in self:
            process._order_domain_list()

    @orm_access
    @api.model_create_multi
    def create(self, vals_list):
        processes = super().create(vals_list)
        processes.filtered("is_default")._unset_other_defaults()
        return processes

    @orm_access
    def write(self, vals):
        replaced = self.env.context.get("car_portal_default_replaced")
        if not replaced and (
            vals.get("active") is False or vals.get("is_default") is False
        ):
            self.filtered("is_default")._check_default_kept()
        result = super().write(vals)
        if vals.get("is_default"):
            self._unset_other_defaults()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_keep_default_and_history(self):
        self.filtered("is_default")._check_default_kept()
        if self.env["car.portal.order"].search_count([("process_id", "in", self.ids)]):
            raise UserError(
                self.env._(
                    "Orders ran this process; archive it instead of deleting it."
                )
            )

    def _unset_other_defaults(self):
        """One default per company: naming a new one demotes the previous."""
        for process in self:
            others = self.search(
                [
                    ("id", "!=", process.id),
                    ("is_default", "=", True),
                    ("company_id", "=", process.company_id.id),
                ]
            )
            if others:
                others.with_context(car_portal_default_replaced=True).write(
                    {"is_default": False}
                )

    def _check_default_kept(self):
        for process in self:
            raise UserError(
                self.env._(
                    "“%(process)s” is the default process, and there must always "
                    "be one: make another process the default first.",
                    process=process.name,
                )
            )

    def _order_domain_list(self):
        self.ensure_one()
        return parse_order_domain(self, self.order_domain)

    def _specificity(self):
        """How many kinds of condition the process sets: more is more specific."""
        self.ensure_one()
        return sum(
            bool(condition)
            for condition in (
                self.company_id,
                self.partner_category_ids,
                self.region_ids,
                self._order_domain_list(),
            )
        )

    def _matches(self, order):
        self.ensure_one()
        if not self._matches_dealer(order):
            return False
        domain = self._order_domain_list()
        return not domain or bool(order.filtered_domain(domain))

    @api.model
    def _select_for(self, order):
        """The process an order runs: the most specific match, else the default."""
        processes = self.sudo().search(
            [("company_id", "in", [False, order.company_id.id])]
        )
        candidates = processes.filtered(
            lambda p: not p.is_default and p._matches(order)
        )
        if candidates:
            return candidates.sorted(lambda p: (-p._specificity(), p.sequence, p.id))[0]
        defaults = processes.filtered("is_default").sorted(
            lambda p: (not p.company_id, p.sequence)
        )
        return defaults[:1]
