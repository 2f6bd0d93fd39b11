"""ASP.NET-like binding and routing, and the request log with its deviations.
Plain pytest over raw HTTP, no Odoo."""

import http.client
import json
import uuid
from urllib.parse import urlsplit

import requests

from .common import TIMEOUT, Api, error, invoice, quotation

INVOICES = "/api/invoices/"


def _lower_keys(value):
    if isinstance(value, dict):
        return {key.lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


# -- binding -----------------------------------------------------------------------


def test_a_correct_flow_has_no_deviation(sim, api):
    created = api.post("/api/Quotations/", quotation()).json()
    api.post("/api/Invoices/BasedOnQuotation/", {"QuatationID": created["ID"]})
    api.get("/api/Quotations?fromDate=2020-01-01&toDate=2099-01-01")
    api.post(INVOICES, invoice())
    assert sim.deviations() == []
    assert [entry["status"] for entry in sim.request_log()] == [
        201,  # register
        201,  # login
        201,
        201,
        200,
        201,
    ]


def test_property_names_match_whatever_their_case(sim, api):
    body = _lower_keys(invoice())
    created = api.post(INVOICES, body).json()
    assert created["Price"] == body["price"] and created["InvoiceItems"]
    deviations = sim.deviations()
    assert "POST /api/invoices/: property 'guid' is spelled 'GUID' by Sepidar" in (
        deviations
    )
    assert any("'Items[0].itemref' is spelled 'ItemRef'" in d for d in deviations)


def test_unknown_properties_are_ignored_and_noted(sim, api):
    body = invoice(Foo=1, QuotationID=5)
    body["Items"][0]["Colour"] = "red"
    assert api.post(INVOICES, body).status_code == 201
    assert sorted(sim.deviations()) == [
        "POST /api/invoices/: unknown property 'Foo' ignored",
        "POST /api/invoices/: unknown property 'Items[0].Colour' ignored",
        "POST /api/invoices/: unknown property 'QuotationID' ignored",
    ]


def test_the_last_of_two_same_properties_wins(sim, api):
    body = json.dumps(invoice(guid="first"))[:-1] + ', "guid": "second"}'
    response = api.send("POST", INVOICES, body.encode(), "application/json")
    assert response.status_code == 201
    assert sim.backend.ledger.invoices[1]["GUID"] == "second"
    assert "POST /api/invoices/: property 'guid' given twice; the last one wins" in (
        sim.deviations()
    )


def test_misspelt_quatation_id_is_required(api):
    """Sepidar spells it QuatationID; the English spelling binds nothing."""
    answer = error(api.post("/api/Invoices/BasedOnQuotation/", {"QuotationID": 1}), 400)
    assert answer["Message"] == (
        "The request is invalid. Required property 'QuatationID' not found in "
        "JSON. Path ''."
    )


def test_malformed_json_is_a_model_error(api):
    response = api.send("POST", INVOICES, b'{"GUID": ', "application/json")
    assert error(response, 400)["Message"].startswith(
        "The request is invalid. Unexpected character encountered"
    )


def test_properties_of_later_api_levels_are_ignored(sim, api):
    sim.configure(version_policy="range")
    response = api.post(INVOICES, invoice(Description="سفارش ۷"), version="101")
    assert response.status_code == 201
    assert sim.deviations() == [
        (
            "POST /api/invoices/: property 'Description' ignored: unknown before API "
            "level 109 (request level 101)"
        )
    ]


# -- routing -----------------------------------------------------------------------


def test_known_path_with_another_method_is_405(sim, api):
    response = api.get("/api/users/login")
    assert error(response, 405) == {
        "Type": 1,
        "Message": "The requested resource does not support http method 'GET'.",
    }
    assert response.headers["Allow"] == "POST"
    assert api.send("DELETE", "/api/Items/").status_code == 405
    assert api.send("PATCH", "/api/Quotations/1").headers["Allow"] == "GET"
    assert api.send("PUT", "/api/NoSuchThing").status_code == 404


# -- request log -------------------------------------------------------------------


def test_request_log_entries_and_control_endpoints(sim, api):
    api.get("/api/Units?page=2")
    url = f"{sim.url}/__sim__/requests"
    entries = requests.get(url, timeout=TIMEOUT).json()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/api/Devices/Register", 201),
        ("POST", "/api/users/login", 201),
        ("GET", "/api/Units", 200),
    ]
    assert entries[-1]["deviations"] == ["unknown query parameter 'page' ignored"]
    assert entries[-1]["time"].endswith("+00:00") and entries[-1]["fault"] is None
    only = requests.get(url, params={"deviations": 1}, timeout=TIMEOUT).json()
    assert only == entries[-1:]
    cleared = requests.delete(url, timeout=TIMEOUT).json()
    assert cleared == {"cleared": 3} and sim.request_log() == []


def test_charset_other_than_utf8_is_a_deviation(sim, api):
    data = json.dumps(invoice()).encode()
    content_type = "application/json; charset=iso-8859-1"
    assert api.send("POST", INVOICES, data, content_type).status_code == 201
    assert sim.deviations() == [
        "POST /api/invoices/: Content-Type charset 'iso-8859-1', not utf-8"
    ]


def test_duplicate_headers_are_a_deviation(sim, api):
    url = urlsplit(sim.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    try:
        connection.putrequest("GET", "/api/Units")
        for name, value in api.headers().items():
            connection.putheader(name, value)
        connection.putheader("GenerationVersion", "110")
        connection.endheaders()
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert sim.deviations() == [
        "GET /api/Units: header 'generationversion' sent 2 times"
    ]


def test_odd_security_headers_are_deviations(sim, api):
    code = str(uuid.uuid4()).upper()  # signed in its lowercase form
    headers = api.headers(code=code.lower())
    headers["ArbitraryCode"] = code
    headers["Authorization"] = headers["Authorization"].replace("Bearer", "bearer")
    response = api.http.get(f"{api.url}/api/Units", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200
    assert sim.deviations() == [
        f"GET /api/Units: ArbitraryCode {code!r} is not a lowercase GUID",
        "GET /api/Units: Authorization scheme 'bearer' (clients send 'Bearer')",
    ]
    version = f"{sim.url}/api/General/GenerationVersion"
    api.http.get(version, headers=api.headers(), timeout=TIMEOUT)
    assert "security headers sent where none is read" in sim.deviations()[-1]


def test_faults_are_logged(sim, api):
    sim.configure(error_rate=1)
    assert api.get("/api/Units").status_code == 500
    assert sim.request_log()[-1] | {"time": None} == {
        "time": None,
        "method": "GET",
        "path": "/api/Units",
        "status": 500,
        "deviations": [],
        "fault": "error",
    }


def test_reset_empties_the_request_log(sim, api):
    assert sim.request_log()
    sim.reset()
    assert sim.request_log() == [] and sim.state["requests_logged"] == 0


def test_body_sent_to_a_get_is_a_deviation(sim):
    api = Api(sim.url).setup()
    response = api.send("GET", "/api/Units", b'{"x": 1}', "application/json")
    assert response.status_code == 200
    assert sim.deviations() == ["GET /api/Units: a body was sent to GET and ignored"]
