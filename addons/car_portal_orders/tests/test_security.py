# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from odoo.exceptions import AccessError

from .common import CarPortalCase


class TestRecordRules(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_a = cls._submitted_order(dealer=cls.dealer_a)  # expert 1
        cls.order_b = cls._submitted_order(dealer=cls.dealer_b)  # expert 2
        cls.draft_a = cls._order(dealer=cls.dealer_a)
        cls.orders = cls.order_a | cls.order_b | cls.draft_a

    def _visible(self, user, model="car.portal.order"):
        domain = [("id", "in", self.orders.ids)]
        if model != "car.portal.order":
            domain = [("order_id", "in", self.orders.ids)]
        return self.env[model].with_user(user).search(domain)

    def test_portal_dealer_sees_own_company_orders_only(self):
        self.assertEqual(self._visible(self.portal_a), self.order_a | self.draft_a)
        self.assertEqual(self._visible(self.portal_b), self.order_b)
        lines = self._visible(self.portal_b, "car.portal.order.line")
        self.assertEqual(lines.order_id, self.order_b)
        with self.assertRaises(AccessError):
            self.order_b.with_user(self.portal_a).read(["name"])

    def test_expert_sees_own_orders(self):
        self.assertEqual(self._visible(self.expert_1), self.order_a)
        self.assertEqual(self._visible(self.expert_2), self.order_b)
        self.assertFalse(self._visible(self.expert_3))
        with self.assertRaises(AccessError):
            self.order_b.with_user(self.expert_1).read(["name"])

    def test_substitute_sees_absent_experts_orders_during_leave_only(self):
        today = date.today()
        leave = self.env["car.portal.expert.leave"].create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_3.id,
                "date_from": today,
                "date_to": today + timedelta(days=2),
            }
        )
        self.assertEqual(self._visible(self.expert_3), self.order_a)
        # The substitute may also review it.
        line = self.order_a.line_ids[0]
        line.with_user(self.expert_3).supplied_qty = 1
        leave.write(
            {
                "date_from": today - timedelta(days=9),
                "date_to": today - timedelta(days=1),
            }
        )
        self.assertFalse(self._visible(self.expert_3))

    def test_expert_sees_drafts_they_entered(self):
        draft = (
            self.env["car.portal.order"]
            .with_user(self.expert_3)
            .create({"partner_id": self.dealer_b.id})
        )
        self.assertIn(
            draft, self.env["car.portal.order"].with_user(self.expert_3).search([])
        )

    def test_manager_sees_all_orders_of_their_companies(self):
        self.assertEqual(self._visible(self.manager), self.orders)
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["car.portal.order"].create(
            {"partner_id": self.dealer_a.id, "company_id": other.id}
        )
        self.assertNotIn(
            foreign, self.env["car.portal.order"].with_user(self.manager).search([])
        )
        self.manager.company_ids |= other
        self.assertIn(
            foreign,
            self.env["car.portal.order"]
            .with_user(self.manager)
            .with_context(allowed_company_ids=[self.company.id, other.id])
            .search([]),
        )

    def test_staff_without_a_role_sees_nothing(self):
        self.assertFalse(self._visible(self.staff))

    def test_internal_user_without_group_has_no_access(self):
        user = self._user("cp_plain_user", "base.group_user")
        with self.assertRaises(AccessError):
            self.env["car.portal.order"].with_user(user).search([])

    def test_leaves_expert_edits_own_only(self):
        Substitute = self.env["car.portal.expert.leave"]
        today = date.today()
        own = Substitute.with_user(self.expert_1).create(
            {
                "user_id": self.expert_1.id,
                "substitute_id": self.expert_2.id,
                "date_from": today,
                "date_to": today,
            }
        )
        self.assertTrue(own)
        with self.assertRaises(AccessError):
            Substitute.with_user(self.expert_1).create(
                {
                    "user_id": self.expert_2.id,
                    "substitute_id": self.expert_1.id,
                    "date_from": today,
                    "date_to": today,
                }
            )
