# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Car Portal Sepidar",
    "summary": "Post approved dealer orders to the Sepidar accounting system, "
    "exactly once",
    "version": "18.0.1.1.0",
    "development_status": "Alpha",
    "category": "Sales",
    "website": "https://github.com/car-portal/car-portal",
    "author": "car-portal",
    "maintainers": ["car-portal"],
    "license": "LGPL-3",
    "depends": ["car_portal_orders"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        # Security
        "security/sepidar_security.xml",
        "security/ir.model.access.csv",
        "security/sepidar_rules.xml",
        # Data
        "data/ir_cron_data.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        # Views
        "views/sepidar_backend_views.xml",
        "views/sepidar_reference_views.xml",
        "views/sepidar_binding_views.xml",
        "views/sepidar_export_views.xml",
        "views/car_portal_order_views.xml",
        "views/car_portal_portal_templates.xml",
        "views/sepidar_menus.xml",
    ],
    "demo": [
        "demo/sepidar_demo.xml",
        "demo/sepidar_demo_catalogue.xml",
    ],
}
