# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import float_round

ITEM_TYPES = [("1", "Goods"), ("2", "Service"), ("3", "Asset Goods")]
# A service is sold but not stocked: no inventory, no stock check.
SERVICE = "2"


class SepidarItem(models.Model):
    """A Sepidar item (کالا / خدمت), cached from ``GET /api/Items``.

    Documents reference items by ``ItemID`` (``sepidar_id``), never by code;
    products are matched to items by code (see ``sepidar.product.binding``).
    """

    _name = "sepidar.item"
    _description = "Sepidar Item"
    _order = "backend_id, code, id"
    _rec_names_search = ["code", "name"]

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    sepidar_id = fields.Integer(string="Sepidar ID", required=True, readonly=True)
    code = fields.Char(required=True, readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    barcode = fields.Char(readonly=True)
    item_type = fields.Selection(ITEM_TYPES, string="Type", readonly=True)
    unit_ref = fields.Integer(string="Unit ID", readonly=True)
    secondary_unit_ref = fields.Integer(string="Secondary Unit ID", readonly=True)
    units_ratio = fields.Float(
        readonly=True,
        digits=(16, 6),
        help="Main units in one secondary unit (e.g. 4 tyres in a set): a line "
        "of 8 in the main unit is sent with a secondary quantity of 2.",
    )
    is_active = fields.Boolean(string="Active in Sepidar", readonly=True)
    is_sellable = fields.Boolean(string="Sellable", readonly=True)
    is_tax_exempt = fields.Boolean(string="Tax Exempt", readonly=True)
    tax_rate = fields.Float(string="Tax Rate (%)", readonly=True)
    duty_rate = fields.Float(string="Duty Rate (%)", readonly=True)
    tracing_ids = fields.One2many("sepidar.item.tracing", "item_id", string="Tracings")
    price_ids = fields.One2many("sepidar.item.price", "item_id", string="Prices")
    stock_id = fields.Many2one(
        "sepidar.stock",
        string="Usual Stock",
        domain="[('backend_id', '=', backend_id)]",
        help="Stock the item is sold from. Filled from Sepidar's inventory when "
        "one stock holds the item; otherwise the backend's default stock is used.",
    )
    inventory_qty = fields.Float(
        string="Inventory",
        readonly=True,
        digits="Product Unit of Measure",
        help="Quantity in the usual stock at the last reading.",
    )
    inventory_date = fields.Datetime(string="Inventory Read On", readonly=True)
    active = fields.Boolean(
        default=True, help="Cleared when Sepidar no longer lists the item."
    )

    _sql_constraints = [
        (
            "sepidar_id_unique",
            "UNIQUE(backend_id, sepidar_id)",
            "This Sepidar item is already known for this backend.",
        ),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for item in self:
            item.display_name = f"[{item.code}] {item.name}"

    def _price_for(self, sale_type, tracing_ref=None):
        """Fee of the price list for this item, or ``None`` when it has none.

        A price for the line's tracing wins over a price for every tracing;
        prices limited to a customer group are not used.
        """
        self.ensure_one()
        candidates = self.price_ids.filtered(
            lambda p: (
                p.sale_type_id == sale_type
                and not p.customer_grouping_ref
                and p.tracing_ref in (0, tracing_ref or 0)
            )
        )
        if not candidates:
            return None
        return candidates.sorted(lambda p: (-(p.tracing_ref or 0), p.id))[0].fee

    @api.model
    def _quantity_in(self, rows, stock, tracing_ref=None):
        """Sum of Sepidar inventory ``rows`` in ``stock`` (all stocks if empty)."""
        return sum(
            float(row.get("Quantity") or 0)
            for row in rows
            if (not stock or row.get("StockRef") == stock.sepidar_id)
            and (tracing_ref is None or row.get("TracingRef") == tracing_ref)
        )

    def _store_inventory(self, rows, stock, when):
        """Keep the quantities of this item's inventory ``rows`` in ``stock``."""
        self.ensure_one()
        rows = [row for row in rows if row.get("ItemRef") == self.sepidar_id]
        self.write(
            {"inventory_qty": self._quantity_in(rows, stock), "inventory_date": when}
        )
        for tracing in self.tracing_ids:
            tracing.inventory_qty = self._quantity_in(rows, stock, tracing.sepidar_id)

    def _secondary_quantity(self, quantity):
        """The quantity in the secondary unit that Sepidar asks on each line of
        an item with one (``Quantity`` / ``UnitsRatio``), 0 when it has none."""
        self.ensure_one()
        if not self.secondary_unit_ref or self.units_ratio <= 0:
            return 0
        secondary = float_round(quantity / self.units_ratio, precision_digits=4)
        return round(secondary) if secondary == int(secondary) else secondary
