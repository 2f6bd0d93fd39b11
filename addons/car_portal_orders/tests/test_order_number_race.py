# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A double click on Submit: two requests with the same form at the same
moment make one order and use one number.

Real concurrent transactions (committed data, two cursors and a thread), so the
test cleans up after itself.
"""

import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger


class TestDoubleSubmitNumber(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
            dealer = env["res.partner"].create(
                {"name": "Double click dealer", "is_company": True}
            )
            dealer.car_portal_is_dealer = True
            contact = env["res.partner"].create(
                {"name": "Double click contact", "parent_id": dealer.id}
            )
            product = env["product.product"].create(
                {"name": "Double click part", "car_portal_orderable": True}
            )
            self.ids = {
                "dealer": dealer.id,
                "contact": contact.id,
                "product": product.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM car_portal_order WHERE partner_id = %s",
                [self.ids["dealer"]],
            )
            order_ids = [row[0] for row in cr.fetchall()] or [0]
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'car.portal.order' "
                "AND res_id IN %s",
                [tuple(order_ids)],
            )
            cr.execute(
                "DELETE FROM mail_followers WHERE res_model = 'car.portal.order' "
                "AND res_id IN %s",
                [tuple(order_ids)],
            )
            cr.execute(
                "DELETE FROM car_portal_order_line WHERE order_id IN %s",
                [tuple(order_ids)],
            )
            cr.execute(
                "DELETE FROM car_portal_order WHERE id IN %s", [tuple(order_ids)]
            )
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(
                [self.ids["contact"], self.ids["dealer"]]
            ).unlink()

    def _create_draft(self, cr, token):
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        Order = env["car.portal.order"]
        contact = env["res.partner"].browse(self.ids["contact"])
        product = env["product.product"].browse(self.ids["product"])
        vals = {"payment_term_id": False, "dealer_note": False, "lines": [(product, 1)]}
        order, created = Order._portal_create_draft(
            contact, env.company, vals, form_token=token
        )
        return order.name if order else None, created

    @mute_logger("odoo.sql_db")
    def test_same_form_twice_uses_one_number(self):
        second = {}
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            first_name, first_created = self._create_draft(cr_a, "double-click")
            self.assertTrue(first_created)

            def second_click():
                # Blocks on the form token's unique index until A commits.
                second["result"] = self._create_draft(cr_b, "double-click")

            thread = threading.Thread(target=second_click)
            thread.start()
            time.sleep(0.5)
            self.assertTrue(thread.is_alive(), "the second click should wait")
            cr_a.commit()
            thread.join(30)
            self.assertEqual(second["result"], (None, False))
            cr_b.rollback()
        with self.registry.cursor() as cr_c:
            next_name, _created = self._create_draft(cr_c, "another-form")
            cr_c.commit()
        prefix, number = first_name.rsplit("/", 1)
        self.assertEqual(next_name, f"{prefix}/{int(number) + 1:0{len(number)}d}")
