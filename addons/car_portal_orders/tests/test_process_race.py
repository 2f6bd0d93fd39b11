# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two people approving the same order at the same moment: one transition.

These tests need committed data and real concurrent transactions, so they use
their own cursors (not the test transaction) and clean up after themselves.
"""

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import mute_logger


class TestApprovalRace(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
            self.ids = self._create_order_in_process(env)
        self.addCleanup(self._cleanup)

    def _create_order_in_process(self, env):
        tag = env["res.partner.category"].create({"name": "Race tag"})
        approvers, process = self._create_process(env, tag)
        expert = new_test_user(
            env, login="race_expert", groups="car_portal_orders.group_car_portal_expert"
        )
        dealer, product, order = self._create_order(env, tag, expert)
        order.action_submit()
        order.expert_opinion = "<p>ok</p>"
        order.with_user(expert).action_send_to_process()
        return {
            "order": order.id,
            "approvers": approvers.ids,
            "expert": expert.id,
            "stages": process.stage_ids.ids,
            "process": process.id,
            "dealer": dealer.id,
            "product": product.id,
            "tag": tag.id,
        }

    def _create_process(self, env, tag):
        """Two stages: both approvers on the first, the first on the second."""
        approvers = env["res.users"].concat(
            *(
                new_test_user(
                    env,
                    login=f"race_approver_{n}",
                    groups="car_portal_orders.group_car_portal_staff",
                )
                for n in (1, 2)
            )
        )
        stages = [("Race first", approvers), ("Race second", approvers[0])]
        process = env["car.portal.process"].create(
            {
                "name": "Race process",
                "partner_category_ids": [Command.set(tag.ids)],
                "stage_ids": [
                    Command.create(
                        {
                            "name": name,
                            "sequence": sequence,
                            "responsible_user_ids": [Command.set(users.ids)],
                        }
                    )
                    for sequence, (name, users) in enumerate(stages, start=1)
                ],
            }
        )
        return approvers, process

    def _create_order(self, env, tag, expert):
        dealer = env["res.partner"].create(
            {
                "name": "Race dealer",
                "is_company": True,
                "car_portal_is_dealer": True,
                "user_id": expert.id,
                "category_id": [Command.set(tag.ids)],
            }
        )
        product = env["product.product"].create(
            {"name": "Race part", "car_portal_orderable": True}
        )
        order = env["car.portal.order"].create(
            {
                "partner_id": dealer.id,
                "line_ids": [
                    Command.create({"product_id": product.id, "requested_qty": 1})
                ],
            }
        )
        return dealer, product, order

    def _cleanup(self):
        ids = self.ids
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'car.portal.order' "
                "AND res_id = %s",
                [ids["order"]],
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'car.portal.order' "
                "AND res_id = %s",
                [ids["order"]],
            )
            cr.execute(
                "DELETE FROM mail_followers WHERE res_model = 'car.portal.order' "
                "AND res_id = %s",
                [ids["order"]],
            )
            # Orders and their history are protected against deletion by design:
            # remove the test's own rows below the ORM.
            cr.execute(
                "DELETE FROM car_portal_order_history WHERE order_id = %s",
                [ids["order"]],
            )
            cr.execute("DELETE FROM car_portal_order WHERE id = %s", [ids["order"]])
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["car.portal.process"].browse(ids["process"]).unlink()
            env["product.product"].browse(ids["product"]).unlink()
            env["res.partner"].browse(ids["dealer"]).unlink()
            env["res.partner.category"].browse(ids["tag"]).unlink()
            users = env["res.users"].browse([*ids["approvers"], ids["expert"]])
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    def _order(self, cr, user_id, seen_stage):
        env = api.Environment(
            cr,
            user_id,
            {
                "lang": "en_US",
                "car_portal_seen_state": "process",
                "car_portal_seen_stage": seen_stage,
            },
        )
        return env["car.portal.order"].browse(self.ids["order"])

    def _approvals(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM car_portal_order_history "
                "WHERE order_id = %s AND action = 'approve'",
                [self.ids["order"]],
            )
            approvals = cr.fetchone()[0]
            cr.execute(
                "SELECT stage_id FROM car_portal_order WHERE id = %s",
                [self.ids["order"]],
            )
            return approvals, cr.fetchone()[0]

    @mute_logger("odoo.sql_db")
    def test_second_approver_waits_then_sees_the_order_moved_on(self):
        first, second = self.ids["approvers"]
        first_stage, second_stage = self.ids["stages"]
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            self._order(cr_a, first, first_stage).action_approve()
            # A holds the order (not committed yet): B is refused at once, and
            # Odoo retries B's request.
            with self.assertRaises(OperationalError):
                self._order(cr_b, second, first_stage).action_approve()
            cr_b.rollback()
            cr_a.commit()
            # The retry finds the order moved on: a clear message, no transition.
            with self.assertRaisesRegex(UserError, "has moved on"):
                self._order(cr_b, second, first_stage).action_approve()
            cr_b.rollback()
        self.assertEqual(self._approvals(), (1, second_stage))

    @mute_logger("odoo.sql_db")
    def test_stale_snapshot_cannot_approve_twice(self):
        first, second = self.ids["approvers"]
        first_stage, second_stage = self.ids["stages"]
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            # B's transaction starts (and reads) before A commits.
            self.assertEqual(
                self._order(cr_b, second, first_stage).stage_id.id, first_stage
            )
            self._order(cr_a, first, first_stage).action_approve()
            cr_a.commit()
            # Repeatable read: B cannot lock a row changed since its snapshot.
            with self.assertRaises(OperationalError):
                self._order(cr_b, second, first_stage).action_approve()
            cr_b.rollback()
        self.assertEqual(self._approvals(), (1, second_stage))
