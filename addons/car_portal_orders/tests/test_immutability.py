# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the dealer asked for never changes after submission, for anybody."""

from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common import CarPortalCase


class TestImmutability(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._submitted_order()
        cls.line = cls.order.line_ids[0]
        cls.other_product = cls._product("Other", "PT-T9", cls.categ_parts, 5.0)

    def _as_everybody(self):
        """The order seen by each role that can write it, superuser included."""
        return {
            "expert": self.order.with_user(self.expert_1),
            "manager": self.order.with_user(self.manager),
            "admin": self.order.with_user(self.admin),
            "sudo": self.order.sudo(),
            "superuser": self.order.with_user(self.env.ref("base.user_root")),
        }

    def _assert_unchanged(self):
        self.order.invalidate_recordset()
        self.line.invalidate_recordset()
        self.assertEqual(self.line.requested_qty, 2.0)
        self.assertEqual(self.line.product_id, self.vehicle)
        self.assertEqual(self.order.dealer_note, "Deliver before the spring fair")
        self.assertEqual(len(self.order.line_ids), 2)

    def test_requested_qty_frozen_for_everybody(self):
        for role, order in self._as_everybody().items():
            with (
                self.subTest(role=role),
                self.assertRaisesRegex(UserError, "cannot change"),
            ):
                order.line_ids[0].write({"requested_qty": 99})
        self._assert_unchanged()

    def test_product_frozen_for_everybody(self):
        for role, order in self._as_everybody().items():
            with (
                self.subTest(role=role),
                self.assertRaisesRegex(UserError, "cannot change"),
            ):
                order.line_ids[0].write({"product_id": self.other_product.id})
        self._assert_unchanged()

    def test_line_cannot_move_to_another_order(self):
        draft = self._order()
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.line.sudo().write({"order_id": draft.id})
        self._assert_unchanged()

    def test_dealer_fields_frozen_for_everybody(self):
        for role, order in self._as_everybody().items():
            for vals in ({"dealer_note": "changed"}, {"partner_id": self.dealer_b.id}):
                with (
                    self.subTest(role=role, vals=vals),
                    self.assertRaisesRegex(UserError, "cannot change"),
                ):
                    order.write(vals)
        self._assert_unchanged()

    def test_rewriting_the_same_value_is_harmless(self):
        # Imports and RPC clients often send unchanged values back.
        self.line.sudo().write({"requested_qty": 2.0, "product_id": self.vehicle.id})
        self.order.sudo().write({"dealer_note": "Deliver before the spring fair"})
        self._assert_unchanged()

    def test_lines_cannot_be_added_or_removed(self):
        for role, order in self._as_everybody().items():
            with self.subTest(role=role):
                with self.assertRaisesRegex(UserError, "cannot be added"):
                    order.write(
                        {
                            "line_ids": [
                                Command.create(
                                    {
                                        "product_id": self.brake_pad.id,
                                        "requested_qty": 1,
                                    }
                                )
                            ]
                        }
                    )
                with self.assertRaisesRegex(UserError, "cannot be added"):
                    order.env["car.portal.order.line"].create(
                        {
                            "order_id": order.id,
                            "product_id": self.brake_pad.id,
                            "requested_qty": 1,
                        }
                    )
                with self.assertRaisesRegex(UserError, "cannot be removed"):
                    order.line_ids[0].unlink()
                with self.assertRaisesRegex(UserError, "cannot be removed"):
                    order.write({"line_ids": [Command.delete(order.line_ids[0].id)]})
        self._assert_unchanged()

    def test_submitted_order_cannot_be_deleted(self):
        with self.assertRaises(AccessError):  # experts may not delete orders
            self.order.with_user(self.expert_1).unlink()
        for role, order in self._as_everybody().items():
            if role == "expert":
                continue
            with (
                self.subTest(role=role),
                self.assertRaisesRegex(UserError, "cannot be deleted"),
            ):
                order.unlink()
        self.assertTrue(self.order.exists())

    def test_dealer_cannot_write_at_all(self):
        # Refused twice over: no write access, and the request is frozen
        # (AccessError is a UserError).
        with self.assertRaises(UserError):
            self.line.with_user(self.portal_a).write({"requested_qty": 5})
        with self.assertRaises(AccessError):
            self.line.with_user(self.portal_a).write({"expert_note": "x"})
        with self.assertRaises(UserError):
            self.order.with_user(self.portal_a).write({"dealer_note": "x"})
        self._assert_unchanged()

    def test_frozen_after_every_later_state(self):
        self.order.expert_opinion = "<p>ok</p>"
        self.order.with_user(self.expert_1).action_send_to_process()
        self.assertEqual(self.order.state, "process")
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.line.sudo().write({"requested_qty": 1})
        self.order.action_reject("No")
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.line.sudo().write({"requested_qty": 1})
        self._assert_unchanged()

    def test_draft_stays_editable(self):
        draft = self._order()
        draft.line_ids[0].requested_qty = 7
        draft.dealer_note = "changed"
        draft.line_ids[1].unlink()
        self.assertEqual(draft.requested_qty, 7.0)
        draft.unlink()
