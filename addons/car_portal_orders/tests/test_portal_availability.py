# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Availability at order entry: the band (in stock / limited / on request),
the stock's age, exact figures only when the company shows them, the dealer's
quota left this period, and lines over the quota marked (not refused) on the
form and on the order page."""

import re
from datetime import timedelta
from types import SimpleNamespace
from unittest.mock import patch

import jdatetime

from odoo import Command, fields, sql_db
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..controllers import portal
from .portal_common import CarPortalHttpCase


def _this_month():
    today = jdatetime.date.today()
    return {
        "period_kind": "month",
        "jalali_year": today.year,
        "period_number": today.month,
    }


@tagged("post_install", "-at_install")
class TestPortalAvailability(CarPortalHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.read_at = fields.Datetime.now() - timedelta(hours=3)
        # The sedan: 25 in stock; the brake pad: 3; the SUV: never read.
        cls.env["car.portal.stock.level"]._store(
            cls.company, {cls.vehicle.id: 25, cls.brake_pad.id: 3}, cls.read_at
        )
        Quota = cls.env["car.portal.quota"]
        cls.quota_sedan = Quota.create(
            {
                "partner_id": cls.dealer_a.id,
                "product_tmpl_id": cls.vehicle.product_tmpl_id.id,
                "quantity": 5,
                **_this_month(),
            }
        )
        # A category's quota covers its subcategories (the brake pad's).
        cls.quota_parts = Quota.create(
            {
                "partner_id": cls.dealer_a.id,
                "categ_id": cls.categ_parts.id,
                "quantity": 40,
                **_this_month(),
            }
        )

    def _availability(self, products, dealer=None):
        return products._car_portal_availability(self.company, dealer or self.dealer_a)

    def _row_html(self, html, index):
        """The HTML of the form's row ``index``."""
        match = re.search(
            rf'<tr class="o_car_portal_line" data-index="{index}">(.*?)</tr>',
            html,
            re.DOTALL,
        )
        self.assertTrue(match, f"no row {index}")
        return match[1]

    def _over_quota_shown(self, row_html):
        block = re.search(r'class="o_car_portal_over_quota ?([^"]*)"', row_html)
        self.assertTrue(block, "no over-quota block in the row")
        return "d-none" not in block[1]

    # The band and its settings ----------------------------------------------------

    def test_band_thresholds(self):
        company = self.company
        self.assertEqual(
            (company.car_portal_in_stock_from, company.car_portal_limited_from),
            (10, 1),
        )
        self.assertEqual(
            [company._car_portal_band(q) for q in (25, 10, 9, 1, 0.5, 0, -3)],
            ["in_stock", "in_stock", "limited", "limited"] + ["on_request"] * 3,
        )
        # Settings › Car Orders › Availability on the Portal writes the company.
        self.env["res.config.settings"].create(
            {"car_portal_in_stock_from": 30, "car_portal_limited_from": 5}
        )
        self.assertEqual(
            (company.car_portal_in_stock_from, company.car_portal_limited_from),
            (30, 5),
        )
        self.assertEqual(
            [company._car_portal_band(q) for q in (30, 25, 5, 4)],
            ["in_stock", "limited", "limited", "on_request"],
        )
        self.assertEqual(
            self._availability(self.vehicle)[self.vehicle.id]["band"], "limited"
        )

    def test_band_thresholds_are_checked(self):
        with self.assertRaisesRegex(ValidationError, 'The "Limited" threshold must be'):
            self.company.car_portal_limited_from = 0
        with self.assertRaisesRegex(ValidationError, 'The "In stock" threshold cannot'):
            self.company.write(
                {"car_portal_in_stock_from": 4, "car_portal_limited_from": 5}
            )
        self.company.write(
            {"car_portal_in_stock_from": 5, "car_portal_limited_from": 5}
        )

    def test_exact_figures_only_when_shown_and_net_of_promises(self):
        # 20 sedans are promised to an order in the approval process: 5 left.
        order = self._submitted_order(dealer=self.dealer_b, lines=[(self.vehicle, 20)])
        order.with_user(self.expert_2).write({"expert_opinion": "<p>ok</p>"})
        order.with_user(self.expert_2).action_send_to_process()
        sedan = self._availability(self.vehicle)[self.vehicle.id]
        self.assertEqual((sedan["band"], sedan["label"]), ("limited", "Limited"))
        self.assertEqual(sedan["qty"], "", "exact figures are hidden by default")
        self.company.car_portal_show_stock_figures = True
        self.assertEqual(
            self._availability(self.vehicle)[self.vehicle.id]["qty"], "5 available"
        )
        persian = self.vehicle.with_context(lang="fa_IR")
        self.env["res.lang"]._activate_lang("fa_IR")
        self.assertIn("۵", self._availability(persian)[self.vehicle.id]["qty"])

    def test_stock_age_and_unknown_stock(self):
        found = self._availability(self.vehicle | self.suv_pearl)
        sedan, suv = found[self.vehicle.id], found[self.suv_pearl.id]
        self.assertEqual((sedan["band"], sedan["label"]), ("in_stock", "In stock"))
        self.assertEqual(sedan["age"], "Stock read 3 hours ago")
        self.assertEqual(
            (suv["band"], suv["label"], suv["age"], suv["qty"]),
            ("unknown", "Stock not known yet", "", ""),
        )

    def test_quota_left_this_period(self):
        # 2 sedans supplied on an approved order of this period are used.
        approved = self._submitted_order(lines=[(self.vehicle, 3)])
        approved.line_ids.with_user(self.expert_1).write(
            {"supplied_qty": 2, "expert_note": "One next month"}
        )
        approved._write_system({"state": "approved"})
        found = self._availability(self.vehicle | self.brake_pad | self.suv_pearl)
        self.assertEqual(
            found[self.vehicle.id]["quota_left"], "Your quota left this period: 3"
        )
        self.assertEqual(found[self.vehicle.id]["quota_key"], self.quota_sedan.id)
        self.assertEqual(found[self.brake_pad.id]["quota_left_qty"], 40)
        self.assertEqual(found[self.suv_pearl.id]["quota_left"], "", "no quota")
        # Another dealer reads its own quota (none), never dealer A's.
        other = self._availability(self.vehicle, self.dealer_b)[self.vehicle.id]
        self.assertEqual((other["quota_left"], other["quota_key"]), ("", None))

    def test_lines_over_quota_are_marked_together(self):
        Product = self.env["product.product"]
        over = Product._car_portal_over_quota(
            self.company,
            self.dealer_a,
            [("a", self.vehicle, 3), ("b", self.brake_pad, 40), ("c", self.vehicle, 3)],
        )
        self.assertEqual(over, {"a", "c"}, "3 + 3 sedans on a quota of 5")
        self.assertFalse(
            Product._car_portal_over_quota(
                self.company, self.dealer_a, [("a", self.vehicle, 5)]
            )
        )
        self.assertFalse(
            Product._car_portal_over_quota(
                self.company, self.dealer_b, [("a", self.vehicle, 50)]
            ),
            "no quota, no mark",
        )

    # The pages ------------------------------------------------------------------

    def test_form_shows_availability_and_marks_lines_over_quota(self):
        draft = self._order(lines=[(self.vehicle, 7), (self.brake_pad, 2)])
        self._login(self.portal_a)
        response = self._get(f"{draft.access_url}/edit")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn('<th style="width: 14rem;">Availability</th>', html)
        sedan, pad = self._row_html(html, 0), self._row_html(html, 1)
        self.assertIn('data-band="in_stock"', sedan)
        self.assertIn("Stock read 3 hours ago", sedan)
        self.assertIn("Your quota left this period: 5", sedan)
        self.assertNotIn("o_car_portal_stock_qty", sedan, "exact figures hidden")
        self.assertTrue(self._over_quota_shown(sedan), "7 sedans on a quota of 5")
        self.assertIn("you may order, your expert decides", sedan)
        self.assertIn('data-band="limited"', pad)
        self.assertFalse(self._over_quota_shown(pad))
        # Allowed: the over-quota draft is submitted.
        self.assertEqual(self._post(f"{draft.access_url}/submit").status_code, 303)
        draft.invalidate_recordset()
        self.assertEqual(draft.state, "review")

    def test_order_page_marks_lines_over_quota_for_the_owner_only(self):
        order = self._submitted_order(lines=[(self.vehicle, 6), (self.brake_pad, 2)])
        self._login(self.portal_a)
        html = self._get(order.access_url).text
        self.assertEqual(
            html.count("badge text-bg-danger ms-1 o_car_portal_over_quota"), 1
        )
        self.assertIn("o_car_portal_over_quota_note", html)
        # A link holder reads the order, not the dealer's quota.
        self.authenticate(None, None)
        html = self._get(
            f"{order.access_url}?access_token={order._portal_ensure_token()}"
        ).text
        self.assertIn("o_car_portal_order_page", html)
        self.assertNotIn("o_car_portal_over_quota", html)
        # Another dealer cannot open it.
        self._login(self.portal_b)
        self.assertEqual(self._get(order.access_url).status_code, 403)

    def test_product_search_carries_availability(self):
        self._login(self.portal_a)
        found = self.make_jsonrpc_request("/my/car-orders/products", {"term": "Sedan"})
        variant = found[0]["variants"][0]
        self.assertEqual(variant["id"], self.vehicle.id)
        self.assertEqual(variant["availability"]["band"], "in_stock")
        self.assertEqual(
            variant["availability"]["quota_left"], "Your quota left this period: 5"
        )
        self._login(self.portal_b)
        found = self.make_jsonrpc_request("/my/car-orders/products", {"term": "Sedan"})
        self.assertEqual(found[0]["variants"][0]["availability"]["quota_left"], "")

    def test_tour_availability_updates_live(self):
        self.env["car.portal.stock.level"]._store(
            self.company, {self.suv_pearl.id: 2, self.suv_graphite.id: 30}
        )
        self.env["car.portal.quota"].create(
            {
                "partner_id": self.dealer_a.id,
                "product_tmpl_id": self.suv.id,
                "quantity": 4,
                **_this_month(),
            }
        )
        self.start_tour(
            "/my/car-orders/new",
            "car_portal_availability_tour",
            login=self.portal_a.login,
        )

    def test_form_get_is_read_only(self):
        draft = self._order(lines=[(self.vehicle, 7)])
        self._login(self.portal_a)
        writes = []
        execute = sql_db.Cursor.execute

        def spy(cursor, query, *args, **kwargs):
            text = getattr(query, "code", query)
            if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", str(text), re.IGNORECASE):
                writes.append(str(text)[:120])
            return execute(cursor, query, *args, **kwargs)

        for url in ("/my/car-orders/new", f"{draft.access_url}/edit"):
            self._get(url)  # warm-up (assets, caches)
            # No write; one would also be refused by the read-only transaction
            # of a GET and retried read/write, with a warning.
            with (
                patch.object(sql_db.Cursor, "execute", spy),
                self.assertNoLogs("odoo.http", "WARNING"),
            ):
                self.assertEqual(self._get(url).status_code, 200)
        self.assertEqual(writes, [])
        # The route itself says so: read-only on GET, read/write on POST.
        self.assertEqual(
            [
                self._route_readonly(method, "/my/car-orders/new")
                for method in ("GET", "POST")
            ],
            [True, False],
        )

    def _route_readonly(self, method, path):
        """Whether Odoo serves ``method path`` on a read-only transaction."""
        rule, _args = (
            self.env["ir.http"]
            .routing_map()
            .bind("")
            .match(path, method=method, return_rule=True)
        )
        readonly = rule.endpoint.routing["readonly"]
        if not callable(readonly):
            return readonly
        request = SimpleNamespace(httprequest=SimpleNamespace(method=method))
        with patch(f"{portal.__name__}.request", request):
            return readonly(None)

    def test_form_queries_do_not_grow_with_the_lines(self):
        parts = self.env["product.product"].concat(
            *(
                self._product(f"Avail part {n}", f"AV-{n}", self.categ_parts, 5.0)
                for n in range(12)
            )
        )
        self.env["car.portal.stock.level"]._store(
            self.company, {part.id: 4 * n for n, part in enumerate(parts)}
        )
        # A vehicle in a colour in both: the colour lists cost the same too.
        small = self._order(
            lines=[(parts[0], 1), (self.vehicle, 7), (self.suv_pearl, 1)]
        )
        large = self._order(
            lines=[(part, 2) for part in parts]
            + [(self.vehicle, 7), (self.suv_pearl, 1)]
        )
        self._login(self.portal_a)
        for draft in (small, large):
            self._get(f"{draft.access_url}/edit")  # warm-up (caches, assets)
        counts = []
        for draft in (small, large):
            url = f"{draft.access_url}/edit"
            before = sql_db.sql_counter
            html = self._get(url).text
            counts.append(sql_db.sql_counter - before)
            # Every line shows its band; the sedans (7 on 5) are over quota.
            self.assertEqual(html.count('o_car_portal_band"'), len(draft.line_ids))
        self.assertEqual(counts[0], counts[1], f"queries at 3 and 14 lines: {counts}")

    def test_screenshot_persian_demo_dealer(self):
        user = self.env.ref("car_portal_orders.user_dealer_1", raise_if_not_found=False)
        if not user:
            self.skipTest("no demo data")
        dealer = user.partner_id.commercial_partner_id
        aria = self.env.ref("car_portal_orders.product_tmpl_aria").product_variant_ids
        pad = self.env.ref("car_portal_orders.product_brake_pad")
        headlight = self.env.ref("car_portal_orders.product_headlight")
        self.env["car.portal.stock.level"]._store(
            dealer.company_id or self.company,
            {aria[0].id: 14, aria[1].id: 3, pad.id: 120},
            fields.Datetime.now() - timedelta(hours=2),
        )
        self.company.car_portal_show_stock_figures = True
        draft = self.env["car.portal.order"].create(
            {
                "partner_id": dealer.id,
                "ordered_by_id": user.partner_id.id,
                "line_ids": [
                    Command.create({"product_id": aria[0].id, "requested_qty": 9}),
                    Command.create({"product_id": aria[1].id, "requested_qty": 5}),
                    Command.create({"product_id": pad.id, "requested_qty": 40}),
                    Command.create({"product_id": headlight.id, "requested_qty": 6}),
                ],
            }
        )
        path = self._screenshot(
            user.with_context(lang="fa_IR"),
            f"{draft.access_url}/edit",
            "portal_order_form_availability_fa.png",
            ".o_car_portal_order_form.o_car_portal_ready",
        )
        self.assertGreater(path.stat().st_size, 10_000)
        self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        self.authenticate(user.login, user.login)
        html = self._get(f"/fa{draft.access_url}/edit").text
        self.assertIn("o_rtl", html)
        # 9 + 5 Arias on the dealer's yearly quota of 12: both marked.
        self.assertTrue(self._over_quota_shown(self._row_html(html, 0)))
        self.assertTrue(self._over_quota_shown(self._row_html(html, 1)))
        self.assertRegex(self._row_html(html, 2), "[۰-۹]", "Persian digits")
