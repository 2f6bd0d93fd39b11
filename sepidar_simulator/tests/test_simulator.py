"""Tests of the Sepidar simulator over raw HTTP (plain pytest, no Odoo).

Requests are built by hand here, so wrong or replayed headers can be sent on purpose;
the device's side of the cryptography is ``device.py``, written for these tests.
"""

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests

from sepidar_simulator import (
    SimulatorServer,
    default_dataset,
    demo_dataset,
    load_dataset,
)
from sepidar_simulator import crypto as sim_crypto

from . import device
from .common import (
    SERIAL,
    SHOP_HASH,
    TIMEOUT,
    Api,
    address,
    customer,
    error,
    line,
    quotation,
)

PACKAGE = Path(__file__).resolve().parents[1]
MAIN_SCRIPT = PACKAGE / "__main__.py"
_line, _customer, _address, _error = line, customer, address, error


def _document(guid=None, lines=None, **header):
    """A quotation body (posted as an invoice too: its extra fields are ignored)."""
    return quotation(guid, lines, **header)


# -- routing ---------------------------------------------------------------------


def test_unknown_route_gets_sepidars_real_404(sim):
    response = requests.get(f"{sim.url}/api/NoSuchThing", timeout=TIMEOUT)
    assert _error(response, 404) == {"Type": 1, "Message": "صفحه درخواست شده پیدا نشد."}


def test_paths_ignore_case_and_trailing_slash(sim):
    response = requests.get(
        f"{sim.url}/API/general/GENERATIONVERSION/", timeout=TIMEOUT
    )
    assert response.json() == {"GenerationVersion": 110, "LockNumber": "0051607"}


# -- registration ----------------------------------------------------------------


def test_register_returns_an_aes_wrapped_512_bit_key(sim):
    response = Api(sim.url).register()
    assert response.status_code == 201
    body = response.json()
    assert body["DeviceTitle"] == "فروشگاه اینترنتی خودرو"
    assert len(base64.b64decode(body["Cypher"])) == 160  # 159-byte XML, padded
    key = device.load_public_key(device.decrypt_register_response(SERIAL, body))
    assert key.key_size == 512


def test_register_accepts_integration_id_as_string(sim):
    assert Api(sim.url).register(integration_id="1001").status_code == 201


def test_register_twice_fails_like_sepidar(sim):
    api = Api(sim.url)
    api.register()
    assert (
        _error(api.register(), 400)["Message"] == "دستگاه در حال حاضر رجیستر شده است."
    )


def test_register_with_the_wrong_serial_is_a_mismatch(sim):
    assert _error(Api(sim.url).register(serial="1001aaaa"), 400)["Message"] == (
        "عدم تطابق دستگاه"
    )


def test_register_of_an_unknown_device_is_404(sim):
    response = Api(sim.url).register(serial="20017ff3", integration_id=2001)
    assert _error(response, 404)["Message"] == "دستگاه پیدا نشد."


def test_issued_serial_allows_a_new_registration(sim, api):
    issued = sim.issue_serial(1001)
    assert (
        _error(api.get("/api/Units"), 401)["Message"]
        == "دستگاه غیر فعال یا نامعتبر است."
    )
    assert api.register(serial=issued["Serial"]).status_code == 201
    new_device = sim.issue_serial(title="شعبه دوم")
    assert new_device["IntegrationID"] == 1002 and not new_device["Registered"]


# -- security headers ------------------------------------------------------------


def test_replayed_arbitrary_code_is_rejected(api):
    code = str(uuid.uuid4())
    assert api.get("/api/Units", code=code).status_code == 200
    assert _error(api.get("/api/Units", code=code), 401)["Message"] == "كد تكراری"


def test_replay_is_allowed_when_the_knob_is_off(sim, api):
    sim.configure(enforce_unique_arbitrary_code=False)
    code = str(uuid.uuid4())
    assert api.get("/api/Units", code=code).status_code == 200
    assert api.get("/api/Units", code=code).status_code == 200


def test_enc_arbitrary_code_of_another_guid_is_a_key_mismatch(api):
    other = device.encrypt_arbitrary_code(api.key, str(uuid.uuid4()))
    assert _error(api.get("/api/Units", enc=other), 401)["Message"] == (
        "عدم تطابق كلید API"
    )


@pytest.mark.parametrize("enc", ["bm90IGVuY3J5cHRlZA==", "%%%", ""])
def test_unreadable_enc_arbitrary_code_is_rejected(api, enc):
    assert _error(api.get("/api/Units", enc=enc), 401)["Message"] == (
        "كد دستگاه به درستی وارد نشده است"
    )


def test_dotnet_byte_order_guid_is_rejected(api):
    code = str(uuid.uuid4())
    mixed_endian = uuid.UUID(bytes=uuid.UUID(code).bytes_le)
    enc = device.encrypt_arbitrary_code(api.key, str(mixed_endian))
    assert _error(api.get("/api/Units", code=code, enc=enc), 401)["Message"] == (
        "عدم تطابق كلید API"
    )


def test_unknown_integration_id_is_rejected(api):
    response = api.get("/api/Units", integration_id="4242")
    assert _error(response, 401)["Message"] == "دستگاه پیدا نشد."


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic abc"])
def test_missing_or_bad_token_is_rejected(api, authorization):
    api.token = None
    headers = api.headers()
    if authorization:
        headers["Authorization"] = authorization
    response = api.http.get(f"{api.url}/api/Units", headers=headers)
    assert _error(response, 401)["Message"] == (
        "خطا در خواندن Token یا امضای Token معتبر نیست."
    )


def test_generation_version_is_checked_first(sim, api):
    assert _error(api.get("/api/Units", version="101"), 412)["Message"] == (
        "عدم انطباق نسخه دستگاه و سپیدار"
    )
    sim.configure(version_policy="range")
    assert api.get("/api/Units", version="101").status_code == 200
    assert api.get("/api/Units", version="111").status_code == 412


def test_token_ttl_expires(sim, api):
    sim.configure(token_ttl_s=0.05)
    time.sleep(0.1)
    assert _error(api.get("/api/Units"), 401)["Message"] == "نیاز به ورود مجدد"


def test_token_expiry_every_n_calls(sim, api):
    sim.configure(token_expiry_every_n_calls=3)
    statuses = [api.get("/api/Units").status_code for _ in range(3)]
    assert statuses == [200, 200, 401]
    api.token = api.login().json()["Token"]
    assert api.get("/api/Units").status_code == 200


# -- login -----------------------------------------------------------------------


def test_login_accepts_either_hex_case(api):
    response = api.login(password_hash=SHOP_HASH.upper())
    assert response.status_code == 201
    assert response.json()["CanRegisterCustomer"] is True


@pytest.mark.parametrize(
    "user, password_hash, status, message",
    [
        ("ghost", SHOP_HASH, 404, "نام كاربری یافت نشد"),
        ("shop", sim_crypto.md5_hex("wrong"), 401, "رمز عبور اشتباه است"),
    ],
)
def test_login_errors(api, user, password_hash, status, message):
    assert _error(api.login(user, password_hash), status)["Message"] == message


def test_user_bound_to_another_device_is_refused(sim):
    dataset = default_dataset()
    dataset["users"].append(
        {"UserID": 2, "UserName": "other", "Password": "x", "Title": "دیگر"}
    )
    with SimulatorServer(dataset=dataset) as server:
        api = Api(server.url)
        api.setup()
        response = api.login("other", sim_crypto.md5_hex("x"))
        assert _error(response, 403)["Message"] == "خطا در انطباق دستگاه و كاربر"


# -- documents -------------------------------------------------------------------


def _bad_totals():
    document = _document()
    document["Price"] += 1
    return document


def _line_price_off():
    line = _line()
    line["Price"] += 10
    return _document(lines=[line])


@pytest.mark.parametrize(
    "document, message",
    [
        (_document(GUID=""), "شناسه سند نباید خالی باشد."),
        (_document(CustomerRef=999), "مشتری پیدا نشد."),
        (_document(AddressRef=999), "آدرس مشتری پیدا نشد"),
        (_document(SaleTypeRef=999), "نوع فروش نامعتبر است."),
        (_document(CurrencyRef=999), "ارز نامعتبر است."),
        (_document(lines=[_line(item=999)]), "كالای نامعتبر"),
        (_document(lines=[_line(item=9)]), "كالای نامعتبر"),
        (_document(lines=[_line(item=1, stock=1)]), "عامل ردیابی کالا نامعتبر است."),
        (_document(lines=[_line(tracing=1)]), "عامل ردیابی کالا نامعتبر است."),
        (_document(lines=[_line(stock=99)]), "انبار نامعتبر است."),
        (_document(lines=[_line(stock=3)]), "انبار نامعتبر است."),
        (_document(lines=[_line(quantity=0)]), "مقدار کالا باید بیشتر از صفر باشد."),
        (_document(lines=[_line(), _line()]), "شماره ردیف تکراری است."),
        (
            _document(lines=[dict(_line(), DiscountParentRef=7)]),
            ("شناسه كالای مشمول تخفیف پیدا نشد."),
        ),
        (_bad_totals(), "جمع مبالغ سند با جمع مبالغ اقلام برابر نیست."),
        (_line_price_off(), "مبلغ ردیف با حاصل ضرب مقدار در فی برابر نیست."),
        (_document(Items=[]), "سند باید حداقل یک قلم کالا داشته باشد."),
    ],
)
def test_invalid_documents_get_persian_business_errors(api, document, message):
    for path in ("/api/Quotations/", "/api/invoices/"):
        assert _error(api.post(path, document), 400) == {"Type": 0, "Message": message}


def test_invoice_lines_need_a_stock_but_quotation_lines_do_not(api):
    document = _document(lines=[_line(stock=None)])
    quotation = api.post("/api/Quotations/", document).json()
    assert quotation["Items"][0]["StockRef"] == 2  # the item's usual stock
    assert _error(api.post("/api/invoices/", document), 400)["Message"] == (
        "انبار نامعتبر است."
    )


def test_totals_check_can_be_switched_off(sim, api):
    sim.configure(validate_totals=False)
    assert api.post("/api/invoices/", _bad_totals()).status_code == 201


def test_traced_vehicle_line_is_accepted(api):
    line = _line(item=1, quantity=1, fee=12_500_000_000, stock=1, tracing=2)
    response = api.post("/api/invoices/", _document(lines=[line]))
    assert response.status_code == 201
    assert response.json()["InvoiceItems"][0]["TracingTitle"] == "مشکی"


@pytest.mark.parametrize(
    "customer, status, message",
    [
        (dict(_customer(), Addresses=None), 400, "The request is invalid."),
        (
            _customer(addresses=[_address(), _address()]),
            400,
            ("مشتری نمی‌تواند چند آدرس اصلی داشته باشد"),
        ),
        (_customer(addresses=[_address(city=2)]), 400, "شهر نامعتبر است."),
        (dict(_customer(), GUID=None), 400, "شناسه مشتری نباید خالی باشد."),
    ],
)
def test_invalid_customers_are_refused(api, customer, status, message):
    assert _error(api.post("/api/Customers", customer), status)["Message"] == message


def test_created_customer_read_model(api):
    guid = str(uuid.uuid4())
    created = api.post("/api/Customers", _customer(guid, [_address()])).json()
    fetched = api.get(f"/api/Customers/{created['CustomerID']}").json()
    assert fetched == created
    assert fetched["GUID"] == guid and fetched["Title"] == "رضا کریمی"
    assert "AccountingRemainder" in fetched and "Remainder" not in fetched  # level 110


def test_duplicate_guids_follow_sepidars_unique_indexes(sim, api):
    invoice = _document()
    assert api.post("/api/invoices/", invoice).status_code == 201
    assert _error(api.post("/api/invoices/", invoice), 400)["Type"] == 0
    customer = _customer()
    assert api.post("/api/Customers", customer).status_code == 201
    assert api.post("/api/Customers", customer).status_code == 400
    # No unique index on quotation GUIDs: accepted, but counted.
    quotation = _document()
    assert api.post("/api/Quotations/", quotation).status_code == 201
    assert api.post("/api/Quotations/", quotation).status_code == 201
    assert sim.state["duplicate_quotation_guids"] == 1
    sim.configure(unique_quotation_guid=True, duplicate_guid_status=500)
    error = _error(api.post("/api/Quotations/", quotation), 500)
    assert error["Type"] == 1 and "duplicate key" in error["Message"]


def test_read_models_match_the_pdf(api):
    quotation = api.post("/api/Quotations/", _document()).json()
    assert quotation["Number"] == 1 and quotation["Closed"] is False
    today = date.today().isoformat()
    listed = api.get(f"/api/Quotations?fromDate={today}&toDate={today}").json()
    assert [q["GUID"] for q in listed] == [quotation["GUID"]]
    assert "Items" not in listed[0]
    assert api.get("/api/Quotations?fromDate=2001-01-01&toDate=2001-01-02").json() == []
    invoice = api.post(
        "/api/Invoices/BasedOnQuotation/", {"QuatationID": quotation["ID"]}
    ).json()
    assert invoice["QuotationRef"] == quotation["ID"] and "GUID" not in invoice
    listed = api.get("/api/invoices/").json()
    assert "InvoiceItems" not in listed[0] and listed[0]["State"] == 1
    inventory = api.get("/api/Items/Inventories/5").json()[0]
    assert {"StockeRef", "Qunatity", "UnitRef"} <= set(inventory)


def test_invoice_from_unknown_quotation_is_404(api):
    response = api.post("/api/Invoices/BasedOnQuotation/", {"QuatationID": 77})
    assert _error(response, 404)["Message"] == "پیش‌فاکتور پیدا نشد."


# -- faults and control ----------------------------------------------------------


def _fault_pattern(seed, count=30):
    with SimulatorServer(seed=seed, error_rate=0.5) as server:
        url = f"{server.url}/api/General/GenerationVersion"
        with requests.Session() as http:
            return [http.get(url).status_code for _ in range(count)]


def test_faults_are_reproducible_with_a_seed():
    first = _fault_pattern(7)
    assert first == _fault_pattern(7)
    assert {200, 500} == set(first)
    assert first != _fault_pattern(8)


def test_reset_replays_the_same_faults(sim):
    sim.configure(error_rate=0.5, seed=3)
    url = f"{sim.url}/api/General/GenerationVersion"
    before = [requests.get(url, timeout=TIMEOUT).status_code for _ in range(20)]
    sim.reset()
    assert [requests.get(url, timeout=TIMEOUT).status_code for _ in range(20)] == before
    assert sim.state["faults"]["error"] == before.count(500)


def test_commit_then_drop_commits_the_write(sim, api):
    sim.configure(commit_then_drop_rate=1)
    with pytest.raises(requests.ConnectionError):
        api.post("/api/invoices/", _document())
    assert api.get("/api/Units").status_code == 200  # reads are never dropped
    assert sim.state["invoices"] == 1
    assert sim.state["faults"]["drop"] == 1


def test_latency_knob_delays_answers(sim):
    sim.configure(latency_ms=80)
    started = time.monotonic()
    requests.get(f"{sim.url}/api/General/GenerationVersion", timeout=TIMEOUT)
    assert time.monotonic() - started >= 0.08


def test_control_endpoints(sim, api):
    api.post("/api/invoices/", _document())
    state = requests.get(f"{sim.url}/__sim__/state", timeout=TIMEOUT).json()
    assert (state["invoices"], state["seed"], state["logins"]) == (1, 99, 1)
    changed = requests.post(
        f"{sim.url}/__sim__/config", json={"latency_ms": 5}, timeout=TIMEOUT
    ).json()
    assert changed["latency_ms"] == 5
    assert requests.get(f"{sim.url}/__sim__/config", timeout=TIMEOUT).json() == changed
    bad = requests.post(f"{sim.url}/__sim__/config", json={"nope": 1}, timeout=TIMEOUT)
    assert bad.status_code == 400 and "nope" in bad.json()["error"]
    reset = requests.post(f"{sim.url}/__sim__/reset", json={}, timeout=TIMEOUT).json()
    assert reset["invoices"] == 0 and reset["devices"][0]["Registered"]
    issued = requests.post(
        f"{sim.url}/__sim__/devices", json={"IntegrationID": 1001}, timeout=TIMEOUT
    )
    assert issued.status_code == 201 and issued.json()["Serial"].startswith("1001")
    assert (
        requests.get(f"{sim.url}/__sim__/nothing", timeout=TIMEOUT).status_code == 404
    )


def test_reset_with_devices_forgets_registrations(sim, api):
    sim.reset(devices=True)
    assert not sim.state["devices"][0]["Registered"]
    assert api.register().status_code == 201


def test_knobs_are_validated():
    with pytest.raises(ValueError):
        SimulatorServer(error_rate=2)
    with pytest.raises(ValueError):
        SimulatorServer(version_policy="loose")


def test_dataset_file_replaces_top_level_keys(tmp_path):
    custom = tmp_path / "data.json"
    units = [{"UnitID": 1, "Title": "جفت"}]
    custom.write_text(json.dumps({"units": units}), encoding="utf-8")
    dataset = load_dataset(custom)
    assert dataset["units"] == units
    assert dataset["items"] == default_dataset()["items"]


def test_cli_script_prints_credentials_and_serves(tmp_path):
    process = subprocess.Popen(
        [sys.executable, str(MAIN_SCRIPT), "--port", "0", "--seed", "5"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": ""},
    )
    try:
        banner = process.stdout.readline()
        url = banner.split(" on ")[1].split()[0]
        assert "seed 5" in banner
        assert "serial 10017ff3" in process.stdout.readline()
        assert requests.get(f"{url}/__sim__/state", timeout=TIMEOUT).json()["seed"] == 5
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_module_command_serves_the_demo_dataset_by_default(tmp_path):
    def dump(*options):
        result = subprocess.run(
            [sys.executable, "-m", "sepidar_simulator", "--dump-data", *options],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
        )
        return json.loads(result.stdout)

    served = dump()
    assert served == json.loads(json.dumps(demo_dataset()))
    assert "VH-1001" in {item["Code"] for item in served["items"]}
    assert served["items"] != default_dataset()["items"]
    assert dump("--builtin-data") == json.loads(json.dumps(default_dataset()))


def test_package_imports_neither_odoo_nor_the_client(tmp_path):
    """A development tool: it runs without Odoo, and independently of the
    client it cross-checks."""
    script = (
        "import sys, sepidar_simulator.cli\n"
        "names = [n for n in sys.modules if n.split('.')[0] in "
        "('odoo', 'sepidar_client') or 'car_portal' in n]\n"
        "print(names)\n"
        "sys.exit(1 if names else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
