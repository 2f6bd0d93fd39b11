# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from .common import MANAGER, STAFF, CarPortalCase


class ProcessCase(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Process = cls.env["car.portal.process"]
        cls.default_process = cls.env.ref("car_portal_orders.process_default")
        cls.approver_1 = cls._user("cp_approver_1", STAFF)
        cls.approver_2 = cls._user("cp_approver_2", STAFF)
        cls.stock_user = cls._user("cp_stock", STAFF)
        cls.process = cls.Process.create(
            {
                "name": "Gold dealers",
                "partner_category_ids": [Command.set(cls.tag_gold.ids)],
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Sales approval",
                            "sequence": 10,
                            "responsible_user_ids": [Command.set(cls.approver_1.ids)],
                            "sla_hours": 4,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Stock check",
                            "sequence": 20,
                            "kind": "stock_check",
                            "responsible_user_ids": [Command.set(cls.stock_user.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "name": "Coordination",
                            "sequence": 30,
                            "responsible_user_ids": [
                                Command.set((cls.approver_1 | cls.approver_2).ids)
                            ],
                            "approval_mode": "all",
                            "condition_domain": "[('requested_qty', '>=', 10)]",
                        }
                    ),
                ],
            }
        )
        cls.stage_sales, cls.stage_stock, cls.stage_coord = cls.process.stage_ids
        cls.dealer_a.category_id = cls.tag_gold
        # These tests are about the process: the stock check passes here
        # (it is tested on stock levels in test_stock_check.py).
        cls.order_class = type(cls.env["car.portal.order"])
        cls.startClassPatcher(
            patch.object(cls.order_class, "_stock_shortfall", lambda order: [])
        )

    @classmethod
    def _in_process(cls, **kwargs):
        order = cls._submitted_order(**kwargs)
        order.expert_opinion = "<p>Fine</p>"
        order.with_user(order.user_id).action_send_to_process()
        return order

    def _actions(self, order):
        return [
            (entry.action, entry.stage_name or False)
            for entry in order.history_ids.sorted(lambda e: (e.date, e.id))
        ]


class TestProcessSelection(ProcessCase):
    def test_default_process_for_unmatched_orders(self):
        order = self._in_process(dealer=self.dealer_b)
        self.assertEqual(order.process_id, self.default_process)
        self.assertEqual(order.state, "process")
        managers = self.env.ref(MANAGER).users.filtered(
            lambda u: self.company in u.company_ids
        )
        self.assertEqual(order.current_reviewer_ids, managers)

    def test_most_specific_process_wins(self):
        narrower = self.Process.create(
            {
                "name": "Gold dealers of the north",
                "sequence": 50,
                "partner_category_ids": [Command.set(self.tag_gold.ids)],
                "region_ids": [Command.set(self.region_north.ids)],
                "stage_ids": [Command.create({"name": "North approval"})],
            }
        )
        self.assertEqual(self._in_process().process_id, narrower)
        self.dealer_a.car_portal_region_id = self.region_south
        self.assertEqual(self._in_process().process_id, self.process)

    def test_process_by_order_condition(self):
        big = self.Process.create(
            {
                "name": "Big orders",
                "order_domain": "[('requested_qty', '>=', 50)]",
                "stage_ids": [Command.create({"name": "Director"})],
            }
        )
        order = self._in_process(dealer=self.dealer_b, lines=[(self.brake_pad, 60)])
        self.assertEqual(order.process_id, big)
        order = self._in_process(dealer=self.dealer_b, lines=[(self.brake_pad, 5)])
        self.assertEqual(order.process_id, self.default_process)

    def test_invalid_condition_rejected(self):
        with self.assertRaises(ValidationError):
            self.Process.create({"name": "Broken", "order_domain": "[('x' ="})

    def test_there_is_always_a_default(self):
        with self.assertRaisesRegex(UserError, "always be one"):
            self.default_process.active = False
        with self.assertRaisesRegex(UserError, "always be one"):
            self.default_process.unlink()
        # Naming another default demotes the previous one.
        self.process.is_default = True
        self.assertFalse(self.default_process.is_default)
        self.default_process.active = False


class TestProcessActions(ProcessCase):
    def test_full_path_with_skip_and_stock_pass(self):
        order = self._in_process(lines=[(self.vehicle, 2)])
        self.assertEqual(order.stage_id, self.stage_sales)
        self.assertEqual(order.current_reviewer_ids, self.approver_1)
        self.assertTrue(order.date_deadline)
        order.with_user(self.approver_1).action_approve()
        # Stock covers it, and the order is too small for coordination.
        self.assertEqual(order.state, "approved")
        self.assertFalse(order.stage_id)
        self.assertEqual(
            self._actions(order),
            [
                ("submit", False),
                ("review", False),
                ("enter", "Sales approval"),
                ("approve", "Sales approval"),
                ("enter", "Stock check"),
                ("auto_pass", "Stock check"),
                ("skip", "Coordination"),
            ],
        )

    def test_all_mode_needs_every_responsible(self):
        order = self._in_process(lines=[(self.brake_pad, 20)])
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.stage_id, self.stage_coord)
        self.assertEqual(order.current_reviewer_ids, self.approver_1 | self.approver_2)
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.stage_id, self.stage_coord)
        self.assertEqual(order.current_reviewer_ids, self.approver_2)
        with self.assertRaises(AccessError):
            order.with_user(self.approver_1).action_approve()
        order.with_user(self.approver_2).action_approve()
        self.assertEqual(order.state, "approved")

    def test_only_responsibles_act(self):
        order = self._in_process()
        for user in (self.approver_2, self.expert_1, self.manager, self.stock_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                order.with_user(user).action_approve()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                order.with_user(user).action_reject("no")
        self.assertEqual(order.stage_id, self.stage_sales)
        self.assertEqual(self._actions(order)[-1], ("enter", "Sales approval"))

    def test_reject_in_process(self):
        order = self._in_process()
        with self.assertRaisesRegex(UserError, "reason"):
            order.with_user(self.approver_1).action_reject("")
        order.with_user(self.approver_1).action_reject("Dealer over credit limit")
        self.assertEqual(order.state, "rejected")
        self.assertFalse(order.current_reviewer_ids)
        self.assertFalse(order.activity_ids)
        self.assertEqual(self._actions(order)[-1], ("reject", "Sales approval"))
        self.assertEqual(order.message_ids[0], self._dealer_notices(order)[0])
        self.assertIn("Dealer over credit limit", order.message_ids[0].body)

    def test_return_to_expert_then_run_again(self):
        order = self._in_process()
        order.with_user(self.approver_1).action_return("Check the colour")
        self.assertEqual(order.state, "review")
        self.assertFalse(order.stage_id)
        self.assertEqual(order.activity_ids.user_id, self.expert_1)
        order.line_ids[0].with_user(self.expert_1).supplied_qty = 1
        order.with_user(self.expert_1).action_send_to_process()
        self.assertEqual(order.stage_id, self.stage_sales)
        self.assertIn(("return", "Sales approval"), self._actions(order))

    def test_return_to_an_earlier_stage_only(self):
        order = self._in_process(lines=[(self.brake_pad, 20)])
        with self.assertRaisesRegex(UserError, "earlier stage"):
            order.with_user(self.approver_1).action_return("x", stage=self.stage_coord)
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.stage_id, self.stage_coord)
        order.with_user(self.approver_2).action_return(
            "Redo the approval", stage=self.stage_sales
        )
        self.assertEqual(order.stage_id, self.stage_sales)
        self.assertEqual(order.current_reviewer_ids, self.approver_1)

    def test_cancel_by_manager_only(self):
        order = self._in_process()
        with self.assertRaisesRegex(UserError, "already being reviewed"):
            order.with_user(self.portal_a).sudo().action_cancel()
        order.with_user(self.manager).action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(order.current_reviewer_ids)
        self.assertEqual(self._actions(order)[-1], ("cancel", "Sales approval"))

    def test_moved_on_message_for_a_stale_screen(self):
        order = self._in_process()
        stale = order.with_context(
            car_portal_seen_state="process", car_portal_seen_stage=self.stage_coord.id
        )
        with self.assertRaisesRegex(UserError, "has moved on"):
            stale.with_user(self.approver_1).action_approve()
        order.with_context(
            car_portal_seen_state="process", car_portal_seen_stage=self.stage_sales.id
        ).with_user(self.approver_1).action_approve()
        self.assertEqual(order.stage_id, self.stage_coord)


class TestProcessTraces(ProcessCase):
    def test_activities_follow_the_stage(self):
        order = self._in_process(lines=[(self.brake_pad, 20)])
        approval = self.env.ref("car_portal_orders.mail_activity_order_approval")
        self.assertEqual(order.activity_ids.activity_type_id, approval)
        self.assertEqual(order.activity_ids.user_id, self.approver_1)
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.activity_ids.user_id, self.approver_1 | self.approver_2)
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.activity_ids.user_id, self.approver_2)
        done = self.env["mail.message"].search(
            [
                ("model", "=", order._name),
                ("res_id", "=", order.id),
                ("mail_activity_type_id", "=", approval.id),
            ]
        )
        self.assertEqual(len(done), 2)
        order.with_user(self.approver_2).action_approve()
        self.assertFalse(order.activity_ids)

    def test_history_is_append_only(self):
        order = self._in_process()
        entry = order.history_ids[0]
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            entry.sudo().write({"reason": "rewritten"})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            entry.sudo().unlink()
        with self.assertRaises(AccessError):
            self.env["car.portal.order.history"].with_user(self.manager).create(
                {"order_id": order.id, "action": "approve"}
            )

    def test_portal_timeline_hides_internal_comments(self):
        order = self._in_process()
        order.with_user(self.approver_1).action_approve(comment="Internal: margin ok")
        timeline = order._get_portal_timeline()
        self.assertEqual(
            [step["action"] for step in timeline],
            [
                "Submitted",
                "Reviewed by the expert",
                "Approved",
                "Stock check passed",
            ],
        )
        self.assertFalse(any(step["reason"] for step in timeline))
        rejected = self._in_process()
        rejected.with_user(self.approver_1).action_reject("No stock this season")
        self.assertEqual(
            rejected._get_portal_timeline()[-1]["reason"], "No stock this season"
        )

    def test_stock_check_stops_with_the_shortfall(self):
        def shortfall(order):
            return [(order.line_ids[0], 1.0)]

        with patch.object(self.order_class, "_stock_shortfall", shortfall):
            order = self._in_process(lines=[(self.vehicle, 2)])
            order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.stage_id, self.stage_stock)
        self.assertIn("2 to supply, 1 in stock", order.stock_shortfall)
        self.assertEqual(order.current_reviewer_ids, self.stock_user)
        self.assertEqual(order.activity_ids.user_id, self.stock_user)
        self.assertEqual(self._actions(order)[-1][0], "auto_stop")
        # The stock responsible decides: supply anyway.
        order.with_user(self.stock_user).action_approve()
        self.assertEqual(order.state, "approved")

    def test_stock_check_waits_when_stock_cannot_be_read(self):
        reason = "Sepidar does not answer"  # as the stock source reports it

        def unreachable(order):
            raise UserError(reason)

        with patch.object(self.order_class, "_stock_shortfall", unreachable):
            order = self._in_process(lines=[(self.vehicle, 2)])
            order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.state, "process")
        self.assertEqual(order.stage_id, self.stage_stock)
        self.assertIn("Sepidar does not answer", order.stock_shortfall)
        self.assertEqual(order.current_reviewer_ids, self.stock_user)
        self.assertEqual(self._actions(order)[-1][0], "auto_stop")

    def test_server_action_and_dealer_notification_on_entering(self):
        action = self.env["ir.actions.server"].create(
            {
                "name": "Tag the order",
                "model_id": self.env["ir.model"]._get_id("car.portal.order"),
                "state": "code",
                "code": "record.message_post(body='entered by action')",
            }
        )
        self.stage_sales.write({"server_action_id": action.id, "notify_dealer": True})
        order = self._in_process()
        bodies = order.message_ids.mapped("body")
        self.assertTrue(any("entered by action" in body for body in bodies))
        stage_message = self._dealer_notices(order, "now at stage")
        self.assertIn("Sales approval", stage_message.body)

    def test_roles_and_substitutes(self):
        regional_manager = self._user("cp_regional", STAFF)
        self.region_north.manager_id = regional_manager
        self.expert_1.car_portal_manager_id = self.manager
        self.stage_sales.write(
            {"responsible_user_ids": [Command.clear()], "responsible_role": "expert"}
        )
        self.assertEqual(self._in_process().current_reviewer_ids, self.expert_1)
        self.stage_sales.responsible_role = "expert_manager"
        self.assertEqual(self._in_process().current_reviewer_ids, self.manager)
        self.stage_sales.responsible_role = "regional_manager"
        self.assertEqual(self._in_process().current_reviewer_ids, regional_manager)
        self.env["car.portal.expert.leave"].create(
            {
                "user_id": regional_manager.id,
                "substitute_id": self.approver_2.id,
                "date_from": date.today(),
                "date_to": date.today(),
            }
        )
        self.assertEqual(self._in_process().current_reviewer_ids, self.approver_2)

    def test_stage_without_responsible_falls_to_managers(self):
        self.stage_sales.responsible_user_ids = False
        order = self._in_process()
        self.assertIn(self.manager, order.current_reviewer_ids)


class TestProcessConfigInFlight(ProcessCase):
    def test_editing_a_stage_keeps_orders_in_flight(self):
        order = self._in_process(lines=[(self.brake_pad, 20)])
        self.stage_sales.responsible_user_ids = self.approver_2
        # Who acts was fixed when the order entered the stage.
        self.assertEqual(order.current_reviewer_ids, self.approver_1)
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.stage_sales.unlink()
        self.stage_sales.active = False
        self.process.stage_ids = [
            Command.create({"name": "Late addition", "sequence": 5}),
        ]
        order.with_user(self.approver_1).action_approve()
        # Goes on after its (archived) stage; the stage added before it is not run.
        self.assertEqual(order.stage_id, self.stage_coord)
        self.assertEqual(
            order.history_ids.filtered(lambda e: e.action == "approve").stage_name,
            "Sales approval",
        )

    def test_renaming_a_stage_keeps_history(self):
        order = self._in_process()
        order.with_user(self.approver_1).action_approve()
        self.stage_sales.name = "Renamed"
        self.assertIn(("approve", "Sales approval"), self._actions(order))

    def test_dealer_reads_the_stage_in_their_language(self):
        """The history copies the stage's name in the language of whoever
        acted; a dealer reads it in theirs, unless the stage was renamed."""
        for lang in ("en_US", "fa_IR"):
            self.env["res.lang"]._activate_lang(lang)
        self.stage_sales.with_context(lang="fa_IR").name = "تأیید فروش"
        order = self._in_process()
        order.with_user(self.approver_1).with_context(lang="en_US").action_approve()
        self.assertIn(("approve", "Sales approval"), self._actions(order))

        def stages():
            timeline = order.with_context(lang="fa_IR")._get_portal_timeline()
            return [step["stage"] for step in timeline if step["stage"]]

        self.assertIn("تأیید فروش", stages())
        self.assertNotIn("Sales approval", stages())
        self.stage_sales.with_context(lang="en_US").name = "Renamed"
        self.stage_sales.with_context(lang="fa_IR").name = "تغییر نام"
        self.assertIn("Sales approval", stages())

    def test_archived_process_keeps_running_its_orders(self):
        order = self._in_process(lines=[(self.brake_pad, 20)])
        self.process.active = False
        order.with_user(self.approver_1).action_approve()
        self.assertEqual(order.stage_id, self.stage_coord)
        self.assertEqual(self._in_process().process_id, self.default_process)

    def test_process_with_orders_cannot_be_deleted(self):
        self._in_process()
        with self.assertRaisesRegex(UserError, "archive it instead"):
            self.process.unlink()


class TestMassApproval(ProcessCase):
    def test_mass_approve_reports_what_it_did_not_approve(self):
        mine = self._in_process() | self._in_process()

        def shortfall(order):
            return [(order.line_ids[0], 0.0)]

        with patch.object(self.order_class, "_stock_shortfall", shortfall):
            waiting = self._in_process()
            waiting.with_user(self.approver_1).action_approve()
        # Seen (they acted on it) but stopped at the stock check: not theirs now.
        self.assertEqual(waiting.stage_id, self.stage_stock)
        Order = self.env["car.portal.order"].with_user(self.approver_1)
        self.assertEqual(Order.search([("can_act", "=", True)]), mine)
        result = Order.browse((mine | waiting).ids).action_mass_approve()
        # 12 requested: the orders went on to the coordination stage.
        self.assertEqual(mine.mapped("stage_id"), self.stage_coord)
        self.assertEqual(waiting.stage_id, self.stage_stock)
        self.assertIn("2 order(s) approved", result["params"]["message"])
        self.assertIn(waiting.name, result["params"]["message"])
        self.assertEqual(result["params"]["type"], "warning")
        invisible = self._in_process(dealer=self.dealer_b)
        result = Order.browse(invisible.ids).action_mass_approve()
        self.assertIn("cannot see", result["params"]["message"])
        self.assertEqual(invisible.state, "process")

    def test_staff_sees_only_orders_they_act_on(self):
        order = self._in_process()
        other = self._in_process(dealer=self.dealer_b)
        visible = self.env["car.portal.order"].with_user(self.approver_1).search([])
        self.assertIn(order, visible)
        self.assertNotIn(other, visible)
        order.with_user(self.approver_1).action_approve()
        # Still visible afterwards: they acted on it.
        self.assertIn(
            order, self.env["car.portal.order"].with_user(self.approver_1).search([])
        )
