"""Sepidar's books as the web service shows them: reference data and documents.

Validation follows sepidar-api.md sections 9-11. Read models depend on the API level
of the request (``GenerationVersion``), like the multi-level OpenAPI file describes.
"""

import copy
import itertools
import math
from collections import Counter
from datetime import date, datetime

from . import errors
from .errors import PROGRAM, ApiError

TOTAL_FIELDS = ("Price", "Discount", "Tax", "Duty", "Addition")
INVOICE_FROM_QUOTATION = (
    "CurrencyRef",
    "CustomerRef",
    "AddressRef",
    "SaleTypeRef",
    "DiscountOnCustomer",
    *TOTAL_FIELDS,
    "NetPrice",
    "Description",
)
INVOICE_VIEW = (
    "InvoiceID",
    "QuotationRef",
    "Number",
    "Date",
    "CustomerRef",
    "CurrencyRef",
    "Rate",
    "SaleTypeRef",
    "AddressRef",
    *TOTAL_FIELDS,
    "NetPrice",
)
INVOICE_ITEM_VIEW = (
    "InvoiceItemID",
    "ItemRef",
    "TracingRef",
    "TracingTitle",
    "Quantity",
    "SecondaryQuantity",
    "Fee",
    "Description",
    *TOTAL_FIELDS,
    "NetPrice",
)
LINE_AMOUNT_FIELDS = (
    "SecondaryQuantity",
    "PriceInfoPercentDiscount",
    "PriceInfoPriceDiscount",
    "PriceInfoDiscountRate",
    "AggregateAmountPercentDiscount",
    "AggregateAmountPriceDiscount",
    "AggregateAmountDiscountRate",
    "CustomerDiscount",
    "CustomerDiscountRate",
    "Discount",
    "Tax",
    "Duty",
    "Addition",
)
CITY = 3


class Ledger:
    """Reference tables, customers, quotations and invoices of one company."""

    def __init__(self, dataset, knobs):
        self.knobs = knobs
        data = copy.deepcopy(dataset)
        self.currencies = _by_id(data["currencies"], "CurrencyID")
        self.sale_types = _by_id(data["sale_types"], "SaleTypeID")
        self.stocks = _by_id(data["stocks"], "StockID")
        self.units = _by_id(data["units"], "UnitID")
        self.divisions = _by_id(data["administrative_divisions"], "DivisionID")
        self.groupings = data["customer_groupings"]
        self.items = _by_id(data["items"], "ItemID")
        self.inventories = data["inventories"]
        self.price_note_items = data["price_note_items"]
        self.customers = _by_id(data["customers"], "CustomerID")
        self.quotations = {}
        self.invoices = {}
        addresses = [a for c in self.customers.values() for a in c["Addresses"]]
        self._ids = {
            "customer": _counter_after(self.customers),
            "address": _counter_after(a["CustomerAddressID"] for a in addresses),
            "quotation": itertools.count(1),
            "quotation_item": itertools.count(1),
            "invoice": itertools.count(1),
            "invoice_item": itertools.count(1),
        }

    # -- reference data ----------------------------------------------------------

    def reference(self, table, level):
        """Rows of a plain reference table, shaped for the request's API level."""
        rows = {
            "currencies": self.currencies.values(),
            "sale_types": self.sale_types.values(),
            "stocks": self.stocks.values(),
            "units": self.units.values(),
            "administrative_divisions": self.divisions.values(),
            "customer_groupings": self.groupings,
            "price_note_items": self.price_note_items,
        }[table]
        rows = copy.deepcopy(list(rows))
        if table == "sale_types" and level < 108:
            for row in rows:
                row.pop("IsAvailable", None)
        return rows

    def item_list(self):
        return [self._item_view(item) for item in self.items.values()]

    def item(self, item_id):
        item = self.items.get(item_id)
        if item is None:
            raise ApiError(404, errors.INVALID_ITEM)
        return self._item_view(item)

    def inventory(self, item_id=None):
        """Inventory rows with Sepidar's wire spelling (``StockeRef``, ``Qunatity``)."""
        return [
            {
                "ItemRef": row["ItemRef"],
                "TracingRef": row["TracingRef"],
                "StockeRef": row["StockRef"],
                "UnitRef": self.items[row["ItemRef"]]["UnitRef"],
                "Qunatity": row["Quantity"],
            }
            for row in self.inventories
            if item_id is None or row["ItemRef"] == item_id
        ]

    def _item_view(self, item):
        view = copy.deepcopy(item)
        rows = [row for row in self.inventories if row["ItemRef"] == item["ItemID"]]
        per_tracing = Counter()
        for row in rows:
            if row["TracingRef"] is not None:
                per_tracing[row["TracingRef"]] += row["Quantity"]
        view["TracingInventories"] = [
            {"TracingRef": tracing, "Inventory": quantity}
            for tracing, quantity in per_tracing.items()
        ]
        view["TotalInventory"] = sum(row["Quantity"] for row in rows)
        return view

    # -- customers ---------------------------------------------------------------

    def customer_list(self, level):
        return [_customer_view(c, level) for c in self.customers.values()]

    def customer(self, customer_id, level):
        customer = self.customers.get(customer_id)
        if customer is None:
            raise ApiError(404, errors.CUSTOMER_NOT_FOUND)
        return _customer_view(customer, level)

    def create_customer(self, body, level):
        body = as_object(body)
        guid = _text(body.get("GUID"))
        if not guid:
            raise ApiError(400, errors.NO_CUSTOMER_GUID)
        if as_int(body.get("CustomerType")) not in (1, 2):
            raise ApiError(400, errors.INVALID_CUSTOMER_TYPE)
        if not _text(body.get("Name")):
            raise ApiError(400, errors.NO_CUSTOMER_NAME)
        addresses = self._new_addresses(body.get("Addresses"))
        if _lower(guid) in {_lower(c["GUID"]) for c in self.customers.values()}:
            raise self._duplicate("GNR.Party")
        customer_id = next(self._ids["customer"])
        name, last_name = _text(body["Name"]), _text(body.get("LastName"))
        self.customers[customer_id] = {
            "CustomerID": customer_id,
            "GUID": guid,
            "Title": f"{name} {last_name}".strip(),
            "Code": str(10000 + customer_id),
            "PhoneNumber": body.get("PhoneNumber"),
            "Remainder": 0,
            "CreditRemainder": 0,
            "CustomerType": as_int(body["CustomerType"]),
            "Name": name,
            "LastName": last_name,
            "BirthDate": body.get("BirthDate"),
            "NationalID": body.get("NationalID"),
            "EconomicCode": body.get("EconomicCode"),
            "Version": 1,
            "GroupingRef": None,
            "DiscountRate": 0,
            "Addresses": addresses,
        }
        return self.customer(customer_id, level)

    def _new_addresses(self, addresses):
        """Validate ``CustomerAddress_New`` rows; the array is mandatory, even empty."""
        if not isinstance(addresses, list):
            raise ApiError(400, errors.INVALID_REQUEST, PROGRAM)
        if sum(1 for a in addresses if isinstance(a, dict) and a.get("IsMain")) > 1:
            raise ApiError(400, errors.MANY_MAIN_ADDRESSES)
        known = {
            _lower(a["GUID"]) for c in self.customers.values() for a in c["Addresses"]
        }
        rows = []
        for address in addresses:
            address = as_object(address)
            city = self.divisions.get(as_int(address.get("CityRef")))
            if city is None or city["Type"] != CITY:
                raise ApiError(400, errors.INVALID_CITY)
            guid = _lower(address.get("GUID"))
            if guid and guid in known:
                raise self._duplicate("GNR.PartyAddress")
            known.add(guid)
            rows.append(
                {
                    "CustomerAddressID": next(self._ids["address"]),
                    "GUID": address.get("GUID"),
                    "Title": address.get("Title"),
                    "IsMain": bool(address.get("IsMain")),
                    "CityRef": city["DivisionID"],
                    "Address": address.get("Address"),
                    "ZipCode": address.get("ZipCode"),
                    "Latitude": address.get("Latitude"),
                    "Longitude": address.get("Longitude"),
                }
            )
        return rows

    # -- quotations --------------------------------------------------------------

    def quotation_list(self, from_date=None, to_date=None):
        """Quotations dated in the range, without lines (as the PDF says)."""
        return [
            _without(quotation, "Items")
            for quotation in self.quotations.values()
            if _in_range(quotation["Date"], from_date, to_date)
        ]

    def quotation(self, quotation_id):
        quotation = self.quotations.get(quotation_id)
        if quotation is None:
            raise ApiError(404, errors.DOCUMENT_NOT_FOUND)
        return copy.deepcopy(quotation)

    def create_quotation(self, body):
        body = as_object(body)
        header, lines = self._document(body, stock_required=False)
        if self.knobs.unique_quotation_guid and _lower(header["GUID"]) in {
            _lower(q["GUID"]) for q in self.quotations.values()
        }:
            raise self._duplicate("SLS.Quotation")
        quotation_id = next(self._ids["quotation"])
        day = parse_date(body.get("Date")) or date.today()
        header.update(
            {
                "ID": quotation_id,
                "Number": quotation_id,
                "Date": _format(day),
                "ExpirationDate": _format(
                    parse_date(body.get("ExpirationDate")) or day
                ),
                "Rate": _number(body.get("Rate", 1), "Rate"),
                "Closed": False,
                "Description": body.get("Description"),
            }
        )
        for line in lines:
            line["QuotationItemID"] = next(self._ids["quotation_item"])
        header["Items"] = lines
        self.quotations[quotation_id] = header
        return copy.deepcopy(header)

    def close_quotation(self, quotation_id):
        quotation = self.quotations.get(quotation_id)
        if quotation is None:
            raise ApiError(404, errors.DOCUMENT_NOT_FOUND)
        quotation["Closed"] = True

    def duplicate_quotation_guids(self):
        """How many quotations repeat a GUID already used: the cost of blind resends."""
        guids = Counter(_lower(q["GUID"]) for q in self.quotations.values())
        return sum(count - 1 for count in guids.values())

    # -- invoices ----------------------------------------------------------------

    def invoice_list(self, level):
        """Invoices of the current fiscal year, without lines."""
        return [_invoice_view(i, level, lines=False) for i in self.invoices.values()]

    def invoice(self, invoice_id, level):
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise ApiError(404, errors.DOCUMENT_NOT_FOUND)
        return _invoice_view(invoice, level, lines=True)

    def create_invoice(self, body, level):
        """Create an invoice dated today; its GUID has a unique index in Sepidar."""
        body = as_object(body)
        header, lines = self._document(body, stock_required=True)
        if _lower(header["GUID"]) in {
            _lower(i["GUID"]) for i in self.invoices.values()
        }:
            raise self._duplicate("SLS.Invoice")
        header.update(
            {
                "SettlementType": body.get("SettlementType"),
                "Description": body.get("Description"),
            }
        )
        return self._add_invoice(header, lines, level)

    def invoice_from_quotation(self, body, level):
        """``Invoices/BasedOnQuotation``: one invoice per quotation at most."""
        quotation = self.quotations.get(as_int(as_object(body).get("QuatationID")))
        if quotation is None:
            raise ApiError(404, errors.QUOTATION_NOT_FOUND)
        if any(i["QuotationRef"] == quotation["ID"] for i in self.invoices.values()):
            raise ApiError(400, errors.ALREADY_INVOICED)
        header = {field: quotation[field] for field in INVOICE_FROM_QUOTATION}
        header.update(
            {"GUID": None, "QuotationRef": quotation["ID"], "SettlementType": None}
        )
        lines = [_without(line, "QuotationItemID") for line in quotation["Items"]]
        return self._add_invoice(header, lines, level)

    def _add_invoice(self, header, lines, level):
        invoice_id = next(self._ids["invoice"])
        header.setdefault("QuotationRef", None)
        header.update(
            {
                "InvoiceID": invoice_id,
                "Number": invoice_id,
                "Date": _format(date.today()),
                "Rate": 1,
                "State": 1,
            }
        )
        for line in lines:
            line["InvoiceItemID"] = next(self._ids["invoice_item"])
        header["Items"] = lines
        self.invoices[invoice_id] = header
        return _invoice_view(header, level, lines=True)

    # -- document validation -----------------------------------------------------

    def _document(self, body, *, stock_required):
        """Validate the fields quotations and invoices share; return header, lines."""
        guid = _text(body.get("GUID"))
        if not guid:
            raise ApiError(400, errors.NO_DOCUMENT_GUID)
        currency = self.currencies.get(as_int(body.get("CurrencyRef")))
        if currency is None:
            raise ApiError(400, errors.INVALID_CURRENCY)
        customer = self.customers.get(as_int(body.get("CustomerRef")))
        if customer is None:
            raise ApiError(400, errors.CUSTOMER_NOT_FOUND)
        address = as_int(body.get("AddressRef"))
        if address is not None and address not in {
            a["CustomerAddressID"] for a in customer["Addresses"]
        }:
            raise ApiError(400, errors.ADDRESS_NOT_FOUND)
        sale_type = self.sale_types.get(as_int(body.get("SaleTypeRef")))
        if sale_type is None or not sale_type.get("IsAvailable", True):
            raise ApiError(400, errors.INVALID_SALE_TYPE)
        lines = self._lines(body.get("Items"), currency, stock_required)
        header = {
            "GUID": guid,
            "CurrencyRef": currency["CurrencyID"],
            "CustomerRef": customer["CustomerID"],
            "AddressRef": address,
            "SaleTypeRef": sale_type["SaleTypeID"],
            "DiscountOnCustomer": _number(body.get("DiscountOnCustomer"), "Discount"),
        }
        for field in TOTAL_FIELDS:
            header[field] = _number(body.get(field), field)
            if self.knobs.validate_totals and not math.isclose(
                header[field], sum(line[field] for line in lines), abs_tol=0.005
            ):
                raise ApiError(400, errors.TOTALS_MISMATCH)
        header["NetPrice"] = _net(header)
        return header, lines

    def _lines(self, lines, currency, stock_required):
        if not isinstance(lines, list) or not lines:
            raise ApiError(400, errors.NO_LINES)
        rows = [self._line(as_object(line), currency, stock_required) for line in lines]
        row_ids = [row["RowID"] for row in rows]
        if len(set(row_ids)) != len(row_ids):
            raise ApiError(400, errors.DUPLICATE_ROW)
        for row in rows:
            if row["DiscountParentRef"] is not None and (
                row["DiscountParentRef"] not in row_ids
            ):
                raise ApiError(400, errors.BAD_DISCOUNT_PARENT)
        return rows

    def _line(self, line, currency, stock_required):
        item = self.items.get(as_int(line.get("ItemRef")))
        if item is None or not (item["IsActive"] and item["IsSellable"]):
            raise ApiError(400, errors.INVALID_ITEM)
        tracing = as_int(line.get("TracingRef"))
        tracings = {t["TracingID"]: t["Title"] for t in item["Tracings"]}
        # Items with tracing factors need one of them on every line; others none.
        if not (tracing in tracings if tracings else tracing is None):
            raise ApiError(400, errors.INVALID_TRACING)
        row = {
            "RowID": as_int(line.get("RowID")),
            "ItemRef": item["ItemID"],
            "TracingRef": tracing,
            "TracingTitle": tracings.get(tracing),
            "StockRef": self._stock(line.get("StockRef"), item, stock_required),
            "Quantity": _number(line.get("Quantity"), "Quantity"),
            "Fee": _number(line.get("Fee"), "Fee"),
            "Price": _number(line.get("Price"), "Price"),
            "Description": line.get("Description"),
            "DiscountParentRef": as_int(line.get("DiscountParentRef")),
        }
        for field in LINE_AMOUNT_FIELDS:
            row[field] = _number(line.get(field), field)
        if row["Quantity"] <= 0:
            raise ApiError(400, errors.INVALID_QUANTITY)
        unit = 10 ** -currency["PrecisionCount"]
        if self.knobs.validate_totals and not math.isclose(
            row["Price"], row["Quantity"] * row["Fee"], abs_tol=unit
        ):
            raise ApiError(400, errors.LINE_PRICE_MISMATCH)
        row["NetPrice"] = _net(row)
        return row

    def _stock(self, value, item, required):
        """The line's stock; an omitted one means the item's usual stock."""
        stock_id = as_int(value)
        if stock_id is None and not required:
            stock_id = self._usual_stock(item)
        stock = self.stocks.get(stock_id)
        if stock is None or not stock["IsActive"]:
            raise ApiError(400, errors.INVALID_STOCK)
        return stock_id

    def _usual_stock(self, item):
        """First stock holding the item, else the first active stock."""
        held = [
            r["StockRef"] for r in self.inventories if r["ItemRef"] == item["ItemID"]
        ]
        active = [s["StockID"] for s in self.stocks.values() if s["IsActive"]]
        return (held + active + [None])[0]

    def _duplicate(self, table):
        """Refusal of a duplicate GUID (undocumented: 400, or 500 with SQL text)."""
        if self.knobs.duplicate_guid_status == 500:
            return ApiError(
                500,
                f"Cannot insert duplicate key row in object '{table}' with unique "
                f"index on column 'Guid'.",
                PROGRAM,
            )
        return ApiError(400, errors.DUPLICATE_GUID)


def _customer_view(customer, level):
    """Level 104 replaced ``Remainder`` by three finer balances."""
    view = copy.deepcopy(customer)
    if level >= 104:
        remainder = view.pop("Remainder")
        view.update(
            {
                "AccountingRemainder": remainder,
                "RemainderWithoutCheque": remainder,
                "QuantityCreditRemainder": None,
            }
        )
    return view


def _invoice_view(invoice, level, *, lines):
    """Invoice read model: no GUID, ``InvoiceItems`` (not ``Items``) on details."""
    view = {field: invoice[field] for field in INVOICE_VIEW}
    view["OrderRef"] = None
    if level >= 109:
        view.update(
            {
                "AgreementRef": None,
                "RemainingAmount": invoice["NetPrice"],
                "TotalReceivedAmount": 0,
                "SettlementType": invoice["SettlementType"],
                "State": invoice["State"],
                "Description": invoice["Description"],
            }
        )
    else:
        view["Agreements"] = None
    if lines:
        view["InvoiceItems"] = [_invoice_item_view(line) for line in invoice["Items"]]
    return view


def _invoice_item_view(line):
    view = {field: line[field] for field in INVOICE_ITEM_VIEW}
    view.update(
        {
            "DiscountInvoiceItemRef": None,
            "ProductPackRef": None,
            "ProductPackQuantity": None,
        }
    )
    return view


def _net(amounts):
    """NetPrice = gross + tax + duty + addition - discount (section 11)."""
    return (
        amounts["Price"]
        + amounts["Tax"]
        + amounts["Duty"]
        + amounts["Addition"]
        - amounts["Discount"]
    )


def _by_id(rows, key):
    return {row[key]: row for row in rows}


def _counter_after(ids):
    return itertools.count(max(ids, default=0) + 1)


def _without(record, *keys):
    return {k: copy.deepcopy(v) for k, v in record.items() if k not in keys}


def as_object(value):
    if not isinstance(value, dict):
        raise ApiError(400, errors.INVALID_REQUEST, PROGRAM)
    return value


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _lower(value):
    return _text(value).lower()


def as_int(value):
    """Json.NET binds ints from numbers and numeric strings; anything else is null."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _number(value, field):
    """A JSON number; null/absent binds to 0 like a .NET ``double``."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ApiError(400, f"Invalid value for {field}.", PROGRAM)
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError as err:
        raise ApiError(400, f"Invalid value for {field}.", PROGRAM) from err


def parse_date(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)[:19]).date()
    except ValueError as err:
        raise ApiError(400, errors.INVALID_REQUEST, PROGRAM) from err


def _format(day):
    return f"{day.isoformat()}T00:00:00"


def _in_range(text, from_date, to_date):
    day = parse_date(text)
    return (from_date is None or day >= from_date) and (
        to_date is None or day <= to_date
    )
