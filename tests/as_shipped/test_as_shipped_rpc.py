"""On the database as ``scripts/serve`` builds it, a dealer who presses any
button of the Sepidar connection over JSON-RPC (what the web client sends for a
button, ``/web/dataset/call_button``) gets an access error, and nothing
happens: the device stays registered and the simulator receives no call.

The whole method x role surface is tested on records built by the test
(``car_portal_reports/tests/test_rpc_surface.py``); this is the same promise
checked on the demo itself, with the demo's own dealers.
"""

import json
import urllib.request

from as_shipped_common import DEALERS, AsShippedCase

from odoo.tests import tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestAsShippedRpc(AsShippedCase):
    def _simulator_requests(self, backend):
        with urllib.request.urlopen(f"{backend.url}/__sim__/state", timeout=10) as r:
            return json.load(r)["requests"]

    @mute_logger("odoo.http")  # each refusal is logged as a warning
    def test_dealers_cannot_press_the_sepidar_buttons(self):
        backend = self.env.ref("car_portal_sepidar.sepidar_backend_demo")
        self.assertTrue(backend.is_registered, "serve registers the demo backend")
        # Ours, and Odoo's own (archive, unarchive: access rights refuse them).
        buttons = sorted(
            name
            for name in dir(type(backend))
            if name.startswith("action_") and callable(getattr(type(backend), name))
        )
        self.assertIn("action_reset_registration", buttons)
        before = self._simulator_requests(backend)
        refused = []
        for login in DEALERS:
            self.login_form(login)
            for button in buttons:
                errors = []
                result = self.rpc(
                    "/web/dataset/call_button",
                    {
                        "model": "sepidar.backend",
                        "method": button,
                        "args": [[backend.id]],
                        "kwargs": {},
                    },
                    errors,
                    f"{login} {button}",
                )
                with self.subTest(login=login, button=button):
                    self.assertIsNone(result, "the call ran")
                    self.assertIn("odoo.exceptions.AccessError", errors[0])
                    refused.append((login, button))
        backend.invalidate_recordset()
        self.assertTrue(backend.is_registered)
        self.assertTrue(backend.sudo().public_key_xml)
        self.assertEqual(self._simulator_requests(backend), before)
        print(f"\nAs shipped: {len(refused)} dealer x Sepidar button calls refused")
