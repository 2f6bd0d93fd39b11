# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Car Portal Orders",
    "summary": "Dealer orders for vehicles and parts: portal entry, referral to "
    "the account expert, expert review and a configurable approval process",
    "version": "18.0.1.1.0",
    "development_status": "Beta",
    "category": "Sales",
    "website": "https://github.com/car-portal/car-portal",
    "author": "car-portal",
    "maintainers": ["car-portal"],
    "license": "LGPL-3",
    "application": True,
    "depends": ["mail", "portal", "product", "sales_team"],
    "external_dependencies": {"python": ["jdatetime", "openupgradelib"]},
    "data": [
        # Security
        "security/car_portal_security.xml",
        "security/ir.model.access.csv",
        "security/car_portal_rules.xml",
        # Data
        "data/ir_sequence_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/car_portal_referral_rule_data.xml",
        "data/car_portal_process_data.xml",
        # Wizards
        "wizards/car_portal_order_reassign_views.xml",
        "wizards/car_portal_order_decision_views.xml",
        "wizards/car_portal_quota_import_views.xml",
        # Views
        "views/car_portal_order_views.xml",
        "views/car_portal_order_line_views.xml",
        "views/car_portal_payment_term_views.xml",
        "views/car_portal_referral_rule_views.xml",
        "views/car_portal_process_views.xml",
        "views/car_portal_expert_leave_views.xml",
        "views/car_portal_quota_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/car_portal_menus.xml",
        # Reports
        "report/car_portal_order_report.xml",
        # Templates (dealer portal)
        "views/car_portal_portal_templates.xml",
    ],
    "demo": [
        "demo/car_portal_demo.xml",
        "demo/car_portal_quota_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "car_portal_orders/static/src/backend/**/*",
        ],
        "web.assets_frontend": [
            "car_portal_orders/static/src/js/**/*",
        ],
        "web.assets_tests": [
            "car_portal_orders/static/tests/tours/**/*",
        ],
    },
}
