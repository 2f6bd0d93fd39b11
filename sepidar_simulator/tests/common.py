"""Helpers of the simulator's tests: raw HTTP with hand-made Sepidar headers and
bodies written the way the PDF describes them (every "req" field present, tax
and duty following the item's rates), so that a correct request raises no
deviation and each test can break exactly one rule.
"""

import uuid

import requests

from . import device

TIMEOUT = 10  # seconds; loopback answers in milliseconds
SERIAL = "10017ff3"
SHOP_HASH = "359a0c83fcf62bc3230f9b1e22958b1e"  # md5("shop123")
TAX_RATE, DUTY_RATE = 9, 1  # of every item of the built-in dataset
DISCOUNT_PARTS = (
    "PriceInfoPercentDiscount",
    "PriceInfoPriceDiscount",
    "PriceInfoDiscountRate",
    "AggregateAmountPercentDiscount",
    "AggregateAmountPriceDiscount",
    "AggregateAmountDiscountRate",
    "CustomerDiscount",
    "CustomerDiscountRate",
)
TOTALS = ("Price", "Discount", "Tax", "Duty", "Addition")


class Api:
    """Bare HTTP access to the simulator with hand-made Sepidar headers."""

    def __init__(self, url, serial=SERIAL):
        self.url = url
        self.serial = serial
        self.http = requests.Session()
        self.key = None
        self.token = None

    def register(self, serial=None, integration_id=None):
        serial = serial or self.serial
        payload = device.build_register_payload(serial)
        if integration_id is not None:
            payload["IntegrationID"] = integration_id
        return self.http.post(
            f"{self.url}/api/Devices/Register", json=payload, timeout=TIMEOUT
        )

    def setup(self):
        body = self.register().json()
        self.key = device.load_public_key(
            device.decrypt_register_response(self.serial, body)
        )
        self.token = self.login().json()["Token"]
        return self

    def headers(self, code=None, enc=None, version="110", integration_id=None):
        code = code or str(uuid.uuid4())
        headers = {
            "GenerationVersion": version,
            "IntegrationID": integration_id or self.serial[:4],
            "ArbitraryCode": code,
            "EncArbitraryCode": (
                device.encrypt_arbitrary_code(self.key, code) if enc is None else enc
            ),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def login(self, user="shop", password_hash=SHOP_HASH, **header_options):
        body = {"UserName": user, "PasswordHash": password_hash}
        headers = self.headers(**header_options)
        headers.pop("Authorization", None)
        return self.http.post(
            f"{self.url}/api/users/login", json=body, headers=headers, timeout=TIMEOUT
        )

    def get(self, path, **header_options):
        return self.http.get(
            self.url + path, headers=self.headers(**header_options), timeout=TIMEOUT
        )

    def post(self, path, body, **header_options):
        headers = self.headers(**header_options)
        return self.http.post(
            self.url + path, json=body, headers=headers, timeout=TIMEOUT
        )

    def send(self, method, path, data=b"", content_type=None, **header_options):
        """A request with a raw body and the Content-Type given (or none)."""
        headers = self.headers(**header_options)
        if content_type:
            headers["Content-Type"] = content_type
        return self.http.request(
            method, self.url + path, data=data, headers=headers, timeout=TIMEOUT
        )


def line(row=1, item=5, quantity=2, fee=2_400_000, stock=2, tracing=None, **extra):
    """A ``QuotationItem_New`` with every field, tax and duty at the item's rates."""
    price = quantity * fee
    values = {
        "RowID": row,
        "ItemRef": item,
        "TracingRef": tracing,
        "StockRef": stock,
        "Quantity": quantity,
        "SecondaryQuantity": 0,
        "Fee": fee,
        "Price": price,
        "Description": None,
        **dict.fromkeys(DISCOUNT_PARTS, 0),
        "Discount": 0,
        "DiscountParentRef": None,
        "Tax": price * TAX_RATE // 100,
        "Duty": price * DUTY_RATE // 100,
        "Addition": 0,
    }
    values.update(extra)
    return values


def invoice(guid=None, lines=None, **header):
    """An ``Invoice_Batch`` body: header totals are the sums of the lines."""
    lines = lines or [line()]
    document = {
        "GUID": guid or str(uuid.uuid4()),
        "CurrencyRef": 1,
        "CustomerRef": 1,
        "AddressRef": None,
        "SaleTypeRef": 1,
        "DiscountOnCustomer": 0,
        "Items": lines,
    }
    for field in TOTALS:
        document[field] = sum(row[field] for row in lines)
    document.update(header)
    return document


def quotation(guid=None, lines=None, **header):
    """A ``Quotation_Batch`` body: an invoice's plus Rate, Date and ExpirationDate."""
    document = invoice(guid, lines)
    document.update({"Rate": 1, "Date": None, "ExpirationDate": "2030-01-01T00:00:00"})
    document.update(header)
    return document


def customer(guid=None, addresses=None, **fields):
    values = {
        "GUID": guid or str(uuid.uuid4()),
        "CustomerType": 1,
        "Name": "رضا",
        "LastName": "کریمی",
        "PhoneNumber": None,
        "BirthDate": None,
        "NationalID": None,
        "EconomicCode": None,
        "Addresses": [] if addresses is None else addresses,
    }
    values.update(fields)
    return values


def address(city=3, main=True):
    return {
        "GUID": str(uuid.uuid4()),
        "Title": None,
        "IsMain": main,
        "CityRef": city,
        "Address": "-",
        "ZipCode": None,
        "Latitude": None,
        "Longitude": None,
    }


def error(response, status):
    """The error body of ``response``, after checking its status."""
    assert response.status_code == status, response.text
    return response.json()
