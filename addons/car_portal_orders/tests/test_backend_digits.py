# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from .common import CarPortalCase


@tagged("post_install", "-at_install")
class TestBackendPersianDigits(HttpCase, CarPortalCase):
    def test_expert_types_persian_digits(self):
        order = self._submitted_order(lines=[(self.vehicle, 5)])
        self.start_tour(
            f"/odoo/action-car_portal_orders.car_portal_order_action/{order.id}",
            "car_portal_backend_digits_tour",
            login="cp_expert_1",
        )
        self.assertEqual(order.line_ids.supplied_qty, 3.0)
