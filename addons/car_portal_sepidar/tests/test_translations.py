# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Persian first: every term of the addon is translated in i18n/fa.po, and
Persian readers get it (back office, messages, the dealer's e-mail)."""

from odoo.exceptions import UserError, ValidationError

from odoo.addons.car_portal_orders.tests.common import CarPortalCase
from odoo.addons.car_portal_orders.tests.translation_common import (
    PERSIAN,
    TranslationCase,
)


class TestTranslations(TranslationCase, CarPortalCase):
    translated_module = "car_portal_sepidar"

    def test_po_file_is_complete(self):
        self.assertPoComplete()

    def test_translations_are_loaded(self):
        self.assertTermsLoaded()
        fa = self.env(context=dict(self.env.context, lang=PERSIAN))
        # Record terms: selections, menus, actions, views.
        states = dict(fa["sepidar.export"]._fields["state"]._description_selection(fa))
        self.assertEqual(states["pending"], "در صف ارسال")
        self.assertEqual(states["done"], "ارسال‌شده")
        self.assertEqual(states["error"], "خطای سپیدار")
        for label in states.values():
            self.assertPersian(label)
        document_types = dict(
            fa["sepidar.backend"]._fields["document_type"]._description_selection(fa)
        )
        self.assertEqual(
            document_types, {"quotation": "پیش‌فاکتور", "invoice": "فاکتور فروش"}
        )
        menu = fa.ref("car_portal_sepidar.sepidar_export_menu_orders")
        self.assertEqual(menu.name, "صف ارسال به سپیدار")
        action = fa.ref("car_portal_sepidar.sepidar_sync_log_action")
        self.assertEqual(action.name, "گزارش همگام‌سازی سپیدار")
        form = fa["sepidar.backend"].get_view(
            fa.ref("car_portal_sepidar.sepidar_backend_view_form").id
        )
        self.assertIn("دریافت اطلاعات پایه", form["arch"])
        self.assertNotIn("Pull Reference Data", form["arch"])
        # Code terms: messages raised by the models.
        with self.assertRaises(UserError) as caught:
            fa["car.portal.order"].search([("sepidar_state", "like", "pend")])
        self.assertEqual(
            str(caught.exception), "این نوع جستجو روی وضعیت سپیدار پشتیبانی نمی‌شود."
        )
        company = self.env["res.company"].create({"name": "شرکت آزمایشی"})
        with self.assertRaises(ValidationError) as caught:
            fa["sepidar.backend"].create({"company_id": company.id, "serial": "abc"})
        self.assertEqual(
            str(caught.exception),
            "abc سریال دستگاه سپیدار نیست: سریال دستگاه ۸ نویسه دارد که ۴ نویسه "
            "اول آن رقم است (مثلاً 10017ff3).",
        )

    def test_posted_mail_is_persian_for_a_persian_dealer(self):
        dealer = self._dealer("نمایندگی تبریز", self.expert_1, self.region_north)
        buyer = self.env["res.partner"].create(
            {"name": "علی رضایی", "parent_id": dealer.id, "lang": PERSIAN}
        )
        order = self._submitted_order(dealer=dealer, ordered_by_id=buyer.id)

        rendered = self.render_template(
            "car_portal_sepidar.mail_template_order_posted", order
        )
        self.assertEqual(rendered["subject"], f"سفارش {order.name} در حسابداری ثبت شد")
        self.assertIn("در حسابداری ما ثبت شد", rendered["body_html"])
        self.assertPersian(rendered["body_html"], allowed=[order.name])
