# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo test base: a Sepidar simulator on a free loopback port, a registered
backend with its reference data pulled, products matching the simulator's
default dataset, and a finance user.

Odoo 18 test classes block HTTP to any host but localhost; the simulator runs
in this process on 127.0.0.1, so the real client, headers and crypto are used.
"""

import shutil
import tempfile
from datetime import timedelta

from odoo import Command, fields

from odoo.addons.car_portal_orders.tests.common import CarPortalCase

from sepidar_simulator import SimulatorServer

from ..sepidar_client import SepidarClient

SERIAL = "10017ff3"
FINANCE = "car_portal_sepidar.group_sepidar_finance"
# Items of the simulator's built-in dataset (sepidar_simulator/dataset.py at the
# repository root).
PEUGEOT, SAMAND, OIL_FILTER, TIMING_BELT, OIL = 1, 2, 5, 7, 6
SAMAND_FEE, FILTER_FEE = 7_800_000_000, 2_400_000
WHITE, BLACK = 1, 2
VEHICLE_STOCK, PARTS_STOCK = 1, 2
DEFAULT_KNOBS = {
    "latency_ms": 0,
    "error_rate": 0,
    "timeout_rate": 0,
    "commit_then_drop_rate": 0,
    "token_expiry_every_n_calls": 0,
    "customers_down": False,
    "check_credit_ceiling": True,
    "quantity_endpoint": True,
}


class SepidarCase(CarPortalCase):
    # True: the simulator keeps its books in a folder and survives a restart.
    simulator_keeps_state = False
    # The simulator's dataset: None for its built-in one (items VH-0001...).
    simulator_dataset = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The jobs write in the company's language: English for these tests.
        cls.company.partner_id.lang = "en_US"
        cls.simulator_state_dir = None
        if cls.simulator_keeps_state:
            cls.simulator_state_dir = tempfile.mkdtemp(prefix="sepidar-state-")
            cls.addClassCleanup(shutil.rmtree, cls.simulator_state_dir, True)
        cls._start_simulator()
        # Tests do not depend on the demo backend of the company.
        cls.env["sepidar.backend"].with_context(active_test=False).search(
            [("company_id", "=", cls.company.id)]
        ).unlink()
        cls.backend = cls.env["sepidar.backend"].create(
            {
                "name": "Test Sepidar",
                "url": cls.simulator.url,
                "serial": SERIAL,
                "username": "shop",
                "password": "shop123",
                "timeout_read": 5,
                "retry_delay": 60,
                "retry_delay_max": 600,
            }
        )
        cls.backend.action_register_device()
        cls.backend._pull_reference_data()
        cls.sale_type = cls._sepidar("sepidar.sale.type", 1)
        cls.env["sepidar.payment.term.mapping"].create(
            {
                "backend_id": cls.backend.id,
                "payment_term_id": cls.payment_term.id,
                "sale_type_id": cls.sale_type.id,
            }
        )
        cls.finance = cls._user("cp_finance", FINANCE)
        cls.oil_filter = cls._product("Oil filter", "PT-0002", cls.categ_parts, 2e6)
        cls.timing_belt = cls._product("Timing belt", "PT-0004", cls.categ_parts, 9e6)
        cls.samand = cls._product("Samand", "VH-0002", cls.categ_vehicles, 7e9)
        cls.mystery = cls._product("Mystery part", "PT-9999", cls.categ_parts, 5e5)
        cls.peugeot_white, cls.peugeot_black = cls._colour_variants()
        # The hourly stock reading, for the products just made orderable.
        cls.env["sepidar.backend"]._cron_read_stock()

    @classmethod
    def _start_simulator(cls, port=0):
        cls.simulator = SimulatorServer(
            "127.0.0.1",
            port,
            seed=7,
            dataset=cls.simulator_dataset,
            state_dir=cls.simulator_state_dir,
        ).start()
        cls.addClassCleanup(cls.simulator.stop)

    @classmethod
    def _restart_simulator(cls):
        """Stop the simulator and start it again on its port and state folder."""
        port = cls.simulator.port
        cls.simulator.stop()
        cls._start_simulator(port)

    @classmethod
    def _sepidar(cls, model, sepidar_id):
        return cls.env[model].search(
            [("backend_id", "=", cls.backend.id), ("sepidar_id", "=", sepidar_id)]
        )

    @classmethod
    def _colour_variants(cls):
        """Peugeot 207 in white and black: variant codes extend the item code."""
        colour = cls.env["product.attribute"].create(
            {"name": "Colour", "display_type": "color", "create_variant": "always"}
        )
        white, black = cls.env["product.attribute.value"].create(
            [
                {"name": "سفید", "attribute_id": colour.id},
                {"name": "مشکی", "attribute_id": colour.id},
            ]
        )
        template = cls.env["product.template"].create(
            {
                "name": "Peugeot 207",
                "categ_id": cls.categ_vehicles.id,
                "list_price": 1.2e10,
                "car_portal_orderable": True,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": colour.id,
                            "value_ids": [Command.set([white.id, black.id])],
                        }
                    )
                ],
            }
        )
        variants = template.product_variant_ids
        by_value = {
            v.product_template_attribute_value_ids.product_attribute_value_id: v
            for v in variants
        }
        by_value[white].default_code = "VH-0001-WHI"
        by_value[black].default_code = "VH-0001-BLK"
        return by_value[white], by_value[black]

    def setUp(self):
        super().setUp()
        # Back to the seeded books; the device keeps its key and sessions.
        self.simulator.reset()
        self.simulator.configure(**DEFAULT_KNOBS)
        # A fresh token, so that call counts do not depend on earlier tests.
        self.backend.action_test_connection()
        self.simulator.reset()

    # Helpers ---------------------------------------------------------------

    def _approved(self, dealer=None, lines=None, **vals):
        """An order taken through submission, review and approval."""
        order = self._order(
            dealer=dealer,
            lines=lines or [(self.oil_filter, 10), (self.samand, 1)],
            **vals,
        )
        return self._approve(order)

    def _approve(self, orders, supplied=None):
        orders.action_submit()
        for order in orders:
            if supplied is not None:
                # Away from the suggestion (the stock is known): say why.
                order.line_ids.write(
                    {"supplied_qty": supplied, "expert_note": "As agreed."}
                )
            order.expert_opinion = "<p>Supply it.</p>"
        orders.action_send_to_process()
        for order in orders:
            for _step in range(10):  # the stages of an approval process, if any
                if order.state != "process":
                    break
                if hasattr(order, "action_approve"):
                    order.action_approve()
                else:
                    order._approve()
        self.assertEqual(set(orders.mapped("state")), {"approved"})
        return orders

    def _bind(self, dealer, customer_id=1):
        """Tell Odoo which Sepidar customer the dealer is, so no call finds it."""
        return self.env["sepidar.partner.binding"].create(
            {
                "backend_id": self.backend.id,
                "partner_id": dealer.id,
                "sepidar_customer_id": customer_id,
            }
        )

    def _activities(self, order):
        """The finance to-dos of a refused posting on ``order``."""
        return order.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("car_portal_sepidar.mail_activity_sepidar_error")
            )
        )

    def _export(self, order):
        return self.env["sepidar.export"].search([("order_id", "=", order.id)])

    def _run_cron(self):
        return self.env["sepidar.export"]._cron_post_exports()

    def _make_due(self, exports):
        exports.write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})

    def _sim_state(self):
        return self.simulator.state

    def _client(self):
        client = self.backend._get_client()
        self.addCleanup(client.close)
        return client

    def _sepidar_client(self):
        """A client of its own (own token), to look at what Sepidar holds."""
        client = SepidarClient(
            self.simulator.url,
            serial=SERIAL,
            username="shop",
            password="shop123",
            public_key=self.backend.sudo().public_key_xml,
        )
        self.addCleanup(client.close)
        return client
