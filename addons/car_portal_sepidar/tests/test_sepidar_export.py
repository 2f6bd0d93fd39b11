# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbox: one posting per approved order, posted exactly once."""

from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from ..models.sepidar_document_mapper import DocumentMapper
from ..sepidar_client import SepidarClient, stable_guid
from .common import (
    BLACK,
    FILTER_FEE,
    FINANCE,
    OIL_FILTER,
    PARTS_STOCK,
    PEUGEOT,
    SAMAND,
    SAMAND_FEE,
    WHITE,
    SepidarCase,
)

RUNNER_MODULE = "odoo.addons.car_portal_sepidar.models.sepidar_posting_runner"
RUNNER_LOGGER = RUNNER_MODULE


class TestQueue(SepidarCase):
    def test_approval_queues_one_posting_with_a_stable_guid(self):
        order = self._approved()
        export = self._export(order)
        self.assertEqual(len(export), 1)
        self.assertEqual(export.state, "pending")
        db_uuid = self.env["ir.config_parameter"].get_param("database.uuid")
        self.assertEqual(
            export.guid, stable_guid(db_uuid, "car.portal.order", order.id)
        )
        self.assertEqual(export.guid, export._guid_for(order))
        self.assertEqual(order.sepidar_state, "pending")
        cron = self.env.ref("car_portal_sepidar.ir_cron_sepidar_post")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        )
        # Queueing again (a second approval hook, a go-live button) adds nothing.
        self.assertFalse(self.env["sepidar.export"]._enqueue(order))
        self.backend.action_queue_approved_orders()
        self.assertEqual(len(self._export(order)), 1)

    def test_the_database_refuses_a_second_posting_of_an_order(self):
        order = self._approved()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env["sepidar.export"].create(
                {
                    "order_id": order.id,
                    "backend_id": self.backend.id,
                    "guid": "another-guid",
                    "document_type": "quotation",
                }
            )

    def test_orders_not_approved_or_without_backend_are_not_queued(self):
        draft = self._order()
        self.assertFalse(self.env["sepidar.export"]._enqueue(draft))
        self.backend.active = False
        order = self._approved()
        self.assertFalse(self._export(order))
        self.assertFalse(order.sepidar_state)


class TestPosting(SepidarCase):
    def test_happy_path_posts_a_consistent_quotation(self):
        order = self._approved(lines=[(self.oil_filter, 10), (self.samand, 1)])
        self.assertEqual(self._run_cron(), 1)
        export = self._export(order)
        self.assertEqual(export.state, "done")
        self.assertEqual(export.attempts, 1)
        self.assertFalse(export.outcome_unknown)
        quotations = self.simulator.backend.ledger.quotations
        self.assertEqual(len(quotations), 1)
        quotation = quotations[export.sepidar_document_id]
        self.assertEqual(quotation["GUID"], export.guid)
        self.assertEqual(str(quotation["Number"]), export.sepidar_document_number)
        self.assertEqual(order.sepidar_state, "done")
        self.assertEqual(order.sepidar_document_number, export.sepidar_document_number)
        self.assertEqual(quotation["SaleTypeRef"], 1)
        self.assertEqual(quotation["CurrencyRef"], 1)
        # Fees from Sepidar's price list, tax 9 % and duty 1 % from the items.
        lines = {line["ItemRef"]: line for line in quotation["Items"]}
        self.assertEqual(set(lines), {OIL_FILTER, SAMAND})
        self.assertEqual(lines[OIL_FILTER]["Fee"], FILTER_FEE)
        self.assertEqual(lines[OIL_FILTER]["Price"], 10 * FILTER_FEE)
        self.assertEqual(lines[OIL_FILTER]["Tax"], 10 * FILTER_FEE * 9 // 100)
        self.assertEqual(lines[OIL_FILTER]["Duty"], 10 * FILTER_FEE // 100)
        self.assertEqual(lines[OIL_FILTER]["StockRef"], PARTS_STOCK)
        self.assertEqual(lines[SAMAND]["Fee"], SAMAND_FEE)
        # Header totals are the sums of the lines; amounts are whole Rials.
        for field in ("Price", "Tax", "Duty", "Discount", "Addition"):
            self.assertEqual(
                quotation[field], sum(line[field] for line in quotation["Items"])
            )
        self.assertIsInstance(export.payload["Items"][0]["Fee"], int)
        self.assertEqual(export.amount_net, quotation["NetPrice"])
        # One attempt logged: list customers, create the dealer, post.
        log = export.log_ids
        self.assertEqual(len(log), 1)
        self.assertEqual(log.outcome, "posted")
        self.assertEqual(log.http_calls, 3)
        self.assertEqual(order.sepidar_log_count, 1)

    def test_dealer_is_told_the_document_number(self):
        order = self._approved(lines=[(self.oil_filter, 2)])
        self._run_cron()
        export = self._export(order)
        self.assertFalse(export.dealer_notified_at)
        self.assertEqual(self.env["sepidar.export"]._cron_notify_dealers(), 1)
        self.assertTrue(export.dealer_notified_at)
        self.assertEqual(self.env["sepidar.export"]._cron_notify_dealers(), 0)
        message = self._dealer_notices(order, "in our accounting")
        self.assertEqual(len(message), 1)
        self.assertIn(order.sepidar_document_number, message.body)
        self.assertIn(order.name, message.subject)

    def test_the_job_writes_in_the_companys_language(self):
        """The cron runs as the robot user (English); the staff read its logs
        and notes in the company's language."""
        self.company.partner_id.lang = "fa_IR"
        order = self._approved(lines=[(self.oil_filter, 2)])
        self._run_cron()
        log = self.env["sepidar.sync.log"].search(
            [("export_id", "=", self._export(order).id)], limit=1
        )
        self.assertIn("در سپیدار ثبت شد", log.message)

    def test_dealer_reads_the_accounting_status(self):
        order = self._approved(lines=[(self.oil_filter, 2)])
        status = order._portal_sepidar_status()
        self.assertEqual(status["label"], "Being registered in accounting")
        self.assertFalse(status["number"])
        self._run_cron()
        status = order._portal_sepidar_status()
        self.assertEqual(status["state"], "done")
        self.assertEqual(status["label"], "Registered in accounting")
        self.assertEqual(status["number"], order.sepidar_document_number)
        self.assertTrue(status["date"])
        draft = self._order(lines=[(self.oil_filter, 1)])
        self.assertIsNone(draft._portal_sepidar_status())

    def test_customer_is_created_once_then_reused(self):
        before = self._sim_state()["customers"]
        orders = self._approved() | self._approved()
        self.assertEqual(self._run_cron(), 2)
        self.assertEqual(self._sim_state()["customers"], before + 1)
        binding = self.env["sepidar.partner.binding"].search(
            [("partner_id", "=", self.dealer_a.id)]
        )
        self.assertEqual(binding.matched_by, "created")
        db_uuid = self.env["ir.config_parameter"].get_param("database.uuid")
        self.assertEqual(
            binding.guid, stable_guid(db_uuid, "res.partner", self.dealer_a.id)
        )
        customer = self.simulator.backend.ledger.customers[binding.sepidar_customer_id]
        self.assertEqual(customer["GUID"], binding.guid)
        self.assertEqual(customer["CustomerType"], 2)
        refs = {
            q["CustomerRef"] for q in self.simulator.backend.ledger.quotations.values()
        }
        self.assertEqual(refs, {binding.sepidar_customer_id})
        # The second order needed one call only: its document.
        second = self._export(orders[1]).log_ids
        self.assertEqual(second.http_calls, 1)

    def test_existing_customers_are_matched_by_code_then_phone(self):
        self.dealer_a.ref = "10001"
        self.dealer_b.phone = "+98 21 8877 6655"
        before = self._sim_state()["customers"]
        self._approved(dealer=self.dealer_a)
        self._approved(dealer=self.dealer_b)
        self._run_cron()
        self.assertEqual(self._sim_state()["customers"], before)
        bindings = self.env["sepidar.partner.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        matched = {
            (b.partner_id, b.sepidar_customer_id, b.matched_by) for b in bindings
        }
        self.assertEqual(
            matched, {(self.dealer_a, 1, "code"), (self.dealer_b, 2, "phone")}
        )

    def test_products_are_mapped_by_code_and_colour(self):
        Binding = self.env["sepidar.product.binding"]
        products = (
            self.oil_filter | self.peugeot_white | self.peugeot_black | self.mystery
        )
        bindings = Binding._get_or_create(self.backend, products)
        by_product = {b.product_id: b for b in bindings}
        self.assertEqual(by_product[self.oil_filter].item_id.sepidar_id, OIL_FILTER)
        self.assertEqual(by_product[self.oil_filter].matched_by, "code")
        white = by_product[self.peugeot_white]
        self.assertEqual(white.item_id.sepidar_id, PEUGEOT)
        self.assertEqual(white.tracing_id.sepidar_id, WHITE)
        self.assertEqual(white.matched_by, "code_tracing")
        self.assertEqual(by_product[self.peugeot_black].tracing_id.sepidar_id, BLACK)
        self.assertFalse(by_product[self.mystery].is_mapped)
        # Posting a colour sends its tracing.
        order = self._approved(lines=[(self.peugeot_white, 1)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "done")
        line = self.simulator.backend.ledger.quotations[export.sepidar_document_id][
            "Items"
        ][0]
        self.assertEqual((line["ItemRef"], line["TracingRef"]), (PEUGEOT, WHITE))

    def test_a_missing_price_stops_the_posting_and_names_item_and_sale_type(self):
        """The default: a price under another sale type is not this sale
        type's, and the Odoo price is not taken silently."""
        self.assertEqual(self.backend.price_source, "pricelist")
        filter_item = self._sepidar("sepidar.item", OIL_FILTER)
        other_sale_type = self._sepidar("sepidar.sale.type", 2)
        prices = filter_item.price_ids
        prices.sale_type_id = other_sale_type
        order = self._approved(lines=[(self.oil_filter, 2)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "error")
        self.assertIn(
            f"Sepidar's price list has no price of {filter_item.display_name} for "
            f"sale type {self.sale_type.name}",
            export.last_error,
        )
        self.assertEqual(self._sim_state()["quotations"], 0)
        self.assertTrue(self._activities(order))
        # Finance fixes the price list and retries: posted at Sepidar's price.
        prices.sale_type_id = self.sale_type
        export.with_user(self.finance).action_retry()
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.payload["Items"][0]["Fee"], FILTER_FEE)
        self.assertNotIn("Odoo prices", "".join(order.message_ids.mapped("body")))

    def test_the_odoo_price_fallback_is_explicit_and_said_on_the_order(self):
        self.backend.price_source = "pricelist_then_odoo"
        filter_item = self._sepidar("sepidar.item", OIL_FILTER)
        filter_item.price_ids.unlink()
        self.backend.odoo_price_factor = 10  # Odoo prices in Toman
        order = self._approved(lines=[(self.oil_filter, 2), (self.samand, 1)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "done")
        fees = [line["Fee"] for line in export.payload["Items"]]
        self.assertEqual(fees, [20_000_000, SAMAND_FEE])
        note = order.message_ids.filtered(
            lambda m: "Posted to Sepidar with Odoo prices" in m.body
        )
        self.assertEqual(len(note), 1)
        self.assertIn(filter_item.display_name, note.body)
        self.assertIn("20,000,000 Rial", note.body)
        # The Samand had Sepidar's price: nothing to say about it.
        self.assertNotIn(self._sepidar("sepidar.item", SAMAND).display_name, note.body)
        self.assertIn(filter_item.display_name, export.log_ids.message)

    def test_the_odoo_price_only_when_chosen(self):
        self.backend.price_source = "odoo"
        self.backend.odoo_price_factor = 10
        order = self._approved(lines=[(self.oil_filter, 2)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "done")
        self.assertEqual(export.payload["Items"][0]["Fee"], 20_000_000)

    def test_nothing_supplied_means_nothing_posted(self):
        order = self._approve(self._order(lines=[(self.oil_filter, 3)]), supplied=0)
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "cancel")
        self.assertEqual(export.log_ids.outcome, "skipped")
        self.assertEqual(self._sim_state()["quotations"], 0)

    def test_invoice_mode_posts_an_invoice(self):
        self.backend.document_type = "invoice"
        order = self._approved(lines=[(self.oil_filter, 4)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual((export.state, export.document_type), ("done", "invoice"))
        invoice = self.simulator.backend.ledger.invoices[export.sepidar_document_id]
        self.assertEqual(invoice["GUID"], export.guid)
        self.assertEqual(self._sim_state()["quotations"], 0)


class TestErrors(SepidarCase):
    def test_unmapped_product_stops_the_order_until_fixed_and_retried(self):
        order = self._approved(lines=[(self.mystery, 2), (self.oil_filter, 1)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "error")
        self.assertIn("Mystery part", export.last_error)
        self.assertIn("has no Sepidar item", export.last_error)
        self.assertEqual(order.sepidar_state, "error")
        self.assertIn("has no Sepidar item", order.sepidar_error)
        self.assertEqual(self._sim_state()["quotations"], 0)
        errors = self.env["car.portal.order"].search([("sepidar_state", "=", "error")])
        self.assertIn(order, errors)
        self.assertNotIn(
            order,
            self.env["car.portal.order"].search([("sepidar_state", "!=", "error")]),
        )
        activities = self._activities(order)
        # Every Sepidar finance user gets the to-do (the demo has one too).
        self.assertIn(self.finance, activities.user_id)
        self.assertTrue(all(u.has_group(FINANCE) for u in activities.user_id))
        self.assertIn("Posting to Sepidar failed", order.message_ids[0].body)
        # Retrying before the fix gives the same refusal.
        order.with_user(self.finance).action_sepidar_retry()
        self.assertEqual(export.state, "pending")
        self.assertFalse(self._activities(order))
        self._run_cron()
        self.assertEqual(export.state, "error")
        # The finance user maps the product, then retries.
        binding = self.env["sepidar.product.binding"].search(
            [("product_id", "=", self.mystery.id)]
        )
        binding.with_user(self.finance).item_id = self._sepidar(
            "sepidar.item", 6
        )  # PT-0003
        order.with_user(self.finance).action_sepidar_retry()
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(self._sim_state()["quotations"], 1)
        self.assertFalse(self._activities(order))
        self.assertEqual(
            export.log_ids.mapped("outcome"), ["posted", "invalid", "invalid"]
        )

    def test_sepidar_refusal_keeps_its_persian_message(self):
        self.simulator.backend.ledger.items[OIL_FILTER]["IsActive"] = False
        order = self._approved(lines=[(self.oil_filter, 1)])
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "error")
        self.assertIn("Sepidar rejected the data", export.last_error)
        self.assertIn("كالای نامعتبر", export.last_error)
        self.assertEqual(export.log_ids.sepidar_message, "كالای نامعتبر")
        self.assertTrue(self._activities(order))

    def test_only_finance_and_admins_retry(self):
        self._sepidar("sepidar.item", OIL_FILTER).price_ids.unlink()
        order = self._approved(lines=[(self.oil_filter, 1)])
        self._run_cron()
        with self.assertRaises(AccessError):
            order.with_user(self.manager).action_sepidar_retry()
        with self.assertRaises(AccessError):
            self._export(order).with_user(self.manager).sudo(False).action_retry()

    def test_server_errors_back_off_exponentially(self):
        order = self._approved()
        self.simulator.configure(error_rate=1.0)
        start = fields.Datetime.now()
        self._run_cron()
        export = self._export(order)
        self.assertEqual((export.state, export.attempts), ("pending", 1))
        self.assertFalse(export.outcome_unknown)  # nothing was posted yet
        self.assertEqual(export.log_ids.outcome, "transient")
        self.assertGreaterEqual(export.next_attempt_at, start + timedelta(seconds=59))
        self.assertLess(export.next_attempt_at, start + timedelta(seconds=120))
        # Not due yet: the job leaves it alone.
        self.assertEqual(self._run_cron(), 0)
        self.assertEqual(export.attempts, 1)
        self._make_due(export)
        start = fields.Datetime.now()
        self._run_cron()
        self.assertEqual(export.attempts, 2)
        self.assertGreaterEqual(export.next_attempt_at, start + timedelta(seconds=119))
        # The delay is capped.
        export.attempts = 10
        self.assertEqual(export._retry_delay(), 600)
        export.attempts = 2
        self.simulator.configure(error_rate=0)
        self._make_due(export)
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(self._sim_state()["quotations"], 1)

    def test_server_error_on_the_document_is_looked_up_before_resending(self):
        self._bind(self.dealer_a)  # a known customer: the post is the first call
        order = self._approved()
        self.simulator.configure(error_rate=1.0)
        self._run_cron()
        export = self._export(order)
        self.assertTrue(export.outcome_unknown)
        self.simulator.configure(error_rate=0)
        self._make_due(export)
        self._run_cron()
        self.assertEqual(export.state, "done")
        # Second attempt: lookup by GUID (not found), then the post.
        self.assertEqual(export.log_ids[0].http_calls, 2)
        self.assertEqual(self._sim_state()["quotations"], 1)

    def test_lost_answer_is_resolved_by_guid_without_posting_twice(self):
        self._bind(self.dealer_a)
        order = self._approved()
        self.simulator.configure(commit_then_drop_rate=1.0)
        self._run_cron()
        export = self._export(order)
        self.assertEqual(export.state, "pending")
        self.assertTrue(export.outcome_unknown)
        self.assertEqual(export.log_ids.outcome, "unknown")
        self.assertEqual(self._sim_state()["quotations"], 1)  # saved, answer lost
        self.simulator.configure(commit_then_drop_rate=0)
        self._make_due(export)
        self._run_cron()
        self.assertEqual(export.state, "done", export.log_ids.mapped("message"))
        self.assertEqual(export.log_ids[0].outcome, "adopted")
        self.assertEqual(export.log_ids[0].http_calls, 1)  # the lookup only
        state = self._sim_state()
        self.assertEqual(state["quotations"], 1)
        self.assertEqual(state["duplicate_quotation_guids"], 0)
        quotation = self.simulator.backend.ledger.quotations[export.sepidar_document_id]
        self.assertEqual(quotation["GUID"], export.guid)

    def test_worker_killed_after_sending_is_adopted(self):
        """A row left ``running`` means a worker died, perhaps mid-call."""
        self._bind(self.dealer_a)
        order = self._approved()
        export = self._export(order)
        # What the dead worker did: mark running (committed), then post.
        export.write({"state": "running", "attempts": 1})
        export.document_date = fields.Date.context_today(export)
        payload = DocumentMapper(self.env).payload(export, 1)
        self._client().create_quotation(payload)
        self.assertEqual(self._sim_state()["quotations"], 1)
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.log_ids.outcome, "adopted")
        self.assertEqual(self._sim_state()["quotations"], 1)

    def test_worker_killed_before_sending_posts_once(self):
        self._bind(self.dealer_a)
        order = self._approved()
        export = self._export(order)
        export.write({"state": "running", "attempts": 1})
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.log_ids.outcome, "posted")
        self.assertEqual(export.log_ids.http_calls, 2)  # lookup, then post
        self.assertEqual(self._sim_state()["quotations"], 1)

    def test_lost_invoice_answer_is_matched_without_a_second_invoice(self):
        self.backend.document_type = "invoice"
        self._bind(self.dealer_a)
        other = self._approved(lines=[(self.oil_filter, 4)])
        self._run_cron()
        order = self._approved(lines=[(self.oil_filter, 4)])  # same amount
        self.simulator.configure(commit_then_drop_rate=1.0)
        self._run_cron()
        export = self._export(order)
        self.assertTrue(export.outcome_unknown)
        self.simulator.configure(commit_then_drop_rate=0)
        self._make_due(export)
        self._run_cron()
        self.assertEqual(export.state, "done")
        self.assertEqual(export.log_ids[0].outcome, "adopted")
        self.assertNotEqual(
            export.sepidar_document_id, self._export(other).sepidar_document_id
        )
        self.assertEqual(self._sim_state()["invoices"], 2)

    def test_token_expiry_logs_in_again(self):
        token = self.backend.sudo().token
        self.simulator.configure(token_expiry_every_n_calls=3)
        orders = self.env["car.portal.order"]
        for _i in range(4):
            orders |= self._approved()
        self.assertEqual(self._run_cron(), 4)
        self.assertEqual(
            set(
                self.env["sepidar.export"]
                .search([("order_id", "in", orders.ids)])
                .mapped("state")
            ),
            {"done"},
        )
        state = self._sim_state()
        self.assertGreaterEqual(state["tokens_revoked"], 2)
        self.assertEqual(state["logins"], state["tokens_revoked"])
        self.assertEqual(state["quotations"], 4)
        self.assertEqual(state["duplicate_quotation_guids"], 0)
        self.assertNotEqual(self.backend.sudo().token, token)

    def test_one_bad_order_does_not_stop_the_batch(self):
        good_1 = self._approved()
        bad = self._approved(lines=[(self.mystery, 1)])
        good_2 = self._approved()
        self.assertEqual(self._run_cron(), 3)
        states = [self._export(o).state for o in (good_1, bad, good_2)]
        self.assertEqual(states, ["done", "error", "done"])
        self.assertEqual(self._sim_state()["quotations"], 2)

    def test_unexpected_error_is_contained(self):
        good = self._approved()
        bad = self._approved()
        bad_export = self._export(bad)
        original = DocumentMapper.payload

        def broken(mapper, export, customer_id=None, bindings=None):
            if export == bad_export:
                raise RuntimeError("bug")
            return original(mapper, export, customer_id, bindings)

        with (
            patch.object(DocumentMapper, "payload", broken),
            mute_logger(RUNNER_LOGGER),
        ):
            self.assertEqual(self._run_cron(), 2)
        self.assertEqual(self._export(good).state, "done")
        self.assertEqual(bad_export.state, "error")
        self.assertTrue(bad_export.outcome_unknown)  # a retry looks up first
        self.assertEqual(bad_export.log_ids.outcome, "crash")
        bad_export.action_retry()
        self._run_cron()
        self.assertEqual(bad_export.state, "done")
        self.assertEqual(self._sim_state()["quotations"], 2)

    def test_unexpected_error_while_sending_is_contained(self):
        self._bind(self.dealer_a)
        bad, good = self._approved(), self._approved()
        calls = []

        def document_call(client, kind, payload):
            send = original(client, kind, payload)

            def call():  # in the sender thread
                calls.append(payload["GUID"])
                if len(calls) == 1:
                    raise RuntimeError("bug in the sender thread")
                return send()

            return call

        original = SepidarClient.document_call
        with (
            patch.object(SepidarClient, "document_call", document_call),
            mute_logger(RUNNER_LOGGER),
        ):
            self.assertEqual(self._run_cron(), 2)
        bad_export = self._export(bad)
        self.assertEqual(
            (bad_export.state, bad_export.log_ids.outcome), ("error", "crash")
        )
        self.assertTrue(bad_export.outcome_unknown)
        self.assertEqual(self._export(good).state, "done")

    def test_unregistered_device_postpones_posting(self):
        self._bind(self.dealer_a)
        order = self._approved()
        self.backend.action_reset_registration()
        before = self._sim_state()["requests"]
        self._run_cron()
        export = self._export(order)
        self.assertEqual((export.state, export.log_ids.outcome), ("pending", "backend"))
        self.assertFalse(export.outcome_unknown)
        self.assertIn("not registered", self.backend.last_error)
        self.assertEqual(self._sim_state()["requests"], before)  # nothing sent

    def test_refused_connection_waits_without_burning_attempts(self):
        first = self._approved()
        second = self._approved()
        self.backend.sudo().write({"password": "wrong", "token": False})
        self._run_cron()
        first_export, second_export = self._export(first), self._export(second)
        self.assertEqual(first_export.log_ids.outcome, "backend")
        self.assertIn("Wrong password", self.backend.last_error)
        self.assertEqual(second_export.attempts, 0)  # deferred, not attempted
        self.assertEqual(second_export.next_attempt_at, first_export.next_attempt_at)
        self.assertEqual({first_export.state, second_export.state}, {"pending"})
        self.backend.sudo().password = "shop123"
        self._make_due(first_export | second_export)
        self._run_cron()
        self.assertEqual({first_export.state, second_export.state}, {"done"})


class TestPostingQueries(SepidarCase):
    """What the posting job costs the database per order, pinned.

    The dealer's customer is known, so each order is one document sent while
    the previous answer is recorded. The runner empties the ORM cache where
    production commits (tests cannot commit), so these are production's counts.
    """

    # Queries of a run: its fixed part, plus this much per posted order.
    RUN, PER_ORDER = 43, 11

    def _posted_run(self, size):
        orders = [self._approved() for _i in range(size)]
        self.env.flush_all()
        before = self.cr.sql_log_count
        with self.assertQueryCount(self.RUN + size * self.PER_ORDER):
            self.assertEqual(self._run_cron(), size)
        count = self.cr.sql_log_count - before
        self.assertEqual(
            {self._export(order).state for order in orders}, {"done"}, "all posted"
        )
        return count

    def test_queries_per_posted_order_are_constant(self):
        self._bind(self.dealer_a)
        self._approved()
        self._run_cron()  # first run: the products' bindings are created
        counts = {size: self._posted_run(size) for size in (2, 4, 6)}
        # Linear in the orders of the batch: the same cost for each one.
        self.assertEqual(counts[6] - counts[4], counts[4] - counts[2])
        self.assertEqual((counts[4] - counts[2]) / 2, self.PER_ORDER, counts)


class TestMoreBatches(SepidarCase):
    """A young run takes the next batch while the last document of a full
    batch is on the wire: the wire is not left idle between batches."""

    def setUp(self):
        super().setUp()
        self._bind(self.dealer_a)
        self.backend.batch_size = 2
        self.orders = [self._approved() for _i in range(5)]

    def _states(self):
        return [self._export(order).state for order in self.orders]

    def test_a_young_run_posts_batch_after_batch_each_document_once(self):
        self.assertEqual(self._run_cron(), 5)
        self.assertEqual(self._states(), ["done"] * 5)
        guids = [q["GUID"] for q in self.simulator.backend.ledger.quotations.values()]
        self.assertEqual(
            sorted(guids), sorted(self._export(o).guid for o in self.orders)
        )
        self.assertEqual(self._sim_state()["duplicate_quotation_guids"], 0)

    def test_an_old_run_leaves_the_next_batch_to_the_cron(self):
        with patch(f"{RUNNER_MODULE}.MORE_BATCHES_SECONDS", 0):
            self.assertEqual(self._run_cron(), 2)
        self.assertEqual(self._states(), ["done"] * 2 + ["pending"] * 3)
