# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stock-check hook reads Sepidar's inventory."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError

from .common import SepidarCase


class TestStockShortfall(SepidarCase):
    # Simulator default dataset: 5 of each vehicle (per colour), 120 of each part.

    def _reviewed(self, lines):
        order = self._order(lines=lines)
        order.action_submit()
        return order

    def test_enough_stock_means_no_shortfall(self):
        order = self._reviewed([(self.samand, 5), (self.oil_filter, 100)])
        self.assertEqual(order._stock_shortfall(), [])
        self.assertEqual(self._sim_state()["requests"], 1)  # one inventory read
        item = self._sepidar("sepidar.item", 2)
        self.assertEqual(item.inventory_qty, 5)

    def test_lines_beyond_stock_are_reported_with_what_is_left(self):
        order = self._reviewed(
            [
                (self.samand, 3),
                (self.samand, 3),  # same item: only 2 left for this line
                (self.oil_filter, 121),
                (self.peugeot_white, 5),
                (self.mystery, 1),
            ]
        )
        shortfall = {
            (line.product_id, line.supplied_qty): available
            for line, available in order._stock_shortfall()
        }
        self.assertEqual(
            shortfall,
            {
                (self.samand, 3): 2.0,
                (self.oil_filter, 121): 120.0,
                (self.mystery, 1): 0.0,
            },
        )

    def test_stock_another_order_holds_is_not_available(self):
        """The same available to promise as the suggestions: an order does
        not pass on stock that orders in the process or approved hold."""
        holder = self._reviewed([(self.samand, 4)])
        holder._set_state("process")
        refused = self._reviewed([(self.samand, 5)])
        refused._set_state("rejected")
        order = self._reviewed([(self.samand, 3)])
        [(line, available)] = order._stock_shortfall()
        self.assertEqual((line.product_id, available), (self.samand, 1.0))
        holder._set_state("approved")
        self.assertEqual(order._stock_shortfall()[0][1], 1.0)
        # Once the approved order no longer holds stock (invoiced, say), it
        # is Sepidar's inventory again.
        order_class = type(self.env["car.portal.order"])
        with patch.object(
            order_class, "_car_portal_promised_domain", lambda self: [("id", "=", 0)]
        ):
            self.assertEqual(order._stock_shortfall(), [])

    def test_colour_stock_is_read_per_tracing(self):
        self.simulator.backend.ledger.inventories[0]["Quantity"] = 1  # white 207
        order = self._reviewed([(self.peugeot_white, 2), (self.peugeot_black, 2)])
        [(line, available)] = order._stock_shortfall()
        self.assertEqual((line.product_id, available), (self.peugeot_white, 1.0))

    def test_unreachable_sepidar_is_an_error_not_a_pass(self):
        order = self._reviewed([(self.samand, 1)])
        self.simulator.configure(error_rate=1.0)
        with self.assertRaisesRegex(UserError, "Could not read the stock"):
            order._stock_shortfall()

    def test_without_a_registered_backend_the_stock_is_not_passed(self):
        order = self._reviewed([(self.samand, 50)])
        self.backend.action_reset_registration()
        with self.assertRaisesRegex(UserError, "not registered"):
            order._stock_shortfall()
        self.assertEqual(self._sim_state()["requests"], 0)

    def test_without_a_backend_the_stock_is_not_passed(self):
        order = self._reviewed([(self.samand, 50)])
        self.backend.active = False
        with self.assertRaisesRegex(UserError, "no Sepidar connection"):
            order._stock_shortfall()


class TestStockCheckStage(SepidarCase):
    """The approval process's stock-check stage asks Sepidar through the hook."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "car.portal.process" not in cls.env:
            return
        cls.env["car.portal.process"].create(
            {
                "name": "Stock first",
                "company_id": cls.company.id,
                "is_default": True,
                "sequence": 1,
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Stock check",
                            "kind": "stock_check",
                            "responsible_user_ids": [Command.set(cls.manager.ids)],
                        }
                    )
                ],
            }
        )

    def _through_review(self, lines):
        order = self._order(lines=lines)
        order.action_submit()
        order.expert_opinion = "<p>Supply it.</p>"
        order.action_send_to_process()
        return order

    def test_stage_waits_when_sepidar_lacks_stock(self):
        order = self._through_review([(self.samand, 8)])
        self.assertEqual(order.state, "process")
        self.assertIn("Samand", order.stock_shortfall)
        self.assertFalse(self._export(order))

    def test_stage_passes_when_sepidar_has_stock(self):
        order = self._through_review([(self.samand, 3)])
        self.assertEqual(order.state, "approved")
        self.assertEqual(self._export(order).state, "pending")

    def test_stage_waits_while_the_device_is_not_registered(self):
        self.backend.action_reset_registration()
        order = self._through_review([(self.samand, 1)])
        self.assertEqual(order.state, "process")
        self.assertEqual(order.stage_id.kind, "stock_check")
        self.assertIn("not registered", order.stock_shortfall)
        self.assertEqual(order.current_reviewer_ids, self.manager)
        self.assertFalse(self._export(order))
