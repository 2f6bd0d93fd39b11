# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CarPortalReferralRule(models.Model):
    """Who reviews a new order: the first matching rule, in sequence, wins.

    A rule matches on the order's company, the dealer's tags and region, and the
    product categories ordered. Its target is the dealer's own account expert
    (the partner's salesperson), one named expert, or a team served in turn.
    A rule whose target cannot take work (archived, not an expert, no access
    to the company, a leave with nobody available) is skipped, so the next rule
    and finally the company's default expert act as fallbacks.
    """

    _name = "car.portal.referral.rule"
    _inherit = "car.portal.order.matching"
    _description = "Order Referral Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty for a rule that applies to every company."
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Dealer Tags",
        help="Matches dealers having at least one of these tags.",
    )
    region_ids = fields.Many2many("car.portal.region", string="Regions")
    product_category_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Matches orders with at least one product in these categories "
        "or their sub-categories.",
    )
    target = fields.Selection(
        [
            ("dealer_expert", "Dealer's account expert"),
            ("user", "A named expert"),
            ("team", "A team, in turn (round-robin)"),
        ],
        required=True,
        default="dealer_expert",
    )
    user_id = fields.Many2one(
        "res.users", string="Expert", domain=[("share", "=", False)]
    )
    team_user_ids = fields.Many2many(
        "res.users", string="Team", domain=[("share", "=", False)]
    )
    last_user_id = fields.Many2one(
        "res.users",
        string="Last Assigned",
        readonly=True,
        help="The team member who received the previous order of this rule.",
    )

    @api.constrains("target", "user_id", "team_user_ids")
    def _check_target(self):
        for rule in self:
            if rule.target == "user" and not rule.user_id:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s sends orders to a named expert: choose one.",
                        rule=rule.name,
                    )
                )
            if rule.target == "team" and not rule.team_user_ids:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s sends orders to a team: add its members.",
                        rule=rule.name,
                    )
                )

    # Matching -----------------------------------------------------------

    def _matches(self, order):
        self.ensure_one()
        if not self._matches_dealer(order):
            return False
        if self.product_category_ids:
            categories = order.line_ids.product_id.categ_id
            in_scope = categories.filtered_domain(
                [("id", "child_of", self.product_category_ids.ids)]
            )
            if not in_scope:
                return False
        return True

    def _candidates(self, order):
        """The experts this rule would give the order to, in preference order."""
        self.ensure_one()
        if self.target == "dealer_expert":
            return order.partner_id.commercial_partner_id.user_id
        if self.target == "user":
            return self.user_id
        members = self.team_user_ids.sorted("id")
        if self.last_user_id in members:
            # Start right after the member served last time.
            index = list(members).index(self.last_user_id) + 1
            members = members[index:] + members[:index]
        return members

    @api.model
    def _find_expert(self, order):
        """Pick the expert for ``order``.

        Returns a dict with ``user`` (who gets the order), ``expert`` (the expert
        the rule designated, may differ when on leave), ``rule`` (or an empty
        recordset for the fallback), ``absent`` (experts skipped for leave) and
        ``fallback`` (True when no rule could place the order).
        """
        Substitute = self.env["car.portal.expert.leave"]
        rules = self.sudo().search([("company_id", "in", [False, order.company_id.id])])
        absent_seen = self.env["res.users"]
        for rule in rules.filtered(lambda r: r._matches(order)):
            if rule.target == "team":
                rule._lock_for_rotation()
            for expert in rule._candidates(order):
                user, absent = Substitute._resolve(expert)
                absent_seen |= absent
                if user and user._car_portal_can_review(order.company_id):
                    if rule.target == "team":
                        rule.last_user_id = expert
                    return {
                        "user": user,
                        "expert": expert,
                        "rule": rule,
                        "absent": absent,
                        "fallback": False,
                    }
        return {
            "user": self._fallback_expert(order),
            "expert": self.env["res.users"],
            "rule": self,
            "absent": absent_seen,
            "fallback": True,
        }

    def _lock_for_rotation(self):
        # Two orders submitted at the same moment must not both read the same
        # last_user_id and go to the same team member.
        self.env.cr.execute(
            "SELECT id FROM car_portal_referral_rule WHERE id = %s FOR UPDATE",
            [self.id],
        )
        self.invalidate_recordset(["last_user_id"])

    @api.model
    def _fallback_expert(self, order):
        """The company's default expert, else the first order manager.

        Never empty while the company has a default expert or a manager, so an
        order is never left without somebody responsible.
        """
        company = order.company_id
        user, _absent = self.env["car.portal.expert.leave"]._resolve(
            company.car_portal_default_expert_id
        )
        if user and user._car_portal_can_review(company):
            return user
        return company._car_portal_managers().sorted("id")[:1]
