"""``state_dir`` / ``--state-dir``: a restarted simulator is the same Sepidar.
Plain pytest over raw HTTP, no Odoo."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from sepidar_simulator import SimulatorServer

from .common import SERIAL, TIMEOUT, Api, customer, error, invoice, quotation

PACKAGE = Path(__file__).resolve().parents[1]
ALREADY_REGISTERED = "دستگاه در حال حاضر رجیستر شده است."


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "state"


@pytest.fixture
def restart(folder):
    """``restart()`` stops the running simulator (if any) and starts another on
    the same folder; every one is stopped at the end."""
    servers = []

    def restart():
        if servers:
            servers[-1].stop()
        servers.append(SimulatorServer(seed=5, state_dir=folder).start())
        return servers[-1]

    yield restart
    servers[-1].stop()


def _moved(api, server):
    api.url = server.url
    return api


def test_a_serial_registers_once_also_after_a_restart(restart):
    server = restart()
    assert Api(server.url).register().status_code == 201
    server = restart()
    answer = error(Api(server.url).register(), 400)
    assert answer["Message"] == ALREADY_REGISTERED
    assert server.state["devices"][0]["Registered"]


def test_a_stored_token_stays_valid(restart):
    api = Api(restart().url).setup()
    _moved(api, restart())
    assert api.get("/api/IsAuthorized").json() is True  # no new login
    assert api.get("/api/Units").status_code == 200


def test_token_expiry_counts_from_its_login_across_restarts(restart):
    api = Api(restart().url).setup()
    server = restart()
    server.configure(token_ttl_s=0.001)
    assert error(_moved(api, server).get("/api/Units"), 401)["Message"] == (
        "نیاز به ورود مجدد"
    )


def test_arbitrary_code_replay_is_refused_after_a_restart(restart):
    api = Api(restart().url).setup()
    code = str(uuid.uuid4())
    assert api.get("/api/Units", code=code).status_code == 200
    _moved(api, restart())
    assert error(api.get("/api/Units", code=code), 401)["Message"] == "كد تكراری"


def test_documents_are_found_by_guid_after_a_restart(restart):
    api = Api(restart().url).setup()
    guid = str(uuid.uuid4())
    made = api.post("/api/Quotations/", quotation(guid)).json()
    person = api.post("/api/Customers", customer()).json()
    billed = api.post(
        "/api/Invoices/BasedOnQuotation/", {"QuatationID": made["ID"]}
    ).json()
    _moved(api, restart())
    listed = api.get("/api/Quotations?fromDate=2000-01-01&toDate=2099-12-31").json()
    assert [q["ID"] for q in listed if q["GUID"] == guid] == [made["ID"]]
    assert api.get(f"/api/Quotations/{made['ID']}").json() == made
    assert api.get(f"/api/invoices/{billed['InvoiceID']}").json() == billed
    assert api.get(f"/api/Customers/{person['CustomerID']}").json() == person
    # The sequences go on, and a resent invoice GUID is still a duplicate.
    assert api.post("/api/Quotations/", quotation()).json()["ID"] == made["ID"] + 1
    direct = invoice()
    assert api.post("/api/invoices/", direct).json()["InvoiceID"] == 2
    _moved(api, restart())
    assert error(api.post("/api/invoices/", direct), 400)["Type"] == 0


def test_closed_quotation_stays_closed(restart):
    api = Api(restart().url).setup()
    made = api.post("/api/Quotations/", quotation()).json()
    api.post(f"/api/Quotations/{made['ID']}/Close/", None)
    _moved(api, restart())
    assert api.get(f"/api/Quotations/{made['ID']}").json()["Closed"] is True


def test_issued_serial_survives_a_restart(restart):
    server = restart()
    issued = server.issue_serial(title="شعبه دوم")
    server = restart()
    assert server.credentials()[-1]["Serial"] == issued["Serial"]
    api = Api(server.url, serial=issued["Serial"])
    assert api.register().status_code == 201


def test_reset_resets_the_folder(restart, folder):
    server = restart()
    api = Api(server.url).setup()
    api.post("/api/Customers", customer())
    server.reset()
    assert (
        json.loads((folder / "customers.json").read_text())["Rows"][-1]["CustomerID"]
        == 2
    )
    assert api.get("/api/Units").status_code == 200  # the device and token stay
    server.reset(devices=True)
    server = restart()
    assert not server.state["devices"][0]["Registered"]
    assert Api(server.url).register().status_code == 201


def test_files_are_json_and_no_temporary_is_left(restart, folder):
    api = Api(restart().url).setup()
    api.post("/api/invoices/", invoice())
    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        "arbitrary_codes.jsonl",
        "customers.json",
        "devices.json",
        "invoices.json",
        "quotations.json",
        "requests.jsonl",
        "sessions.json",
    ]
    devices = json.loads((folder / "devices.json").read_text())
    assert devices[0]["PrivateKey"].startswith("-----BEGIN PRIVATE KEY-----")
    log = [
        json.loads(x) for x in (folder / "requests.jsonl").read_text().split("\n")[:-1]
    ]
    assert [entry["path"] for entry in log] == [
        "/api/Devices/Register",
        "/api/users/login",
        "/api/invoices/",
    ]


def test_request_log_is_read_back_and_a_torn_line_skipped(restart, folder):
    Api(restart().url).setup()
    with open(folder / "requests.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-')  # a kill in the middle of a write
    server = restart()
    assert [e["status"] for e in server.request_log()] == [201, 201]


def test_cli_keeps_state_across_runs(tmp_path, folder):
    def run():
        process = subprocess.Popen(
            [sys.executable, "-m", "sepidar_simulator", "--port", "0"]
            + ["--builtin-data", "--state-dir", str(folder)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
        )
        banner = [process.stdout.readline() for _ in range(4)]
        assert banner[-1].strip() == f"state kept in {folder}"
        return process, banner[0].split(" on ")[1].split()[0]

    process, url = run()
    try:
        assert Api(url).register().status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=5)
    process, url = run()
    try:
        assert error(Api(url).register(), 400)["Message"] == ALREADY_REGISTERED
        state = requests.get(f"{url}/__sim__/state", timeout=TIMEOUT).json()
        assert state["state_dir"] == str(folder)
        assert state["devices"][0]["Serial"] == SERIAL
    finally:
        process.terminate()
        process.wait(timeout=5)
