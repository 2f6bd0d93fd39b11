# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    car_portal_orderable = fields.Boolean(
        string="Orderable by Dealers",
        help="Dealers can order this product on the portal.",
    )
    car_portal_kind = fields.Selection(
        [("vehicle", "Vehicle"), ("part", "Part")],
        string="Dealer Product Kind",
    )
