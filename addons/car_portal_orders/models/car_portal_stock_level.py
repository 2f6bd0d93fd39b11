# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class CarPortalStockLevel(models.Model):
    """The stock of a product variant as last read from the stock source.

    A snapshot, kept with the time it was read (its age is shown): this module
    knows no stock source; ``car_portal_sepidar`` fills it from Sepidar by a
    scheduled action, and nothing reads the source while a person waits on a
    page (the stock check stage included: it judges on this reading). What
    is available to promise is this quantity minus what orders already hold
    (``product.product._car_portal_atp``).
    """

    _name = "car.portal.stock.level"
    _description = "Stock Level (Snapshot)"
    _order = "product_id, company_id"
    _check_company_auto = True

    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    quantity = fields.Float(
        string="In Stock", digits="Product Unit of Measure", required=True
    )
    read_at = fields.Datetime(
        string="Read On",
        required=True,
        default=fields.Datetime.now,
        help="When the stock was read from its source.",
    )

    source = fields.Selection(
        [],
        string="Read From",
        readonly=True,
        help="Where the stock was read (the stock source adds its choices).",
    )

    _sql_constraints = [
        (
            "product_company_unique",
            "UNIQUE(product_id, company_id)",
            "A product has one stock level per company.",
        ),
    ]

    @api.model
    def _store(self, company, quantities, read_at=None, source=False):
        """Keep ``{product_id: quantity}`` as the stock of ``company``, read at
        ``read_at`` (now) from ``source``; products left out keep their last
        level. The orders waiting at a stock check are then checked again."""
        read_at = read_at or fields.Datetime.now()
        levels = self.sudo().search(
            [("company_id", "=", company.id), ("product_id", "in", list(quantities))]
        )
        known = {level.product_id.id: level for level in levels}
        to_create = []
        for product_id, quantity in quantities.items():
            values = {"quantity": quantity, "read_at": read_at, "source": source}
            if product_id in known:
                known[product_id].write(values)
            else:
                to_create.append(
                    dict(values, product_id=product_id, company_id=company.id)
                )
        levels |= self.sudo().create(to_create)
        self.env["car.portal.order"].sudo().search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "process"),
                ("stage_id.kind", "=", "stock_check"),
            ]
        )._recheck_stock()
        return levels
