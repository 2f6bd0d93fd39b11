# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..tools.digits import format_quantity, localize_number


class CarPortalFiguresMixin(models.AbstractModel):
    """How the portal and the printed order show a figure of an order or a
    line: quantities in the reader's digits, amounts in the company's display
    unit (Rial or Toman)."""

    _name = "car.portal.figures.mixin"
    _description = "Dealer Portal Figures"

    def _portal_qty(self, fname):
        """A quantity field, formatted for the portal and the printed order."""
        self.ensure_one()
        return localize_number(format_quantity(self[fname]), self.env.lang)

    def _portal_amount(self, fname):
        """An amount field, in the company's display unit (Rial or Toman)."""
        self.ensure_one()
        return self.company_id._car_portal_format_amount(self[fname])
