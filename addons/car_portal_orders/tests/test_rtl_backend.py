# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The approval kanban in Persian: right to left, screenshot kept as artifact."""

from odoo import Command
from odoo.tests import tagged

from .portal_common import CarPortalHttpCase


@tagged("post_install", "-at_install")
class TestApprovalKanbanPersian(CarPortalHttpCase):
    def test_screenshot_approval_kanban_persian(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.manager.write({"lang": "fa_IR", "name": "سارا محمدی"})
        self.dealer_a.write({"name": "نمایندگی رشت", "category_id": self.tag_gold})
        self.env["car.portal.process"].create(
            {
                "name": "فرایند طلایی",
                "partner_category_ids": [Command.set(self.tag_gold.ids)],
                "stage_ids": [
                    Command.create(
                        {
                            "name": "تأیید مدیر فروش",
                            "sequence": 1,
                            "responsible_user_ids": self.manager.ids,
                            "sla_hours": 1,
                        }
                    ),
                    Command.create({"name": "هماهنگی داخلی", "sequence": 2}),
                ],
            }
        )
        for quantity in (2, 5, 8):
            order = self._submitted_order(lines=[(self.vehicle, quantity)])
            order.expert_opinion = "<p>تأیید می‌شود.</p>"
            order.with_user(self.expert_1).action_send_to_process()
        path = self._screenshot(
            self.manager,
            "/odoo/action-car_portal_orders.car_portal_order_action_approval",
            "car_portal_approval_kanban_fa.png",
            ".o_kanban_renderer .o_kanban_record button[name=action_approve]",
        )
        self.assertGreater(path.stat().st_size, 10_000)
        # The backend is served with the right-to-left style sheets (rtlcss).
        self.authenticate(self.manager.login, self.manager.login)
        page = self.url_open("/odoo").text
        self.assertIn("web.assets_web.rtl", page)
