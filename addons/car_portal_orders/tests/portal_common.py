# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures of the dealer portal tests: HTTP helpers, products with colour
variants, products a dealer may not order."""

import base64
import os
import re
from pathlib import Path

from odoo import Command, http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import CarPortalCase

# Where screenshots of the pages land, refreshed at every run.
ARTIFACTS = Path(
    os.environ.get("CAR_PORTAL_ARTIFACTS")
    or Path(__file__).resolve().parents[3] / ".local" / "artifacts"
)


@tagged("post_install", "-at_install")
class CarPortalHttpCase(HttpCase, CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Pages in English for the test users (lang en_US), even on a database
        # created with Persian only: the portal serves active languages only,
        # and prefixes the URLs of those that are not the default one.
        cls.env["res.lang"]._activate_lang("en_US")
        cls.env["ir.default"].set("res.partner", "lang", "en_US")
        cls._create_coloured_suv()
        cls.archived_part = cls._product("Old mirror", "PT-OLD", cls.categ_parts, 5.0)
        cls.archived_part.active = False
        cls.tool = cls._product("Workshop tool", "WT-1", cls.categ_parts, 5.0)
        cls.tool.car_portal_orderable = False
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.foreign_term = cls.env["car.portal.payment.term"].create(
            {"name": "Foreign cash", "company_id": cls.other_company.id}
        )
        cls.non_dealer = cls._portal_user(
            "cp_customer",
            cls.env["res.partner"].create(
                {"name": "Plain Customer", "is_company": True}
            ),
        )

    @classmethod
    def _create_coloured_suv(cls):
        """A test SUV in two of three colours (pearl, graphite; not crimson)."""
        cls.colour = cls.env["product.attribute"].create(
            {
                "name": "Test Colour",
                "display_type": "color",
                "create_variant": "always",
                "value_ids": [
                    Command.create({"name": "Pearl", "html_color": "#F4F4F0"}),
                    Command.create({"name": "Graphite", "html_color": "#3B3B3B"}),
                    Command.create({"name": "Crimson", "html_color": "#B22222"}),
                ],
            }
        )
        pearl, graphite, crimson = cls.colour.value_ids
        cls.crimson = crimson
        cls.suv = cls.env["product.template"].create(
            {
                "name": "Test SUV",
                "categ_id": cls.categ_vehicles.id,
                "list_price": 2000.0,
                "car_portal_orderable": True,
                "car_portal_kind": "vehicle",
                "sale_ok": True,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": cls.colour.id,
                            "value_ids": [Command.set((pearl | graphite).ids)],
                        }
                    )
                ],
            }
        )
        variants = cls.suv.product_variant_ids
        cls.suv_pearl, cls.suv_graphite = (
            variants.filtered(
                lambda p, value=value: (
                    p.product_template_attribute_value_ids.product_attribute_value_id
                    == value
                )
            )
            for value in (pearl, graphite)
        )
        cls.suv_pearl.default_code = "SUV-PRL"
        cls.suv_graphite.default_code = "SUV-GRA"

    # HTTP helpers ---------------------------------------------------------------

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _get(self, url, **kw):
        return self.url_open(url, allow_redirects=kw.pop("allow_redirects", False))

    def _post(self, url, data=None, csrf=True, allow_redirects=False):
        # Some data, so that url_open sends a POST.
        data = dict(data or {"from_test": "1"})
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(url, data=data, allow_redirects=allow_redirects)

    def _form(self, lines=(), action="save", term=None, note="", token=None, **extra):
        """Form data as the order form posts it. ``lines`` holds dicts with
        the keys product_query, product_tmpl_id, product_id and qty."""
        data = {
            "action": action,
            "payment_term_id": "" if term is None else str(term),
            "dealer_note": note,
            **extra,
        }
        if token:
            data["form_token"] = token
        for index, line in enumerate(lines):
            for key, value in line.items():
                data[f"line_{index}_{key}"] = "" if value is None else str(value)
        return data

    @staticmethod
    def _line(product=None, qty="1", query="", template=None):
        """A posted line: ``product`` a variant (picked with its colour)."""
        template = template or (product.product_tmpl_id if product else None)
        return {
            "product_query": query or (template.name if template else ""),
            "product_tmpl_id": template.id if template else "",
            "product_id": product.id if product else "",
            "qty": qty,
        }

    def _dealer_orders(self, dealer=None):
        dealer = dealer or self.dealer_a
        return self.env["car.portal.order"].search([("partner_id", "=", dealer.id)])

    def _order_id_from(self, response):
        match = re.search(r"/my/car-orders/(\d+)", response.headers.get("Location", ""))
        self.assertTrue(match, f"not redirected to an order: {response.headers}")
        return self.env["car.portal.order"].browse(int(match[1]))

    def _assert_field_error(self, html, field_name, message, value=None):
        """``message`` is shown next to the input ``field_name``, which keeps
        the dealer's ``value``."""
        pattern = re.compile(
            r'<(?:input|select|textarea)[^>]*name="'
            + re.escape(field_name)
            + r'"[^>]*>'
        )
        tag = pattern.search(html)
        self.assertTrue(tag, f"no field {field_name}")
        self.assertIn("is-invalid", tag[0], f"{field_name} is not marked invalid")
        if value is not None:
            self.assertIn(f'value="{value}"', tag[0])
        following = html[tag.end() : tag.end() + 6000]
        self.assertIn(message, following)

    # Screenshots ----------------------------------------------------------------

    def _screenshot(self, user, url, name, ready, steps=()):
        """Open ``url`` as ``user`` and save a PNG of the whole page; ``steps``
        are ``(script, ready)`` pairs run once the page is there: a script
        (clicks...) and the selector that shows it took effect."""
        browser = ChromeBrowser(self)
        try:
            self.authenticate(user.login, user.login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(f"{self.base_url()}{url}", wait_stop=True)
            # Loaded, our script started, the chatter (if any) shown, then
            # a moment for the fonts and images.
            self.assertTrue(
                browser._wait_ready(
                    f"""document.readyState === 'complete'
                    && !!document.querySelector({ready!r})
                    && (!document.querySelector('.o_portal_chatter')
                        || !!document.querySelector('#chatterRoot')?.shadowRoot
                            ?.querySelector('.o-mail-Composer-input'))
                    && new Promise((resolve) => setTimeout(() => resolve(1), 1000))
                        .then(() => true)""",
                    timeout=120,
                ),
                f"{url} did not load",
            )
            self._screenshot_steps(browser, url, steps)
            # The whole page: a window as tall as the page, then a capture.
            metrics = browser._websocket_request("Page.getLayoutMetrics")
            height = (metrics.get("cssContentSize") or metrics["contentSize"])["height"]
            width = int(self.browser_size.split(",")[0])
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={
                    "width": width,
                    "height": min(int(height), 4000),
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            )
            shot = browser._websocket_request(
                "Page.captureScreenshot", params={"format": "png"}, timeout=60
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            path = ARTIFACTS / name
            path.write_bytes(base64.b64decode(shot["data"]))
            return path
        finally:
            browser.stop()
            self._wait_remaining_requests()

    def _screenshot_steps(self, browser, url, steps):
        """Run each ``(script, ready)`` of ``steps`` on the page and wait for
        its ``ready`` selector."""
        for script, ready in steps:
            browser._websocket_request(
                "Runtime.evaluate", params={"expression": script}
            )
            self.assertTrue(
                browser._wait_ready(
                    f"""!!document.querySelector({ready!r})
                    && new Promise((resolve) => setTimeout(() => resolve(1), 500))
                        .then(() => true)""",
                    timeout=60,
                ),
                f"{url}: {script} did not show {ready}",
            )
