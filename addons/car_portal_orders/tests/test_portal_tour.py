# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Browser tests of the dealer portal, in headless Chromium.

* a tour: a dealer creates a two-line order and submits it;
* screenshots of the list, order and new-order pages of a Persian (right to
  left) dealer, written to ``<repo>/.local/artifacts/`` at every run (or to
  ``$CAR_PORTAL_ARTIFACTS``).
"""

from odoo import Command
from odoo.tests import tagged

from .portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestPortalTour(CarPortalHttpCase):
    def test_tour_dealer_creates_and_submits_a_two_line_order(self):
        graphite = self.colour.value_ids.filtered(lambda v: v.name == "Graphite")
        pearl = self.colour.value_ids.filtered(lambda v: v.name == "Pearl")
        sedan = self.env["product.template"].create(
            {
                "name": "Tour Sedan",
                "car_portal_orderable": True,
                "car_portal_kind": "vehicle",
                "sale_ok": True,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": self.colour.id,
                            "value_ids": [Command.set((pearl | graphite).ids)],
                        }
                    )
                ],
            }
        )
        pad = self._product("Tour Brake Pad", "TP-100", self.categ_brakes, 12.0)
        term = self.env["car.portal.payment.term"].create(
            {"name": "Tour Credit 30", "kind": "credit", "days": 30}
        )
        before = self._dealer_orders()

        self.start_tour(
            "/my/car-orders/new", "car_portal_order_tour", login=self.portal_a.login
        )

        order = self._dealer_orders() - before
        self.assertEqual(len(order), 1, "one order, not two")
        self.assertEqual(order.state, "review")
        self.assertEqual(order.payment_term_id, term)
        self.assertEqual(order.dealer_note, "Tour order, deliver to the showroom")
        self.assertEqual(
            [
                (ln.product_id.product_tmpl_id, ln.color_value_id, ln.requested_qty)
                for ln in order.line_ids
            ],
            [
                (sedan, graphite, 2),
                (pad.product_tmpl_id, self.env["product.attribute.value"], 12),
            ],
        )

    def test_screenshots_persian_dealer(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        dealer = self._dealer("نمایندگی رشت", self.expert_1, self.region_north)
        user = self._portal_user("cp_dealer_fa", dealer)
        user.write({"lang": "fa_IR", "name": "مریم احمدی"})
        self.suv.name = "شاسی‌بلند آزمایشی"
        self.brake_pad.name = "لنت ترمز جلو"
        self.vehicle.name = "سدان آریا"
        orders = self.env["car.portal.order"]
        for lines, note in (
            ([(self.suv_graphite, 3), (self.brake_pad, 40)], "تحویل تا پایان ماه"),
            ([(self.vehicle, 2)], "برای نمایشگاه بهاره"),
            ([(self.brake_pad, 12)], ""),
        ):
            orders |= self._order(dealer=dealer, lines=lines, dealer_note=note)
        orders[:2].with_user(user).sudo().action_submit()
        reviewed = orders[0]
        reviewed.line_ids[0].with_user(self.expert_1).write(
            {"supplied_qty": 2, "expert_note": "یک دستگاه ماه بعد"}
        )
        reviewed.with_user(self.expert_1).write(
            {
                "expert_opinion": "<p>با توجه به سابقه خرید نماینده، "
                "تأمین پیشنهاد می‌شود.</p>"
            }
        )
        reviewed.with_user(self.expert_1).action_send_to_process()
        reviewed.message_post(
            body="لطفاً تاریخ تحویل را اعلام کنید.",
            author_id=user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

        pages = [
            ("/my/car-orders", "car_portal_list_fa.png", ".o_car_portal_order_row"),
            (
                reviewed.access_url,
                "car_portal_order_fa.png",
                ".o_car_portal_order_page",
            ),
            (
                "/my/car-orders/new",
                "car_portal_new_fa.png",
                ".o_car_portal_order_form.o_car_portal_ready",
            ),
        ]
        for url, name, ready in pages:
            with self.subTest(page=name):
                path = self._screenshot(user, url, name, ready)
                self.assertGreater(path.stat().st_size, 10_000)
                self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        # The pages are right to left.
        self.authenticate(user.login, user.login)
        self.assertIn("o_rtl", self.url_open("/my/car-orders").text)
