"""Request bodies bound like ASP.NET Web API with Json.NET binds them.

Sepidar is a .NET service: a JSON body becomes a typed object before any
business rule runs (sepidar-api.md 6 and 7.1, "400 model binding errors"). So,
as there:

* property names match case-insensitively (a NestJS client's ``integrationID``
  was accepted, section 6); unknown properties are ignored; the last of two
  properties with the same name wins;
* a value of the wrong JSON type (``true`` for a number, ``1.5`` for an int, an
  object for a string, ``null`` for a non-nullable number) is a 400 with a
  Json.NET-style text; a number sent as a string (``"1000"``) too, although
  Json.NET would convert it (knob ``refuse_numeric_strings``);
* an omitted non-nullable number binds to 0 in .NET; the PDF marks most of them
  "req", so they are refused (knob ``require_amount_fields``).

What a real server would let through but looks like a client bug (a miscased
or unknown property, a duplicate, a converted value) is noted as a deviation.
The result is a plain dict with Sepidar's spelling, every known property
present (defaults filled in like .NET), dates as :class:`datetime.date`.
"""

import json
import math
from datetime import date, datetime
from typing import NamedTuple

from . import errors
from .errors import PROGRAM, ApiError

INT32 = (-(2**31), 2**31 - 1)
# .NET type names, for messages like Json.NET's.
_NET_TYPES = {
    "int": "System.Int32",
    "num": "System.Double",
    "bool": "System.Boolean",
    "date": "System.DateTime",
    "str": "System.String",
}
_DEFAULTS = {"int": 0, "num": 0, "bool": False, "date": date(1, 1, 1)}
HIJRI_YEARS = range(1300, 1500)  # a "year" here is a Solar Hijri date's


class Field(NamedTuple):
    kind: str  # int, num, bool, date, str, obj (free object), list, model
    nullable: bool = False
    required: bool = False  # "req" in the PDF: omitted is refused
    model: "Model" = None  # rows of a list, or a nested object
    level: int = 0  # first GenerationVersion that knows the property
    numeric_string: bool = False  # a numeric string is normal here


class Model(NamedTuple):
    name: str
    fields: dict


def _model(name, **fields):
    return Model(name, fields)


NUM = Field("num", required=True)
INT = Field("int", required=True)
INT_N = Field("int", nullable=True)
NUM_N = Field("num", nullable=True)
STR = Field("str")
BOOL = Field("bool")
BOOL_N = Field("bool", nullable=True)

REGISTER = _model(
    "DeviceRegister",
    Cypher=STR,
    IV=STR,
    # Official C#/Python samples send it as a string, which the server accepts.
    IntegrationID=Field("int", required=True, numeric_string=True),
)
LOGIN = _model("UserLogin", UserName=STR, PasswordHash=STR)
ADDRESS = _model(
    "CustomerAddress_New",
    GUID=STR,
    Title=STR,
    IsMain=BOOL,
    CityRef=INT,
    Address=STR,
    ZipCode=STR,
    Latitude=NUM_N,
    Longitude=NUM_N,
)
CUSTOMER = _model(
    "CustomerAdd",
    GUID=STR,
    PhoneNumber=STR,
    CustomerType=INT,
    Name=STR,
    LastName=STR,
    BirthDate=STR,
    NationalID=STR,
    EconomicCode=STR,
    Addresses=Field("list", model=ADDRESS),
    CustomerExtraData=Field("obj", nullable=True, level=109),
)
_DISCOUNT_PARTS = (
    "PriceInfoPercentDiscount",
    "PriceInfoPriceDiscount",
    "PriceInfoDiscountRate",
    "AggregateAmountPercentDiscount",
    "AggregateAmountPriceDiscount",
    "AggregateAmountDiscountRate",
    "CustomerDiscount",
    "CustomerDiscountRate",
)
LINE = _model(
    "DocumentItem_New",
    RowID=INT,
    ItemRef=INT,
    TracingRef=INT_N,
    StockRef=INT_N,
    Quantity=NUM,
    # "req" in the PDF, nullable in the OpenAPI file.
    SecondaryQuantity=Field("num", nullable=True, required=True),
    Fee=NUM,
    Price=NUM,
    Description=STR,
    **dict.fromkeys(_DISCOUNT_PARTS, NUM),
    IsAggregateDiscountInvoiceItem=BOOL_N,
    Discount=NUM,
    DiscountParentRef=INT_N,
    Tax=NUM,
    Duty=NUM,
    Addition=NUM,
)
_HEADER = {
    "GUID": STR,
    "CurrencyRef": INT,
    "CustomerRef": INT,
    "AddressRef": INT_N,
    "SaleTypeRef": INT,
    "DiscountOnCustomer": NUM,
    "Price": NUM,
    "Discount": NUM,
    "Tax": NUM,
    "Duty": NUM,
    "Addition": NUM,
    "Items": Field("list", model=LINE),
}
QUOTATION = _model(
    "Quotation_Batch",
    **_HEADER,
    Rate=NUM,
    Date=Field("date", nullable=True),
    ExpirationDate=Field("date", required=True),
    Description=STR,
)
# No Date, Rate or ExpirationDate: Sepidar dates an invoice itself (9.6).
INVOICE = _model(
    "Invoice_Batch",
    **_HEADER,
    SettlementType=INT_N,
    Description=Field("str", level=109),
    InvoiceExtraData=Field("obj", nullable=True, level=109),
)
BASED_ON_QUOTATION = _model("InvoiceBasedOnQuotation", QuatationID=INT)  # sic


class _Object(dict):
    """A parsed JSON object that remembers its properties in order, duplicates too."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs


def parse(raw_body):
    """The JSON of a request body (``None`` when empty); 400 when malformed."""
    if not raw_body or not raw_body.strip():
        return None
    try:
        return json.loads(
            raw_body, object_pairs_hook=_Object, parse_constant=_no_constant
        )
    except (ValueError, RecursionError) as err:
        where = (
            f" Path '', line {err.lineno}, position {err.colno}."
            if isinstance(err, json.JSONDecodeError)
            else ""
        )
        raise model_error(
            f"Unexpected character encountered while parsing value.{where}"
        ) from err


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def model_error(detail):
    """Sepidar's answer to a model binding error: 400, program error type."""
    return ApiError(400, f"{errors.INVALID_REQUEST} {detail}", PROGRAM)


class Binder:
    """Binds one request's body; ``deviations`` collects what looked wrong."""

    def __init__(self, knobs, level, deviations):
        self.knobs = knobs
        self.level = level
        self.deviations = deviations

    def bind(self, value, model, path=""):
        """``value`` (parsed JSON) as a dict of ``model``; 400 when it cannot be."""
        if not isinstance(value, dict):
            raise model_error(
                f"Cannot deserialize the current JSON value into type "
                f"'{model.name}'. Path '{path}'."
            )
        given = self._match(value, model, path)
        bound = {}
        for name, field in model.fields.items():
            where = f"{path}.{name}" if path else name
            if field.level > self.level or name not in given:
                bound[name] = self._absent(field, where)
            else:
                bound[name] = self._value(given[name], field, where)
        return bound

    def _match(self, value, model, path):
        """``{canonical name: value}``: case-insensitive, the last duplicate wins."""
        by_lower = {name.lower(): name for name in model.fields}
        given = {}
        pairs = value.pairs if isinstance(value, _Object) else list(value.items())
        for key, item in pairs:
            where = f"{path}.{key}" if path else key
            name = by_lower.get(key.lower())
            if name is None:
                self.note(f"unknown property '{where}' ignored")
                continue
            field = model.fields[name]
            if field.level > self.level:
                self.note(
                    f"property '{where}' ignored: unknown before API level "
                    f"{field.level} (request level {self.level})"
                )
                continue
            if key != name:
                self.note(f"property '{where}' is spelled '{name}' by Sepidar")
            if name in given:
                self.note(f"property '{where}' given twice; the last one wins")
            given[name] = item
        return given

    def _absent(self, field, where):
        if field.required and self.knobs.require_amount_fields:
            name = where.rsplit(".", 1)[-1]
            parent = where[: -len(name) - 1] if "." in where else ""
            raise model_error(
                f"Required property '{name}' not found in JSON. Path '{parent}'."
            )
        if field.nullable:
            return None
        return _DEFAULTS.get(field.kind)

    def _value(self, value, field, where):
        if value is None:
            if field.nullable or field.kind in ("str", "obj", "list", "model"):
                return None
            raise self._conversion(value, field, where)
        if field.kind == "list":
            if not isinstance(value, list):
                raise model_error(
                    f"Cannot deserialize the current JSON value into a list of "
                    f"'{field.model.name}'. Path '{where}'."
                )
            return [
                self.bind(row, field.model, f"{where}[{i}]")
                for i, row in enumerate(value)
            ]
        if field.kind == "obj":
            if not isinstance(value, dict):
                raise self._conversion(value, field, where)
            return value
        return getattr(self, f"_{field.kind}")(value, field, where)

    def _str(self, value, field, where):
        if isinstance(value, (dict, list)):
            raise self._conversion(value, field, where)
        if not isinstance(value, str):
            self.note(f"property '{where}': {_show(value)} converted to a string")
            return _show(value)
        return value

    def _bool(self, value, field, where):
        if isinstance(value, bool):
            return value
        text = value.strip().lower() if isinstance(value, str) else None
        if text in ("true", "false") and not self.knobs.refuse_numeric_strings:
            self.note(f"property '{where}': boolean sent as a string {value!r}")
            return text == "true"
        raise self._conversion(value, field, where)

    def _int(self, value, field, where):
        number = self._number(value, field, where)
        if number != int(number):
            raise model_error(
                f"Input string '{_show(value)}' is not a valid integer. Path '{where}'."
            )
        if not INT32[0] <= number <= INT32[1]:
            raise model_error(
                f"Value was either too large or too small for an Int32. Path '{where}'."
            )
        if isinstance(number, float):
            self.note(f"property '{where}': integer sent as {_show(value)}")
        return int(number)

    def _num(self, value, field, where):
        return self._number(value, field, where)

    def _number(self, value, field, where):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self._conversion(value, field, where)
        if isinstance(value, str):
            if self.knobs.refuse_numeric_strings and not field.numeric_string:
                raise self._conversion(value, field, where)
            try:
                number = float(value.strip())
            except ValueError as err:
                raise self._conversion(value, field, where) from err
            if not field.numeric_string:
                self.note(f"property '{where}': number sent as a string {value!r}")
            value = int(number) if number.is_integer() else number
        if isinstance(value, float) and not math.isfinite(value):
            raise self._conversion(value, field, where)
        return value

    def _date(self, value, field, where):
        if not isinstance(value, str):
            raise self._conversion(value, field, where)
        day = parse_date(value)
        if day is None:
            raise model_error(
                f"Could not convert string to DateTime: {value}. Path '{where}'."
            )
        if len(value) > 19 and value[19:] not in (".000", ".0"):
            self.note(f"property '{where}': time zone or fraction in {value!r}")
        if day.year in HIJRI_YEARS:
            self.note(
                f"property '{where}': {value!r} looks like a Solar Hijri date; "
                f"Sepidar dates are Gregorian"
            )
        return day

    def _conversion(self, value, field, where):
        kind = _NET_TYPES.get(field.kind, field.kind)
        if field.nullable:
            kind = f"System.Nullable`1[{kind}]"
        return model_error(
            f"Error converting value {_show(value)} to type '{kind}'. Path '{where}'."
        )

    def note(self, text):
        self.deviations.append(text)


def parse_date(text):
    """``yyyy-MM-dd`` with an optional ISO time part, else ``None``."""
    try:
        return datetime.fromisoformat(text.strip()).date()  # 3.11 reads "Z" too
    except (ValueError, AttributeError):
        return None


def _show(value):
    """A JSON value the way Json.NET quotes it in its messages."""
    if value is None:
        return "{null}"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)[:40]
    return str(value)
