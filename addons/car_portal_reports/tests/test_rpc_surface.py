# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The RPC surface of the three addons is closed, and stays closed.

Any logged-in user can call any public model method (a name without a leading
underscore) over JSON-RPC. Every public method that a class of the car-portal
addons defines therefore declares who may call it
(``odoo.addons.car_portal_orders.tools.rpc_access``). This test:

- finds those methods in the registry (every class of every model whose module
  is one of the addons), so a new method cannot be forgotten, and fails on one
  without a declaration, or without a way to call it below (``CALLS``);
- calls each over real JSON-RPC (``/web/dataset/call_button`` for buttons,
  ``/web/dataset/call_kw`` otherwise) on real records, as every role in
  ``ROLES``, each call in a savepoint rolled back afterwards;
- a role outside the declared groups must get the declaration's refusal (an
  ``AccessError`` naming the method, before anything else: no row of the
  addons' tables, chatter, attachments or cron triggers changed, no call
  reached the Sepidar simulator, the device key is still there); a visitor
  must get "session expired"; a role inside must not get the refusal, and
  whatever the method then answers must be a clean error at worst (access,
  user or validation error), never a crash. Methods open to every user must
  answer every logged-in role. Odoo's RPC refuses the name ``init`` itself;
  for it the declaration's refusal is also checked through the ORM.
"""

import base64
import inspect
import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.models import regex_private
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.car_portal_orders.tests.common import ADMIN
from odoo.addons.car_portal_orders.tools.rpc_access import (
    ANY_USER,
    GROUPS,
    ORM,
    SUPERUSER,
    declared_access,
    refusal,
)
from odoo.addons.car_portal_sepidar.tests.common import SepidarCase

ADDON_MODULES = "odoo.addons.car_portal_"
OK = "ok"
ACCESS_ERROR = "odoo.exceptions.AccessError"
SESSION_EXPIRED = "odoo.http.SessionExpiredException"
# Odoo's own refusal of names it keeps off RPC (odoo.models.check_method_name).
PRIVATE = "Private methods (such as %s) cannot be called remotely."
# What a method may answer to a role it lets in: a result, or a clean refusal
# of the model (access rights, record rules, its own checks).
CLEAN_OUTCOMES = {
    OK,
    ACCESS_ERROR,
    "odoo.exceptions.MissingError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.RedirectWarning",
}

# Who calls: the role and the test attribute of its user (None: no session).
ROLES = {
    "anonymous": None,
    "dealer": "portal_a",  # a portal user of the orders' dealer
    "other_dealer": "portal_b",  # another dealer, on the first dealer's records
    "expert": "expert_1",  # the expert of the orders
    "other_expert": "expert_2",
    "staff": "staff",  # Car Orders / Staff (stock check)
    "manager": "manager",
    "order_admin": "order_admin",  # Car Orders / Administrator only
    "finance": "finance",  # Sepidar / Finance
    "settings_admin": "settings_admin",  # Settings (base.group_system) only
}


def _record(attr):
    """Arguments of a record method called on the record ``attr`` of the test."""
    return lambda t, user: [getattr(t, attr).ids]


# How to call each public method: (model, method) -> f(test, user) giving the
# positional arguments of call_kw (record ids first, except for @api.model
# methods), or (args, context). ``user`` is the caller (None: a visitor).
CALLS = {
    # car_portal_orders
    ("car.portal.order", "create"): lambda t, user: [
        {
            "partner_id": t.dealer_a.id,
            "payment_term_id": t.payment_term.id,
            "line_ids": [Command.create({"product_id": t.vehicle.id})],
        }
    ],
    ("car.portal.order", "write"): lambda t, user: [
        t.draft.ids,
        {"dealer_note": "Changed over RPC"},
    ],
    ("car.portal.order", "copy_data"): _record("draft"),
    ("car.portal.order", "action_submit"): _record("draft"),
    ("car.portal.order", "action_send_to_process"): _record("review"),
    ("car.portal.order", "action_reject"): lambda t, user: [t.review.ids, "No"],
    ("car.portal.order", "action_cancel"): _record("review"),
    ("car.portal.order", "action_reorder"): _record("review"),
    ("car.portal.order", "action_approve"): _record("process"),
    ("car.portal.order", "action_return"): lambda t, user: [t.process.ids, "Why?"],
    ("car.portal.order", "action_mass_approve"): _record("process"),
    ("car.portal.order.line", "create"): lambda t, user: [
        {"order_id": t.draft.id, "product_id": t.brake_pad.id, "requested_qty": 3}
    ],
    ("car.portal.order.line", "write"): lambda t, user: [
        t.review.line_ids[:1].ids,
        {"supplied_qty": 1},
    ],
    # The allocation board's button: experts and managers (their rights per
    # line are those of a review); dealers, staff and the others are refused.
    ("car.portal.order.line", "action_apply_suggestions"): lambda t, user: [
        t.review.line_ids.ids
    ],
    ("car.portal.order.history", "write"): lambda t, user: [
        t.review.history_ids[:1].ids,
        {"reason": "Rewritten"},
    ],
    ("car.portal.process", "create"): lambda t, user: [{"name": "RPC process"}],
    ("car.portal.process", "write"): lambda t, user: [
        t.process.process_id.ids,
        {"name": "Renamed over RPC"},
    ],
    ("res.partner", "action_view_car_portal_orders"): _record("dealer_a"),
    ("ir.qweb.field.date", "value_to_html"): lambda t, user: ["2026-03-21", {}],
    ("ir.qweb.field.datetime", "value_to_html"): lambda t, user: [
        "2026-03-21 10:30:00",
        {},
    ],
    ("car.portal.order.decision", "default_get"): lambda t, user: (
        [["order_id", "seen_state", "seen_stage_id"]],
        {"default_order_id": t.process.id},
    ),
    ("car.portal.order.decision", "action_confirm"): lambda t, user: [
        t._wizard(
            "car.portal.order.decision",
            user,
            {
                "order_id": t.process.id,
                "decision": "approve",
                "reason": "Fine",
                "seen_state": "process",
                "seen_stage_id": t.process.stage_id.id,
            },
        ).ids
    ],
    ("car.portal.order.reassign", "action_reassign"): lambda t, user: [
        t._wizard(
            "car.portal.order.reassign",
            user,
            {"order_id": t.review.id, "user_id": t.expert_2.id, "reason": "Workload"},
        ).ids
    ],
    ("car.portal.quota.import", "action_import"): lambda t, user: [
        t._wizard(
            "car.portal.quota.import",
            user,
            {
                "file": base64.b64encode(
                    b"dealer,period,year,quantity\nD-RPC,year,1405,7\n"
                ).decode(),
                "filename": "quotas.csv",
            },
        ).ids
    ],
    # car_portal_sepidar
    ("car.portal.order", "action_sepidar_retry"): _record("approved"),
    ("car.portal.order", "action_view_sepidar_logs"): _record("approved"),
    ("car.portal.order", "action_sepidar_refresh_credit"): _record("process"),
    ("sepidar.backend", "write"): lambda t, user: [t.backend.ids, {"batch_size": 7}],
    **{
        ("sepidar.backend", method): _record("backend")
        for method in (
            "action_register_device",
            "action_reset_registration",
            "action_test_connection",
            "action_pull_reference_data",
            "action_match_mappings",
            "action_queue_approved_orders",
            "action_post_now",
            "action_open_exports",
            "action_open_items",
            "action_open_unmapped_products",
            "action_open_unmapped_dealers",
        )
    },
    **{
        ("sepidar.export", method): _record("export")
        for method in (
            "action_retry",
            "action_cancel",
            "action_open_order",
            "action_open_logs",
        )
    },
    ("sepidar.partner.binding", "create"): lambda t, user: [
        {"backend_id": t.backend.id, "partner_id": t.dealer_b.id}
    ],
    ("sepidar.partner.binding", "write"): lambda t, user: [
        t.partner_binding.ids,
        {"customer_code": "C-1"},
    ],
    ("sepidar.partner.binding", "action_match"): _record("partner_binding"),
    ("sepidar.partner.binding", "action_refresh_credit"): _record("partner_binding"),
    ("sepidar.product.binding", "create"): lambda t, user: [
        {"backend_id": t.backend.id, "product_id": t.unbound_part.id}
    ],
    ("sepidar.product.binding", "write"): lambda t, user: [
        t.product_binding.ids,
        {"tracing_id": False},
    ],
    ("sepidar.product.binding", "action_auto_match"): _record("product_binding"),
    # car_portal_reports
    ("car.portal.jalali.day", "init"): _record("jalali_day"),
    ("car.portal.dashboard.tile", "action_open"): _record("tile"),
    ("car.portal.order.line.report", "action_export_xlsx"): lambda t, user: [
        t.review.line_ids.ids
    ],
}


def public_methods(env):
    """``[(model, method, class, function)]``: every public method defined in a
    class of the car-portal addons, for every model of the registry."""
    found = []
    for model in sorted(env.registry):
        if env[model]._abstract and env.registry[model]._inherit_children:
            # A mixin (the order's process engine...): RPC reaches its methods
            # on the records that inherit it, found below with them.
            continue
        for cls in type(env[model]).__mro__:
            if not cls.__module__.startswith(ADDON_MODULES):
                continue
            for name, value in vars(cls).items():
                if name.startswith("_"):
                    continue
                if inspect.isfunction(value) or isinstance(
                    value, classmethod | staticmethod
                ):
                    found.append((model, name, cls, value))
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(HttpCase, SepidarCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_admin = cls._user("cp_order_admin", ADMIN)
        cls.settings_admin = cls._user("cp_settings_admin", "base.group_system")
        # Orders of dealer A, referred to expert 1, in every state a method needs.
        cls.draft = cls._order(dealer=cls.dealer_a)
        cls.review = cls._submitted_order(dealer=cls.dealer_a)
        cls.review.expert_opinion = "<p>Supply it.</p>"
        cls.process = cls._submitted_order(dealer=cls.dealer_a)
        cls.process.expert_opinion = "<p>Supply it.</p>"
        cls.process.action_send_to_process()
        cls.approved = cls._submitted_order(
            dealer=cls.dealer_a, lines=[(cls.oil_filter, 1)]
        )
        cls.approved.expert_opinion = "<p>Supply it.</p>"
        cls.approved.action_send_to_process()
        while cls.approved.state == "process":
            cls.approved.action_approve()
        cls.export = cls.env["sepidar.export"].search(
            [("order_id", "=", cls.approved.id)]
        )
        cls.export.write({"state": "error", "last_error": "Refused by Sepidar"})
        cls.partner_binding = cls.env["sepidar.partner.binding"].create(
            {"backend_id": cls.backend.id, "partner_id": cls.dealer_a.id}
        )
        cls.product_binding = cls.env["sepidar.product.binding"]._get_or_create(
            cls.backend, cls.mystery
        )
        # A product nothing binds by itself (the orders' products are bound by
        # the stock check): creating its binding is the call's own doing.
        cls.unbound_part = cls._product("Unbound part", "PT-RPC1", cls.categ_parts, 5.0)
        cls.jalali_day = cls.env["car.portal.jalali.day"].search([], limit=1)
        cls.tile = cls.env["car.portal.dashboard.tile"].search([], limit=1)
        cls.users = {role: attr and getattr(cls, attr) for role, attr in ROLES.items()}
        # Tables whose content a refused call must leave as it was.
        tables = {
            Model._table
            for Model in (cls.env[name] for name in cls.env.registry)
            if Model._original_module.startswith("car_portal_")
            and not Model._abstract
            and Model._auto
            and Model._table_query is None
        }
        tables |= {
            "res_partner",
            "product_product",
            "mail_message",
            "mail_followers",
            "mail_activity",
            "ir_attachment",
            "ir_cron_trigger",
        }
        cls.footprint_tables = sorted(tables)

    def test_fixtures(self):
        self.assertEqual(self.draft.state, "draft")
        self.assertEqual(self.review.state, "review")
        self.assertEqual(self.review.user_id, self.expert_1)
        self.assertEqual(self.process.state, "process")
        self.assertEqual(self.approved.state, "approved")
        self.assertEqual(self.export.state, "error")
        self.assertTrue(self.backend.is_registered)
        self.assertTrue(self.tile and self.jalali_day and self.product_binding)
        self.assertFalse(self.product_binding.is_mapped)

    def test_every_public_method_is_declared(self):
        """A public method without a declaration, or with an unknown group, or
        that this test cannot call, fails here."""
        undeclared, bad_groups, kinds = [], [], {GROUPS, ANY_USER, SUPERUSER, ORM}
        found = public_methods(self.env)
        self.assertGreaterEqual(len(found), 45)
        for model, name, cls, function in found:
            where = f"{cls.__module__}.{cls.__qualname__}.{name} ({model})"
            access = declared_access(function)
            if access is None or access.kind not in kinds:
                undeclared.append(where)
                continue
            for xmlid in access.groups:
                group = self.env.ref(xmlid, raise_if_not_found=False)
                if not group or group._name != "res.groups":
                    bad_groups.append(f"{where}: {xmlid}")
        self.assertFalse(
            undeclared,
            "Public methods without a declaration of who may call them "
            "(car_portal_orders/tools/rpc_access.py):\n" + "\n".join(undeclared),
        )
        self.assertFalse(bad_groups, "Unknown groups:\n" + "\n".join(bad_groups))
        pairs = {(model, name) for model, name, _cls, _function in found}
        self.assertFalse(
            sorted(pairs - set(CALLS)),
            "Public methods that test_rpc_surface.py does not call: add them to CALLS",
        )
        self.assertFalse(sorted(set(CALLS) - pairs), "CALLS names unknown methods")

    @mute_logger(
        "odoo.http",
        "odoo.addons.base.models.ir_rule",
        "odoo.addons.base.models.ir_model",
        "odoo.models",
        "odoo.addons.car_portal_sepidar.models.sepidar_backend",
        "odoo.addons.car_portal_sepidar.models.sepidar_export",
    )
    def test_rpc_surface(self):
        found = public_methods(self.env)
        methods = sorted({(model, name) for model, name, *_rest in found})
        tally = {"refused": 0, "ran": 0}
        for role, user in self.users.items():
            if user:
                self.authenticate(user.login, user.login)
            else:
                self.authenticate(None, None)
            for model, method in methods:
                with self.subTest(role=role, model=model, method=method):
                    savepoint = self.env.cr.savepoint()
                    try:
                        tally[self._run_case(user, model, method)] += 1
                    finally:
                        savepoint.close(rollback=True)
                        self.env.invalidate_all()
        cases = len(methods) * len(self.users)
        self.assertEqual(sum(tally.values()), cases)
        self.assertGreaterEqual(cases, 450)
        # Reported by the test run (pytest -s, or -rP).
        print(  # pylint: disable=print-used
            f"RPC surface: {len(methods)} public methods x {len(self.users)} roles "
            f"= {cases} cases; {tally['refused']} refused before running, "
            f"{tally['ran']} ran"
        )

    # One case -------------------------------------------------------------------

    def _run_case(self, user, model, method):
        """Call ``method`` as ``user``; returns "refused" or "ran"."""
        Model = self.env[model]
        access = declared_access(getattr(type(Model), method))
        call = CALLS[model, method](self, user)
        args, context = call if isinstance(call, tuple) else (call, {})
        self.env.flush_all()
        before = self._footprint()
        outcome, message = self._call_kw(model, method, args, context)
        self.env.invalidate_all()
        after = self._footprint()
        refused = (ACCESS_ERROR, str(refusal(Model, method)))
        if user and regex_private.match(method):
            # Odoo's RPC refuses the name itself (check_method_name: ``init``);
            # the declaration still refuses the user a call through the ORM.
            refused = (ACCESS_ERROR, str(AccessError(PRIVATE % method)))
            self._assert_orm_refusal(user, Model, method, args)
            self._assert_unchanged(before, self._footprint())
        if user is None or access is None:
            must_refuse = True  # undeclared: nobody is let in
        elif access.kind in (ANY_USER, ORM):
            must_refuse = False
        else:
            must_refuse = not self._inside(user, access)
        if must_refuse:
            self._assert_unchanged(before, after)
            if user is None:
                self.assertEqual(outcome, SESSION_EXPIRED, message)
            else:
                self.assertEqual((outcome, message), refused)
            return "refused"
        self.assertNotEqual((outcome, message), refused, "refused a member")
        if access.kind == ANY_USER:
            self.assertEqual(outcome, OK, message)
        self.assertIn(outcome, CLEAN_OUTCOMES, message)
        return "ran"

    def _assert_unchanged(self, before, after):
        changed = [
            f"table {table}"
            for table in before["tables"]
            if before["tables"][table] != after["tables"][table]
        ] + [
            f"{key}: {before[key]} -> {after[key]}"
            for key in before
            if key != "tables" and before[key] != after[key]
        ]
        self.assertFalse(changed, "a call that must be refused changed things")

    def _assert_orm_refusal(self, user, Model, method, args):
        records = Model.with_user(user)
        if not getattr(getattr(type(Model), method), "_api", None):
            records, args = records.browse(args[0]), args[1:]
        with self.assertRaises(AccessError) as caught:
            getattr(records, method)(*args)
        self.assertEqual(str(caught.exception), str(refusal(Model, method)))

    def _inside(self, user, access):
        return access.kind == GROUPS and any(
            user.has_group(group) for group in access.groups
        )

    def _call_kw(self, model, method, args, context):
        """JSON-RPC as the web client sends it: ``(OK, "")`` or the name and
        message of the error."""
        route = "call_button" if method.startswith("action_") else "call_kw"
        params = {
            "model": model,
            "method": method,
            "args": args,
            "kwargs": {"context": {"lang": "en_US", **context}},
        }
        response = self.url_open(
            f"/web/dataset/{route}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        response.raise_for_status()
        error = response.json().get("error")
        if not error:
            return OK, ""
        return error["data"]["name"], error["data"]["message"]

    def _wizard(self, model, user, vals):
        """A wizard as ``user`` would have opened it (a transient record is
        visible to its creator only)."""
        Wizard = self.env[model]
        if user:
            Wizard = Wizard.with_user(user).sudo()
        return Wizard.create(vals)

    def _footprint(self):
        """What a refused call must not change: the rows of the tables of the
        addons and of the chatter, attachments and cron triggers, the device
        key, and the calls the Sepidar simulator received."""
        query = SQL(" UNION ALL ").join(
            SQL(
                "SELECT %s, md5(string_agg(md5(t::text), ',' ORDER BY t.id)) FROM %s t",
                table,
                SQL.identifier(table),
            )
            for table in self.footprint_tables
        )
        self.env.cr.execute(query)
        return {
            "tables": dict(self.env.cr.fetchall()),
            "device_key": bool(self.backend.sudo().public_key_xml),
            "sepidar_requests": self.simulator.state["requests"],
        }
