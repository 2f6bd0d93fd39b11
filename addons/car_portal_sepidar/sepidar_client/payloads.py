"""Builders of Sepidar request bodies (sepidar-api.md sections 9.2, 9.5 and 9.6),
and the readers of answers whose spelling varies between servers.

They keep the wire spelling (PascalCase, ``ID``/``GUID``, required zero fields) in one
place and make header totals equal to the sum of the lines, which Sepidar expects and
the simulator enforces (section 11).
"""

import uuid
from datetime import datetime

# Fixed namespace of this project's UUIDv5 document keys; never change it, or GUIDs
# of documents already sent would stop matching.
GUID_NAMESPACE = uuid.UUID("6f1c1f38-5f5e-4c55-9a43-9d3a6a0f2b51")

TOTAL_FIELDS = ("Price", "Discount", "Tax", "Duty", "Addition")


def stable_guid(*parts):
    """Deterministic GUID for a document, e.g. ``stable_guid(db_uuid, "order", 42)``.

    Storing it before the first send lets a retry reuse it, which is how Sepidar
    detects duplicates (section 10).
    """
    return str(uuid.uuid5(GUID_NAMESPACE, ":".join(str(part) for part in parts)))


def format_datetime(value):
    """Sepidar's ``yyyy-MM-ddTHH:mm:ss`` (Gregorian, no offset)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def address_payload(
    guid,
    city_id,
    address,
    *,
    title=None,
    is_main=True,
    zip_code=None,
    latitude=None,
    longitude=None,
):
    """One ``CustomerAddress_New``; ``city_id`` must be a division of type 3 (city)."""
    return {
        "GUID": guid,
        "Title": title,
        "IsMain": is_main,
        "CityRef": city_id,
        "Address": address,
        "ZipCode": zip_code,
        "Latitude": latitude,
        "Longitude": longitude,
    }


def customer_payload(
    guid,
    name,
    last_name="",
    *,
    customer_type=1,
    phone=None,
    national_id=None,
    economic_code=None,
    birth_date=None,
    addresses=(),
):
    """``POST /api/Customers`` body; type 1 = person, 2 = company (empty last name).

    ``Addresses`` is always an array: Sepidar rejects null or a missing property.
    """
    return {
        "GUID": guid,
        "CustomerType": customer_type,
        "Name": name,
        "LastName": last_name or "",
        "PhoneNumber": phone,
        "BirthDate": format_datetime(birth_date) if birth_date else None,
        "NationalID": national_id,
        "EconomicCode": economic_code,
        "Addresses": list(addresses),
    }


def document_line(
    row_id,
    item_id,
    quantity,
    fee,
    *,
    stock_id=None,
    tracing_id=None,
    discount=0,
    tax=0,
    duty=0,
    addition=0,
    secondary_quantity=0,
    description=None,
    precision=0,
):
    """One quotation/invoice line; ``Price`` is the gross ``quantity * fee``.

    Amounts are rounded to the currency's ``PrecisionCount`` (0 for Rial). The
    discount goes into ``Discount`` only; the price-list, volume and customer
    discount breakdown fields are sent as 0 (unused by a web shop).
    """
    return {
        "RowID": row_id,
        "ItemRef": item_id,
        "TracingRef": tracing_id,
        "StockRef": stock_id,
        "Quantity": quantity,
        "SecondaryQuantity": secondary_quantity,
        "Fee": _amount(fee, precision),
        "Price": _amount(quantity * fee, precision),
        "Description": description,
        "PriceInfoPercentDiscount": 0,
        "PriceInfoPriceDiscount": 0,
        "PriceInfoDiscountRate": 0,
        "AggregateAmountPercentDiscount": 0,
        "AggregateAmountPriceDiscount": 0,
        "AggregateAmountDiscountRate": 0,
        "CustomerDiscount": 0,
        "CustomerDiscountRate": 0,
        "Discount": _amount(discount, precision),
        "DiscountParentRef": None,
        "Tax": _amount(tax, precision),
        "Duty": _amount(duty, precision),
        "Addition": _amount(addition, precision),
    }


def invoice_payload(
    guid,
    customer_id,
    sale_type_id,
    currency_id,
    lines,
    *,
    address_id=None,
    settlement_type=None,
    discount_on_customer=0,
    description=None,
):
    """``POST /api/invoices/`` body; the server dates the invoice itself (today).

    ``description`` is only understood from API level 109, so it is left out unless
    given.
    """
    payload = _document_header(
        guid, customer_id, sale_type_id, currency_id, lines, address_id
    )
    payload["DiscountOnCustomer"] = discount_on_customer
    if settlement_type is not None:
        payload["SettlementType"] = settlement_type
    if description:
        payload["Description"] = description
    return payload


def quotation_payload(
    guid,
    customer_id,
    sale_type_id,
    currency_id,
    lines,
    *,
    expiration_date,
    date=None,
    rate=1,
    address_id=None,
    discount_on_customer=0,
    description=None,
):
    """``POST /api/Quotations/`` body; ``date`` omitted means the server's today."""
    payload = _document_header(
        guid, customer_id, sale_type_id, currency_id, lines, address_id
    )
    payload.update(
        {
            "Rate": rate,
            "Date": format_datetime(date) if date else None,
            "ExpirationDate": format_datetime(expiration_date),
            "DiscountOnCustomer": discount_on_customer,
        }
    )
    if description:
        payload["Description"] = description
    return payload


def _document_header(guid, customer_id, sale_type_id, currency_id, lines, address_id):
    lines = list(lines)
    header = {
        "GUID": guid,
        "CurrencyRef": currency_id,
        "CustomerRef": customer_id,
        "AddressRef": address_id,
        "SaleTypeRef": sale_type_id,
        "Items": lines,
    }
    for field in TOTAL_FIELDS:
        # decimal(19,4) on the server: drop float noise of the sum.
        header[field] = round(sum(line[field] for line in lines), 4)
    return header


def _amount(value, precision):
    """Round to the currency precision; integers for Rial keep the JSON exact."""
    rounded = round(value, precision)
    return int(rounded) if precision == 0 else rounded


# What Sepidar answers, read the same whatever the server's spelling.
def normalize_item(item):
    """Expose ``UnitRef``/``SecondaryUnitRef`` even if the server says ``UnitID``.

    The PDF names them ``UnitID``/``SecondaryUnitID``, the OpenAPI file and the
    official C# sample ``…Ref`` (sepidar-api.md 13). Tracing inventories may be
    strings (PDF) or numbers (OpenAPI): numbers are returned.
    """
    item.setdefault("UnitRef", item.get("UnitID"))
    item.setdefault("SecondaryUnitRef", item.get("SecondaryUnitID"))
    for row in item.get("TracingInventories") or ():
        row["Inventory"] = float(row.get("Inventory") or 0)
    return item


def normalize_inventory(row):
    """Add ``Quantity``/``StockRef`` to the wire's ``Qunatity``/``StockeRef`` (sic)."""
    row.setdefault("Quantity", row.get("Qunatity"))
    row.setdefault("StockRef", row.get("StockeRef"))
    return row


INVENTORY_QUANTITIES = ("InventoryQuantity", "SaleQuantity", "SaleQuantityWithReserve")


def normalize_inventory_quantity(row, item_id=None):
    """A row of ``Items/Inventories/Quantity/{itemId}``, named like the rows of
    :func:`normalize_inventory` too.

    The three quantities become floats (absent or null: 0, numeric strings
    parsed); ``Quantity`` repeats ``InventoryQuantity``, ``StockRef`` is also
    read from a ``StockeRef`` spelling and ``ItemRef`` is the item asked for.
    """
    for field in INVENTORY_QUANTITIES:
        row[field] = float(row.get(field) or 0)
    row.setdefault("Quantity", row["InventoryQuantity"])
    row.setdefault("StockRef", row.get("StockeRef"))
    row.setdefault("TracingRef", None)
    row.setdefault("ItemRef", None if item_id is None else int(item_id))
    return row
