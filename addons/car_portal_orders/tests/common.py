# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures: one company, two dealers, experts, a manager, products.

Built from scratch (not from the demo data) so that every figure a test checks
comes from the test itself.
"""

from odoo import Command
from odoo.tests.common import TransactionCase, new_test_user

EXPERT = "car_portal_orders.group_car_portal_expert"
MANAGER = "car_portal_orders.group_car_portal_manager"
ADMIN = "car_portal_orders.group_car_portal_admin"
STAFF = "car_portal_orders.group_car_portal_staff"


class CarPortalCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Referral and review post to the chatter: keep mail on, but no emails.
        # English messages whatever the database's default language.
        cls.env = cls.env(
            context=dict(cls.env.context, lang="en_US", mail_notify_force_send=False)
        )
        cls.company = cls.env.company
        # Start from a clean referral setup: only the rules a test creates.
        cls.env["car.portal.referral.rule"].search([]).active = False
        cls.expert_1 = cls._user("cp_expert_1", EXPERT)
        cls.expert_2 = cls._user("cp_expert_2", EXPERT)
        cls.expert_3 = cls._user("cp_expert_3", EXPERT)
        cls.default_expert = cls._user("cp_default_expert", EXPERT)
        cls.manager = cls._user("cp_manager", MANAGER)
        cls.admin = cls._user("cp_admin", f"{ADMIN},base.group_system")
        cls.staff = cls._user("cp_staff", STAFF)
        cls.company.car_portal_default_expert_id = cls.default_expert
        cls.company.car_portal_max_line_qty = 500

        cls.region_north = cls.env["car.portal.region"].create({"name": "North"})
        cls.region_south = cls.env["car.portal.region"].create({"name": "South"})
        cls.tag_gold = cls.env["res.partner.category"].create({"name": "Gold"})
        cls.dealer_a = cls._dealer("Dealer A", cls.expert_1, cls.region_north)
        cls.dealer_b = cls._dealer("Dealer B", cls.expert_2, cls.region_south)
        cls.portal_a = cls._portal_user("cp_dealer_a", cls.dealer_a)
        cls.portal_b = cls._portal_user("cp_dealer_b", cls.dealer_b)

        cls.categ_vehicles = cls.env["product.category"].create({"name": "Vehicles"})
        cls.categ_parts = cls.env["product.category"].create({"name": "Parts"})
        cls.categ_brakes = cls.env["product.category"].create(
            {"name": "Brakes", "parent_id": cls.categ_parts.id}
        )
        cls.vehicle = cls._product("Sedan", "VH-T1", cls.categ_vehicles, 1000.0)
        cls.brake_pad = cls._product("Brake pad", "PT-T1", cls.categ_brakes, 10.0)
        cls.payment_term = cls.env["car.portal.payment.term"].create(
            {"name": "Credit 30", "kind": "credit", "days": 30}
        )
        cls.rule_dealer_expert = cls.env["car.portal.referral.rule"].create(
            {"name": "Account expert rule", "sequence": 100, "target": "dealer_expert"}
        )

    @classmethod
    def _user(cls, login, groups):
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            name=login.replace("_", " ").title(),
            lang="en_US",
        )

    @classmethod
    def _dealer(cls, name, expert, region):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "car_portal_is_dealer": True,
                "user_id": expert.id if expert else False,
                "car_portal_region_id": region.id,
                "lang": "en_US",
            }
        )

    @classmethod
    def _portal_user(cls, login, dealer):
        contact = cls.env["res.partner"].create(
            {"name": f"{dealer.name} buyer", "parent_id": dealer.id, "lang": "en_US"}
        )
        return new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            partner_id=contact.id,
            lang="en_US",
        )

    @classmethod
    def _product(cls, name, code, categ, price):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "categ_id": categ.id,
                "list_price": price,
                "car_portal_orderable": True,
                "sale_ok": True,
            }
        )

    @classmethod
    def _order(cls, dealer=None, lines=None, **vals):
        """A draft order; ``lines`` is a list of (product, requested qty)."""
        dealer = dealer or cls.dealer_a
        lines = lines or [(cls.vehicle, 2), (cls.brake_pad, 10)]
        return cls.env["car.portal.order"].create(
            dict(
                {
                    "partner_id": dealer.id,
                    "payment_term_id": cls.payment_term.id,
                    "dealer_note": "Deliver before the spring fair",
                    "line_ids": [
                        Command.create({"product_id": p.id, "requested_qty": q})
                        for p, q in lines
                    ],
                },
                **vals,
            )
        )

    @classmethod
    def _submitted_order(cls, **kwargs):
        order = cls._order(**kwargs)
        order.action_submit()
        return order

    def _dealer_notices(self, order, text=None):
        """The notices the dealer reads on the portal (discussion messages),
        newest first; with ``text``, those whose subject or body holds it."""
        comment = self.env.ref("mail.mt_comment")
        notices = order.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.subtype_id == comment
        )
        if text:
            notices = notices.filtered(
                lambda m: text in (m.subject or "") or text in str(m.body or "")
            )
        return notices
