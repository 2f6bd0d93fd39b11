# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Persian first: every term of the addon is translated in i18n/fa.po, and
Persian readers get it (back office, portal, e-mails)."""

from ..controllers.order_form import OrderForm
from .common import CarPortalCase
from .translation_common import PERSIAN, TranslationCase


class TestTranslations(TranslationCase, CarPortalCase):
    translated_module = "car_portal_orders"

    def test_po_file_is_complete(self):
        self.assertPoComplete()

    def test_translations_are_loaded(self):
        self.assertTermsLoaded()
        fa = self.env(context=dict(self.env.context, lang=PERSIAN))
        Order = fa["car.portal.order"]
        # Record terms: selections, menus, actions, views.
        states = dict(Order._fields["state"]._description_selection(fa))
        self.assertEqual(states["draft"], "پیش‌نویس")
        self.assertEqual(states["process"], "در حال تأیید")
        for label in states.values():
            self.assertPersian(label)
        menu = fa.ref("car_portal_orders.car_portal_menu_root")
        self.assertEqual(menu.name, "سفارش‌های خودرو")
        action = fa.ref("car_portal_orders.car_portal_order_action_approval")
        self.assertEqual(action.name, "سفارش‌های در انتظار تأیید")
        form = Order.get_view(fa.ref("car_portal_orders.car_portal_order_view_form").id)
        self.assertIn("پایان بررسی", form["arch"])
        self.assertNotIn("Review Done", form["arch"])
        # Code terms: the messages of the portal form.
        form = OrderForm(Order.env, self.company)
        _vals, errors, _templates = form.check({"lines": []}, submit=True)
        self.assertEqual(errors["order"], "پیش از ارسال، دست‌کم یک کالا اضافه کنید.")
        self.assertEqual(errors["payment_term_id"], "شرایط پرداخت را انتخاب کنید.")

    def test_rejection_mail_is_persian_for_a_persian_dealer(self):
        dealer = self._dealer("نمایندگی رشت", self.expert_1, self.region_north)
        buyer = self.env["res.partner"].create(
            {"name": "مریم احمدی", "parent_id": dealer.id, "lang": PERSIAN}
        )
        order = self._submitted_order(
            dealer=dealer, ordered_by_id=buyer.id, dealer_note="تحویل تا پایان ماه"
        )
        order.with_user(self.expert_1).action_reject("این رنگ دیگر تولید نمی‌شود")

        rendered = self.render_template(
            "car_portal_orders.mail_template_order_rejected", order
        )
        self.assertEqual(rendered["subject"], f"سفارش {order.name} رد شد")
        self.assertIn("با عرض پوزش", rendered["body_html"])
        self.assertIn("این رنگ دیگر تولید نمی‌شود", rendered["body_html"])
        self.assertPersian(rendered["body_html"], allowed=[order.name])
        # The message posted on the order, that the dealer receives, too.
        message = self._dealer_notices(order, "این رنگ دیگر تولید نمی‌شود")
        self.assertEqual(len(message), 1)
        self.assertPersian(str(message.body), allowed=[order.name])
