# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .order_states import CLOSED_STATES


class CarPortalOrderReferral(models.AbstractModel):
    """Who reviews an order: the referral of a submitted order to its expert
    (referral rules, leaves and substitutes, the fallbacks), the expert's
    to-do and deadline, a manager's reassignment, and who may act as the
    order's expert today (the expert, their substitute, a manager).
    ``car.portal.order`` inherits it."""

    _name = "car.portal.order.referral"
    _description = "Dealer Order: Referral to the Expert"

    can_review = fields.Boolean(
        compute="_compute_can_review",
        search="_search_can_review",
        string="Waiting for My Review",
        help="In review, and referred to me or to an expert I stand in for today.",
    )

    @api.depends("state", "user_id")
    @api.depends_context("uid")
    def _compute_can_review(self):
        experts = self.env.user | self.env["car.portal.expert.leave"]._covered_by(
            self.env.user
        )
        for order in self:
            order.can_review = order.state == "review" and order.user_id in experts

    def _search_can_review(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the review flag."))
        experts = self.env.user | self.env["car.portal.expert.leave"]._covered_by(
            self.env.user
        )
        domain = [("state", "=", "review"), ("user_id", "in", experts.ids)]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    def _check_can_review(self):
        """Raise unless the current user may act as expert on these orders."""
        user = self.env.user
        if user.has_group("car_portal_orders.group_car_portal_manager"):
            return
        for order in self:
            if order.user_id == user:
                continue
            substitute, _absent = self.env["car.portal.expert.leave"]._resolve(
                order.user_id
            )
            if substitute != user:
                raise AccessError(
                    self.env._(
                        "Order %(order)s is reviewed by %(expert)s; you cannot "
                        "review it.",
                        order=order.name,
                        expert=order.user_id.name,
                    )
                )

    def _refer_to_expert(self):
        """Give the order to its expert: follower, review to-do, and one mail.

        The referral note is the expert's one message about the order (who,
        why, what to do): Odoo's own "you have been assigned" mail of the
        expert field and "activity assigned" mail of the to-do would say the
        same thing twice more, so they are left out here.
        """
        self.ensure_one()
        found = self.env["car.portal.referral.rule"]._find_expert(self)
        deadline = self._review_deadline()
        quiet = self.with_context(
            mail_auto_subscribe_no_notify=True, mail_activity_quick_update=True
        )
        quiet._write_system(
            {
                "user_id": found["user"].id,
                "referral_rule_id": found["rule"].id,
                "date_deadline": deadline,
            }
        )
        self._log_referral(found)
        # Just submitted: the order has no review to-do to replace yet.
        quiet._schedule_review_activity(replace=False)
        if found["fallback"]:
            self._warn_managers_of_fallback()

    def _log_referral(self, found):
        """Tell the expert (and the chatter) who got the order and why."""
        # Mail templates render with the context (``ctx``), not render values.
        self.with_context(
            car_portal_referral={
                "fallback": found["fallback"],
                "rule_name": found["rule"].name,
                "absent_names": ", ".join(found["absent"].mapped("name")),
            }
        )._message_post_template(
            "car_portal_orders.mail_template_order_referred",
            subtype_xmlid="mail.mt_note",
            force_send=False,  # through the mail queue
        )

    def _reassign(self, user, reason):
        """A manager gives the order to another expert, with a logged reason."""
        self.ensure_one()
        self._check_reassign_allowed()
        if not user._car_portal_can_review(self.company_id):
            raise UserError(
                self.env._(
                    "%(user)s is not an active expert of %(company)s.",
                    user=user.name,
                    company=self.company_id.name,
                )
            )
        previous = self.user_id
        self.user_id = user
        self.message_post(
            body=self.env._(
                "Reassigned from %(old)s to %(new)s by %(manager)s: %(reason)s",
                old=previous.name or self.env._("nobody"),
                new=user.name,
                manager=self.env.user.name,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _warn_managers_of_fallback(self):
        managers = self.company_id._car_portal_managers()
        self.message_post(
            body=self.env._(
                "No referral rule matched order %(order)s of %(dealer)s; please "
                "check the referral rules.",
                order=self.name,
                dealer=self.partner_id.name,
            ),
            partner_ids=managers.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )

    def _schedule_review_activity(self, replace=True):
        """One to-do for the order's expert while the order waits for review;
        ``replace``: drop the order's previous review to-do first."""
        for order in self.filtered(lambda o: o.state == "review" and o.user_id):
            if replace:
                order.activity_unlink(["car_portal_orders.mail_activity_order_review"])
            reader = order._in_language_of(order.user_id)
            reader.activity_schedule(
                "car_portal_orders.mail_activity_order_review",
                date_deadline=fields.Date.context_today(order),
                user_id=order.user_id.id,
                note=Markup("<p>%s</p>")
                % reader.env._("Set the supplied quantities and write your opinion."),
            )

    def _feedback_review_activity(self, feedback):
        self.activity_feedback(
            ["car_portal_orders.mail_activity_order_review"], feedback=feedback
        )

    def _check_reassign_allowed(self):
        if self.env.su:
            return
        submitted = self.filtered(lambda o: o.state != "draft")
        if submitted and not self.env.user.has_group(
            "car_portal_orders.group_car_portal_manager"
        ):
            raise AccessError(
                self.env._("Only an order manager can reassign an order.")
            )
        if any(o.state in CLOSED_STATES for o in submitted):
            raise UserError(self.env._("A closed order cannot be reassigned."))

    def _review_deadline(self):
        """When the expert's review becomes late, counted from now: the one
        home of the rule (referral and sending back to the expert)."""
        self.ensure_one()
        return fields.Datetime.now() + timedelta(
            hours=self.company_id.car_portal_review_hours or 24
        )
