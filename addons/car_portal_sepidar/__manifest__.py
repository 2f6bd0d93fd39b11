# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Car Portal Sepidar",
    "summary": "Post approved dealer orders to the Sepidar accounting system, "
    "exactly once",
    "version": "18.0.1.0.0",
    "development_status": "Alpha",
    "category": "Sales",
    "website": "https://github.com/car-portal/car-portal",
    "author": "car-portal",
    "maintainers": ["car-portal"],
    "license": "LGPL-3",
    "depends": ["car_portal_orders"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
}
