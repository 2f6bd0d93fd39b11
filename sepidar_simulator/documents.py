"""Business rules of quotations and invoices (sepidar-api.md 9.5, 9.6 and 11).

Bodies arrive bound (``binding.py``): typed, with Sepidar's spelling. The checks
quoted from the PDF always apply; the strict ones whose real behaviour is not
public can be relaxed one by one (``knobs.py``: ``check_*``). Suspicious but
accepted data (a tax that does not follow the item's rate...) is noted as a
deviation of the request.
"""

import math
from datetime import date

from . import errors, fiscal
from .errors import PROGRAM, ApiError

TOTAL_FIELDS = ("Price", "Discount", "Tax", "Duty", "Addition")
NON_NEGATIVE = ("Tax", "Duty", "Addition", "Discount")
SQL_MIN_DATE = date(1753, 1, 1)


class DocumentRules:
    """Validates a document body against a :class:`~.ledger.Ledger`'s tables."""

    def __init__(self, ledger, deviations):
        self.ledger = ledger
        self.knobs = ledger.knobs
        self.deviations = deviations

    def document(self, body, *, stock_required, quotation):
        """``(header, lines)`` of a valid document; raises the first refusal."""
        ledger = self.ledger
        guid = _text(body["GUID"])
        if not guid:
            raise ApiError(400, errors.NO_DOCUMENT_GUID)
        currency = ledger.currencies.get(body["CurrencyRef"])
        if currency is None:
            raise ApiError(400, errors.INVALID_CURRENCY)
        if quotation:
            self.check_rate(currency, body["Rate"])
        customer = ledger.customers.get(body["CustomerRef"])
        if customer is None:
            raise ApiError(400, errors.CUSTOMER_NOT_FOUND)
        address = body["AddressRef"]
        if address is not None and address not in {
            a["CustomerAddressID"] for a in customer["Addresses"]
        }:
            raise ApiError(400, errors.ADDRESS_NOT_FOUND)
        sale_type = ledger.sale_types.get(body["SaleTypeRef"])
        if sale_type is None or not sale_type.get("IsAvailable", True):
            raise ApiError(400, errors.INVALID_SALE_TYPE)
        lines = self.lines(body["Items"], currency, stock_required)
        header = {
            "GUID": guid,
            "CurrencyRef": currency["CurrencyID"],
            "CustomerRef": customer["CustomerID"],
            "AddressRef": address,
            "SaleTypeRef": sale_type["SaleTypeID"],
            "DiscountOnCustomer": body["DiscountOnCustomer"],
        }
        for field in TOTAL_FIELDS:
            header[field] = body[field]
            if self.knobs.validate_totals and not math.isclose(
                header[field], sum(line[field] for line in lines), abs_tol=0.005
            ):
                raise ApiError(400, errors.TOTALS_MISMATCH)
        header["NetPrice"] = net(header)
        return header, lines

    def check_rate(self, currency, rate):
        """``Rate`` is 1 for the main currency (section 11), positive otherwise."""
        if not self.knobs.check_currency_rate:
            return
        if currency["IsMain"] and rate != 1:
            raise ApiError(400, errors.MAIN_CURRENCY_RATE)
        if rate <= 0:
            raise ApiError(400, errors.INVALID_RATE)

    def check_date(self, day):
        """The document's date must lie in an open fiscal year (section 11).

        Without that check (knob off) a date before 1753, such as a Solar
        Hijri date sent as if Gregorian, still fails: in SQL Server's
        ``datetime`` column, as on a real server.
        """
        if self.knobs.check_fiscal_year:
            year = fiscal.find(self.ledger.fiscal_years, day)
            if year is None:
                raise ApiError(400, errors.NO_FISCAL_YEAR)
            if year["IsClosed"]:
                raise ApiError(400, errors.FISCAL_YEAR_CLOSED)
        elif day < SQL_MIN_DATE:
            raise ApiError(500, errors.SQL_DATE_OVERFLOW, PROGRAM)

    def check_expiration(self, day, expiration):
        if expiration < SQL_MIN_DATE and not self.knobs.check_expiration_date:
            raise ApiError(500, errors.SQL_DATE_OVERFLOW, PROGRAM)
        if self.knobs.check_expiration_date and expiration < day:
            raise ApiError(400, errors.EXPIRATION_BEFORE_DATE)

    def lines(self, lines, currency, stock_required):
        if not lines:
            raise ApiError(400, errors.NO_LINES)
        rows = [self.line(line, currency, stock_required) for line in lines]
        row_ids = [row["RowID"] for row in rows]
        if len(set(row_ids)) != len(row_ids):
            raise ApiError(400, errors.DUPLICATE_ROW)
        for row in rows:
            if row["DiscountParentRef"] is not None and (
                row["DiscountParentRef"] not in row_ids
            ):
                raise ApiError(400, errors.BAD_DISCOUNT_PARENT)
        return rows

    def line(self, line, currency, stock_required):
        item = self.ledger.items.get(line["ItemRef"])
        if item is None or not (item["IsActive"] and item["IsSellable"]):
            raise ApiError(400, errors.INVALID_ITEM)
        tracing = line["TracingRef"]
        tracings = {t["TracingID"]: t for t in item["Tracings"]}
        # Items with tracing factors need one of them on every line; others none.
        if not (tracing in tracings if tracings else tracing is None):
            raise ApiError(400, errors.INVALID_TRACING)
        if tracing is not None and not tracings[tracing].get("IsSelectable", True):
            raise ApiError(400, errors.INVALID_ITEM)  # "item not selectable now"
        row = dict(line)
        row.update(
            {
                "ItemRef": item["ItemID"],
                "TracingTitle": tracings[tracing]["Title"] if tracing else None,
                "StockRef": self.stock(line["StockRef"], item, stock_required),
                "SecondaryQuantity": line["SecondaryQuantity"] or 0,
            }
        )
        if row["Quantity"] <= 0:
            raise ApiError(400, errors.INVALID_QUANTITY)
        self.check_amounts(row, item, currency)
        row["NetPrice"] = net(row)
        return row

    def check_amounts(self, row, item, currency):
        """Secondary quantity, signs, discount and gross price of one line."""
        knobs = self.knobs
        if (
            knobs.check_secondary_quantity
            and row["SecondaryQuantity"]
            and item.get("SecondaryUnitRef") is None
        ):
            raise ApiError(400, errors.NO_SECONDARY_UNIT)
        if knobs.check_line_amounts:
            if any(row[field] < 0 for field in NON_NEGATIVE):
                raise ApiError(400, errors.NEGATIVE_AMOUNT)
            if row["Discount"] > row["Price"]:
                raise ApiError(400, errors.DISCOUNT_OVER_PRICE)
        unit = 10 ** -currency["PrecisionCount"]
        if knobs.validate_totals and not math.isclose(
            row["Price"], row["Quantity"] * row["Fee"], abs_tol=unit
        ):
            raise ApiError(400, errors.LINE_PRICE_MISMATCH)
        self.note_odd_amounts(row, item, unit)

    def note_odd_amounts(self, row, item, unit):
        """Accepted, but not what Sepidar's own forms would compute (section 11)."""
        where = f"Items[RowID={row['RowID']}]"
        if item.get("SecondaryUnitRef") is not None and not row["SecondaryQuantity"]:
            self.deviations.append(
                f"{where}: SecondaryQuantity is 0, item {item['Code']} has a "
                f"secondary unit"
            )
        base = row["Price"] - row["Discount"] + row["Addition"]
        for field, rate in (("Tax", "TaxRate"), ("Duty", "DutyRate")):
            expected = 0 if item.get("IsTaxExempt") else base * item[rate] / 100
            if abs(row[field] - expected) > unit:
                self.deviations.append(
                    f"{where}: {field} {row[field]} is not {rate} {item[rate]}% "
                    f"of {base} (item {item['Code']}"
                    f"{', tax exempt' if item.get('IsTaxExempt') else ''})"
                )

    def stock(self, stock_id, item, required):
        """The line's stock; an omitted one means the item's usual stock."""
        if stock_id is None and not required:
            stock_id = self.usual_stock(item)
        stock = self.ledger.stocks.get(stock_id)
        if stock is None or not stock["IsActive"]:
            raise ApiError(400, errors.INVALID_STOCK)
        return stock_id

    def usual_stock(self, item):
        """First stock holding the item, else the first active stock."""
        ledger = self.ledger
        held = [
            r["StockRef"] for r in ledger.inventories if r["ItemRef"] == item["ItemID"]
        ]
        active = [s["StockID"] for s in ledger.stocks.values() if s["IsActive"]]
        return (held + active + [None])[0]


def net(amounts):
    """NetPrice = gross + tax + duty + addition - discount (section 11)."""
    return (
        amounts["Price"]
        + amounts["Tax"]
        + amounts["Duty"]
        + amounts["Addition"]
        - amounts["Discount"]
    )


def _text(value):
    return value.strip() if isinstance(value, str) else ""
