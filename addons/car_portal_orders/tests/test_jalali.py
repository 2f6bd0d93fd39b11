# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from odoo.tests.common import TransactionCase

from ..tools.jalali import format_jalali, parse_jalali, parse_user_date


class TestJalali(TransactionCase):
    # Calendar facts, not outputs of our code: Nowruz 1405 fell on
    # 21 March 2026, and 7 Azar 1405 is 28 November 2026.
    def test_format_and_parse(self):
        self.assertEqual(format_jalali(date(2026, 3, 21)), "۱۴۰۵/۰۱/۰۱")
        self.assertEqual(
            format_jalali(date(2026, 11, 28), persian_digits=False), "1405/09/07"
        )
        self.assertEqual(parse_jalali("۱۴۰۵/۰۹/۰۷"), date(2026, 11, 28))
        self.assertEqual(parse_jalali("١٤٠٥-١-١"), date(2026, 3, 21))
        self.assertEqual(parse_jalali(" 1405.1.1 "), date(2026, 3, 21))
        for bad in ("", "1405/13/01", "1405/12/31", "tomorrow", "2026-11"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                parse_jalali(bad)

    def test_typed_dates(self):
        # Persian readers type Jalali; a Gregorian year is Gregorian for all.
        self.assertEqual(parse_user_date("۱۴۰۵/۰۹/۰۷", jalali=True), date(2026, 11, 28))
        self.assertEqual(parse_user_date("2026-11-28", jalali=True), date(2026, 11, 28))
        self.assertEqual(parse_user_date("٢٠٢٦/٣/٢١"), date(2026, 3, 21))
        for text, jalali in (
            ("1405/09/07", False),  # a Jalali date from a Gregorian reader
            ("2026-02-30", True),
            ("1405/12/31", True),
            ("28/11/2026", False),
            ("", True),
        ):
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_user_date(text, jalali=jalali)

    def test_qweb_dates_are_jalali_for_persian_readers_only(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["res.lang"]._activate_lang("en_US")
        Date = self.env["ir.qweb.field.date"]
        Datetime = self.env["ir.qweb.field.datetime"]
        nowruz = date(2026, 3, 21)
        self.assertEqual(
            Date.with_context(lang="fa_IR").value_to_html(nowruz, {}), "۱۴۰۵/۰۱/۰۱"
        )
        self.assertEqual(
            Date.with_context(lang="en_US").value_to_html(nowruz, {}), "03/21/2026"
        )
        # 21:00 UTC is half past midnight in Tehran (UTC+3:30): the next day.
        evening = datetime(2026, 3, 20, 21, 0)
        persian = Datetime.with_context(lang="fa_IR", tz="Asia/Tehran")
        self.assertEqual(persian.value_to_html(evening, {}), "۱۴۰۵/۰۱/۰۱ ۰۰:۳۰")
        self.assertEqual(
            persian.value_to_html(evening, {"date_only": True}), "۱۴۰۵/۰۱/۰۱"
        )
        # An explicit format is honoured as given.
        self.assertEqual(
            Date.with_context(lang="fa_IR").value_to_html(nowruz, {"format": "yyyy"}),
            "2026",
        )


class TestPersianAmounts(TransactionCase):
    def test_amounts_in_rial_or_toman_with_persian_digits(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        company = self.env.company
        company.car_portal_amount_unit = "rial"
        english = company.with_context(lang="en_US")
        self.assertEqual(
            english._car_portal_format_amount(18_500_000), "18,500,000 Rial"
        )
        company.car_portal_amount_unit = "toman"
        self.assertEqual(
            english._car_portal_format_amount(18_500_000), "1,850,000 Toman"
        )
        persian = company.with_context(lang="fa_IR")._car_portal_format_amount(
            18_500_000
        )
        self.assertTrue(persian.startswith("۱٬۸۵۰٬۰۰۰ "), persian)
