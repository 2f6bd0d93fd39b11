# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who sees and acts on which order: two dealers, token links, public users,
users who are not dealers, CSRF."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestPortalAccess(CarPortalHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.draft_a = cls._order(dealer=cls.dealer_a, dealer_note="A's secret note")
        cls.order_a = cls._submitted_order(dealer=cls.dealer_a)
        cls.draft_b = cls._order(dealer=cls.dealer_b)
        cls.order_b = cls._submitted_order(dealer=cls.dealer_b)

    def _snapshot(self, order):
        order.invalidate_recordset()
        return (
            order.state,
            order.dealer_note,
            [(ln.product_id.id, ln.requested_qty) for ln in order.line_ids],
        )

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_other_dealers_orders_are_out_of_reach(self):
        self._login(self.portal_b)
        for order in (self.draft_a, self.order_a):
            before = self._snapshot(order)
            for url in (
                order.access_url,
                f"{order.access_url}?report_type=html",
                f"{order.access_url}?report_type=pdf",
                f"{order.access_url}/edit",
            ):
                with self.subTest(url=url):
                    response = self._get(url)
                    self.assertEqual(response.status_code, 403)
                    self.assertNotIn(order.name, response.text)
                    self.assertNotIn("secret note", response.text)
            for action in ("submit", "cancel", "reorder", "edit"):
                with self.subTest(action=action):
                    response = self._post(
                        f"{order.access_url}/{action}",
                        self._form([self._line(self.vehicle, "9")]),
                    )
                    self.assertEqual(response.status_code, 403)
            self.assertEqual(self._snapshot(order), before)
        self.assertEqual(
            self.env["car.portal.order"].search_count(
                [("partner_id", "=", self.dealer_b.id)]
            ),
            2,
        )
        # Not in B's list, nor in its search or counters.
        html = self._get(f"/my/car-orders?search={self.order_a.name}").text
        self.assertNotIn(f'data-order-id="{self.order_a.id}"', html)
        self.assertIn("No order matches your search.", html)
        html = self._get("/my/car-orders").text
        self.assertIn(self.order_b.name, html)
        self.assertNotIn(self.order_a.name, html)

    def test_unknown_order_is_not_found(self):
        self._login(self.portal_a)
        missing = self.env["car.portal.order"].search([], order="id desc", limit=1).id
        for url in (
            f"/my/car-orders/{missing + 1000}",
            f"/my/car-orders/{missing + 1000}/edit",
        ):
            with self.subTest(url=url):
                self.assertEqual(self._get(url).status_code, 404)
        response = self._post(f"/my/car-orders/{missing + 1000}/submit")
        self.assertEqual(response.status_code, 404)

    def test_colleague_of_the_same_dealer(self):
        colleague = self._portal_user("cp_dealer_a_2", self.dealer_a)
        self._login(colleague)
        self.assertEqual(self._get(self.order_a.access_url).status_code, 200)
        self._post(f"{self.draft_a.access_url}/submit")
        self.assertEqual(self.draft_a.state, "review")

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_shared_link_with_access_token(self):
        token = self.order_a._portal_ensure_token()
        self.authenticate(None, None)
        # No token or a wrong one: to the login page, no data.
        for url in (
            self.order_a.access_url,
            f"{self.order_a.access_url}?access_token=wrong",
            f"{self.order_a.access_url}?report_type=html",
        ):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertEqual(response.status_code, 303)
                self.assertIn("/web/login", response.headers["Location"])
        # The right token opens the page and the printable summary.
        response = self._get(f"{self.order_a.access_url}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.order_a.name, response.text)
        self.assertNotIn("o_car_portal_cancel", response.text)
        self.assertNotIn("o_car_portal_reorder", response.text)
        self.assertIn(f'data-token="{token}"', response.text)
        response = self._get(
            f"{self.order_a.access_url}?access_token={token}&report_type=html"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.order_a.name, response.text)
        # A token opens the order, it does not let anyone act on it.
        response = self._post(f"{self.order_a.access_url}/cancel?access_token={token}")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.assertEqual(self.order_a.state, "review")
        # The other dealer with the link may read, not act.
        self._login(self.portal_b)
        response = self._get(f"{self.order_a.access_url}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_car_portal_cancel", response.text)
        self.assertEqual(
            self._post(f"{self.order_a.access_url}/cancel").status_code, 403
        )

    def test_public_user_is_sent_to_login(self):
        self.authenticate(None, None)
        for url in ("/my/car-orders", "/my/car-orders/new"):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertEqual(response.status_code, 303)
                self.assertIn("/web/login", response.headers["Location"])

    def test_users_who_are_not_dealers(self):
        for user in (self.non_dealer, self.expert_1):
            with self.subTest(user=user.login):
                self._login(user)
                self.assertEqual(self._get("/my/car-orders/new").status_code, 403)
                response = self._post(
                    "/my/car-orders/new",
                    self._form([self._line(self.vehicle, "1")], token=user.login),
                )
                self.assertEqual(response.status_code, 403)
                self.assertEqual(
                    self._post(f"{self.draft_a.access_url}/submit").status_code, 403
                )
        self.assertEqual(self.draft_a.state, "draft")
        self._login(self.non_dealer)
        html = self._get("/my/car-orders").text
        self.assertNotIn(self.order_a.name, html)
        self.assertNotIn('href="/my/car-orders/new"', html)

    @mute_logger("odoo.http")
    def test_forms_are_csrf_protected(self):
        self._login(self.portal_a)
        before = self._dealer_orders()
        cases = [
            ("/my/car-orders/new", self._form([self._line(self.vehicle, "1")])),
            (f"{self.draft_a.access_url}/edit", self._form([])),
            (f"{self.draft_a.access_url}/submit", {}),
            (f"{self.order_a.access_url}/cancel", {}),
            (f"{self.order_a.access_url}/reorder", {}),
        ]
        for url, data in cases:
            for token in (None, "forged"):
                with self.subTest(url=url, token=token):
                    if token:
                        data = dict(data, csrf_token=token)
                    response = self._post(url, data, csrf=False)
                    self.assertEqual(response.status_code, 400)
        self.assertEqual(self._dealer_orders(), before)
        self.assertEqual(self.draft_a.state, "draft")
        self.assertEqual(len(self.draft_a.line_ids), 2)
        self.assertEqual(self.order_a.state, "review")
