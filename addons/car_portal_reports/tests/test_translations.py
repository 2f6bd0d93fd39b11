# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Persian first: every term of the addon is translated in i18n/fa.po, and
Persian readers get it (menus, reports, dashboard, the XLSX export)."""

import io

from openpyxl import load_workbook

from odoo.addons.car_portal_orders.tests.translation_common import (
    PERSIAN,
    TranslationCase,
)


class TestTranslations(TranslationCase):
    translated_module = "car_portal_reports"

    def test_po_file_is_complete(self):
        self.assertPoComplete()

    def test_translations_are_loaded(self):
        self.assertTermsLoaded()
        fa = self.env(context=dict(self.env.context, lang=PERSIAN))
        # Record terms: selections, menus, actions, views.
        Tile = fa["car.portal.dashboard.tile"]
        kinds = dict(Tile._fields["kind"]._description_selection(fa))
        self.assertEqual(kinds["review"], "در انتظار کارشناس")
        for label in kinds.values():
            self.assertPersian(label)
        menu = fa.ref("car_portal_reports.car_portal_reports_menu")
        self.assertEqual(menu.name, "گزارش‌ها")
        action = fa.ref("car_portal_reports.car_portal_order_line_report_action")
        self.assertEqual(action.name, "درخواستی در برابر قابل تأمین")
        pivot = fa["car.portal.order.line.report"].get_view(
            fa.ref("car_portal_reports.car_portal_order_line_report_view_pivot").id,
            "pivot",
        )
        self.assertIn("مغایرت به تفکیک نمایندگی و ماه", pivot["arch"])
        self.assertNotIn("Discrepancy by Dealer and Month", pivot["arch"])

    def test_xlsx_export_is_persian(self):
        """Code terms: the file name, sheet and headings of the export."""
        fa = self.env(context=dict(self.env.context, lang=PERSIAN))
        action = fa["car.portal.order.line.report"].action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        self.assertTrue(attachment.name.startswith("مغایرت "), attachment.name)
        self.assertTrue(attachment.name.endswith(".xlsx"), attachment.name)
        workbook = load_workbook(io.BytesIO(attachment.raw))
        sheet = workbook.active
        self.assertEqual(sheet.title, "مغایرت")
        self.assertTrue(sheet.sheet_view.rightToLeft)
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            rows[0],
            ("نمایندگی", "کالا", "درخواستی", "قابل تأمین", "مغایرت", "درصد مغایرت"),
        )
        self.assertEqual(rows[-1][0], "جمع")
