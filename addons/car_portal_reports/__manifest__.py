# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Car Portal Reports",
    "summary": "Dealer order reports: status, approved vs pending, requested vs "
    "supplied discrepancy",
    "version": "18.0.1.0.0",
    "development_status": "Alpha",
    "category": "Sales",
    "website": "https://github.com/car-portal/car-portal",
    "author": "car-portal",
    "maintainers": ["car-portal"],
    "license": "LGPL-3",
    "depends": ["car_portal_orders", "car_portal_sepidar"],
    "external_dependencies": {"python": ["jdatetime", "xlsxwriter"]},
    "data": [
        # Security
        "security/ir.model.access.csv",
        "security/car_portal_reports_rules.xml",
        # Reports
        "report/car_portal_order_report_views.xml",
        "report/car_portal_order_line_report_views.xml",
        "report/car_portal_dashboard_tile_views.xml",
        "report/car_portal_sepidar_report_views.xml",
        # Menus
        "views/car_portal_reports_menus.xml",
        # Portal
        "views/car_portal_reports_portal_templates.xml",
    ],
    "assets": {
        # The as-shipped story (tests/as_shipped): this addon depends on both
        # others, so its tours see the whole product.
        "web.assets_tests": [
            "car_portal_reports/static/tests/tours/**/*",
        ],
    },
}
