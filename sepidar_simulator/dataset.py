"""Seed data of the simulator: devices, users and Sepidar reference data.

The dataset is a JSON-able dict whose records use Sepidar's wire field names, so it
reads like what ``GET /api/...`` returns. Computed fields (item inventories and
totals) are derived from ``inventories`` and need not be written. Load your own with
:func:`load_dataset`; top-level keys you leave out keep their default value.
``data/demo_dataset.json`` is the demo database's (:data:`DEMO_DATASET`), what the
command line serves unless told otherwise. Print the built-in one with
``python -m sepidar_simulator --builtin-data --dump-data``.

``fiscal_years`` (not served by any endpoint, section 11) decides which document
dates are accepted: by default the Solar Hijri year of today, open, and the one
before, closed (``fiscal.py``); a dataset may list its own.
"""

import json
from pathlib import Path

from .fiscal import default_fiscal_years

# The dataset matching the demo products of car_portal_orders (VH-1001…, PT-2001…)
# and the demo backend of car_portal_sepidar (demo/sepidar_demo.xml mirrors it).
DEMO_DATASET = Path(__file__).resolve().parent / "data" / "demo_dataset.json"

# Illustrative VAT split of the 10 % Iranian VAT into tax (مالیات) and duty (عوارض).
TAX_RATE = 9
DUTY_RATE = 1


def default_dataset():
    """A small Persian car-dealer dataset: vehicles (VH-*), parts (PT-*), a service."""
    return {
        "lock_number": "0051607",
        "devices": [
            {
                "IntegrationID": 1001,
                "Serial": "10017ff3",
                "Title": "فروشگاه اینترنتی خودرو",
                "DeviceType": 2,
                "UserName": "shop",
                "IsActive": True,
            }
        ],
        "users": [
            {
                "UserID": 1,
                "UserName": "shop",
                "Password": "shop123",
                "Title": "کاربر فروشگاه اینترنتی",
                "IsActive": True,
            }
        ],
        "currencies": [
            {"CurrencyID": 1, "Title": "ریال", "PrecisionCount": 0, "IsMain": True},
            {"CurrencyID": 2, "Title": "یورو", "PrecisionCount": 2, "IsMain": False},
        ],
        "sale_types": [
            {"SaleTypeID": i, "Title": title, "Market": market, "IsAvailable": True}
            for i, title, market in (
                (1, "فروش داخلی", 1),
                (2, "فروش اینترنتی", 1),
                (3, "فروش صادراتی", 2),
            )
        ],
        "stocks": [
            {"StockID": 1, "Code": 1, "Title": "انبار خودرو", "IsActive": True},
            {"StockID": 2, "Code": 2, "Title": "انبار قطعات", "IsActive": True},
            {"StockID": 3, "Code": 3, "Title": "انبار قدیمی", "IsActive": False},
        ],
        "units": [
            {"UnitID": 1, "Title": "دستگاه"},
            {"UnitID": 2, "Title": "عدد"},
            {"UnitID": 3, "Title": "دست"},
            {"UnitID": 4, "Title": "لیتر"},
        ],
        "administrative_divisions": _divisions(),
        "customer_groupings": [
            {"CustomerGroupingID": 1, "Code": 1, "Title": "مشتریان خرده"},
            {"CustomerGroupingID": 2, "Code": 2, "Title": "نمایندگی‌ها"},
        ],
        "items": _items(),
        "inventories": _inventories(),
        "price_note_items": _price_note_items(),
        "customers": _customers(),
        "fiscal_years": default_fiscal_years(),
    }


def load_dataset(path):
    """Default dataset with the top-level keys of the JSON file at ``path`` replaced."""
    with open(path, encoding="utf-8") as handle:
        custom = json.load(handle)
    dataset = default_dataset()
    dataset.update(custom)
    return dataset


def demo_dataset():
    """The built-in dataset with the demo's keys (:data:`DEMO_DATASET`) on top."""
    return load_dataset(DEMO_DATASET)


def _divisions():
    rows = [
        (1, "ایران", 1, None),
        (2, "تهران", 2, 1),
        (3, "تهران", 3, 2),
        (4, "اصفهان", 2, 1),
        (5, "اصفهان", 3, 4),
        (6, "البرز", 2, 1),
        (7, "کرج", 3, 6),
        (8, "فارس", 2, 1),
        (9, "شیراز", 3, 8),
    ]
    return [
        {"DivisionID": i, "Title": t, "Type": k, "ParentDivisionRef": p}
        for i, t, k, p in rows
    ]


def _item(item_id, code, title, unit, *, tracings=(), item_type=1, active=True):
    return {
        "ItemID": item_id,
        "Code": code,
        "Barcode": None,
        "Title": title,
        "IsActive": active,
        "IsSellable": active,
        "Type": item_type,
        "UnitRef": unit,
        "SecondaryUnitRef": None,
        "UnitsRatio": None,
        "IsUnitRatioConstant": False,
        "Weight": None,
        "Volume": None,
        "ConsumerFee": None,
        "IsTaxExempt": False,
        "TaxRate": TAX_RATE,
        "DutyRate": DUTY_RATE,
        "SaleGroupRef": None,
        "Tracings": [
            {"TracingID": tracing_id, "Title": name, "IsSelectable": True}
            for tracing_id, name in tracings
        ],
        "PropertyValues": [],
        "Thumbnail": None,
        "BrokerSellable": True,
    }


# (ItemID, Code, Title, UnitRef, StockRef, Fee in Rial, tracings)
_CATALOGUE = [
    (
        1,
        "VH-0001",
        "پژو ۲۰۷ اتوماتیک",
        1,
        1,
        12_500_000_000,
        ((1, "سفید"), (2, "مشکی")),
    ),
    (2, "VH-0002", "سمند سورن پلاس", 1, 1, 7_800_000_000, ()),
    (3, "VH-0003", "دنا پلاس توربو اتوماتیک", 1, 1, 11_000_000_000, ()),
    (4, "PT-0001", "لنت ترمز جلو پژو ۲۰۷", 3, 2, 18_500_000, ()),
    (5, "PT-0002", "فیلتر روغن", 2, 2, 2_400_000, ()),
    (6, "PT-0003", "روغن موتور ۴ لیتری", 2, 2, 16_000_000, ()),
    (7, "PT-0004", "تسمه تایم", 2, 2, 9_500_000, ()),
]


def _items():
    items = [
        _item(item_id, code, title, unit, tracings=tracings)
        for item_id, code, title, unit, _stock, _fee, tracings in _CATALOGUE
    ]
    items.append(_item(8, "SV-0001", "سرویس دوره‌ای", 2, item_type=2))
    items.append(_item(9, "PT-0099", "قطعه منسوخ", 2, active=False))
    return items


def _inventories():
    rows = []
    for item_id, _code, _title, _unit, stock, _fee, tracings in _CATALOGUE:
        quantity = 5 if stock == 1 else 120
        for tracing_id in [t for t, _name in tracings] or [None]:
            rows.append(
                {
                    "ItemRef": item_id,
                    "StockRef": stock,
                    "TracingRef": tracing_id,
                    "Quantity": quantity,
                }
            )
    return rows


def _price_note_items():
    fees = [(row[0], row[3], row[5]) for row in _CATALOGUE] + [(8, 2, 15_000_000)]
    lines = []
    for sale_type in (1, 2):
        for item_id, unit, fee in fees:
            lines.append(
                {
                    "PriceNoteItemID": len(lines) + 1,
                    "SaleTypeRef": sale_type,
                    "ItemRef": item_id,
                    "TracingRef": None,
                    "UnitRef": unit,
                    "CurrencyRef": 1,
                    "Fee": fee,
                    "CanChangeInvoiceFee": True,
                    "CanChangeInvoiceDiscount": True,
                    "CustomerGroupingRef": None,
                    "UpperMargin": None,
                    "LowerMargin": None,
                    "AdditionRate": 0,
                }
            )
    return lines


def _customers():
    return [
        {
            "CustomerID": 1,
            "GUID": None,
            "Title": "علی رضایی",
            "Code": "10001",
            "PhoneNumber": "09121234567",
            "Remainder": 0,
            "CreditRemainder": 0,
            "CustomerType": 1,
            "Name": "علی",
            "LastName": "رضایی",
            "BirthDate": None,
            "NationalID": "0012345678",
            "EconomicCode": None,
            "Version": 1,
            "GroupingRef": 1,
            "DiscountRate": 0,
            "Addresses": [
                {
                    "CustomerAddressID": 1,
                    "GUID": None,
                    "Title": "منزل",
                    "IsMain": True,
                    "CityRef": 3,
                    "Address": "تهران، خیابان ولیعصر، پلاک ۱۰",
                    "ZipCode": "1415678901",
                    "Latitude": None,
                    "Longitude": None,
                }
            ],
        },
        {
            "CustomerID": 2,
            "GUID": None,
            "Title": "شرکت حمل و نقل آریا",
            "Code": "10002",
            "PhoneNumber": "02188776655",
            "Remainder": 0,
            "CreditRemainder": 0,
            "CustomerType": 2,
            "Name": "شرکت حمل و نقل آریا",
            "LastName": "",
            "BirthDate": None,
            "NationalID": "10101234567",
            "EconomicCode": "411111111111",
            "Version": 1,
            "GroupingRef": 2,
            "DiscountRate": 0,
            "Addresses": [],
        },
    ]
