# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sepidar's stock, read by a scheduled action into the stock levels, and the
stock check stage judging on them (the available to promise: one definition)."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError

from .common import SepidarCase


class StockCase(SepidarCase):
    # Simulator default dataset: 5 of each vehicle (per colour) in stock 1,
    # 120 of each part in stock 2.

    def _level(self, product):
        return self.env["car.portal.stock.level"].search(
            [("product_id", "=", product.id), ("company_id", "=", self.company.id)]
        )

    def _paths(self):
        return [entry["path"].lower() for entry in self.simulator.request_log()]

    def _read_stock(self):
        self.simulator.clear_request_log()
        self.env["sepidar.backend"]._cron_read_stock()

    def _reviewed(self, lines):
        order = self._order(lines=lines)
        order.action_submit()
        return order

    def _samand_in_sepidar(self, quantity):
        ledger = self.simulator.backend.ledger
        [row] = [row for row in ledger.inventories if row["ItemRef"] == 2]
        row["Quantity"] = quantity


class TestStockReading(StockCase):
    def test_each_item_is_read_where_the_server_has_the_quantity_endpoint(self):
        self._read_stock()
        paths = self._paths()
        self.assertTrue(paths)
        self.assertTrue(
            all(p.startswith("/api/items/inventories/quantity/") for p in paths),
            paths,
        )
        self.assertIn("/api/items/inventories/quantity/2", paths)  # Samand
        self.assertNotIn("/api/items/inventories/quantity/8", paths)  # a service
        self.assertEqual(self._level(self.samand).source, "sepidar_per_item")
        self.assertEqual(self._level(self.samand).quantity, 5)
        self.assertEqual(self._level(self.oil_filter).quantity, 120)
        self.assertEqual(self._level(self.peugeot_white).quantity, 5)
        self.assertFalse(self._level(self.mystery))  # not in Sepidar

    def test_a_server_without_it_is_read_from_the_inventory_list(self):
        self.simulator.configure(quantity_endpoint=False)
        self._samand_in_sepidar(2)
        self._read_stock()
        paths = self._paths()
        self.assertEqual(len(paths), 2, paths)  # the route tried once, then the list
        self.assertTrue(paths[0].startswith("/api/items/inventories/quantity/"))
        self.assertEqual(paths[1].rstrip("/"), "/api/items/inventories")
        self.assertEqual(self._level(self.samand).source, "sepidar_list")
        self.assertEqual(self._level(self.samand).quantity, 2)

    def test_the_backend_may_ask_for_the_inventory_list(self):
        """A large catalogue on a slow link: one call, the list's quantity."""
        self.backend.stock_reading = "list"
        self._samand_in_sepidar(3)
        self._read_stock()
        self.assertEqual(
            [p.rstrip("/") for p in self._paths()], ["/api/items/inventories"]
        )
        self.assertEqual(self._level(self.samand).source, "sepidar_list")
        self.assertEqual(self._level(self.samand).quantity, 3)

    def test_the_level_is_what_sepidar_can_sell(self):
        """An invoiced order leaves the promised quantities as its goods leave
        what Sepidar can sell: the available to promise does not jump when
        Sepidar invoices an order and the stock is read again."""
        self.backend.document_type = "invoice"
        self.backend.default_stock_id = self._sepidar("sepidar.stock", 1)
        order = self._approved(lines=[(self.samand, 2)])
        atp = self.samand._car_portal_atp(self.company)[self.samand.id][0]
        self.assertEqual(atp, 3)  # 5 read, 2 promised
        self._make_due(self._export(order))
        self._run_cron()
        self.assertTrue(self._export(order).invoiced_at)
        self._read_stock()
        self.assertEqual(self._level(self.samand).quantity, 3)  # 2 sold
        self.assertEqual(
            self.samand._car_portal_atp(self.company)[self.samand.id][0], 3
        )

    def test_the_chosen_stocks_are_added_up(self):
        ledger = self.simulator.backend.ledger
        ledger.inventories.append(
            {"ItemRef": 2, "StockRef": 2, "TracingRef": None, "Quantity": 3}
        )
        self._read_stock()
        self.assertEqual(self._level(self.samand).quantity, 5)  # its usual stock
        self.backend.atp_stock_ids = self._sepidar("sepidar.stock", 1) | self._sepidar(
            "sepidar.stock", 2
        )
        self._read_stock()
        self.assertEqual(self._level(self.samand).quantity, 8)
        self.assertEqual(self._level(self.oil_filter).quantity, 120)

    def test_sepidar_down_keeps_the_last_reading_and_says_so(self):
        level = self._level(self.samand)
        read_at = level.read_at
        self.simulator.configure(error_rate=1.0)
        self._read_stock()
        self.assertEqual((level.quantity, level.read_at), (5, read_at))
        self.assertTrue(self.backend.last_error)


class TestStockShortfall(StockCase):
    def test_enough_stock_means_no_shortfall_and_no_call(self):
        order = self._reviewed([(self.samand, 5), (self.oil_filter, 100)])
        self.simulator.clear_request_log()
        self.assertEqual(order._stock_shortfall(), [])
        self.assertEqual(self._paths(), [])  # judged on the last reading

    def test_lines_beyond_stock_are_reported_with_what_is_left(self):
        order = self._reviewed(
            [
                (self.samand, 3),
                (self.samand, 3),  # same product: only 2 left for this line
                (self.oil_filter, 121),
                (self.peugeot_white, 5),
            ]
        )
        shortfall = {
            (line.product_id, line.supplied_qty): available
            for line, available in order._stock_shortfall()
        }
        self.assertEqual(
            shortfall, {(self.samand, 3): 2.0, (self.oil_filter, 121): 120.0}
        )

    def test_a_product_whose_stock_was_never_read_is_not_passed(self):
        order = self._reviewed([(self.samand, 1), (self.mystery, 1)])
        with self.assertRaisesRegex(UserError, "Mystery part.*never read"):
            order._stock_shortfall()

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
        # is Sepidar's stock again.
        order_class = type(self.env["car.portal.order"])
        with patch.object(
            order_class, "_car_portal_promised_domain", lambda self: [("id", "=", 0)]
        ):
            self.assertEqual(order._stock_shortfall(), [])

    def test_colour_stock_is_read_per_tracing(self):
        self.simulator.backend.ledger.inventories[0]["Quantity"] = 1  # white 207
        self._read_stock()
        order = self._reviewed([(self.peugeot_white, 2), (self.peugeot_black, 2)])
        [(line, available)] = order._stock_shortfall()
        self.assertEqual((line.product_id, available), (self.peugeot_white, 1.0))

    def test_a_reading_older_than_the_company_allows_is_not_passed(self):
        order = self._reviewed([(self.samand, 1)])
        self._level(self.samand).read_at = fields.Datetime.now() - timedelta(hours=5)
        self.assertEqual(self.company.car_portal_stock_max_age, 4)
        with self.assertRaisesRegex(UserError, "last read 5 hours ago"):
            order._stock_shortfall()
        self.company.car_portal_stock_max_age = 0  # any reading
        self.assertEqual(order._stock_shortfall(), [])


class TestStockCheckStage(StockCase):
    """The approval process's stock-check stage judges on the stock levels,
    and a new reading checks the waiting orders again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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

    def test_stage_waits_when_the_stock_lacks(self):
        order = self._through_review([(self.samand, 8)])
        self.assertEqual(order.state, "process")
        self.assertIn("Samand", order.stock_shortfall)
        self.assertEqual(order.current_reviewer_ids, self.manager)
        self.assertFalse(self._export(order))

    def test_stage_passes_when_the_stock_covers(self):
        self.simulator.clear_request_log()
        order = self._through_review([(self.samand, 3)])
        self.assertEqual(order.state, "approved")
        self.assertEqual(self._export(order).state, "pending")
        self.assertEqual(self._paths(), [])  # nobody waited on Sepidar

    def test_a_new_reading_moves_the_waiting_orders_on(self):
        order = self._through_review([(self.samand, 8)])
        waiting = self._through_review([(self.oil_filter, 500)])
        notes = len(order.message_ids)
        self._read_stock()  # nothing changed: no new message
        self.assertEqual(order.state, "process")
        self.assertEqual(len(order.message_ids), notes)
        self._samand_in_sepidar(9)
        self._read_stock()
        self.assertEqual(order.state, "approved")
        self.assertFalse(order.activity_ids)
        self.assertIn("auto_pass", order.history_ids.mapped("action"))
        self.assertEqual(self._export(order).state, "pending")
        self.assertEqual(waiting.state, "process")  # still short

    def test_a_stale_reading_makes_the_order_wait_for_the_next(self):
        self._level(self.samand).read_at = fields.Datetime.now() - timedelta(days=1)
        order = self._through_review([(self.samand, 1)])
        self.assertEqual(order.state, "process")
        self.assertIn("checked again at the next reading", order.stock_shortfall)
        self._read_stock()
        self.assertEqual(order.state, "approved")

    def test_without_sepidar_the_stock_is_not_passed(self):
        """No reading of a product, no pass: the responsibles decide."""
        order = self._through_review([(self.mystery, 1)])
        self.assertEqual(order.state, "process")
        self.assertIn("never read", order.stock_shortfall)
        order.action_approve()  # the responsible supplies anyway
        self.assertEqual(order.state, "approved")
