# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sepidar's stock of the orderable products, kept as their stock levels.

Plain Python given a ``sepidar.backend``. The stock levels
(``car.portal.stock.level``) are what the available to promise, the stock
check stage and the portal's availability read; they are filled here, by a
scheduled action (``sepidar.backend._cron_read_stock``, also run right after
each reference-data pull), never while a person waits.

Where the server has the newer per-item endpoint
(``GET /api/Items/Inventories/Quantity/{itemId}``, in the v111 OpenAPI; the
level that brought it is not known, so it is tried, and a server without the
route answers with its routing 404), each bound item is read there and its
level is Sepidar's *sale quantity*: what Sepidar says can be sold. Not the
quantity "with reserve": that one also subtracts the open quotations, and the
quotations of our own approved orders are already subtracted by the
available to promise (their supplied quantities). Otherwise the inventory
list is read (one call), as when the backend's *Read the Stock From* says so
(a large catalogue on a slow link).

Which stocks count: the backend's *Stocks Available to Promise*; when none
is chosen, each item's usual stock, else the backend's default stock (where
its document lines are taken from).
"""

import logging
from collections import defaultdict

from ..sepidar_client import SepidarNotFound
from .sepidar_item import SERVICE

_logger = logging.getLogger(__name__)

# The field of the per-item endpoint kept as the stock (see the docstring).
QUANTITY_FIELD = "SaleQuantity"
PER_ITEM, LIST = "per_item", "list"
# How a level read here says where it came from (car.portal.stock.level).
SOURCES = {PER_ITEM: "sepidar_per_item", LIST: "sepidar_list"}


class StockReader:
    """Reads (``fetch``) and keeps (``store``) the stock for ``backend``."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env
        self._stocked = None

    def stocked_bindings(self):
        """The orderable products' bindings to a stocked Sepidar item."""
        if self._stocked is None:
            company = self.backend.company_id
            Product = self.env["product.product"]
            products = Product.search(Product._car_portal_orderable_domain(company))
            self._stocked = (
                self.env["sepidar.product.binding"]
                ._get_or_create(self.backend, products)
                .filtered(lambda b: b.is_mapped and b.item_id.item_type != SERVICE)
            )
        return self._stocked

    def fetch(self, client):
        """``(rows, source)``: inventory rows (``ItemRef``, ``StockRef``,
        ``TracingRef``, ``Quantity``) of the stocked items, from the
        per-item endpoint (``PER_ITEM``) or the inventory list (``LIST``,
        also when the backend asks for it)."""
        if self.backend.stock_reading == "list":
            return client.item_inventories(), LIST
        try:
            return self._fetch_per_item(client), PER_ITEM
        except SepidarNotFound as error:
            # No such route on this server (or an item gone since the
            # reference data): the list has every item.
            _logger.info(
                "Sepidar backend %s: no per-item stock (%s), reading the list",
                self.backend.id,
                error,
            )
        return client.item_inventories(), LIST

    def _fetch_per_item(self, client):
        rows = []
        for item in self.stocked_bindings().item_id:
            rows += [
                {
                    "ItemRef": item.sepidar_id,
                    "StockRef": row.get("StockRef"),
                    "TracingRef": row.get("TracingRef"),
                    "Quantity": row.get(QUANTITY_FIELD) or 0.0,
                }
                for row in client.item_inventory_quantities(item.sepidar_id)
            ]
        return rows

    def store(self, rows, source):
        """Keep ``rows`` as the stock levels of the stocked items' products
        (one level per product: its item, and its tracing when bound to one).
        The items' own inventory is the reference data's (the list, daily)."""
        backend = self.backend
        per_item = defaultdict(list)
        for row in rows:
            per_item[row.get("ItemRef")].append(row)
        stocks = backend.atp_stock_ids
        quantities = {}
        for binding in self.stocked_bindings():
            item = binding.item_id
            tracing_ref = binding.tracing_id.sepidar_id or None
            counted = stocks or [backend._stock_for(item)]
            quantities[binding.product_id.id] = sum(
                item._quantity_in(per_item[item.sepidar_id], stock, tracing_ref)
                for stock in counted
            )
        self.env["car.portal.stock.level"]._store(
            backend.company_id, quantities, source=SOURCES[source]
        )
