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

    # Available to promise: the one definition (the suggestions, the review
    # form, the allocation board and the stock check read it here).

    def _car_portal_atp(self, company):
        """``{product id: (ATP, stock read on)}`` of these variants for
        ``company``: the last stock read (``car.portal.stock.level``) minus
        what is promised, i.e. the supplied quantities of orders in the
        approval process and of approved orders still promised
        (``car.portal.order._car_portal_promised_domain``). Variants whose
        stock was never read are left out. Two queries, whatever the number
        of variants and lines."""
        levels = (
            self.env["car.portal.stock.level"]
            .sudo()
            .search_fetch(
                [("company_id", "=", company.id), ("product_id", "in", self.ids)],
                ["product_id", "quantity", "read_at"],
            )
        )
        if not levels:
            return {}
        promised = levels.product_id._car_portal_promised(company)
        return {
            level.product_id.id: (
                level.quantity - promised.get(level.product_id.id, 0.0),
                level.read_at,
            )
            for level in levels
        }

    def _car_portal_promised(self, company, except_orders=None):
        """``{product id: quantity}`` of these variants that orders of
        ``company`` hold (besides ``except_orders``): supplied on orders in the
        approval process and on approved orders still promised
        (``car.portal.order._car_portal_promised_domain``). One query."""
        domain = [
            ("company_id", "=", company.id),
            ("product_id", "in", self.ids),
            "|",
            ("state", "=", "process"),
            (
                "order_id",
                "any",
                self.env["car.portal.order"]._car_portal_promised_domain(),
            ),
        ]
        if except_orders:
            domain.append(("order_id", "not in", except_orders.ids))
        groups = (
            self.env["car.portal.order.line"]
            .sudo()
            ._read_group(domain, ["product_id"], ["supplied_qty:sum"])
        )
        return {product.id: quantity for product, quantity in groups}
