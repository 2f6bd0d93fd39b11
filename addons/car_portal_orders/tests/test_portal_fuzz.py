# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fuzzing the dealer's order form with hypothesis.

Whatever a dealer (or a script) posts to ``/my/car-orders/new``: quantities in
ASCII, Persian or Arabic-Indic digits with signs, separators, fractions, huge
numbers or garbage; products valid, archived, not orderable, of another
company, unknown or not even numbers; payment terms of the dealer, of another
company, unknown or garbage; notes long or full of direction marks; fields a
dealer may not set (supplied quantity, status, expert, company, dealer):

* the answer is a redirect to the new order (303), the form again (200, "add a
  line") or the form with messages (422), never a server error;
* every message on a refused form is one of the form's known messages, in the
  dealer's language (English or Persian);
* a refused form leaves nothing behind (no order, no line); an accepted one
  creates exactly one order, with only the dealer's fields taken from the form;
* when every part of the form is known to be valid, it is accepted; when one
  is known to be invalid, it is refused.

Bounded and deterministic: 60 examples, derandomized, no example database.
``CAR_PORTAL_FUZZ_EXAMPLES=2000`` runs more examples (a deeper search, by hand):

    CAR_PORTAL_FUZZ_EXAMPLES=2000 CAR_PORTAL_ADDONS=car_portal_orders scripts/test \\
        addons/car_portal_orders/tests/test_portal_fuzz.py --hypothesis-show-statistics
"""

import html
import itertools
import os
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools.translate import get_translation

from ..tools.digits import ARABIC_INDIC_DIGITS, PERSIAN_DIGITS
from .portal_common import CarPortalHttpCase

MAX_QTY = 500  # the company's maximum per line, set in CarPortalCase

# Every message the form may show (code terms of car_portal_orders).
MESSAGES = [
    "Enter a quantity.",
    "The quantity must be a whole number, without decimals.",
    "Enter the quantity as a number, e.g. 12.",
    "The quantity must be at least 1.",
    "At most %(max)s can be ordered on one line.",
    "This product does not exist; search for it again.",
    "%(product)s cannot be ordered.",
    "Choose a colour.",
    "Choose a product.",
    "No orderable product matches “%(query)s”.",
    "Several products match “%(query)s”: pick one from the list, or type its code.",
    "Choose a payment term from the list.",
    "Choose a payment term.",
    "Notes are limited to %(max)s characters (you typed %(count)s).",
    "Add at least one product before submitting.",
    "An order has at most %(max)s lines; split it in two.",
    # Raised by the model when the draft is submitted.
    "Choose a payment term before submitting the order.",
    "%(product)s cannot be ordered any more.",
    "%(product)s: %(problem)s",
]
_PLACEHOLDER = re.compile(r"%\(\w+\)s")
_FIELD_ERROR = re.compile(
    r'class="invalid-feedback d-block o_car_portal_error"[^>]*>(.*?)</div>', re.DOTALL
)
_FORM_ALERT = re.compile(
    r'class="alert alert-danger o_car_portal_form_errors"[^>]*>(.*?)</div>', re.DOTALL
)
_TOKENS = itertools.count()

# Strategies -------------------------------------------------------------------
# Each part of the form is drawn with what we know of it: True (valid), False
# (invalid) or None (garbage: either).

_DIGIT_SYSTEMS = {
    "ascii": "0123456789",
    "persian": PERSIAN_DIGITS,
    "arabic": ARABIC_INDIC_DIGITS,
}


def _digits(value, draw):
    """``value`` (>= 0) as a person types it: ASCII, Persian or Arabic-Indic
    digits, maybe with thousands separators."""
    digits = draw(st.sampled_from(sorted(_DIGIT_SYSTEMS)))
    text = f"{value:,}" if draw(st.booleans()) else str(value)
    if digits != "ascii":
        text = text.translate(str.maketrans("0123456789", _DIGIT_SYSTEMS[digits]))
        text = text.replace(",", draw(st.sampled_from([",", "\u066c", "\u060c"])))
    return text


@st.composite
def good_quantities(draw):
    text = _digits(draw(st.integers(1, MAX_QTY)), draw)
    sign = draw(st.sampled_from(["", "", "+"]))
    marks = draw(st.sampled_from(["", " ", "\u200f", "\u200e", "\u200c"]))
    return f"{marks}{sign}{text}{marks}", True


@st.composite
def quantities(draw):
    kind = draw(
        st.sampled_from(["good", "number", "fraction", "huge", "empty", "garbage"])
    )
    if kind == "good":
        return draw(good_quantities())
    if kind == "number":
        value = draw(st.one_of(st.integers(-50, 0), st.integers(MAX_QTY + 1, 10**7)))
        sign = draw(st.sampled_from(["-", "\u2212"])) if value < 0 else ""
        return f"{sign}{_digits(abs(value), draw)}", False
    if kind == "fraction":
        whole = draw(st.integers(0, 99))
        separator = draw(st.sampled_from([".", "\u066b", "/"]))
        return f"{whole}{separator}{draw(st.integers(1, 9))}", False
    if kind == "huge":
        return "9" * draw(st.integers(16, 60)), False
    if kind == "empty":
        return draw(st.sampled_from(["", "  ", "\u200f"])), False
    # NUL characters are dropped from what the browser sends.
    return draw(st.one_of(st.text(max_size=12), st.just("1\x002"))), None


def good_products(case):
    """A product a dealer may order, picked or typed: (row fields, True)."""
    picked = [
        (case.vehicle.product_tmpl_id.id, case.vehicle.id),
        (case.brake_pad.product_tmpl_id.id, case.brake_pad.id),
        (case.suv.id, case.suv_pearl.id),
    ]
    return st.one_of(
        st.sampled_from(picked).map(
            lambda ids: (
                {"product_tmpl_id": str(ids[0]), "product_id": str(ids[1])},
                True,
            )
        ),
        st.sampled_from(["PT-T1", "vh-t1", "SUV-GRA", "brake PAD"]).map(
            lambda query: ({"product_query": query}, True)
        ),
    )


def products(case):
    """Any posted product: (row fields, validity)."""
    return st.one_of(
        good_products(case),
        # Archived, not orderable, of another company.
        st.sampled_from([case.archived_part, case.tool, case.foreign_part]).map(
            lambda product: (
                {
                    "product_tmpl_id": str(product.product_tmpl_id.id),
                    "product_id": str(product.id),
                },
                False,
            )
        ),
        # A model with colours: none chosen, or a variant of another model.
        st.sampled_from(["", str(case.brake_pad.id)]).map(
            lambda variant: (
                {"product_tmpl_id": str(case.suv.id), "product_id": variant},
                False,
            )
        ),
        st.integers(10**8, 10**9 - 1).map(
            lambda missing: ({"product_id": str(missing)}, False)
        ),
        st.sampled_from(["12abc", "-3", "1e3", "0x10", "۱۲ب", "1\x00"]).map(
            lambda text: ({"product_tmpl_id": text}, False)
        ),
        st.one_of(st.text(max_size=20), st.just("PT\x00T1")).map(
            lambda query: ({"product_query": query}, None)
        ),
    )


@st.composite
def rows(draw, case):
    """A line of the form: mostly one a dealer may order, else anything."""
    if draw(st.sampled_from(["good", "good", "good", "any", "any"])) == "good":
        product, product_valid = draw(good_products(case))
        qty, qty_valid = draw(good_quantities())
    else:
        product, product_valid = draw(products(case))
        qty, qty_valid = draw(quantities())
    validity = (
        False
        if False in (product_valid, qty_valid)
        else (None if None in (product_valid, qty_valid) else True)
    )
    return dict(product, qty=qty), validity


def payment_terms(case):
    """(posted value, validity on save, validity on submit)."""
    term_id = str(case.payment_term.id)
    persian_id = term_id.translate(str.maketrans("0123456789", PERSIAN_DIGITS))
    good = st.sampled_from([term_id, persian_id, f" {term_id} "])
    return st.one_of(
        good.map(lambda value: (value, True, True)),
        good.map(lambda value: (value, True, True)),
        st.just(("", True, False)),
        st.sampled_from(
            [str(case.foreign_term.id), "999999999", "abc", "-1", f"{term_id}.0"]
        ).map(lambda value: (value, False, False)),
    )


notes = st.one_of(
    st.text(max_size=200).map(lambda text: (text, True)),
    st.sampled_from(
        ["\u200fتحویل تا آخر ماه\u200e", "\u202bRTL\u202c", "سلام\u200c", ""]
    ).map(lambda text: (text, True)),
    st.just(("Deliver\x00 soon", True)),  # stored without the NUL
    st.integers(4001, 6000).map(lambda size: ("ن" * size, False)),
)

# Fields a dealer may not set: always ignored.
forbidden_fields = st.dictionaries(
    st.sampled_from(
        [
            "supplied_qty",
            "state",
            "user_id",
            "company_id",
            "partner_id",
            "line_0_supplied_qty",
            "line_0_price_unit",
            "expert_opinion",
        ]
    ),
    st.sampled_from(["approved", "1", "99", "-1", "<p>ok</p>", "۹۹"]),
    max_size=4,
)


@tagged("post_install", "-at_install")
class TestPortalFuzz(CarPortalHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.foreign_part = cls._product("Foreign part", "FP-1", cls.categ_parts, 5.0)
        cls.foreign_part.company_id = cls.other_company

    def _expected_messages(self, lang):
        """The form's messages in ``lang``, as patterns (placeholders: any)."""
        patterns = []
        for message in MESSAGES:
            text = get_translation("car_portal_orders", lang, message, ())
            parts = _PLACEHOLDER.split(text)
            patterns.append(re.compile(".+?".join(map(re.escape, parts)), re.DOTALL))
        return patterns

    def _shown_messages(self, page):
        messages = [html.unescape(m).strip() for m in _FIELD_ERROR.findall(page)]
        alerts = [html.unescape(m).strip() for m in _FORM_ALERT.findall(page)]
        return messages, alerts

    def _counts(self):
        self.env.invalidate_all()
        return (
            self.env["car.portal.order"].sudo().search_count([]),
            self.env["car.portal.order.line"].sudo().search_count([]),
        )

    @settings(
        max_examples=int(os.environ.get("CAR_PORTAL_FUZZ_EXAMPLES") or 60),
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def test_order_form_fuzz(self, data):
        lang = data.draw(st.sampled_from(["en_US", "fa_IR"]), label="lang")
        action = data.draw(
            st.sampled_from(["save", "save", "submit", "submit", "add_line"]),
            label="action",
        )
        lines, rows_valid = [], []
        for _row in range(data.draw(st.integers(0, 3), label="rows")):
            if data.draw(st.integers(0, 9), label="blank") == 0:
                lines.append({"product_query": "", "qty": ""})  # ignored
                continue
            row, row_valid = data.draw(rows(self), label="line")
            lines.append(row)
            if any(str(value).strip() for value in row.values()):
                rows_valid.append(row_valid)  # else blank: ignored by the form
        term, term_on_save, term_on_submit = data.draw(
            payment_terms(self), label="term"
        )
        note, note_valid = data.draw(notes, label="note")
        extra = data.draw(forbidden_fields, label="forbidden fields")
        token = f"fuzz-{next(_TOKENS)}" if data.draw(st.booleans()) else None

        submit = action == "submit"
        parts = [*rows_valid, note_valid, term_on_submit if submit else term_on_save]
        if submit and not rows_valid:
            parts.append(False)  # nothing to submit
        valid = False if False in parts else (None if None in parts else True)

        self.portal_a.lang = lang
        self._login(self.portal_a)
        before = self._counts()
        form = self._form(lines, action=action, term=term, note=note, **extra)
        if token:
            form["form_token"] = token
        response = self._post("/my/car-orders/new", form)
        after = self._counts()

        event(f"{action}: HTTP {response.status_code}")
        event(f"dealer's language: {lang}")
        self.assertIn(response.status_code, (200, 303, 422), response.text[:2000])
        if action == "add_line":
            self.assertEqual(response.status_code, 200)
            self.assertEqual(after, before)
            return
        if response.status_code == 422:
            self._assert_refused(response, valid, lang, before, after)
            return
        self._assert_accepted(response, valid, submit, term, note, rows_valid)
        self.assertEqual(after[0], before[0] + 1, "one order per accepted form")

    def _assert_refused(self, response, valid, lang, before, after):
        """A refused form: rightly, nothing left behind, every message known."""
        self.assertIsNot(valid, True, "a valid form was refused")
        self.assertEqual(after, before, "a refused form left something behind")
        messages, alerts = self._shown_messages(response.text)
        self.assertTrue(messages or alerts, "refused without a message")
        patterns = self._expected_messages(lang)
        for message in messages + [a for a in alerts if a != self.generic[lang]]:
            self.assertTrue(
                any(p.fullmatch(message) for p in patterns),
                f"unexpected message for {lang}: {message!r}",
            )

    def _assert_accepted(self, response, valid, submit, term, note, rows_valid):
        """An accepted form: rightly, one order with what the dealer typed."""
        self.assertEqual(response.status_code, 303)
        self.assertIsNot(valid, False, "an invalid form was accepted")
        order = self._order_id_from(response)
        self.assertEqual(order.partner_id, self.dealer_a)
        self.assertEqual(order.company_id, self.company)
        term_set = self.payment_term if term.strip() else self.payment_term.browse()
        self.assertEqual(order.payment_term_id, term_set)
        self.assertEqual(order.state, "review" if submit else "draft")
        expert = self.expert_1 if submit else self.env["res.users"]
        self.assertEqual(order.user_id, expert)
        made = order.line_ids
        supplied = made.mapped("requested_qty") if submit else [0.0] * len(made)
        self.assertEqual(made.mapped("supplied_qty"), supplied)
        self.assertEqual(len(made), len(rows_valid))
        self.assertEqual(order.dealer_note or "", note.replace("\x00", "").strip())

    def setUp(self):
        super().setUp()
        # The generic notice above a refused form, in each language.
        self.generic = {}
        for lang in ("en_US", "fa_IR"):
            self.portal_a.lang = lang
            self._login(self.portal_a)
            page = self._post(
                "/my/car-orders/new",
                self._form([self._line(self.vehicle, "0")], term=self.payment_term.id),
            ).text
            self.generic[lang] = self._shown_messages(page)[1][0]
        self.portal_a.lang = "en_US"
        self.assertNotEqual(self.generic["en_US"], self.generic["fa_IR"])

    def test_nul_characters_are_dropped(self):
        """Found by the fuzzing: a NUL character in a posted field (note,
        product, search) was a server error (PostgreSQL refuses them)."""
        self._login(self.portal_a)
        response = self._post(
            "/my/car-orders/new",
            self._form(
                [{"product_query": "PT-T1\x00", "qty": "\x003"}],
                term=self.payment_term.id,
                note="Deliver\x00 soon",
            ),
        )
        order = self._order_id_from(response)
        self.assertEqual(order.dealer_note, "Deliver soon")
        self.assertEqual(order.line_ids.product_id, self.brake_pad)
        self.assertEqual(order.line_ids.requested_qty, 3)
        response = self._post(
            "/my/car-orders/new",
            self._form([{"product_query": "Sed\x00an", "qty": "1"}], "add_line"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn('value="Sedan"', response.text)
        for url in (
            "/my/car-orders?search=PT%00T1",
            "/my/car-orders/new?form_token=%00",
        ):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertEqual(response.status_code, 200, response.headers)
        found = self.make_jsonrpc_request(
            "/my/car-orders/products", {"term": "Sedan\x00", "limit": "x"}
        )
        self.assertEqual([item["name"] for item in found], ["Sedan"])
