# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval


def parse_order_domain(record, text):
    """The order filter an admin typed on ``record``, as a domain list.

    Raises a translated ``ValidationError`` naming ``record`` when the text is
    not a valid domain.
    """
    try:
        domain = safe_eval(text or "[]")
    except Exception as error:
        raise ValidationError(
            record.env._(
                "The condition of %(name)s is not a valid filter: %(error)s",
                name=record.display_name,
                error=error,
            )
        ) from error
    if not isinstance(domain, list | tuple):
        raise ValidationError(
            record.env._(
                "The condition of %(name)s must be a list.", name=record.display_name
            )
        )
    return list(domain)


class CarPortalOrderMatching(models.AbstractModel):
    """What referral rules and approval processes share: they apply to the
    orders of some companies, dealer tags and dealer regions.

    The inheriting model defines ``company_id``, ``partner_category_ids`` and
    ``region_ids`` (with its own labels and help); an empty one matches all.
    """

    _name = "car.portal.order.matching"
    _description = "Order Matching Conditions"

    def _matches_dealer(self, order):
        self.ensure_one()
        dealer = order.partner_id.commercial_partner_id
        if self.company_id and self.company_id != order.company_id:
            return False
        if self.partner_category_ids and not (
            self.partner_category_ids & dealer.category_id
        ):
            return False
        return not self.region_ids or dealer.car_portal_region_id in self.region_ids
