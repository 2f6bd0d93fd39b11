# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The access matrix: role x action x owner, over the portal routes, the
backend methods and JSON-RPC, each case with the outcome it must have.

Roles: dealer A and dealer B (portal users of two dealers), the expert of A's
orders, a substitute covering that expert's leave today, an order manager, an
administrator (car orders administrator and Odoo settings) and the public
(not logged in). Owners: orders of dealer A (a draft, one in expert review, one
in the approval process) and of dealer B (in review).

Every case runs in a savepoint rolled back afterwards, so each starts from the
same orders. A refused case must leave the orders as they were; an allowed one
must have its effect. Outcomes: ``allowed``, ``403``, ``404``, ``login``
(redirect to the login page, or "session expired" for JSON routes),
``AccessError`` and ``UserError`` (raised by the model, or shown to the dealer
instead of the action).
"""

from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException, get_db_name
from odoo.tools import mute_logger

from .portal_common import CarPortalHttpCase

ALLOWED = "allowed"
FORBIDDEN = "403"
NOT_FOUND = "404"
LOGIN = "login"
ACCESS_ERROR = "AccessError"
USER_ERROR = "UserError"

# (role, channel, action, order, expected outcome). Channels: "portal" (HTTP
# pages and forms of the dealer portal), "orm" (backend methods, as the user),
# "rpc" (JSON-RPC /web/dataset/call_kw, the web client's door) and "api"
# (JSON-RPC /jsonrpc, the external API with login and password).
CASES = [
    # Portal: the order page, the printable summary, the share link
    ("dealer_a", "portal", "view", "review_a", ALLOWED),
    ("dealer_b", "portal", "view", "review_a", FORBIDDEN),
    ("public", "portal", "view", "review_a", LOGIN),
    ("public", "portal", "view_token", "review_a", ALLOWED),
    ("dealer_b", "portal", "view_token", "review_a", ALLOWED),
    ("dealer_a", "portal", "view", "missing", NOT_FOUND),
    ("expert", "portal", "view", "review_a", ALLOWED),
    ("substitute", "portal", "view", "review_a", ALLOWED),
    ("substitute", "portal", "view", "review_b", FORBIDDEN),
    ("dealer_a", "portal", "print", "review_a", ALLOWED),
    ("dealer_b", "portal", "print", "review_a", FORBIDDEN),
    ("public", "portal", "print", "review_a", LOGIN),
    # Portal: the list and the order form
    ("dealer_b", "portal", "list", None, ALLOWED),
    ("public", "portal", "list", None, LOGIN),
    ("dealer_a", "portal", "new_form", None, ALLOWED),
    ("expert", "portal", "new_form", None, FORBIDDEN),
    ("public", "portal", "new_form", None, LOGIN),
    ("dealer_a", "portal", "create", None, ALLOWED),
    ("admin", "portal", "create", None, FORBIDDEN),
    ("manager", "portal", "create", None, FORBIDDEN),
    ("dealer_a", "portal", "edit_form", "draft_a", ALLOWED),
    ("dealer_b", "portal", "edit_form", "draft_a", FORBIDDEN),
    ("dealer_b", "portal", "edit", "draft_a", FORBIDDEN),
    ("dealer_a", "portal", "products", None, ALLOWED),
    ("public", "portal", "products", None, LOGIN),
    # Portal: the dealer's actions
    ("dealer_a", "portal", "submit", "draft_a", ALLOWED),
    ("dealer_b", "portal", "submit", "draft_a", FORBIDDEN),
    ("public", "portal", "submit", "draft_a", LOGIN),
    ("expert", "portal", "submit", "draft_a", FORBIDDEN),
    ("manager", "portal", "submit", "draft_a", FORBIDDEN),
    ("admin", "portal", "submit", "draft_a", FORBIDDEN),
    ("dealer_a", "portal", "cancel", "review_a", ALLOWED),
    ("dealer_a", "portal", "cancel", "process_a", USER_ERROR),
    ("dealer_b", "portal", "cancel", "review_a", FORBIDDEN),
    ("manager", "portal", "cancel", "review_a", FORBIDDEN),
    ("public", "portal", "cancel", "review_a", LOGIN),
    ("dealer_a", "portal", "reorder", "review_a", ALLOWED),
    ("dealer_b", "portal", "reorder", "review_a", FORBIDDEN),
    # Portal: the chatter with the expert (Odoo's /mail/message/post)
    ("dealer_a", "portal", "chatter", "review_a", ALLOWED),
    ("dealer_b", "portal", "chatter", "review_a", NOT_FOUND),
    ("public", "portal", "chatter", "review_a", NOT_FOUND),
    # Standard Odoo portal: the share link's holder may write, as the dealer.
    ("public", "portal", "chatter_token", "review_a", ALLOWED),
    # Backend methods
    ("dealer_a", "orm", "read", "review_a", ALLOWED),
    ("dealer_b", "orm", "read", "review_a", ACCESS_ERROR),
    ("dealer_a", "orm", "write_note", "draft_a", ACCESS_ERROR),
    ("dealer_a", "orm", "submit", "draft_a", ACCESS_ERROR),
    ("dealer_a", "orm", "history", "review_a", ACCESS_ERROR),
    ("expert", "orm", "review_line", "review_a", ALLOWED),
    ("expert", "orm", "review_line", "review_b", ACCESS_ERROR),
    ("expert", "orm", "send_to_process", "review_a", ALLOWED),
    ("expert", "orm", "reject", "review_a", ALLOWED),
    ("expert", "orm", "reject", "review_b", ACCESS_ERROR),
    ("expert", "orm", "approve", "process_a", ACCESS_ERROR),
    # Cancelling is for managers (the portal cancels for the dealer, sudo).
    ("expert", "orm", "cancel", "process_a", ACCESS_ERROR),
    ("expert", "orm", "reassign", "review_a", ACCESS_ERROR),
    ("expert", "orm", "unlink", "draft_a", ACCESS_ERROR),
    ("substitute", "orm", "read", "review_a", ALLOWED),
    ("substitute", "orm", "read", "review_b", ACCESS_ERROR),
    ("substitute", "orm", "review_line", "review_a", ALLOWED),
    ("substitute", "orm", "send_to_process", "review_a", ALLOWED),
    ("substitute", "orm", "approve", "process_a", ACCESS_ERROR),
    ("manager", "orm", "approve", "process_a", ALLOWED),
    ("manager", "orm", "cancel", "process_a", ALLOWED),
    ("manager", "orm", "reassign", "review_a", ALLOWED),
    ("manager", "orm", "unlink", "draft_a", ALLOWED),
    ("manager", "orm", "unlink", "review_a", USER_ERROR),
    ("admin", "orm", "approve", "process_a", ALLOWED),
    ("admin", "orm", "write_state", "review_a", USER_ERROR),
    ("admin", "orm", "write_qty", "review_a", USER_ERROR),
    ("admin", "orm", "write_dealer", "review_a", USER_ERROR),
    ("admin", "orm", "unlink", "review_a", USER_ERROR),
    # JSON-RPC: the web client's call_kw
    ("dealer_a", "rpc", "read", "review_a", ALLOWED),
    ("dealer_b", "rpc", "read", "review_a", ACCESS_ERROR),
    ("public", "rpc", "read", "review_a", LOGIN),
    ("dealer_a", "rpc", "write_note", "draft_a", ACCESS_ERROR),
    ("dealer_a", "rpc", "create", None, ACCESS_ERROR),
    ("dealer_a", "rpc", "submit", "draft_a", ACCESS_ERROR),
    ("dealer_a", "rpc", "portal_submit", "draft_a", ACCESS_ERROR),
    ("dealer_a", "rpc", "cancel", "review_a", ACCESS_ERROR),
    ("dealer_a", "rpc", "approve", "process_a", ACCESS_ERROR),
    ("dealer_a", "rpc", "history", "review_a", ACCESS_ERROR),
    ("dealer_a", "rpc", "message_post", "review_a", ACCESS_ERROR),
    ("dealer_b", "rpc", "message_post", "review_a", ACCESS_ERROR),
    ("expert", "rpc", "approve", "process_a", ACCESS_ERROR),
    ("expert", "rpc", "write_state", "review_a", USER_ERROR),
    ("expert", "rpc", "reassign", "review_a", ACCESS_ERROR),
    ("substitute", "rpc", "send_to_process", "review_a", ALLOWED),
    ("manager", "rpc", "approve", "process_a", ALLOWED),
    ("admin", "rpc", "unlink", "review_a", USER_ERROR),
    ("admin", "rpc", "write_qty", "review_a", USER_ERROR),
    # JSON-RPC: the external API
    ("dealer_a", "api", "read", "review_a", ALLOWED),
    ("dealer_b", "api", "read", "review_a", ACCESS_ERROR),
    ("dealer_a", "api", "write_note", "draft_a", ACCESS_ERROR),
]

_RPC_ERRORS = {
    "odoo.exceptions.AccessError": ACCESS_ERROR,
    "odoo.exceptions.UserError": USER_ERROR,
    "odoo.exceptions.ValidationError": USER_ERROR,
    "odoo.http.SessionExpiredException": LOGIN,
    "werkzeug.exceptions.NotFound": NOT_FOUND,
}


@tagged("post_install", "-at_install")
class TestAccessMatrix(CarPortalHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.draft_a = cls._order(dealer=cls.dealer_a)
        cls.review_a = cls._submitted_order(dealer=cls.dealer_a)  # expert 1
        cls.process_a = cls._submitted_order(dealer=cls.dealer_a)
        cls.process_a.expert_opinion = "<p>Fine</p>"
        cls.process_a.with_user(cls.expert_1).action_send_to_process()
        cls.review_b = cls._submitted_order(dealer=cls.dealer_b)  # expert 2
        # Expert 1 is on leave from today, expert 3 covers: after the orders
        # above were referred to expert 1.
        cls.env["car.portal.expert.leave"].create(
            {
                "user_id": cls.expert_1.id,
                "substitute_id": cls.expert_3.id,
                "date_from": date.today(),
                "date_to": date.today() + timedelta(days=2),
            }
        )
        cls.users = {
            "dealer_a": cls.portal_a,
            "dealer_b": cls.portal_b,
            "expert": cls.expert_1,
            "substitute": cls.expert_3,
            "manager": cls.manager,
            "admin": cls.admin,
            "public": None,
        }

    def test_the_matrix_is_large_and_explicit(self):
        self.assertGreaterEqual(len(CASES), 40)
        self.assertEqual(len(set(CASES)), len(CASES), "a case is listed twice")
        self.assertEqual({case[0] for case in CASES}, set(self.users))
        self.assertEqual({case[1] for case in CASES}, {"portal", "orm", "rpc", "api"})
        # The fixtures are what the cases assume.
        self.assertEqual(self.review_a.state, "review")
        self.assertEqual(self.review_a.user_id, self.expert_1)
        self.assertEqual(self.review_b.user_id, self.expert_2)
        self.assertEqual(self.process_a.state, "process")
        self.assertIn(self.manager, self.process_a.current_reviewer_ids)
        self.assertIn(self.admin, self.process_a.current_reviewer_ids)
        self.assertNotIn(self.expert_1, self.process_a.current_reviewer_ids)

    @mute_logger(
        "odoo.http",
        "odoo.addons.base.models.ir_rule",
        "odoo.addons.base.models.ir_model",
        "odoo.models",
    )
    def test_access_matrix(self):
        for role, channel, action, target, expected in CASES:
            with self.subTest(role=role, channel=channel, action=action, order=target):
                savepoint = self.env.cr.savepoint()
                try:
                    self._run_case(role, channel, action, target, expected)
                finally:
                    savepoint.close(rollback=True)
                    self.env.invalidate_all()

    # One case -------------------------------------------------------------------

    def _run_case(self, role, channel, action, target, expected):
        user = self.users[role]
        order = self._target(target)
        before = self._snapshot(order)
        if channel in ("portal", "rpc"):
            if user:
                self._login(user)
            else:
                self.authenticate(None, None)
        outcome = getattr(self, f"_{channel}_{action}")(user, order)
        self.assertEqual(outcome, expected)
        after = self._snapshot(order)
        if outcome == ALLOWED:
            self._assert_effect(action, before, after, user)
        else:
            self.assertEqual(after, before, "a refused action changed something")

    def _target(self, target):
        if target == "missing":
            last = self.env["car.portal.order"].search([], order="id desc", limit=1)
            return self.env["car.portal.order"].browse(last.id + 1000)
        return getattr(self, target) if target else self.env["car.portal.order"]

    def _snapshot(self, order):
        self.env.invalidate_all()
        Order = self.env["car.portal.order"].sudo().with_context(active_test=False)
        snapshot = {
            "orders": Order.search_count([]),
            "messages": self.env["mail.message"]
            .sudo()
            .search_count([("model", "=", Order._name)]),
        }
        order = order.sudo()
        if order and order.exists():
            snapshot.update(
                state=order.state,
                expert=order.user_id.id,
                partner=order.partner_id.id,
                note=order.dealer_note,
                opinion=str(order.expert_opinion or ""),
                lines=[
                    (line.product_id.id, line.requested_qty, line.supplied_qty)
                    for line in order.line_ids
                ],
                stage=order.stage_id.id,
                history=sorted(
                    (entry.action, entry.user_id.id) for entry in order.history_ids
                ),
            )
        else:
            snapshot["exists"] = False
        return snapshot

    def _assert_effect(self, action, before, after, user):
        if action == "approve":
            # On to the next stage of the process, or approved after the last.
            self.assertIn(("approve", user.id), after["history"])
            self.assertNotIn(("approve", user.id), before["history"])
            self.assertTrue(
                after["state"] == "approved" or after["stage"] != before["stage"]
            )
            return
        changes = {
            "submit": {"state": "review"},
            "cancel": {"state": "cancel"},
            "send_to_process": {"state": "process"},
            "reject": {"state": "rejected"},
            "reassign": {"expert": self.expert_2.id},
            "unlink": {"exists": False},
        }
        if action in changes:
            for key, value in changes[action].items():
                self.assertEqual(after.get(key), value, f"{action}: {key}")
        elif action in ("reorder", "create"):
            self.assertEqual(after["orders"], before["orders"] + 1)
        elif action == "review_line":
            self.assertEqual(after["lines"][0][2], 1)
        elif action in ("message_post", "chatter", "chatter_token"):
            self.assertEqual(after["messages"], before["messages"] + 1)
        else:  # reading
            self.assertEqual(after, before)

    # Outcomes -------------------------------------------------------------------

    def _http(self, response, expect=None):
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302, 303) and "/web/login" in location:
            return LOGIN
        if response.status_code == 200 and expect is not None:
            self.assertIn(expect, response.text)
        return {
            200: ALLOWED,
            303: ALLOWED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        }.get(response.status_code, f"HTTP {response.status_code}")

    def _orm(self, function):
        try:
            with self.env.cr.savepoint():
                function()
                self.env.flush_all()
        except AccessError:
            return ACCESS_ERROR
        except UserError:  # ValidationError included
            return USER_ERROR
        return ALLOWED

    def _json(self, route, params):
        try:
            self.make_jsonrpc_request(route, params)
        except JsonRpcException as error:
            return _RPC_ERRORS.get(str(error), str(error))
        return ALLOWED

    def _call_kw(self, model, method, args, kwargs=None):
        return self._json(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _execute_kw(self, user, model, method, args, kwargs=None):
        return self._json(
            "/jsonrpc",
            {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    get_db_name(),
                    user.id,
                    user.login,
                    model,
                    method,
                    args,
                    kwargs or {},
                ],
            },
        )

    # Portal ---------------------------------------------------------------------

    def _portal_view(self, user, order):
        expect = order.sudo().name if order.sudo().exists() else None
        return self._http(self._get(f"/my/car-orders/{order.id}"), expect=expect)

    def _portal_view_token(self, user, order):
        token = order.sudo()._portal_ensure_token()
        response = self._get(f"{order.access_url}?access_token={token}")
        return self._http(response, expect=order.name)

    def _portal_print(self, user, order):
        response = self._get(f"{order.access_url}?report_type=html")
        return self._http(response, expect=order.name)

    def _portal_list(self, user, order):
        response = self._get("/my/car-orders")
        outcome = self._http(response)
        if outcome == ALLOWED:
            # Dealer B sees its order, none of dealer A's.
            self.assertIn(self.review_b.name, response.text)
            for other in (self.draft_a, self.review_a, self.process_a):
                self.assertNotIn(other.name, response.text)
        return outcome

    def _portal_new_form(self, user, order):
        return self._http(self._get("/my/car-orders/new"), expect="form_token")

    def _portal_create(self, user, order):
        form = self._form(
            [self._line(self.vehicle, "2")],
            term=self.payment_term.id,
            token=f"matrix-{user.login}",
        )
        return self._http(self._post("/my/car-orders/new", form))

    def _portal_edit_form(self, user, order):
        return self._http(self._get(f"{order.access_url}/edit"), expect=order.name)

    def _portal_edit(self, user, order):
        form = self._form([self._line(self.brake_pad, "7")], term=self.payment_term.id)
        return self._http(self._post(f"{order.access_url}/edit", form))

    def _portal_products(self, user, order):
        try:
            found = self.make_jsonrpc_request(
                "/my/car-orders/products", {"term": "Sedan"}
            )
        except JsonRpcException as error:
            return _RPC_ERRORS.get(str(error), str(error))
        self.assertEqual([item["name"] for item in found], ["Sedan"])
        return ALLOWED

    def _chatter(self, order, **kw):
        return self._json(
            "/mail/message/post",
            {
                "thread_model": order._name,
                "thread_id": order.id,
                "post_data": {
                    "body": "When will it be delivered?",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
                **kw,
            },
        )

    def _portal_chatter(self, user, order):
        return self._chatter(order)

    def _portal_chatter_token(self, user, order):
        return self._chatter(order, token=order.sudo()._portal_ensure_token())

    def _portal_action(self, order, action):
        return self._http(self._post(f"{order.access_url}/{action}"))

    def _portal_submit(self, user, order):
        return self._portal_action(order, "submit")

    def _portal_cancel(self, user, order):
        outcome = self._portal_action(order, "cancel")
        if outcome == ALLOWED and order.sudo().state != "cancel":
            # Refused by the model: the dealer is told why on the order page.
            self.assertIn("already being reviewed", self._get(order.access_url).text)
            return USER_ERROR
        return outcome

    def _portal_reorder(self, user, order):
        return self._portal_action(order, "reorder")

    # Backend methods -------------------------------------------------------------

    def _orm_read(self, user, order):
        return self._orm(lambda: order.with_user(user).read(["name", "state"]))

    def _orm_write_note(self, user, order):
        return self._orm(lambda: order.with_user(user).write({"dealer_note": "Edited"}))

    def _orm_submit(self, user, order):
        return self._orm(lambda: order.with_user(user).action_submit())

    def _orm_history(self, user, order):
        return self._orm(
            lambda: (
                self.env["car.portal.order.history"]
                .with_user(user)
                .search_read([("order_id", "=", order.id)], ["reason"])
            )
        )

    def _orm_review_line(self, user, order):
        line = order.line_ids[0]

        def review():
            line.with_user(user).write({"supplied_qty": 1})

        return self._orm(review)

    def _orm_send_to_process(self, user, order):
        def send():
            mine = order.with_user(user)
            mine.expert_opinion = "<p>Supply it</p>"
            mine.action_send_to_process()

        return self._orm(send)

    def _orm_reject(self, user, order):
        return self._orm(lambda: order.with_user(user).action_reject("No stock"))

    def _orm_approve(self, user, order):
        return self._orm(lambda: order.with_user(user).action_approve())

    def _orm_cancel(self, user, order):
        return self._orm(lambda: order.with_user(user).action_cancel())

    def _orm_reassign(self, user, order):
        def reassign():
            wizard = (
                self.env["car.portal.order.reassign"]
                .with_user(user)
                .create(
                    {
                        "order_id": order.id,
                        "user_id": self.expert_2.id,
                        "reason": "Workload",
                    }
                )
            )
            wizard.action_reassign()

        return self._orm(reassign)

    def _orm_unlink(self, user, order):
        return self._orm(lambda: order.with_user(user).unlink())

    def _orm_write_state(self, user, order):
        return self._orm(lambda: order.with_user(user).write({"state": "approved"}))

    def _orm_write_qty(self, user, order):
        return self._orm(
            lambda: order.line_ids[0].with_user(user).write({"requested_qty": 99})
        )

    def _orm_write_dealer(self, user, order):
        return self._orm(
            lambda: order.with_user(user).write({"partner_id": self.dealer_b.id})
        )

    # JSON-RPC: call_kw ---------------------------------------------------------------

    def _rpc_read(self, user, order):
        return self._call_kw(order._name, "read", [order.ids, ["name", "state"]])

    def _rpc_write_note(self, user, order):
        return self._call_kw(order._name, "write", [order.ids, {"dealer_note": "x"}])

    def _rpc_create(self, user, order):
        return self._call_kw(
            "car.portal.order",
            "create",
            [{"partner_id": self.dealer_a.id, "payment_term_id": self.payment_term.id}],
        )

    def _rpc_submit(self, user, order):
        return self._call_kw(order._name, "action_submit", [order.ids])

    def _rpc_portal_submit(self, user, order):
        return self._call_kw(order._name, "_portal_submit", [order.ids])

    def _rpc_cancel(self, user, order):
        return self._call_kw(order._name, "action_cancel", [order.ids])

    def _rpc_approve(self, user, order):
        return self._call_kw(order._name, "action_approve", [order.ids])

    def _rpc_history(self, user, order):
        return self._call_kw(
            "car.portal.order.history",
            "search_read",
            [[("order_id", "=", order.id)], ["reason"]],
        )

    def _rpc_message_post(self, user, order):
        return self._call_kw(
            order._name,
            "message_post",
            [order.ids],
            {"body": "Any news?", "message_type": "comment"},
        )

    def _rpc_write_state(self, user, order):
        return self._call_kw(order._name, "write", [order.ids, {"state": "approved"}])

    def _rpc_reassign(self, user, order):
        return self._call_kw(
            order._name, "write", [order.ids, {"user_id": self.expert_2.id}]
        )

    def _rpc_send_to_process(self, user, order):
        outcome = self._call_kw(
            order._name, "write", [order.ids, {"expert_opinion": "<p>Supply it</p>"}]
        )
        if outcome != ALLOWED:
            return outcome
        return self._call_kw(order._name, "action_send_to_process", [order.ids])

    def _rpc_unlink(self, user, order):
        return self._call_kw(order._name, "unlink", [order.ids])

    def _rpc_write_qty(self, user, order):
        return self._call_kw(
            "car.portal.order.line",
            "write",
            [order.line_ids[:1].ids, {"requested_qty": 99}],
        )

    # JSON-RPC: the external API -------------------------------------------------------

    def _api_read(self, user, order):
        return self._execute_kw(user, order._name, "read", [order.ids, ["name"]])

    def _api_write_note(self, user, order):
        return self._execute_kw(
            user, order._name, "write", [order.ids, {"dealer_note": "x"}]
        )
