"""Tests of the Sepidar client against the simulator (plain pytest, no Odoo)."""

import json
import socket
import time
from datetime import date, timedelta

import pytest
import requests
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import rsa

from sepidar_simulator import SimulatorServer
from sepidar_simulator import crypto as sim_crypto

from ..sepidar_client import (
    SepidarAlreadyRegistered,
    SepidarAuthError,
    SepidarClient,
    SepidarConfigError,
    SepidarNotFound,
    SepidarTransientError,
    SepidarUnknownOutcome,
    SepidarValidationError,
    SepidarVersionMismatch,
    address_payload,
    customer_payload,
    document_line,
    invoice_payload,
    quotation_payload,
    stable_guid,
)

SERIAL = "10017ff3"
USER = "shop"
PASSWORD = "shop123"
CUSTOMER, SALE_TYPE, RIAL = 1, 1, 1
OIL_FILTER, PARTS_STOCK, FILTER_FEE = 5, 2, 2_400_000


class RecordingSession(requests.Session):
    """A real session that remembers what it sent."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append((method, url, dict(kwargs.get("headers") or {})))
        return super().request(method, url, **kwargs)


class StubSession:
    """Plays canned responses or exceptions instead of talking HTTP."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)

    def request(self, method, url, **kwargs):
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self):
        pass


def _response(status, body, content_type="application/json"):
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers["Content-Type"] = content_type
    return response


@pytest.fixture
def sim():
    server = SimulatorServer(seed=1234).start()
    yield server
    server.stop()


@pytest.fixture
def key_xml(sim):
    """The device's key, registered once per simulator like an installation does."""
    registrar = SepidarClient(sim.url, serial=SERIAL)
    return registrar.register_device().public_key_xml


@pytest.fixture
def make_client(sim, key_xml):
    clients = []

    def make(**overrides):
        options = {
            "serial": SERIAL,
            "username": USER,
            "password": PASSWORD,
            "public_key": key_xml,
            "timeout": (1, 2),
            **overrides,
        }
        client = SepidarClient(sim.url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def stub_key():
    return rsa.generate_private_key(65537, 512, default_backend()).public_key()


def _stub_client(stub_key, *outcomes):
    """A client past version check and login, talking to canned answers."""
    return SepidarClient(
        "http://sepidar.invalid:7373",
        integration_id=1001,
        generation_version=110,
        server_version=110,
        public_key=stub_key,
        token="token",
        session=StubSession(*outcomes),
    )


def _lines(quantity=2, item=OIL_FILTER, stock=PARTS_STOCK, fee=FILTER_FEE):
    tax, duty = quantity * fee * 9 // 100, quantity * fee // 100
    return [document_line(1, item, quantity, fee, stock_id=stock, tax=tax, duty=duty)]


def _quotation(guid, **line_options):
    return quotation_payload(
        guid,
        CUSTOMER,
        SALE_TYPE,
        RIAL,
        _lines(**line_options),
        expiration_date=date.today() + timedelta(days=7),
    )


def _invoice(guid, **line_options):
    return invoice_payload(guid, CUSTOMER, SALE_TYPE, RIAL, _lines(**line_options))


def _customer(guid):
    address = address_payload(stable_guid(guid, "address"), 3, "تهران، خیابان آزادی")
    return customer_payload(
        guid, "مریم", "احمدی", phone="09120000000", addresses=[address]
    )


def _wait_for(predicate, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


# -- registration, version, login ------------------------------------------------


def test_register_returns_the_key_and_device_title(sim):
    registration = SepidarClient(sim.url, serial=SERIAL).register_device()
    assert registration.integration_id == 1001
    assert registration.device_title == "فروشگاه اینترنتی خودرو"
    assert registration.public_key_xml.startswith("<RSAKeyValue><Modulus>")


def test_registering_twice_is_refused_clearly(sim, key_xml):
    with pytest.raises(SepidarAlreadyRegistered) as caught:
        SepidarClient(sim.url, serial=SERIAL).register_device()
    assert caught.value.status == 400
    assert caught.value.sepidar_message == "دستگاه در حال حاضر رجیستر شده است."
    assert "new serial" in str(caught.value)


def test_new_serial_registers_again_and_voids_the_old_key(sim, client):
    new_serial = sim.issue_serial(1001)["Serial"]
    assert new_serial[:4] == "1001" and new_serial != SERIAL
    with pytest.raises(SepidarAuthError):
        client.login()
    fresh = SepidarClient(sim.url, serial=new_serial, username=USER, password=PASSWORD)
    fresh.register_device()
    assert fresh.login()["Title"] == "کاربر فروشگاه اینترنتی"


def test_generation_version_sends_no_headers(sim):
    session = RecordingSession()
    version = SepidarClient(
        sim.url, serial=SERIAL, session=session
    ).generation_version()
    assert version.level == 110 and version.lock_number == "0051607"
    assert session.sent[0][2] == {}


def test_first_call_checks_version_then_logs_in_once(sim, client):
    client.currencies()
    client.stocks()
    assert client.counter == {
        "GET /api/General/GenerationVersion": 1,
        "POST /api/users/login": 1,
        "GET /api/Currencies": 1,
        "GET /api/Stocks": 1,
    }
    assert client.call_count == 4
    assert sim.state["requests"] == 1 + 4  # the fixture's registration, then ours
    assert client.is_authorized() is True


def test_saved_token_and_version_skip_the_start_up_calls(make_client, client):
    client.login()
    resumed = make_client(token=client.token, server_version=110)
    resumed.units()
    assert resumed.call_count == 1


def test_authenticated_calls_send_fresh_signed_headers(sim, make_client):
    session = RecordingSession()
    client = make_client(session=session)
    client.currencies()
    client.currencies()
    login_headers = session.sent[1][2]
    assert "Authorization" not in login_headers
    private_key = sim.backend.devices[1001].private_key
    signed = [headers for _method, _url, headers in session.sent[1:]]
    for headers in signed:
        assert headers["GenerationVersion"] == "110"
        assert headers["IntegrationID"] == "1001"
        decrypted = sim_crypto.decrypt_arbitrary_code(
            private_key, headers["EncArbitraryCode"]
        )
        assert decrypted == headers["ArbitraryCode"]
    for headers in signed[1:]:
        assert headers["Authorization"] == f"Bearer {client.token}"
    codes = [headers["ArbitraryCode"] for headers in signed]
    assert len(set(codes)) == len(codes) == 3


def test_login_keeps_token_and_user(client):
    user = client.login()
    assert client.token == user["Token"]
    assert client.user_info["CanRegisterInvoice"] is True


def test_wrong_password_is_an_auth_error(make_client):
    client = make_client(password="wrong")
    with pytest.raises(SepidarAuthError) as caught:
        client.currencies()
    assert caught.value.status == 401
    assert caught.value.sepidar_message == "رمز عبور اشتباه است"
    assert "Wrong password" in str(caught.value)


def test_uppercase_password_hash_is_accepted(make_client):
    client = make_client(
        password=None, password_hash="359A0C83FCF62BC3230F9B1E22958B1E"
    )
    assert client.login()["UserID"] == 1


def test_relogin_once_when_the_token_expires(sim, client):
    client.currencies()  # token check 1
    sim.configure(token_expiry_every_n_calls=2)
    assert client.units()  # check 2 revokes the token: login, retry (check 3)
    assert client.counter["POST /api/users/login"] == 2
    assert client.counter["GET /api/Units"] == 2
    assert sim.state["tokens_revoked"] == 1


def test_a_second_401_is_raised_not_retried(sim, client):
    sim.configure(token_expiry_every_n_calls=1)
    with pytest.raises(SepidarAuthError) as caught:
        client.currencies()
    assert caught.value.sepidar_message == "نیاز به ورود مجدد"
    assert client.counter["POST /api/users/login"] == 2
    assert client.counter["GET /api/Currencies"] == 2
    assert client.call_count == 5  # version, login, call, login, call


def test_is_authorized_is_false_once_the_token_is_revoked(sim, client):
    client.login()
    sim.configure(token_expiry_every_n_calls=1)
    assert client.is_authorized() is False


def test_server_412_becomes_version_mismatch(make_client):
    client = make_client(generation_version=101)
    with pytest.raises(SepidarVersionMismatch) as caught:
        client.currencies()
    error = caught.value
    assert (error.status, error.client_version, error.server_version) == (412, 101, 110)
    assert "101" in str(error) and "110" in str(error)
    assert error.sepidar_message == "عدم انطباق نسخه دستگاه و سپیدار"


def test_level_above_the_server_is_refused_before_any_login(make_client):
    client = make_client(generation_version=120)
    with pytest.raises(SepidarVersionMismatch):
        client.currencies()
    assert client.call_count == 1


def test_older_level_works_on_a_range_server_with_its_schema(sim, make_client):
    sim.configure(version_policy="range")
    client = make_client(generation_version=101)
    customer = client.get_customer(CUSTOMER)
    assert "Remainder" in customer and "AccountingRemainder" not in customer
    sale_type = client.sale_types()[0]
    assert "IsAvailable" not in sale_type


def test_missing_key_or_serial_are_config_errors(sim):
    with pytest.raises(SepidarConfigError):
        SepidarClient(
            sim.url, integration_id=1001, username=USER, password=PASSWORD
        ).login()
    with pytest.raises(SepidarConfigError):
        SepidarClient(sim.url, integration_id=1001).register_device()
    with pytest.raises(SepidarConfigError):
        SepidarClient(sim.url, serial=SERIAL, integration_id=1002)
    with pytest.raises(SepidarConfigError):
        SepidarClient("not a url", serial=SERIAL).generation_version()


# -- reads -------------------------------------------------------------------------


def test_reference_data(client):
    assert [c["CurrencyID"] for c in client.currencies() if c["IsMain"]] == [RIAL]
    assert {s["StockID"] for s in client.stocks()} >= {1, 2}
    assert client.units()[0]["Title"] == "دستگاه"
    codes = {item["Code"]: item for item in client.items()}
    assert codes["VH-0001"]["UnitRef"] == 1
    assert codes["VH-0001"]["TotalInventory"] == 10
    assert {d["Type"] for d in client.administrative_divisions()} == {1, 2, 3}
    assert client.customer_groupings()[0]["Title"] == "مشتریان خرده"
    assert client.price_note_items()[0]["Fee"] == 12_500_000_000


def test_inventory_rows_expose_sane_names_too(client):
    row = client.item_inventories(OIL_FILTER)[0]
    assert row["Qunatity"] == row["Quantity"] == 120
    assert row["StockeRef"] == row["StockRef"] == PARTS_STOCK


def test_pdf_style_item_fields_are_normalised(stub_key):
    item = {
        "ItemID": 1,
        "UnitID": 4,
        "SecondaryUnitID": None,
        "TracingInventories": [{"TracingRef": 1, "Inventory": "3"}],
    }
    client = _stub_client(stub_key, _response(200, [item]))
    normalised = client.items()[0]
    assert normalised["UnitRef"] == 4
    assert normalised["TracingInventories"][0]["Inventory"] == 3.0


def test_inventory_quantities_per_stock_and_tracing(client):
    rows = {row["TracingRef"]: row for row in client.item_inventory_quantities(1)}
    assert set(rows) == {1, 2}
    assert rows[2]["InventoryQuantity"] == rows[2]["Quantity"] == 5.0
    assert isinstance(rows[2]["SaleQuantityWithReserve"], float)
    assert (rows[2]["StockRef"], rows[2]["ItemRef"]) == (1, 1)


def test_inventory_quantity_rows_are_normalised(stub_key):
    row = {"StockeRef": 2, "InventoryQuantity": "3.5", "SaleQuantity": None}
    client = _stub_client(stub_key, _response(200, [row]))
    [read] = client.item_inventory_quantities(OIL_FILTER)
    assert (read["StockRef"], read["TracingRef"], read["ItemRef"]) == (2, None, 5)
    assert (read["Quantity"], read["SaleQuantity"]) == (3.5, 0.0)
    assert read["SaleQuantityWithReserve"] == 0.0


def test_inventory_quantities_404_unknown_item_or_older_server(sim, client):
    with pytest.raises(SepidarNotFound) as unknown_item:
        client.item_inventory_quantities(999)
    assert (unknown_item.value.status, unknown_item.value.error_type) == (404, 0)
    sim.configure(quantity_endpoint=False)
    with pytest.raises(SepidarNotFound) as no_route:
        client.item_inventory_quantities(OIL_FILTER)
    assert (no_route.value.status, no_route.value.error_type) == (404, 1)


def test_find_customer_matches_locally(client):
    assert client.find_customer(national_id="0012345678")["CustomerID"] == 1
    assert client.find_customer(code="10002", phone="02188776655")["CustomerID"] == 2
    assert client.find_customer(guid=stable_guid("nobody")) is None
    with pytest.raises(ValueError):
        client.find_customer()


def test_unknown_customer_is_not_found(client):
    with pytest.raises(SepidarNotFound) as caught:
        client.get_customer(999)
    assert caught.value.sepidar_message == "مشتری پیدا نشد."


# -- writes ------------------------------------------------------------------------


def test_order_flow_customer_quotation_invoice(sim, client):
    customer = client.create_customer(_customer(stable_guid("t", "customer", 1)))
    assert customer["Code"] and customer["Addresses"][0]["CustomerAddressID"]
    quotation = client.create_quotation(_quotation(stable_guid("t", "quotation", 1)))
    assert quotation["Price"] == 2 * FILTER_FEE
    assert quotation["NetPrice"] == 2 * FILTER_FEE * 110 // 100
    assert client.get_quotation(quotation["ID"])["Items"][0]["ItemRef"] == OIL_FILTER
    invoice = client.create_invoice_from_quotation(quotation["ID"])
    assert invoice["QuotationRef"] == quotation["ID"]
    assert "GUID" not in invoice and invoice["InvoiceItems"]
    client.close_quotation(quotation["ID"])
    assert client.get_quotation(quotation["ID"])["Closed"] is True
    direct = client.create_invoice(_invoice(stable_guid("t", "invoice", 1)))
    assert client.get_invoice(direct["InvoiceID"])["NetPrice"] == direct["NetPrice"]
    assert sim.state["invoices"] == 2


@pytest.mark.parametrize(
    "options, message",
    [
        ({"item": 9}, "كالای نامعتبر"),  # inactive item
        (
            {"item": 1, "fee": 12_500_000_000, "stock": 1},
            "عامل ردیابی کالا نامعتبر است.",
        ),
        ({"stock": 3}, "انبار نامعتبر است."),  # inactive stock
    ],
)
def test_rejected_document_keeps_sepidars_message(client, options, message):
    with pytest.raises(SepidarValidationError) as caught:
        client.create_quotation(_quotation(stable_guid("bad", message), **options))
    assert caught.value.status == 400
    assert caught.value.error_type == 0
    assert caught.value.sepidar_message == message
    assert message in str(caught.value)


def test_unknown_customer_on_invoice_is_a_validation_error(client):
    payload = _invoice(stable_guid("orphan"))
    payload["CustomerRef"] = 999
    with pytest.raises(SepidarValidationError) as caught:
        client.create_invoice(payload)
    assert caught.value.sepidar_message == "مشتری پیدا نشد."


def test_document_without_guid_is_refused_before_sending(client):
    with pytest.raises(ValueError):
        client.create_invoice(_invoice(""))
    assert client.call_count == 0


def test_duplicate_invoice_guid_is_refused(sim, client):
    guid = stable_guid("t", "invoice", "dup")
    client.create_invoice(_invoice(guid))
    with pytest.raises(SepidarValidationError):
        client.create_invoice(_invoice(guid))
    assert sim.state["invoices"] == 1


def test_duplicate_customer_guid_is_refused(sim, client):
    guid = stable_guid("t", "customer", "dup")
    client.create_customer(_customer(guid))
    with pytest.raises(SepidarValidationError):
        client.create_customer(_customer(guid))
    assert sim.state["customers"] == 3


def test_invoicing_a_quotation_twice_is_refused(client):
    quotation = client.create_quotation(_quotation(stable_guid("t", "q", "twice")))
    client.create_invoice_from_quotation(quotation["ID"])
    with pytest.raises(SepidarValidationError) as caught:
        client.create_invoice_from_quotation(quotation["ID"])
    assert caught.value.sepidar_message.startswith("قبلاً برای تمام اقلام")


# -- transport failures ------------------------------------------------------------


def test_server_error_is_transient(sim, client):
    client.login()
    sim.configure(error_rate=1)
    with pytest.raises(SepidarTransientError) as caught:
        client.create_invoice(_invoice(stable_guid("t", "5xx")))
    assert caught.value.status == 500
    sim.configure(error_rate=0)
    assert sim.state["invoices"] == 0


@pytest.mark.parametrize(
    "response",
    [
        _response(429, {"Type": 1, "Message": "busy"}),
        _response(502, b"<html>Bad gateway</html>", "text/html"),
    ],
)
def test_throttling_and_proxy_errors_are_transient(stub_key, response):
    with pytest.raises(SepidarTransientError):
        _stub_client(stub_key, response).units()


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_transient_even_for_writes(key_xml):
    client = SepidarClient(
        f"http://127.0.0.1:{_closed_port()}",
        serial=SERIAL,
        public_key=key_xml,
        token="token",
        server_version=110,
    )
    with pytest.raises(SepidarTransientError):
        client.create_invoice(_invoice(stable_guid("t", "refused")))
    with pytest.raises(SepidarTransientError):
        client.generation_version()


def test_connect_timeout_is_transient_even_for_writes(stub_key):
    client = _stub_client(stub_key, requests.ConnectTimeout("connect timed out"))
    with pytest.raises(SepidarTransientError):
        client.create_invoice(_invoice(stable_guid("t", "connect-timeout")))


def test_read_timeout_on_a_read_is_transient(sim, make_client):
    client = make_client(timeout=(1, 0.1))
    client.login()
    sim.configure(timeout_rate=1, timeout_sleep_ms=300)
    with pytest.raises(SepidarTransientError):
        client.currencies()


def test_read_timeout_on_a_write_is_an_unknown_outcome(sim, make_client):
    client = make_client(timeout=(1, 0.1))
    client.login()
    guid = stable_guid("t", "customer", "slow")
    sim.configure(timeout_rate=1, timeout_sleep_ms=300)
    with pytest.raises(SepidarUnknownOutcome) as caught:
        client.create_customer(_customer(guid))
    assert caught.value.guid == guid
    sim.configure(timeout_rate=0)
    _wait_for(lambda: sim.state["customers"] == 3)  # the slow server commits later
    assert client.find_customer(guid=guid)["GUID"] == guid


def test_commit_then_drop_is_resolved_by_guid_lookup(sim, client):
    client.login()
    guid = stable_guid("t", "quotation", "dropped")
    sim.configure(commit_then_drop_rate=1)
    with pytest.raises(SepidarUnknownOutcome) as caught:
        client.create_quotation(_quotation(guid))
    assert (caught.value.method, caught.value.guid) == ("POST", guid)
    sim.configure(commit_then_drop_rate=0)
    found = client.find_quotation(guid)
    assert found is not None and found["GUID"] == guid
    assert sim.state["faults"]["drop"] == 1


def test_dropped_customer_is_found_by_guid(sim, client):
    client.login()
    guid = stable_guid("t", "customer", "dropped")
    sim.configure(commit_then_drop_rate=1)
    with pytest.raises(SepidarUnknownOutcome):
        client.create_customer(_customer(guid))
    sim.configure(commit_then_drop_rate=0)
    assert client.find_customer(guid=guid)["Name"] == "مریم"


def test_dropped_invoice_from_quotation_is_found_by_quotation(sim, client):
    quotation = client.create_quotation(_quotation(stable_guid("t", "q", "drop")))
    sim.configure(commit_then_drop_rate=1)
    with pytest.raises(SepidarUnknownOutcome):
        client.create_invoice_from_quotation(quotation["ID"])
    sim.configure(commit_then_drop_rate=0)
    assert len(client.find_invoices(quotation_id=quotation["ID"])) == 1


# -- payload builders --------------------------------------------------------------


def test_payload_totals_are_the_sum_of_the_lines():
    lines = [
        document_line(1, 5, 3, 2_400_000, stock_id=2, discount=100_000, tax=639_000),
        document_line(2, 6, 1.5, 16_000_001, stock_id=2, addition=5),
    ]
    payload = invoice_payload(stable_guid("x"), 1, 1, 1, lines, settlement_type=1)
    assert lines[1]["Price"] == 24_000_002 and isinstance(lines[1]["Price"], int)
    assert payload["Price"] == 7_200_000 + 24_000_002
    assert (payload["Discount"], payload["Tax"], payload["Addition"]) == (
        100_000,
        639_000,
        5,
    )
    assert payload["Items"] == lines and payload["SettlementType"] == 1
    assert "Date" not in payload  # Sepidar dates invoices itself


def test_stable_guid_is_deterministic_and_distinct():
    assert stable_guid("db", "order", 1) == stable_guid("db", "order", 1)
    assert stable_guid("db", "order", 1) != stable_guid("db", "order", 2)


class SentSession(requests.Session):
    """A real session, without the environment, that remembers the headers of
    each request it sent."""

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append((request.method, request.path_url, dict(request.headers)))
        return super().send(request, **kwargs)


def test_a_document_call_built_ahead_is_sent_as_built(sim, make_client):
    session = SentSession()
    client = make_client(session=session)
    client.currencies()  # the session is open: version and token known
    call = client.document_call("quotation", _quotation(stable_guid("ahead", 1)))
    assert sim.state["quotations"] == 0, "building sends nothing"
    quotation = call()
    assert quotation["Price"] == 2 * FILTER_FEE
    assert sim.state["quotations"] == 1
    method, path, headers = session.sent[-1]
    assert (method, path) == ("POST", "/api/Quotations/")
    assert headers["Authorization"] == f"Bearer {client.token}"
    private_key = sim.backend.devices[1001].private_key
    assert (
        sim_crypto.decrypt_arbitrary_code(private_key, headers["EncArbitraryCode"])
        == headers["ArbitraryCode"]
    )
    assert client.call_count == 4  # version, login, currencies, the document
    invoice = client.document_call("invoice", _invoice(stable_guid("ahead", 2)))()
    assert sim.state["invoices"] == 1 and invoice["InvoiceID"]


def test_a_document_call_built_before_a_new_token_carries_the_new_one(sim, make_client):
    session = SentSession()
    client = make_client(session=session)
    client.currencies()
    call = client.document_call("quotation", _quotation(stable_guid("relogin", 1)))
    client.login()  # the sender thread logged in again meanwhile, say
    call()
    assert session.sent[-1][2]["Authorization"] == f"Bearer {client.token}"
    assert client.counter["POST /api/users/login"] == 2  # no third login
    assert sim.state["quotations"] == 1


def test_a_document_call_is_built_at_the_call_before_login_or_with_the_environment(
    sim, make_client
):
    fresh = make_client(session=SentSession())
    call = fresh.document_call("quotation", _quotation(stable_guid("late", 1)))
    assert fresh.call_count == 0, "building asks Sepidar nothing"
    call()  # version, login, then the document
    assert fresh.call_count == 3
    proxied = make_client()  # requests' own session: proxies from the environment
    proxied.currencies()
    assert proxied._prepare("POST", "/api/Quotations/", body={}) is None
    proxied.document_call("quotation", _quotation(stable_guid("late", 2)))()
    assert sim.state["quotations"] == 2


def test_a_document_call_without_guid_is_refused_when_built(client):
    with pytest.raises(ValueError):
        client.document_call("invoice", _invoice(""))
    assert client.call_count == 0
