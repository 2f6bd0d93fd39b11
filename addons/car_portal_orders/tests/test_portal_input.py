# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bad input on the dealer's order form: the form comes back as typed, with a
message next to the faulty field, and nothing is saved."""

from unittest.mock import patch

from odoo.tests import tagged

from .portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestPortalBadInput(CarPortalHttpCase):
    def setUp(self):
        super().setUp()
        self._login(self.portal_a)
        self.before = self._dealer_orders()

    def _send(self, lines, action="save", **kw):
        kw.setdefault("term", self.payment_term.id)
        kw.setdefault("note", "Keep this note")
        return self._post("/my/car-orders/new", self._form(lines, action, **kw))

    def _assert_refused(self, response):
        """The form came back (nothing saved) with the dealer's input."""
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self._dealer_orders(), self.before)
        self.assertIn("o_car_portal_form_errors", response.text)
        self.assertIn("Keep this note", response.text)
        self.assertIn(f'<option value="{self.payment_term.id}" selected', response.text)
        return response.text

    # Quantities -------------------------------------------------------------------

    def test_persian_and_arabic_digits_accepted(self):
        response = self._send(
            [self._line(self.brake_pad, "۱۲"), self._line(self.vehicle, "١٢")]
        )
        order = self._order_id_from(response)
        self.assertEqual(order.line_ids.mapped("requested_qty"), [12, 12])

    def test_bad_quantities(self):
        cases = {
            "0": "The quantity must be at least 1.",
            "-3": "The quantity must be at least 1.",
            "2.5": "The quantity must be a whole number, without decimals.",
            "۱٫۵": "The quantity must be a whole number, without decimals.",
            "501": "At most 500 can be ordered on one line.",
            "99999999999999999999999": "At most 500 can be ordered on one line.",
            "a dozen": "Enter the quantity as a number, e.g. 12.",
            "": "Enter a quantity.",
        }
        for qty, message in cases.items():
            with self.subTest(qty=qty):
                response = self._send(
                    [self._line(self.vehicle, "2"), self._line(self.brake_pad, qty)]
                )
                html = self._assert_refused(response)
                self._assert_field_error(html, "line_1_qty", message, value=qty)
                # The good line is kept as typed, without an error.
                self.assertIn('name="line_0_qty" value="2"', html)
                self.assertIn('value="Sedan"', html)

    def test_quantity_message_is_translated(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.portal_a.lang = "fa_IR"
        self._login(self.portal_a)
        response = self._send([self._line(self.brake_pad, "0")])
        self.assertEqual(response.status_code, 422)
        self._assert_field_error(
            response.text, "line_0_qty", "تعداد باید دست‌کم ۱ باشد.", value="0"
        )
        self.assertIn("o_rtl", response.text)

    # Products ------------------------------------------------------------------------

    def test_unknown_archived_and_not_orderable_products(self):
        cases = [
            (
                {"product_tmpl_id": 999999, "product_query": "Ghost"},
                "This product does not exist; search for it again.",
            ),
            (
                {"product_id": 999999, "product_query": "Ghost"},
                "This product does not exist; search for it again.",
            ),
            (
                {"product_tmpl_id": "12abc", "product_query": "Bad id"},
                "This product does not exist; search for it again.",
            ),
            (self._line(self.archived_part), "Old mirror"),
            (self._line(self.tool), "Workshop tool"),
            ({"product_query": "PT-OLD"}, "cannot be ordered"),
            ({"product_query": "zzz"}, "No orderable product matches “zzz”."),
            ({"product_query": ""}, "Choose a product."),
        ]
        for line, message in cases:
            with self.subTest(line=line):
                line = dict(line, qty="3")
                html = self._assert_refused(self._send([line]))
                self._assert_field_error(html, "line_0_product_query", message)
                self.assertIn('name="line_0_qty" value="3"', html)

    def test_product_typed_without_javascript(self):
        # The exact code of a variant, or a single model by name.
        response = self._send(
            [
                {"product_query": "suv-gra", "qty": "1"},
                {"product_query": "brake PAD", "qty": "2"},
            ]
        )
        order = self._order_id_from(response)
        self.assertEqual(order.line_ids.product_id, self.suv_graphite | self.brake_pad)

    def test_colour_must_exist(self):
        # A model with colours and no colour chosen: the colours are offered.
        html = self._assert_refused(
            self._send([{"product_query": "Test SUV", "qty": "1"}])
        )
        self._assert_field_error(html, "line_0_product_id", "Choose a colour.")
        self.assertIn(f'<option value="{self.suv_pearl.id}"', html)
        self.assertNotIn("Crimson", html)
        # A variant of another model never passes as a colour.
        line = self._line(template=self.suv, product=None, qty="1")
        line["product_id"] = self.brake_pad.id
        html = self._assert_refused(self._send([line]))
        self._assert_field_error(html, "line_0_product_id", "Choose a colour.")

    # Whole order ----------------------------------------------------------------------

    def test_empty_order_cannot_be_submitted(self):
        html = self._assert_refused(self._send([], action="submit"))
        self.assertIn("Add at least one product before submitting.", html)
        # A draft without lines can be saved, not submitted.
        draft = self._order_id_from(self._send([]))
        response = self._post(f"{draft.access_url}/submit")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(draft.state, "draft")
        self.assertIn(
            "Add at least one product before submitting.",
            self._get(draft.access_url).text,
        )

    def test_payment_term(self):
        for term, message in (
            (self.foreign_term.id, "Choose a payment term from the list."),
            ("nope", "Choose a payment term from the list."),
        ):
            with self.subTest(term=term):
                response = self._send([self._line(self.vehicle, "1")], term=term)
                self.assertEqual(response.status_code, 422)
                self.assertEqual(self._dealer_orders(), self.before)
                self._assert_field_error(response.text, "payment_term_id", message)
        response = self._send([self._line(self.vehicle, "1")], "submit", term="")
        self.assertEqual(response.status_code, 422)
        self._assert_field_error(
            response.text, "payment_term_id", "Choose a payment term."
        )

    def test_draft_without_payment_term_cannot_be_submitted(self):
        draft = self._order_id_from(
            self._send([self._line(self.vehicle, "1")], term="")
        )
        self.assertFalse(draft.payment_term_id)
        self._post(f"{draft.access_url}/submit")
        self.assertEqual(draft.state, "draft")
        self.assertIn(
            "Choose a payment term before submitting the order.",
            self._get(draft.access_url).text,
        )

    def test_note_too_long(self):
        note = "x" * 4001
        response = self._send([self._line(self.vehicle, "1")], note=note)
        self.assertEqual(response.status_code, 422)
        self.assertIn(note, response.text)
        self._assert_field_error(
            response.text, "dealer_note", "Notes are limited to 4000 characters"
        )

    def test_fields_the_dealer_may_not_set_are_ignored(self):
        extra = {
            "state": "approved",
            "user_id": self.expert_2.id,
            "company_id": self.other_company.id,
            "partner_id": self.dealer_b.id,
            "stage_id": 1,
            "supplied_qty": 99,
            "line_0_supplied_qty": 99,
            "line_0_price_unit": 1,
            "expert_opinion": "<p>Approved by myself</p>",
            "portal_form_token": "forged",
        }
        response = self._send([self._line(self.vehicle, "2")], action="submit", **extra)
        order = self._order_id_from(response)
        self.assertEqual(order.partner_id, self.dealer_a)
        self.assertEqual(order.company_id, self.company)
        self.assertEqual(order.state, "review")
        self.assertEqual(order.user_id, self.expert_1)
        self.assertFalse(order.expert_opinion)
        self.assertEqual(order.line_ids.requested_qty, 2)
        self.assertEqual(order.line_ids.supplied_qty, 2)  # prefilled at submit
        self.assertEqual(order.line_ids.price_unit, 1000.0)
        # Same on a draft's edit form.
        draft = self._order(lines=[(self.brake_pad, 1)])
        self._post(
            f"{draft.access_url}/edit",
            self._form([self._line(self.brake_pad, "3")], **extra),
        )
        self.assertEqual(draft.state, "draft")
        self.assertEqual(draft.partner_id, self.dealer_a)
        self.assertEqual(draft.line_ids.supplied_qty, 0)
        self.assertEqual(draft.line_ids.requested_qty, 3)

    # Double submission ----------------------------------------------------------------

    def test_double_click_creates_one_order(self):
        form = self._form(
            [self._line(self.vehicle, "1")],
            action="submit",
            term=self.payment_term.id,
            token="double-click",
        )
        first = self._post("/my/car-orders/new", form)
        second = self._post("/my/car-orders/new", form)
        order = self._order_id_from(first)
        self.assertEqual(self._order_id_from(second), order)
        self.assertEqual(len(self._dealer_orders() - self.before), 1)
        self.assertEqual(order.state, "review")
        # A fresh form gets a fresh token.
        self.assertNotIn("double-click", self._get("/my/car-orders/new").text)
        # The token in a link leads to its order.
        response = self._get("/my/car-orders/new?form_token=double-click")
        self.assertEqual(self._order_id_from(response), order)

    def test_double_click_race(self):
        """The second request does not see the first one's order yet: the
        unique token refuses a second order and sends the dealer to the first."""
        form = self._form(
            [self._line(self.vehicle, "1")], term=self.payment_term.id, token="race"
        )
        first = self._order_id_from(self._post("/my/car-orders/new", form))
        Order = self.registry["car.portal.order"]
        with patch.object(
            Order, "_portal_find_by_token", lambda self, *a: self.browse()
        ):
            second = self._post("/my/car-orders/new", form)
        self.assertEqual(second.status_code, 303)
        self.assertTrue(
            second.headers["Location"].endswith("/my/car-orders/new?form_token=race")
        )
        self.assertEqual(len(self._dealer_orders() - self.before), 1)
        self.assertEqual(
            self._order_id_from(self._get(second.headers["Location"])), first
        )

    def test_add_line_without_javascript(self):
        response = self._post(
            "/my/car-orders/new",
            self._form(
                [self._line(self.vehicle, "۳"), {"product_query": "", "qty": ""}],
                action="add_line",
                term=self.payment_term.id,
                note="Keep this note",
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._dealer_orders(), self.before)
        html = response.text
        self.assertIn('name="line_0_qty" value="۳"', html)
        self.assertIn('name="line_1_qty"', html)
        self.assertIn('name="line_2_qty"', html)
        self.assertIn("Keep this note", html)
