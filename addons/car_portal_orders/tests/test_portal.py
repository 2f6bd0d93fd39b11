# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dealer portal pages: home tile, list, order page, form, print, search."""

from odoo import Command
from odoo.tests import tagged

from .portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestPortalPages(CarPortalHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.draft = cls._order(lines=[(cls.brake_pad, 4)], dealer_note="Blue boxes")
        cls.submitted = cls._submitted_order(lines=[(cls.vehicle, 2)])
        cls.reviewed = cls._submitted_order(
            lines=[(cls.vehicle, 5), (cls.brake_pad, 10)]
        )
        line_vehicle = cls.reviewed.line_ids.filtered(
            lambda ln: ln.product_id == cls.vehicle
        )
        line_vehicle.with_user(cls.expert_1).write(
            {"supplied_qty": 3, "expert_note": "Two arrive next month"}
        )
        cls.reviewed.with_user(cls.expert_1).write(
            {"expert_opinion": "<p>Good dealer, supply what stock allows.</p>"}
        )
        cls.reviewed.with_user(cls.expert_1).action_send_to_process()
        cls.approved = cls._submitted_order(lines=[(cls.brake_pad, 1)])
        cls.approved._write_system({"state": "approved"})
        cls.order_b = cls._submitted_order(dealer=cls.dealer_b)

    # Home -----------------------------------------------------------------------

    def test_home_tile_and_counters(self):
        self._login(self.portal_a)
        response = self._get("/my")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Car Orders", response.text)
        self.assertIn('data-placeholder_count="car_order_review_count"', response.text)
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {
                "counters": [
                    "car_order_count",
                    "car_order_submitted_count",
                    "car_order_review_count",
                    "car_order_approved_count",
                    "car_order_todo_count",
                ]
            },
        )
        self.assertEqual(
            counters,
            {
                "car_order_count": 4,
                "car_order_submitted_count": 3,
                "car_order_review_count": 2,
                "car_order_approved_count": 1,
                "car_order_todo_count": 1,
            },
        )
        self._login(self.portal_b)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["car_order_count", "car_order_todo_count"]}
        )
        self.assertEqual(counters, {"car_order_count": 1, "car_order_todo_count": 0})

    # List -----------------------------------------------------------------------

    def test_list_shows_own_orders_with_totals(self):
        self._login(self.portal_a)
        response = self._get("/my/car-orders")
        self.assertEqual(response.status_code, 200)
        html = response.text
        for order in self.draft | self.submitted | self.reviewed | self.approved:
            self.assertIn(order.name, html)
        self.assertNotIn(self.order_b.name, html)
        # Requested vs supplied per row: 15 requested, 13 supplied, 2 short.
        row = html[html.index(f'data-order-id="{self.reviewed.id}"') :]
        row = row[: row.index("</tr>")]
        self.assertRegex(row, r"o_car_portal_requested\">\s*15")
        self.assertRegex(row, r"o_car_portal_supplied\">\s*13")
        self.assertIn('badge text-bg-warning">2<', row)
        self.assertIn('href="/my/car-orders/new"', html)

    def _listed(self, query, prefix=""):
        response = self._get(f"{prefix}/my/car-orders?{query}")
        self.assertEqual(response.status_code, 200)
        return {
            order
            for order in self.draft | self.submitted | self.reviewed | self.approved
            if f'data-order-id="{order.id}"' in response.text
        }

    def test_list_search(self):
        self._login(self.portal_a)
        self.assertEqual(
            self._listed(f"search={self.submitted.name}"), {self.submitted}
        )
        self.assertEqual(
            self._listed(f"search={self.submitted.name}&search_in=note"), set()
        )
        # Product name or part code, Persian digits in the code too.
        self.assertEqual(
            self._listed("search=brake&search_in=product"),
            {self.draft, self.reviewed, self.approved},
        )
        self.assertEqual(
            self._listed("search=PT-T۱"), {self.draft, self.reviewed, self.approved}
        )
        self.assertEqual(self._listed("search=blue boxes"), {self.draft})
        self.assertEqual(self._listed("search=nothing-like-this"), set())
        # The other dealer's products do not reveal its orders.
        self.assertNotIn(
            self.order_b.name, self._get("/my/car-orders?search=sedan").text
        )

    def test_list_submission_dates(self):
        """Dates are the dealer's own days (Tehran here), Jalali in Persian."""
        self.portal_a.tz = "Asia/Tehran"
        # 21 March 2026 (1 Farvardin 1405) begins at 20:30 UTC the day before.
        self.submitted._write_system({"date_submitted": "2026-03-20 21:00:00"})
        self.reviewed._write_system({"date_submitted": "2026-03-20 20:00:00"})
        self.approved._write_system({"date_submitted": "2026-11-28 10:00:00"})
        self._login(self.portal_a)
        self.assertEqual(
            self._listed("date_from=2026-03-21"), {self.submitted, self.approved}
        )
        self.assertEqual(self._listed("date_to=2026-03-20"), {self.reviewed})
        self.assertEqual(
            self._listed("date_from=2026-03-21&date_to=2026-03-21&filterby=open"),
            {self.submitted},
        )
        # A bad date: a clear message, the text kept, the other bound applied.
        response = self._get("/my/car-orders?date_from=2026-13-01&date_to=2026-03-20")
        self.assertIn("Enter the date as year/month/day, e.g. ", response.text)
        self.assertIn('value="2026-13-01"', response.text)
        self.assertIn(f'data-order-id="{self.reviewed.id}"', response.text)
        self.assertNotIn(f'data-order-id="{self.approved.id}"', response.text)
        response = self._get("/my/car-orders?date_from=2026-03-21&date_to=2026-03-20")
        self.assertIn("The end date is before the start date.", response.text)
        # Sorting and paging keep the dates.
        self.assertIn("date_from=2026-03-21", response.text)
        # Typos at the ends of the calendar: a message, not a server error.
        for query in ("date_to=9999-12-31", "date_from=0001-01-01", "date_to=1"):
            response = self._get(f"/my/car-orders?{query}")
            self.assertEqual(response.status_code, 200, query)
            self.assertIn("Enter the date as year/month/day", response.text, query)

        self.env["res.lang"]._activate_lang("fa_IR")
        self.portal_a.lang = "fa_IR"
        self._login(self.portal_a)  # the session keeps the language of its login
        # Pages of a language other than the default one are under its prefix.
        fa = "/" + self.env["res.lang"]._lang_get("fa_IR").url_code
        self.assertEqual(
            self._listed("date_from=۱۴۰۵/۰۱/۰۱&date_to=۱۴۰۵/۰۱/۰۱", fa),
            {self.submitted},
        )
        self.assertEqual(self._listed("date_to=1404/12/29", fa), {self.reviewed})
        response = self._get(f"{fa}/my/car-orders?date_from=۱۴۰۵/۱۳/۰۱")
        self.assertIn("تاریخ را به صورت سال/ماه/روز بنویسید", response.text)
        self.assertIn('value="۱۴۰۵/۱۳/۰۱"', response.text)
        self.assertIn('type="text"', response.text)

    def test_list_filter_sort_and_pager(self):
        self._login(self.portal_a)
        self.assertEqual(self._listed("filterby=draft"), {self.draft})
        self.assertEqual(self._listed("filterby=open"), {self.submitted, self.reviewed})
        self.assertEqual(self._listed("filterby=approved"), {self.approved})
        # Unknown values fall back to the defaults, never an error.
        self.assertEqual(len(self._listed("filterby=bogus&sortby=bogus&page=x")), 4)
        by_number = self._get("/my/car-orders?sortby=name").text
        names = sorted(
            (self.draft | self.submitted | self.reviewed | self.approved).mapped(
                "name"
            ),
            reverse=True,
        )
        positions = [by_number.index(name) for name in names]
        self.assertEqual(positions, sorted(positions))
        by_state = self._get("/my/car-orders?sortby=state").text
        self.assertLess(
            by_state.index(self.approved.name), by_state.index(self.draft.name)
        )
        # Pager: 20 orders a page.
        self.env["car.portal.order"].create(
            [{"partner_id": self.dealer_a.id} for _i in range(20)]
        )
        first = self._get("/my/car-orders").text
        self.assertIn('href="/my/car-orders/page/2', first)
        second = self._get("/my/car-orders/page/2").text
        self.assertIn(self.draft.name, second)
        self.assertNotIn(self.draft.name, first)

    # Order page --------------------------------------------------------------------

    def test_order_page(self):
        self.reviewed._log_history("return", reason="Internal: dealer owes money")
        self._login(self.portal_a)
        response = self._get(self.reviewed.access_url)
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn(self.reviewed.name, html)
        # Lines: requested, supplied, difference highlighted.
        self.assertEqual(html.count("o_car_portal_short"), 1)
        self.assertIn("Two arrive next month", html)
        self.assertIn("Good dealer, supply what stock allows.", html)
        # Status and timeline; internal reasons stay internal.
        self.assertIn('data-state="process"', html)
        self.assertIn("Submitted", html)
        self.assertIn("Reviewed by the expert", html)
        self.assertIn("Returned", html)
        self.assertNotIn("dealer owes money", html)
        # Chatter for dealer and expert messages and attachments.
        self.assertIn('data-res_model="car.portal.order"', html)
        self.assertIn(f'data-res_id="{self.reviewed.id}"', html)
        self.assertIn(self.expert_1.name, html)
        # No supplied quantities before the review.
        html = self._get(self.submitted.access_url).text
        self.assertNotIn("o_car_portal_short", html)
        self.assertIn("once your expert has reviewed the order", html)

    def test_dealer_writes_to_the_expert(self):
        self._login(self.portal_a)
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "car.portal.order",
                "thread_id": self.submitted.id,
                "post_data": {
                    "body": "Can you deliver before Nowruz?",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        message = self.submitted.message_ids[:1]
        self.assertIn("Nowruz", str(message.body))
        self.assertEqual(message.author_id, self.portal_a.partner_id)

    def test_the_conversation_shows_every_notice(self):
        """What the dealer was mailed is on the order page too: Odoo's portal
        chatter (``/mail/chatter_fetch``) shows discussion messages only."""
        self._login(self.portal_a)
        result = self.make_jsonrpc_request(
            "/mail/chatter_fetch",
            {"thread_model": "car.portal.order", "thread_id": self.reviewed.id},
        )
        bodies = " ".join(
            str(message["body"]) for message in result["data"]["mail.message"]
        )
        for notice in ("We received order", "Review done"):
            with self.subTest(notice=notice):
                self.assertIn(notice, bodies)
        # Internal notes stay internal.
        self.assertNotIn("Approval process", bodies)
        self.assertNotIn("is referred to", bodies)

    def test_print_summary(self):
        self._login(self.portal_a)
        html = self._get(self.reviewed.access_url).text
        self.assertIn(f"{self.reviewed.access_url}?report_type=", html)
        response = self._get(f"{self.reviewed.access_url}?report_type=html")
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/html", response.headers["Content-Type"])
        self.assertIn(self.reviewed.name, response.text)
        self.assertIn("Sedan", response.text)
        self.assertIn("Good dealer", response.text)
        self.assertIn("o_car_portal_short", response.text)
        # A PDF without wkhtmltopdf is the same printable page, never an error.
        response = self._get(f"{self.reviewed.access_url}?report_type=pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.reviewed.name, response.text)

    # New order, drafts, actions ------------------------------------------------------

    def test_new_order_form(self):
        self._login(self.portal_a)
        response = self._get("/my/car-orders/new")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn('name="csrf_token"', html)
        self.assertIn('name="form_token"', html)
        self.assertIn('name="line_0_product_query"', html)
        self.assertIn(self.payment_term.name, html)
        self.assertNotIn(self.foreign_term.name, html)

    def test_save_draft_then_edit_and_submit(self):
        self._login(self.portal_a)
        before = self._dealer_orders()
        response = self._post(
            "/my/car-orders/new",
            self._form(
                [
                    self._line(self.suv_graphite, "2"),
                    self._line(self.brake_pad, "۱۲"),
                ],
                term=self.payment_term.id,
                note="Before the fair",
                token="tok-save",
            ),
        )
        self.assertEqual(response.status_code, 303)
        order = self._order_id_from(response)
        self.assertNotIn(order, before)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, self.dealer_a)
        self.assertEqual(order.ordered_by_id, self.portal_a.partner_id)
        self.assertEqual(order.payment_term_id, self.payment_term)
        self.assertEqual(order.dealer_note, "Before the fair")
        self.assertEqual(
            [(ln.product_id, ln.requested_qty) for ln in order.line_ids],
            [(self.suv_graphite, 2), (self.brake_pad, 12)],
        )
        self.assertEqual(order.line_ids[0].color_value_id.name, "Graphite")
        page = self._get(order.access_url).text
        self.assertIn("Your draft was saved.", page)
        # The edit form shows the draft as the dealer left it.
        form = self._get(f"{order.access_url}/edit").text
        self.assertIn('value="Test SUV"', form)
        self.assertIn(f'<option value="{self.suv_graphite.id}" selected', form)
        self.assertIn('value="12"', form)
        # Edit: one line instead of two, then submit from the form.
        response = self._post(
            f"{order.access_url}/edit",
            self._form(
                [self._line(self.suv_pearl, "3")],
                action="submit",
                term=self.payment_term.id,
            ),
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(order.line_ids.product_id, self.suv_pearl)
        self.assertEqual(order.line_ids.requested_qty, 3)
        self.assertEqual(order.state, "review")
        self.assertEqual(order.user_id, self.expert_1)
        # A submitted order cannot be edited any more.
        response = self._get(f"{order.access_url}/edit")
        self.assertEqual(response.status_code, 303)

    def test_new_order_submitted_at_once(self):
        self._login(self.portal_a)
        response = self._post(
            "/my/car-orders/new",
            self._form(
                [self._line(self.vehicle, "1"), self._line(self.brake_pad, "8")],
                action="submit",
                term=self.payment_term.id,
                token="tok-submit",
            ),
        )
        order = self._order_id_from(response)
        self.assertEqual(order.state, "review")
        self.assertEqual(order.user_id, self.expert_1)
        self.assertIn("submitted for review", self._get(order.access_url).text)

    def test_submit_from_order_page_twice(self):
        self._login(self.portal_a)
        url = f"{self.draft.access_url}/submit"
        response = self._post(url)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.draft.state, "review")
        submitted_on = self.draft.date_submitted
        response = self._post(url)  # double click
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.draft.date_submitted, submitted_on)
        self.assertEqual(
            self.draft.history_ids.filtered(lambda a: a.action == "submit").mapped(
                "action"
            ),
            ["submit"],
        )
        self.assertIn("already submitted", self._get(self.draft.access_url).text)

    def test_cancel(self):
        self._login(self.portal_a)
        html = self._get(self.submitted.access_url).text
        self.assertIn("o_car_portal_cancel", html)
        self._post(f"{self.submitted.access_url}/cancel")
        self.assertEqual(self.submitted.state, "cancel")
        self.assertIn(
            "Your order was cancelled.", self._get(self.submitted.access_url).text
        )
        # Once the expert has reviewed it, only the expert can cancel.
        html = self._get(self.reviewed.access_url).text
        self.assertNotIn("o_car_portal_cancel", html)
        self._post(f"{self.reviewed.access_url}/cancel")
        self.assertEqual(self.reviewed.state, "process")
        self.assertIn("ask your expert", self._get(self.reviewed.access_url).text)

    def test_reorder(self):
        past = self._submitted_order(
            lines=[(self.vehicle, 2), (self.brake_pad, 6)], dealer_note="Again"
        )
        self.brake_pad.car_portal_orderable = False
        self._login(self.portal_a)
        response = self._post(f"{past.access_url}/reorder")
        self.assertEqual(response.status_code, 303)
        draft = self._order_id_from(response)
        self.assertTrue(response.headers["Location"].endswith("/edit"))
        self.assertEqual(draft.state, "draft")
        self.assertNotEqual(draft, past)
        self.assertEqual(
            [(ln.product_id, ln.requested_qty) for ln in draft.line_ids],
            [(self.vehicle, 2)],
        )
        html = self._get(f"{draft.access_url}/edit").text
        self.assertIn("A new draft was made from order", html)
        self.assertIn("Brake pad", html)

    # Product search -------------------------------------------------------------------

    def test_product_search(self):
        self._login(self.portal_a)

        def search(term):
            return self.make_jsonrpc_request("/my/car-orders/products", {"term": term})

        found = search("suv")
        self.assertEqual([p["name"] for p in found], ["Test SUV"])
        self.assertEqual(found[0]["kind"], "Vehicle")
        # Only the colours that exist as variants.
        labels = [v["label"] for v in found[0]["variants"]]
        self.assertEqual(len(labels), 2)
        self.assertTrue(any("Graphite" in label for label in labels))
        self.assertFalse(any("Crimson" in label for label in labels))
        self.assertEqual([p["id"] for p in search("SUV-GRA")], [self.suv.id])
        self.assertEqual([p["name"] for p in search("pt-t۱")], ["Brake pad"])
        # Archived and not orderable products are never offered.
        self.assertEqual(search("Old mirror"), [])
        self.assertEqual(search("WT-1"), [])
        self.assertEqual(search(""), [])
        # At most 8 models.
        self.env["product.product"].create(
            [
                {"name": f"Filter {i}", "car_portal_orderable": True, "sale_ok": True}
                for i in range(12)
            ]
        )
        self.assertEqual(len(search("filter")), 8)
        # Not a dealer: nothing.
        self._login(self.non_dealer)
        self.assertEqual(search("suv"), [])

    def test_lines_of_an_order_in_a_variant_colour(self):
        order = self.env["car.portal.order"].create(
            {
                "partner_id": self.dealer_a.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.suv_pearl.id, "requested_qty": 1}
                    )
                ],
            }
        )
        self._login(self.portal_a)
        html = self._get(order.access_url).text
        self.assertIn("Pearl", html)
        self.assertIn("#F4F4F0", html)
