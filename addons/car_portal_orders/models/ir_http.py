# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        """The portal pages load the JavaScript translations of these modules
        only (``web`` and ``portal`` by default): add ours, so that the order
        form's script and the Odoo terms of i18n_extra/ (the chatter) speak
        the dealer's language."""
        return [*super()._get_translation_frontend_modules_name(), "car_portal_orders"]
