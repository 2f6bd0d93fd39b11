"""Sepidar's books as the web service shows them: reference data and documents.

Validation follows sepidar-api.md sections 9-11 (document rules in
``documents.py``). Read models depend on the API level of the request
(``GenerationVersion``), like the multi-level OpenAPI file describes. Request
bodies arrive already bound (``binding.py``): typed, with Sepidar's spelling.

Customers, quotations, invoices and their id sequences are the ledger's state
(:meth:`Ledger.tables`, :meth:`Ledger.load_tables`); reference data comes from
the dataset at every start.
"""

import copy
from collections import Counter
from datetime import date, datetime

from . import accounts, errors, fiscal
from .documents import TOTAL_FIELDS, DocumentRules
from .errors import PROGRAM, ApiError

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
CITY = 3
LEGAL_PERSON = 2
# State tables: rows, their id field, and the id sequences stored with them.
TABLES = {
    "customers": ("CustomerID", ("customer", "address")),
    "quotations": ("ID", ("quotation", "quotation_item")),
    "invoices": ("InvoiceID", ("invoice", "invoice_item")),
}


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
        self.fiscal_years = data.get("fiscal_years") or fiscal.default_fiscal_years()
        self.customers = _by_id(data["customers"], "CustomerID")
        self.quotations = {}
        self.invoices = {}
        addresses = [a for c in self.customers.values() for a in c["Addresses"]]
        self.next_ids = {
            "customer": max(self.customers, default=0) + 1,
            "address": max((a["CustomerAddressID"] for a in addresses), default=0) + 1,
            "quotation": 1,
            "quotation_item": 1,
            "invoice": 1,
            "invoice_item": 1,
        }
        self.changed = set()  # state tables written since the last save

    def _take(self, sequence):
        value = self.next_ids[sequence]
        self.next_ids[sequence] = value + 1
        return value

    # -- state -------------------------------------------------------------------

    def tables(self, names=None):
        """``{table: JSON-able state}`` of the document tables (all by default)."""
        state = {}
        for name in names or TABLES:
            _key, sequences = TABLES[name]
            state[name] = {
                "NextIDs": {s: self.next_ids[s] for s in sequences},
                "Rows": list(getattr(self, name).values()),
            }
        return state

    def load_tables(self, state):
        """Replace the document tables by a saved :meth:`tables` state."""
        for name, table in state.items():
            key, sequences = TABLES[name]
            setattr(self, name, {row[key]: row for row in table["Rows"]})
            for sequence in sequences:
                self.next_ids[sequence] = table["NextIDs"][sequence]

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

    def inventory_quantities(self, item_id):
        """``Items/Inventories/Quantity/{itemId}``: per stock and tracing, the
        quantity in stock, what is left to sell (less the lines of invoices not
        revoked: sold, and never issued here) and what is left once the open
        quotations (neither closed nor invoiced) are reserved too."""
        if item_id not in self.items:
            raise ApiError(404, errors.INVALID_ITEM)
        invoiced = {invoice["QuotationRef"] for invoice in self.invoices.values()}
        sold = _line_quantities(
            invoice
            for invoice in self.invoices.values()
            if invoice["State"] != accounts.REVOKED
        )
        reserved = _line_quantities(
            quotation
            for quotation in self.quotations.values()
            if not quotation["Closed"] and quotation["ID"] not in invoiced
        )
        rows = []
        for row in self.inventories:
            if row["ItemRef"] != item_id:
                continue
            key = (item_id, row["StockRef"], row["TracingRef"])
            sale = row["Quantity"] - sold[key]
            rows.append(
                {
                    "StockRef": row["StockRef"],
                    "TracingRef": row["TracingRef"],
                    "InventoryQuantity": row["Quantity"],
                    "SaleQuantity": sale,
                    "SaleQuantityWithReserve": sale - reserved[key],
                }
            )
        return rows

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
        """``POST /api/Customers`` with a bound ``CustomerAdd`` body."""
        guid = _text(body["GUID"])
        if not guid:
            raise ApiError(400, errors.NO_CUSTOMER_GUID)
        kind = body["CustomerType"]
        if kind not in (1, 2):
            raise ApiError(400, errors.INVALID_CUSTOMER_TYPE)
        name, last_name = _text(body["Name"]), _text(body["LastName"])
        if not name:
            raise ApiError(400, errors.NO_CUSTOMER_NAME)
        # A company (legal person) has a name only (section 9.2).
        if kind == LEGAL_PERSON and last_name and self.knobs.check_legal_last_name:
            raise ApiError(400, errors.LEGAL_PERSON_LAST_NAME)
        addresses = self._new_addresses(body["Addresses"])
        if _lower(guid) in {_lower(c["GUID"]) for c in self.customers.values()}:
            raise self._duplicate("GNR.Party")
        customer_id = self._take("customer")
        self.customers[customer_id] = {
            "CustomerID": customer_id,
            "GUID": guid,
            "Title": f"{name} {last_name}".strip(),
            "Code": str(10000 + customer_id),
            "PhoneNumber": body["PhoneNumber"],
            "Remainder": 0,
            "CreditRemainder": 0,
            "CustomerType": kind,
            "Name": name,
            "LastName": last_name,
            "BirthDate": body["BirthDate"],
            "NationalID": body["NationalID"],
            "EconomicCode": body["EconomicCode"],
            "Version": 1,
            "GroupingRef": None,
            "DiscountRate": 0,
            "Addresses": addresses,
        }
        self.changed.add("customers")
        return self.customer(customer_id, level)

    def _new_addresses(self, addresses):
        """Validate ``CustomerAddress_New`` rows; the array is mandatory, even empty."""
        if addresses is None:
            raise ApiError(400, errors.INVALID_REQUEST, PROGRAM)
        if sum(1 for a in addresses if a["IsMain"]) > 1:
            raise ApiError(400, errors.MANY_MAIN_ADDRESSES)
        known = {
            _lower(a["GUID"]) for c in self.customers.values() for a in c["Addresses"]
        }
        rows = []
        for address in addresses:
            city = self.divisions.get(address["CityRef"])
            if city is None or city["Type"] != CITY:
                raise ApiError(400, errors.INVALID_CITY)
            guid = _lower(address["GUID"])
            if guid and guid in known:
                raise self._duplicate("GNR.PartyAddress")
            known.add(guid)
            rows.append(
                {
                    "CustomerAddressID": self._take("address"),
                    **{field: address[field] for field in address},
                    "CityRef": city["DivisionID"],
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

    def create_quotation(self, body, deviations):
        """``POST /api/Quotations`` with a bound ``Quotation_Batch`` body."""
        rules = DocumentRules(self, deviations)
        header, lines = rules.document(body, stock_required=False, quotation=True)
        day = body["Date"] or date.today()  # omitted: the server's today
        rules.check_date(day)
        rules.check_expiration(day, body["ExpirationDate"])
        if self.knobs.unique_quotation_guid and _lower(header["GUID"]) in {
            _lower(q["GUID"]) for q in self.quotations.values()
        }:
            raise self._duplicate("SLS.Quotation")
        quotation_id = self._take("quotation")
        header.update(
            {
                "ID": quotation_id,
                "Number": quotation_id,
                "Date": _format(day),
                "ExpirationDate": _format(body["ExpirationDate"]),
                "Rate": body["Rate"],
                "Closed": False,
                "Description": body["Description"],
            }
        )
        for line in lines:
            line["QuotationItemID"] = self._take("quotation_item")
        header["Items"] = lines
        self.quotations[quotation_id] = header
        self.changed.add("quotations")
        return copy.deepcopy(header)

    def close_quotation(self, quotation_id):
        quotation = self.quotations.get(quotation_id)
        if quotation is None:
            raise ApiError(404, errors.DOCUMENT_NOT_FOUND)
        quotation["Closed"] = True
        self.changed.add("quotations")

    def duplicate_quotation_guids(self):
        """How many quotations repeat a GUID already used: the cost of blind resends."""
        guids = Counter(_lower(q["GUID"]) for q in self.quotations.values())
        return sum(count - 1 for count in guids.values())

    # -- invoices ----------------------------------------------------------------

    def invoice_list(self, level):
        """Invoices of the current fiscal year, without lines."""
        year = fiscal.find(self.fiscal_years, date.today())
        return [
            _invoice_view(invoice, level, lines=False)
            for invoice in self.invoices.values()
            if year is None or fiscal.find([year], _day(invoice["Date"]))
        ]

    def invoice(self, invoice_id, level):
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise ApiError(404, errors.DOCUMENT_NOT_FOUND)
        return _invoice_view(invoice, level, lines=True)

    def create_invoice(self, body, level, deviations):
        """Create an invoice dated today; its GUID has a unique index in Sepidar."""
        rules = DocumentRules(self, deviations)
        header, lines = rules.document(body, stock_required=True, quotation=False)
        rules.check_date(date.today())
        if _lower(header["GUID"]) in {
            _lower(i["GUID"]) for i in self.invoices.values()
        }:
            raise self._duplicate("SLS.Invoice")
        header.update(
            {
                "SettlementType": body["SettlementType"],
                "Description": body["Description"],
            }
        )
        return self._add_invoice(header, lines, level)

    def invoice_from_quotation(self, body, level, deviations):
        """``Invoices/BasedOnQuotation``: one invoice per open quotation at most."""
        quotation = self.quotations.get(body["QuatationID"])
        if quotation is None:
            raise ApiError(404, errors.QUOTATION_NOT_FOUND)
        if quotation["Closed"] and self.knobs.check_closed_quotation:
            raise ApiError(400, errors.QUOTATION_CLOSED)
        if any(i["QuotationRef"] == quotation["ID"] for i in self.invoices.values()):
            raise ApiError(400, errors.ALREADY_INVOICED)
        DocumentRules(self, deviations).check_date(date.today())
        header = {field: quotation[field] for field in INVOICE_FROM_QUOTATION}
        header.update(
            {"GUID": None, "QuotationRef": quotation["ID"], "SettlementType": None}
        )
        lines = [_without(line, "QuotationItemID") for line in quotation["Items"]]
        return self._add_invoice(header, lines, level)

    def _add_invoice(self, header, lines, level):
        accounts.charge(self, header["CustomerRef"], header["NetPrice"] or 0)
        invoice_id = self._take("invoice")
        header.setdefault("QuotationRef", None)
        header.update(
            {
                "InvoiceID": invoice_id,
                "Number": invoice_id,
                "Date": _format(date.today()),
                "Rate": 1,
                "State": accounts.REGISTERED,
                "Received": 0,
            }
        )
        for line in lines:
            line["InvoiceItemID"] = self._take("invoice_item")
        header["Items"] = lines
        self.invoices[invoice_id] = header
        self.changed.add("invoices")
        return _invoice_view(header, level, lines=True)

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
    view.pop("CreditCeiling", None)  # finance's setting, not in the read model
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
                "RemainingAmount": accounts.remaining(invoice),
                "TotalReceivedAmount": invoice.get("Received", 0),
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


def _line_quantities(documents):
    """Quantities of the documents' lines per ``(item, stock, tracing)``."""
    total = Counter()
    for document in documents:
        for line in document["Items"]:
            key = (line["ItemRef"], line["StockRef"], line["TracingRef"])
            total[key] += line["Quantity"]
    return total


def _by_id(rows, key):
    return {row[key]: row for row in rows}


def _without(record, *keys):
    return {k: copy.deepcopy(v) for k, v in record.items() if k not in keys}


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


def parse_query_date(value):
    """A ``fromDate``/``toDate`` query value; 400 when it is not a date."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)[:19]).date()
    except ValueError as err:
        raise ApiError(400, errors.INVALID_REQUEST, PROGRAM) from err


def _format(day):
    return f"{day.isoformat()}T00:00:00"


def _day(text):
    return datetime.fromisoformat(text[:19]).date()


def _in_range(text, from_date, to_date):
    day = _day(text)
    return (from_date is None or day >= from_date) and (
        to_date is None or day <= to_date
    )
