# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Across a restart of a Sepidar that remembers (the simulator with a state
folder, as scripts/serve runs it): the stored device key and token are used
again, the serial is not registered twice, and a document whose answer was
lost before the restart is found by its GUID, not sent again."""

from odoo.exceptions import UserError
from odoo.tools import mute_logger

from .common import SepidarCase

RUNNER_LOGGER = "odoo.addons.car_portal_sepidar.models.sepidar_posting_runner"


class TestSepidarRestart(SepidarCase):
    simulator_keeps_state = True

    def _paths(self):
        return [entry["path"].lower() for entry in self.simulator.request_log()]

    def test_the_serial_is_registered_once_also_after_a_restart(self):
        self._restart_simulator()
        self.backend.action_reset_registration()
        with self.assertRaises(UserError) as refusal:
            self.backend.action_register_device()
        self.assertIn("Sepidar", str(refusal.exception))
        self.assertFalse(self.backend.is_registered)

    def test_the_backend_keeps_posting_with_its_stored_key_and_token(self):
        self._run_cron()  # nothing queued: just a token in the database
        self.backend.action_pull_reference_data()
        token = self.backend.sudo().token
        self.assertTrue(token)
        self._restart_simulator()
        self.simulator.clear_request_log()
        order = self._approved(lines=[(self.oil_filter, 2)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "done")
        paths = self._paths()
        self.assertFalse([p for p in paths if p.endswith("/devices/register")])
        self.assertFalse([p for p in paths if p.endswith("/users/login")], paths)
        self.assertEqual(self.backend.sudo().token, token)
        self.assertEqual(self.simulator.deviations(), [])

    @mute_logger(RUNNER_LOGGER)
    def test_a_lost_answer_is_found_by_its_guid_after_a_restart(self):
        self._bind(self.dealer_a)  # a known customer: the first write is the document
        self.simulator.configure(commit_then_drop_rate=1.0)
        order = self._approved(lines=[(self.oil_filter, 3)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "pending")
        self.assertTrue(export.outcome_unknown)
        self.assertEqual(self._sim_state()["quotations"], 1)  # saved, answer lost
        self._restart_simulator()  # the knobs start again from their defaults
        self._make_due(export)
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.log_ids.sorted("id")[-1].outcome, "adopted")
        self.assertEqual(self._sim_state()["quotations"], 1)
        posted = [
            entry
            for entry in self.simulator.request_log()
            if entry["method"] == "POST"
            and entry["path"].lower().rstrip("/") == "/api/quotations"
        ]
        self.assertEqual(len(posted), 1)  # the one before the restart
