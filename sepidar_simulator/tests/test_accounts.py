"""Credit ceilings, payments and revocations, driven from the control endpoint."""

import requests

from .common import TIMEOUT, error, invoice, line

FILTERS_NET = 2 * 2_400_000 * 110 // 100  # two oil filters with tax and duty


def _control(sim, path, body):
    return requests.post(f"{sim.url}/__sim__/{path}", json=body, timeout=TIMEOUT)


def _customer(api, customer_id=1):
    response = api.get(f"/api/Customers/{customer_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_credit_ceiling_sets_the_credit_left_and_refuses_an_invoice_above(sim, api):
    response = _control(sim, "credit", {"CustomerID": 1, "Ceiling": 6_000_000})
    assert response.status_code == 200, response.text
    assert "CreditCeiling" not in response.json()  # not part of the read model
    assert _customer(api)["CreditRemainder"] == 6_000_000
    created = api.post("/api/invoices/", invoice())
    assert created.status_code == 201, created.text
    customer = _customer(api)
    assert customer["CreditRemainder"] == 6_000_000 - FILTERS_NET
    assert customer["AccountingRemainder"] == FILTERS_NET  # level 110
    refused = api.post("/api/invoices/", invoice())
    assert error(refused, 400) == {
        "Type": 0,
        "Message": "مبلغ فاکتور از سقف اعتبار مشتری بیشتر است.",
    }
    assert sim.state["invoices"] == 1


def test_without_a_ceiling_nothing_is_refused(sim, api):
    big = invoice(lines=[line(quantity=100)])
    assert api.post("/api/invoices/", big).status_code == 201
    sim.configure(check_credit_ceiling=False)
    _control(sim, "credit", {"CustomerID": 1, "Ceiling": 1})
    assert api.post("/api/invoices/", invoice()).status_code == 201


def test_payments_and_revocation_show_in_the_invoice_read_model(sim, api):
    _control(sim, "credit", {"CustomerID": 1, "Ceiling": 10_000_000})
    invoice_id = api.post("/api/invoices/", invoice()).json()["InvoiceID"]
    paid = _control(sim, "payments", {"InvoiceID": invoice_id, "Amount": 1_000_000})
    assert paid.status_code == 200, paid.text
    read = api.get(f"/api/invoices/{invoice_id}").json()
    assert (read["State"], read["TotalReceivedAmount"], read["RemainingAmount"]) == (
        1,
        1_000_000,
        FILTERS_NET - 1_000_000,
    )
    assert _customer(api)["CreditRemainder"] == 10_000_000 - FILTERS_NET + 1_000_000
    _control(sim, "invoices/revoke", {"InvoiceID": invoice_id})
    [listed] = api.get("/api/invoices/").json()
    assert (listed["State"], listed["RemainingAmount"]) == (2, 0)
    assert _customer(api)["CreditRemainder"] == 10_000_000
    again = _control(sim, "payments", {"InvoiceID": invoice_id, "Amount": 1})
    assert error(again, 400)["Message"] == "فاکتور ابطال شده"


def test_level_101_invoices_have_no_state_or_amounts(sim, api):
    sim.configure(version_policy="range")
    invoice_id = api.post("/api/invoices/", invoice()).json()["InvoiceID"]
    read = api.get(f"/api/invoices/{invoice_id}", version="101").json()
    assert "State" not in read and "RemainingAmount" not in read
    assert "Remainder" in _customer_101(api)


def _customer_101(api):
    return api.get("/api/Customers/1", version="101").json()


def test_control_errors_are_clear(sim):
    assert error(_control(sim, "payments", {"InvoiceID": 9, "Amount": 1}), 404)
    assert "missing field" in error(_control(sim, "credit", {}), 400)["error"]


def test_customers_down_knob_fails_customer_reads_only(sim, api):
    sim.configure(customers_down=True)
    assert api.get("/api/Customers").status_code == 500
    assert api.get("/api/Customers/1").status_code == 500
    assert api.post("/api/invoices/", invoice()).status_code == 201


def test_payments_survive_a_restart(tmp_path):
    from sepidar_simulator import SimulatorServer

    from .common import Api

    with SimulatorServer(seed=1, state_dir=tmp_path) as sim:
        api = Api(sim.url).setup()
        invoice_id = api.post("/api/invoices/", invoice()).json()["InvoiceID"]
        sim.pay_invoice(invoice_id, 500_000)
        port = sim.port
    with SimulatorServer(port=port, seed=1, state_dir=tmp_path) as sim:
        assert sim.backend.ledger.invoices[invoice_id]["Received"] == 500_000
