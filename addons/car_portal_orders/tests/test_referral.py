# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError

from .common import CarPortalCase


class TestReferral(CarPortalCase):
    def _rule(self, **vals):
        return self.env["car.portal.referral.rule"].create(
            dict({"name": "Rule", "sequence": 10}, **vals)
        )

    def test_dealer_expert_rule(self):
        order = self._submitted_order(dealer=self.dealer_b)
        self.assertEqual(order.user_id, self.expert_2)
        self.assertEqual(order.referral_rule_id, self.rule_dealer_expert)
        self.assertEqual(order.state, "review")
        activity = order.activity_ids
        self.assertEqual(activity.user_id, self.expert_2)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("car_portal_orders.mail_activity_order_review"),
        )
        self.assertIn("Account expert rule", " ".join(order.message_ids.mapped("body")))

    def test_rule_by_tag_region_and_category_in_sequence(self):
        self.dealer_a.category_id = self.tag_gold
        by_tag = self._rule(
            partner_category_ids=self.tag_gold.ids,
            target="user",
            user_id=self.expert_3.id,
        )
        by_category = self._rule(
            sequence=5,
            product_category_ids=self.categ_parts.ids,
            target="user",
            user_id=self.expert_2.id,
        )
        # Brakes is a sub-category of Parts: the category rule (sequence 5) wins.
        order = self._submitted_order()
        self.assertEqual(
            (order.user_id, order.referral_rule_id), (self.expert_2, by_category)
        )
        # A vehicle-only order does not match it; the tag rule does.
        order = self._submitted_order(lines=[(self.vehicle, 1)])
        self.assertEqual(
            (order.user_id, order.referral_rule_id), (self.expert_3, by_tag)
        )
        # The region rule only matches dealers of its region.
        by_region = self._rule(
            sequence=1,
            region_ids=self.region_south.ids,
            target="user",
            user_id=self.expert_1.id,
        )
        order = self._submitted_order(dealer=self.dealer_b, lines=[(self.vehicle, 1)])
        self.assertEqual(order.referral_rule_id, by_region)
        order = self._submitted_order(lines=[(self.vehicle, 1)])
        self.assertEqual(order.referral_rule_id, by_tag)

    def test_rule_of_other_company_is_ignored(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self._rule(company_id=other.id, target="user", user_id=self.expert_3.id)
        order = self._submitted_order()
        self.assertEqual(order.user_id, self.expert_1)

    def test_team_round_robin(self):
        team = self._rule(
            target="team", team_user_ids=[self.expert_1.id, self.expert_3.id]
        )
        experts = [self._submitted_order().user_id for _ in range(4)]
        self.assertEqual(
            experts, [self.expert_1, self.expert_3, self.expert_1, self.expert_3]
        )
        self.assertEqual(team.last_user_id, self.expert_3)

    def test_unavailable_expert_falls_through_to_next_rule(self):
        self.expert_1.active = False
        order = self._submitted_order()
        # Dealer A's own expert is archived; no other rule: company default.
        self.assertEqual(order.user_id, self.default_expert)
        self.expert_1.active = True
        self.expert_1.groups_id = [
            (3, self.env.ref("car_portal_orders.group_car_portal_expert").id)
        ]
        self.assertFalse(
            self.expert_1.has_group("car_portal_orders.group_car_portal_expert")
        )
        order = self._submitted_order()
        self.assertEqual(order.user_id, self.default_expert)

    def test_fallback_tells_managers(self):
        self.dealer_a.user_id = False
        order = self._submitted_order()
        self.assertEqual(order.user_id, self.default_expert)
        self.assertFalse(order.referral_rule_id)
        warning = order.message_ids.filtered(
            lambda m: "No referral rule matched" in m.body
        )
        self.assertTrue(warning)
        self.assertIn(self.manager.partner_id, warning.partner_ids)

    def test_fallback_without_default_expert_goes_to_a_manager(self):
        self.dealer_a.user_id = False
        self.company.car_portal_default_expert_id = False
        order = self._submitted_order()
        self.assertTrue(order.user_id)
        self.assertTrue(
            order.user_id.has_group("car_portal_orders.group_car_portal_manager")
        )

    def test_substitute_receives_orders_during_leave(self):
        today = date.today()
        self.env["car.portal.expert.leave"].create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_3.id,
                "date_from": today - timedelta(days=1),
                "date_to": today + timedelta(days=1),
            }
        )
        order = self._submitted_order()
        self.assertEqual(order.user_id, self.expert_3)
        self.assertIn("On leave", " ".join(order.message_ids.mapped("body")))

    def test_leave_is_read_on_the_experts_own_day(self):
        # 21:00 UTC on 30 November is 00:30 on 1 December in Tehran.
        self.env["car.portal.expert.leave"].create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_3.id,
                "date_from": date(2026, 12, 1),
                "date_to": date(2026, 12, 1),
            }
        )
        with freeze_time("2026-11-30 21:00:00"):
            self.expert_1.tz = False  # UTC: still 30 November, at work
            self.assertEqual(self._submitted_order().user_id, self.expert_1)
            self.expert_1.tz = "Asia/Tehran"  # 1 December there: on leave
            self.assertEqual(self._submitted_order().user_id, self.expert_3)
            # Whoever triggers the referral, in whatever time zone (still
            # 30 November in Los Angeles).
            order = self._order()
            order.with_context(tz="America/Los_Angeles").action_submit()
            self.assertEqual(order.user_id, self.expert_3)

    def test_substitute_chain_and_cycle(self):
        today = date.today()
        Substitute = self.env["car.portal.expert.leave"]
        for absent, substitute in (
            (self.expert_1, self.expert_2),
            (self.expert_2, self.expert_3),
        ):
            Substitute.create(
                {
                    "user_id": absent.id,
                    "substitute_id": substitute.id,
                    "date_from": today,
                    "date_to": today,
                }
            )
        self.assertEqual(self._submitted_order().user_id, self.expert_3)
        # Expert 3 away too, covered by expert 1: a cycle, nobody is in.
        Substitute.create(
            {
                "user_id": self.expert_3.id,
                "substitute_id": self.expert_1.id,
                "date_from": today,
                "date_to": today,
            }
        )
        self.assertEqual(self._submitted_order().user_id, self.default_expert)

    def test_leave_in_the_future_does_not_apply(self):
        today = date.today()
        self.env["car.portal.expert.leave"].create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_3.id,
                "date_from": today + timedelta(days=2),
                "date_to": today + timedelta(days=5),
            }
        )
        self.assertEqual(self._submitted_order().user_id, self.expert_1)

    def test_overlapping_leaves_rejected(self):
        today = date.today()
        Substitute = self.env["car.portal.expert.leave"]
        Substitute.create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_2.id,
                "date_from": today,
                "date_to": today + timedelta(days=5),
            }
        )
        with self.assertRaises(UserError):
            Substitute.create(
                {
                    "user_id": self.expert_1.id,
                    "substitute_id": self.expert_3.id,
                    "date_from": today + timedelta(days=3),
                    "date_to": today + timedelta(days=9),
                }
            )

    def test_manager_reassigns_with_reason(self):
        order = self._submitted_order()
        wizard = (
            self.env["car.portal.order.reassign"]
            .with_user(self.manager)
            .create(
                {
                    "order_id": order.id,
                    "user_id": self.expert_2.id,
                    "reason": "Workload",
                }
            )
        )
        wizard.action_reassign()
        self.assertEqual(order.user_id, self.expert_2)
        self.assertEqual(order.activity_ids.user_id, self.expert_2)
        self.assertIn("Workload", order.message_ids[0].body)

    def test_expert_cannot_reassign(self):
        order = self._submitted_order()
        with self.assertRaises(AccessError):
            order.with_user(self.expert_1).write({"user_id": self.expert_2.id})
        with self.assertRaises(AccessError):
            order.with_user(self.expert_1)._reassign(self.expert_2, "mine")
        self.assertEqual(order.user_id, self.expert_1)

    def test_reassign_to_non_expert_refused(self):
        order = self._submitted_order()
        with self.assertRaises(UserError):
            order.with_user(self.manager)._reassign(self.staff, "stock person")
