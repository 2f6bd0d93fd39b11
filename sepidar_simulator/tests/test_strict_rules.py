"""The strict rules: each one refuses, with its status and message, and its knob
(where there is one) relaxes it. Plain pytest over raw HTTP, no Odoo."""

import json
from datetime import date, timedelta

import pytest

from sepidar_simulator import SimulatorServer, demo_dataset, fiscal

from .common import Api, customer, error, invoice, line, quotation

QUOTATIONS, INVOICES = "/api/Quotations/", "/api/invoices/"
INVALID = "The request is invalid."


def _refused(api, path, body, status, message):
    answer = error(api.post(path, body), status)
    assert answer["Message"] == message, answer
    return answer


# -- dates and fiscal years --------------------------------------------------------


def test_solar_hijri_date_is_outside_every_fiscal_year(sim, api):
    today = date.today()
    hijri = f"{fiscal.solar_year(today)}-09-11T00:00:00"
    body = quotation(Date=hijri)
    _refused(api, QUOTATIONS, body, 400, "تاریخ سند در هیچ سال مالی تعریف‌شده‌ای نیست.")
    assert any("Solar Hijri" in text for text in sim.deviations())
    # Without the fiscal-year check it still fails, in SQL Server's datetime.
    sim.configure(check_fiscal_year=False)
    answer = _refused(
        api,
        QUOTATIONS,
        body,
        500,
        "SqlDateTime overflow. Must be between 1/1/1753 12:00:00 AM and "
        "12/31/9999 11:59:59 PM.",
    )
    assert answer["Type"] == 1


def test_date_in_the_closed_previous_fiscal_year_is_refused(sim, api):
    opened = fiscal.nowruz(fiscal.solar_year(date.today()))
    last_year = (opened - timedelta(days=10)).isoformat()
    body = quotation(Date=last_year)
    _refused(api, QUOTATIONS, body, 400, "سال مالی تاریخ سند بسته شده است.")
    sim.configure(check_fiscal_year=False)
    assert api.post(QUOTATIONS, body).json()["Date"] == f"{last_year}T00:00:00"


def test_date_after_the_open_fiscal_year_is_refused(api):
    next_year = fiscal.nowruz(fiscal.solar_year(date.today()) + 1) + timedelta(days=1)
    body = quotation(Date=next_year.isoformat(), ExpirationDate="2099-01-01")
    _refused(api, QUOTATIONS, body, 400, "تاریخ سند در هیچ سال مالی تعریف‌شده‌ای نیست.")


def test_default_fiscal_years_are_the_open_current_and_the_closed_previous():
    rows = fiscal.default_fiscal_years(date(2026, 12, 2))
    assert [
        (r["Title"], r["StartDate"], r["EndDate"], r["IsClosed"]) for r in rows
    ] == [
        ("1404", "2025-03-21T00:00:00", "2026-03-20T00:00:00", True),
        ("1405", "2026-03-21T00:00:00", "2027-03-20T00:00:00", False),
    ]
    assert fiscal.nowruz(1403) == date(2024, 3, 20)  # a leap year of the cycle


def test_expiration_before_date_is_refused(sim, api):
    today = date.today()
    body = quotation(ExpirationDate=(today - timedelta(days=1)).isoformat())
    _refused(
        api,
        QUOTATIONS,
        body,
        400,
        "تاریخ اعتبار پیش‌فاکتور نباید قبل از تاریخ آن باشد.",
    )
    sim.configure(check_expiration_date=False)
    assert api.post(QUOTATIONS, body).status_code == 201


def test_an_invoice_has_no_date_field(sim, api):
    """Sepidar dates invoices itself (9.6): a Date sent is ignored, and noted."""
    body = invoice(Date="1405-09-11T00:00:00")
    created = api.post(INVOICES, body).json()
    assert created["Date"] == f"{date.today().isoformat()}T00:00:00"
    assert sim.deviations() == ["POST /api/invoices/: unknown property 'Date' ignored"]


# -- amounts -----------------------------------------------------------------------


def test_rate_other_than_one_on_the_main_currency_is_refused(sim, api):
    _refused(api, QUOTATIONS, quotation(Rate=2), 400, "نرخ ارز اصلی باید ۱ باشد.")
    sim.configure(check_currency_rate=False)
    assert api.post(QUOTATIONS, quotation(Rate=2)).json()["Rate"] == 2


@pytest.mark.parametrize("field", ["Tax", "Duty"])
def test_negative_line_tax_or_duty_is_refused(sim, api, field):
    body = quotation(lines=[line(**{field: -1})])
    message = "مالیات، عوارض، اضافات و تخفیف ردیف نباید منفی باشند."
    _refused(api, QUOTATIONS, body, 400, message)
    _refused(api, INVOICES, invoice(lines=[line(**{field: -1})]), 400, message)
    sim.configure(check_line_amounts=False)
    assert api.post(QUOTATIONS, body).status_code == 201


def test_line_discount_above_its_price_is_refused(sim, api):
    body = quotation(lines=[line(quantity=1, fee=100, Discount=101, Tax=0, Duty=0)])
    _refused(api, QUOTATIONS, body, 400, "تخفیف ردیف نباید از مبلغ ردیف بیشتر باشد.")
    sim.configure(check_line_amounts=False)
    assert api.post(QUOTATIONS, body).json()["NetPrice"] == -1


def test_secondary_quantity_needs_a_secondary_unit(sim, api):
    body = quotation(lines=[line(SecondaryQuantity=1)])
    _refused(
        api, QUOTATIONS, body, 400, "کالا واحد فرعی ندارد؛ مقدار فرعی باید صفر باشد."
    )
    sim.configure(check_secondary_quantity=False)
    assert api.post(QUOTATIONS, body).status_code == 201


@pytest.mark.parametrize("field", ["Tax", "Duty", "Addition"])
def test_omitted_header_amounts_are_required(sim, api, field):
    body = quotation(lines=[line(Tax=0, Duty=0)])
    del body[field]
    answer = _refused(
        api,
        QUOTATIONS,
        body,
        400,
        f"{INVALID} Required property '{field}' not found in JSON. Path ''.",
    )
    assert answer["Type"] == 1
    sim.configure(require_amount_fields=False)  # binds to 0 like a .NET double
    assert api.post(QUOTATIONS, body).json()[field] == 0


def test_omitted_line_amount_is_required_with_its_path(api):
    body = invoice()
    del body["Items"][0]["CustomerDiscount"]
    _refused(
        api,
        INVOICES,
        body,
        400,
        f"{INVALID} Required property 'CustomerDiscount' not found in JSON. "
        f"Path 'Items[0]'.",
    )


def test_numeric_strings_are_refused(sim, api):
    body = invoice(Price="4800000")
    message = (
        f"{INVALID} Error converting value \"4800000\" to type 'System.Double'. "
        f"Path 'Price'."
    )
    _refused(api, INVOICES, body, 400, message)
    sim.configure(refuse_numeric_strings=False)
    assert api.post(INVOICES, body).json()["Price"] == 4_800_000
    assert sim.deviations() == [
        "POST /api/invoices/: property 'Price': number sent as a string '4800000'"
    ]


@pytest.mark.parametrize(
    "change, detail",
    [
        ({"Tax": None}, "Error converting value {null} to type 'System.Double'."),
        ({"CustomerRef": 1.5}, "Input string '1.5' is not a valid integer."),
        ({"Price": True}, "Error converting value True to type 'System.Double'."),
        ({"Items": {}}, "Cannot deserialize the current JSON value into a list"),
    ],
)
def test_values_of_the_wrong_json_type_are_model_errors(api, change, detail):
    answer = error(api.post(INVOICES, invoice(**change)), 400)
    assert answer["Type"] == 1 and answer["Message"].startswith(f"{INVALID} {detail}")


# -- customers and quotations ------------------------------------------------------


def test_company_customer_with_a_last_name_is_refused(sim, api):
    company = customer(CustomerType=2, Name="شرکت آریا", LastName="آریا")
    path = "/api/Customers"
    _refused(api, path, company, 400, "مشتری حقوقی نام خانوادگی ندارد.")
    assert api.post(path, customer(CustomerType=2, LastName="")).status_code == 201
    sim.configure(check_legal_last_name=False)
    assert api.post(path, company).status_code == 201


def test_invoice_of_a_closed_quotation_is_refused(sim, api):
    created = api.post(QUOTATIONS, quotation()).json()
    assert api.post(f"/api/Quotations/{created['ID']}/Close/", None).status_code == 201
    based = {"QuatationID": created["ID"]}
    message = "پیش‌فاکتور خاتمه یافته است و فاکتور فروش برای آن صادر نمی‌شود."
    _refused(api, "/api/Invoices/BasedOnQuotation/", based, 400, message)
    sim.configure(check_closed_quotation=False)
    assert api.post("/api/Invoices/BasedOnQuotation/", based).status_code == 201


# -- media type --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type, message",
    [
        (
            "text/plain",
            (
                "The request entity's media type 'text/plain' is not supported for "
                "this resource."
            ),
        ),
        (
            None,
            (
                "The request contains an entity body but no Content-Type header. The "
                "inferred media type 'application/octet-stream' is not supported for "
                "this resource."
            ),
        ),
    ],
)
def test_body_that_is_not_declared_json_is_415(sim, api, content_type, message):
    data = json.dumps(invoice()).encode()
    answer = error(api.send("POST", INVOICES, data, content_type), 415)
    assert answer == {"Type": 1, "Message": message}
    sim.configure(require_json_content_type=False)
    assert api.send("POST", INVOICES, data, content_type).status_code == 201
    assert "read as JSON although" in sim.deviations()[-1]


# -- awkward catalogue items (demo dataset) ----------------------------------------


@pytest.fixture
def demo_api():
    with SimulatorServer(dataset=demo_dataset()) as server:
        api = Api(server.url).setup()
        api.server = server
        yield api
        api.http.close()


def _demo_line(item, fee, **options):
    return line(item=item, quantity=1, fee=fee, **options)


def test_tracing_that_is_not_selectable_is_an_invalid_item(demo_api):
    body = invoice(lines=[_demo_line(731, 8_700_000_000, stock=1, tracing=142)])
    _refused(demo_api, INVOICES, body, 400, "كالای نامعتبر")
    body = invoice(lines=[_demo_line(731, 8_700_000_000, stock=1, tracing=141)])
    created = demo_api.post(INVOICES, body).json()
    assert created["InvoiceItems"][0]["TracingTitle"] == "سفید"


def test_item_that_is_not_sellable_is_an_invalid_item(demo_api):
    body = invoice(lines=[_demo_line(742, 35_000_000)])
    _refused(demo_api, INVOICES, body, 400, "كالای نامعتبر")


def test_item_with_a_secondary_unit_takes_a_secondary_quantity(demo_api):
    body = invoice(lines=[_demo_line(753, 21_000_000, SecondaryQuantity=0.25)])
    assert demo_api.post(INVOICES, body).status_code == 201
    assert demo_api.server.deviations() == []
    demo_api.post(INVOICES, invoice(lines=[_demo_line(753, 21_000_000)]))
    assert "has a secondary unit" in demo_api.server.deviations()[0]


def test_tax_exempt_service_with_tax_is_accepted_but_noted(demo_api):
    exempt = _demo_line(764, 12_000_000, Tax=0, Duty=0)
    assert demo_api.post(INVOICES, invoice(lines=[exempt])).status_code == 201
    assert demo_api.server.deviations() == []
    taxed = _demo_line(764, 12_000_000)
    assert demo_api.post(INVOICES, invoice(lines=[taxed])).status_code == 201
    assert "tax exempt" in demo_api.server.deviations()[0]


def test_new_demo_items_have_ids_unlike_their_codes(demo_api):
    items = {item["Code"]: item for item in demo_api.get("/api/Items").json()}
    ids = {code: items[code]["ItemID"] for code in items}
    assert {
        code: ids[code] for code in ("VH-1004", "PT-2006", "PT-2007", "SV-3002")
    } == {"VH-1004": 731, "PT-2006": 742, "PT-2007": 753, "SV-3002": 764}
    assert ids["VH-1001"] == 1  # existing items keep their ids
