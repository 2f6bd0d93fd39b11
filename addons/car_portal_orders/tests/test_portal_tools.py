# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import BaseCase

from ..controllers.order_form import OrderForm
from ..tools.digits import (
    format_quantity,
    normalize_number,
    parse_whole_number,
    to_ascii_digits,
)
from .common import CarPortalCase


class TestDigits(BaseCase):
    def test_persian_and_arabic_digits(self):
        self.assertEqual(to_ascii_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789")
        self.assertEqual(to_ascii_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789")
        self.assertEqual(to_ascii_digits("PT-۲۰۰۱"), "PT-2001")
        self.assertEqual(to_ascii_digits(None), "")

    def test_separators_and_invisible_marks(self):
        self.assertEqual(normalize_number(" \u200f۱۲\u200c "), "12")
        self.assertEqual(normalize_number("۱٬۲۵۰"), "1,250")
        self.assertEqual(normalize_number("۱٫۵"), "1.5")
        self.assertEqual(normalize_number("1 250"), "1,250")

    def test_whole_numbers(self):
        cases = {
            "12": 12,
            "۱۲": 12,
            "١٢": 12,
            " +7 ": 7,
            "1,250": 1250,
            "۱٬۲۵۰": 1250,
            "0": 0,
            "-3": -3,
            "\u22123": -3,
            "007": 7,
        }
        for text, value in cases.items():
            with self.subTest(text=text):
                self.assertEqual(parse_whole_number(text), (value, None))

    def test_problems(self):
        cases = {
            "": "empty",
            "   ": "empty",
            None: "empty",
            "2.5": "fraction",
            "۱٫۵": "fraction",
            "۱/۵": "fraction",
            "12.0": "fraction",
            "abc": "invalid",
            "12abc": "invalid",
            "1,5": "invalid",
            "1,25,0": "invalid",
            "۱۲،": "invalid",
            "--1": "invalid",
            "9" * 40: "too_large",
        }
        for text, problem in cases.items():
            with self.subTest(text=text):
                self.assertEqual(parse_whole_number(text), (None, problem))

    def test_format_quantity(self):
        self.assertEqual(format_quantity(12.0), "12")
        self.assertEqual(format_quantity(1250), "1,250")
        self.assertEqual(format_quantity(2.5), "2.50")
        self.assertEqual(format_quantity(False), "0")


class TestQuantityParser(CarPortalCase):
    """The messages a dealer gets for a quantity (max 500 in the fixtures)."""

    def _parse(self, text):
        return OrderForm(self.env, self.company).parse_qty(text)

    def test_accepted(self):
        for text, value in (("۱۲", 12), ("١٢", 12), ("500", 500), ("1", 1)):
            with self.subTest(text=text):
                self.assertEqual(self._parse(text), (value, None))

    def test_refused(self):
        cases = {
            "": "Enter a quantity.",
            "0": "The quantity must be at least 1.",
            "-4": "The quantity must be at least 1.",
            "2.5": "The quantity must be a whole number, without decimals.",
            "۲٫۵": "The quantity must be a whole number, without decimals.",
            "501": "At most 500 can be ordered on one line.",
            "9" * 40: "At most 500 can be ordered on one line.",
            "twelve": "Enter the quantity as a number, e.g. 12.",
        }
        for text, message in cases.items():
            with self.subTest(text=text):
                self.assertEqual(self._parse(text), (None, message))
