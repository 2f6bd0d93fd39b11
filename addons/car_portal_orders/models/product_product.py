# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    # What a dealer may order: the one home of the rule. The order line's
    # product domain, the check at submission, the portal's product search
    # and the reorder all read it here.

    @api.model
    def _car_portal_orderable_domain(self, company=None):
        """Variants a dealer may order (of ``company`` or shared, if given):
        marked orderable and sellable, themselves and their model active."""
        domain = [
            ("car_portal_orderable", "=", True),
            ("sale_ok", "=", True),
            ("active", "=", True),
            ("product_tmpl_id.active", "=", True),
        ]
        if company is not None:
            domain.append(("company_id", "in", [company.id, False]))
        return domain

    def _car_portal_is_orderable(self, company):
        """Whether this variant may be ordered by a dealer of ``company`` now
        (the domain above, read on a record already in memory)."""
        self.ensure_one()
        return bool(
            self.active
            and self.product_tmpl_id.active
            and self.car_portal_orderable
            and self.sale_ok
            and self.company_id in (company, company.browse())
        )
