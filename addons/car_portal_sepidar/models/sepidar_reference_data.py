# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sepidar's reference data, copied into Odoo for one backend.

Plain Python given a ``sepidar.backend``: the main currency, sale types,
stocks, items with their tracings, the price list and the inventory, as
Sepidar lists them. What Sepidar no longer lists is archived. The stock
levels of the orderable products are ``StockReader``'s.
"""

from collections import defaultdict
from typing import NamedTuple

from odoo import fields


class ReferenceAnswers(NamedTuple):
    """Sepidar's answers to the reference data calls."""

    currencies: list
    sale_types: list
    stocks: list
    items: list
    prices: list
    inventories: list


class ReferenceData:
    """Stores Sepidar's reference data for ``backend`` (see ``store``)."""

    def __init__(self, backend):
        self.backend = backend
        self.env = backend.env

    @staticmethod
    def fetch(client):
        """Every reference list, read with ``client`` (six calls)."""
        return ReferenceAnswers(
            currencies=client.currencies(),
            sale_types=client.sale_types(),
            stocks=client.stocks(),
            items=client.items(),
            prices=client.price_note_items(),
            inventories=client.item_inventories(),
        )

    def store(self, answers):
        """Keep ``answers`` (:class:`ReferenceAnswers`); returns the counts."""
        main = next((c for c in answers.currencies if c.get("IsMain")), None)
        vals = {"reference_date": fields.Datetime.now(), "last_error": False}
        if main:
            vals.update(
                currency_ref=main["CurrencyID"],
                currency_name=main.get("Title"),
                currency_precision=int(main.get("PrecisionCount") or 0),
            )
        self.backend.sudo().write(vals)
        self._sync_sale_types(answers.sale_types)
        self._sync_stocks(answers.stocks)
        self._sync_items(answers.items)
        price_count = self._sync_prices(answers.prices, main)
        self._store_inventory(answers.inventories)
        self.env["sepidar.product.binding"].search(
            [("backend_id", "=", self.backend.id), ("is_mapped", "=", False)]
        )._auto_match()
        return {
            "items": len(answers.items),
            "prices": price_count,
            "sale_types": len(answers.sale_types),
            "stocks": len(answers.stocks),
        }

    def _sync(self, model, rows, key, values):
        """Create or update ``model`` records from Sepidar ``rows``; archive the rest.

        Returns ``{sepidar id: record}``.
        """
        Model = self.env[model].with_context(active_test=False)
        existing = {
            record.sepidar_id: record
            for record in Model.search([("backend_id", "=", self.backend.id)])
        }
        seen = {}
        to_create = []
        for row in rows:
            vals = values(row)
            record = existing.get(row[key])
            if record:
                changed = {
                    name: value
                    for name, value in vals.items()
                    if record._fields[name].convert_to_write(record[name], record)
                    != value
                }
                if changed:
                    record.write(changed)
                seen[row[key]] = record
            else:
                to_create.append(
                    dict(vals, backend_id=self.backend.id, sepidar_id=row[key])
                )
        for record in Model.create(to_create):
            seen[record.sepidar_id] = record
        gone = [r for sid, r in existing.items() if sid not in seen and r.active]
        if gone:
            Model.union(*gone).write({"active": False})
        return seen

    def _sync_sale_types(self, rows):
        return self._sync(
            "sepidar.sale.type",
            rows,
            "SaleTypeID",
            lambda row: {
                "name": row.get("Title") or str(row["SaleTypeID"]),
                "market": str(row["Market"]) if row.get("Market") in (1, 2) else False,
                "is_available": row.get("IsAvailable", True) is not False,
                "active": True,
            },
        )

    def _sync_stocks(self, rows):
        return self._sync(
            "sepidar.stock",
            rows,
            "StockID",
            lambda row: {
                "name": row.get("Title") or str(row["StockID"]),
                "code": row.get("Code") or 0,
                "active": row.get("IsActive", True) is not False,
            },
        )

    def _sync_items(self, rows):
        items = self._sync(
            "sepidar.item",
            rows,
            "ItemID",
            lambda row: {
                "code": row.get("Code") or str(row["ItemID"]),
                "name": row.get("Title") or row.get("Code") or str(row["ItemID"]),
                "barcode": row.get("Barcode") or False,
                "item_type": str(row["Type"])
                if row.get("Type") in (1, 2, 3)
                else False,
                "unit_ref": row.get("UnitRef") or 0,
                "secondary_unit_ref": row.get("SecondaryUnitRef") or 0,
                "units_ratio": row.get("UnitsRatio") or 0.0,
                "is_active": bool(row.get("IsActive")),
                "is_sellable": bool(row.get("IsSellable")),
                "is_tax_exempt": bool(row.get("IsTaxExempt")),
                "tax_rate": row.get("TaxRate") or 0.0,
                "duty_rate": row.get("DutyRate") or 0.0,
                "active": True,
            },
        )
        Tracing = self.env["sepidar.item.tracing"]
        for row in rows:
            item = items[row["ItemID"]]
            known = {t.sepidar_id: t for t in item.tracing_ids}
            wanted = {t["TracingID"]: t for t in row.get("Tracings") or ()}
            for tracing_id, tracing in wanted.items():
                vals = {
                    "name": tracing.get("Title") or str(tracing_id),
                    "is_selectable": tracing.get("IsSelectable", True) is not False,
                }
                if tracing_id in known:
                    known[tracing_id].write(vals)
                else:
                    Tracing.create(dict(vals, item_id=item.id, sepidar_id=tracing_id))
            stale = [t for sid, t in known.items() if sid not in wanted]
            if stale:
                Tracing.union(*stale).write({"is_selectable": False})
        return items

    def _sync_prices(self, rows, main_currency):
        """Replace the cached price list (base-currency lines only)."""
        Price = self.env["sepidar.item.price"]
        Price.search([("backend_id", "=", self.backend.id)]).unlink()
        items = {
            i.sepidar_id: i
            for i in self.env["sepidar.item"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.backend.id)])
        }
        sale_types = {
            s.sepidar_id: s
            for s in self.env["sepidar.sale.type"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.backend.id)])
        }
        main_id = main_currency["CurrencyID"] if main_currency else None
        vals_list = []
        for row in rows:
            item = items.get(row.get("ItemRef"))
            sale_type = sale_types.get(row.get("SaleTypeRef"))
            currency = row.get("CurrencyRef")
            if not (item and sale_type) or (
                currency and main_id and currency != main_id
            ):
                continue
            vals_list.append(
                {
                    "backend_id": self.backend.id,
                    "sepidar_id": row.get("PriceNoteItemID") or 0,
                    "item_id": item.id,
                    "sale_type_id": sale_type.id,
                    "tracing_ref": row.get("TracingRef") or 0,
                    "unit_ref": row.get("UnitRef") or 0,
                    "currency_ref": currency or 0,
                    "customer_grouping_ref": row.get("CustomerGroupingRef") or 0,
                    "fee": row.get("Fee") or 0.0,
                    "addition_rate": row.get("AdditionRate") or 0.0,
                }
            )
        Price.create(vals_list)
        return len(vals_list)

    def _store_inventory(self, rows):
        """Set each item's usual stock (when one stock holds it) and quantity."""
        stocks = {
            s.sepidar_id: s
            for s in self.env["sepidar.stock"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.backend.id)])
        }
        per_item = defaultdict(list)
        for row in rows:
            per_item[row.get("ItemRef")].append(row)
        now = fields.Datetime.now()
        items = self.env["sepidar.item"].search([("backend_id", "=", self.backend.id)])
        for item in items:
            item_rows = per_item.get(item.sepidar_id, [])
            held = {row.get("StockRef") for row in item_rows if row.get("Quantity")}
            if not item.stock_id and len(held) == 1:
                item.stock_id = stocks.get(held.pop())
            stock = self.backend._stock_for(item)
            item._store_inventory(item_rows, stock, now)
