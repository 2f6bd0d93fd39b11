# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dealer quotas imported from a spreadsheet: all rows or none."""

import base64
import io

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CarPortalCase


@tagged("post_install", "-at_install")
class TestQuotaImport(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dealer_a.ref = "D-1"
        cls.Quota = cls.env["car.portal.quota"]

    def _import(self, data, filename="quotas.csv", user=None):
        wizard = self.env["car.portal.quota.import"].create(
            {"file": base64.b64encode(data), "filename": filename}
        )
        return wizard.with_user(user or self.admin).action_import()

    def _quotas(self):
        return self.Quota.search([("partner_id", "in", self.dealer_a.ids)])

    def test_csv_with_persian_headers_and_digits(self):
        csv = (
            "نماینده,مدل,گروه,دوره,سال,شماره,سهمیه\n"
            "D-1,VH-T1,,ماه,۱۴۰۵,۹,۱۲\n"
            "Dealer A,,Parts,فصل,1405,3,200\n"
        )
        action = self._import(csv.encode())
        quotas = self._quotas()
        self.assertEqual(sorted(action["domain"][0][2]), sorted(quotas.ids))
        self.assertEqual(
            sorted(
                (q.period_kind, q.period_number, q.quantity, bool(q.product_tmpl_id))
                for q in quotas
            ),
            [("month", 9, 12.0, True), ("season", 3, 200.0, False)],
        )
        # Importing again updates the quotas in place.
        self._import(
            b"dealer,model,period,year,number,quantity\nD-1,Sedan,month,1405,9,15\n"
        )
        self.assertEqual(len(self._quotas()), 2)
        self.assertIn(15.0, self._quotas().mapped("quantity"))

    def test_one_bad_row_imports_nothing_and_every_problem_is_told(self):
        csv = (
            "dealer,model,category,period,year,number,quantity\n"
            "D-1,VH-T1,,month,1405,9,12\n"
            "Nobody,VH-T1,,month,1405,9,12\n"
            "D-1,VH-T1,Parts,month,1405,9,12\n"
            "D-1,VH-T1,,week,1405,9,12\n"
            "D-1,VH-T1,,month,1405,13,12\n"
            "D-1,VH-T1,,month,2026,1,12\n"
            "D-1,VH-T1,,year,1405,,1.5\n"
        )
        with self.assertRaises(UserError) as caught:
            self._import(csv.encode())
        message = caught.exception.args[0]
        for row in range(3, 9):
            self.assertIn(f"Row {row}:", message)
        self.assertNotIn("Row 2:", message)
        self.assertIn("unknown dealer Nobody", message)
        self.assertFalse(self._quotas())

    def test_xlsx(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Dealer", "Model", "Period", "Year", "Number", "Quantity"])
        sheet.append(["D-1", "VH-T1", "year", 1405, None, 30.0])
        data = io.BytesIO()
        book.save(data)
        self._import(data.getvalue(), filename="quotas.xlsx")
        self.assertEqual(self._quotas().mapped("quantity"), [30.0])

    def test_unreadable_files_and_who_may_import(self):
        with self.assertRaisesRegex(UserError, "missing"):
            self._import(b"a,b\n1,2\n")
        with self.assertRaisesRegex(UserError, "XLSX"):
            self._import(b"not a workbook", filename="q.xlsx")
        with self.assertRaisesRegex(UserError, "no quota"):
            self._import(b"dealer,period,year,quantity\n")
        with self.assertRaises(AccessError):
            self._import(b"dealer,period,year,quantity\n", user=self.manager)
