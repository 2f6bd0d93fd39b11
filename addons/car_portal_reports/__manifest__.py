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
}
