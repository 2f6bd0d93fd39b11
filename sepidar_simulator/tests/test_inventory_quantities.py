"""``GET /api/Items/Inventories/Quantity/{itemId}`` (OpenAPI v111 only): stock,
sale and sale-with-reserve quantities per stock and tracing of one item."""

import requests

from .common import TIMEOUT, error, invoice, line, quotation

VEHICLE, VEHICLE_STOCK, VEHICLE_FEE = 1, 1, 12_500_000_000
OIL_FILTER = 5


def _quantities(api, item_id):
    response = api.get(f"/api/Items/Inventories/Quantity/{item_id}")
    assert response.status_code == 200, response.text
    return {row["TracingRef"]: row for row in response.json()}


def _sale(api, item_id, tracing=None):
    row = _quantities(api, item_id)[tracing]
    return row["SaleQuantity"], row["SaleQuantityWithReserve"]


def _vehicle(tracing, quantity=1):
    return line(
        item=VEHICLE,
        quantity=quantity,
        fee=VEHICLE_FEE,
        stock=VEHICLE_STOCK,
        tracing=tracing,
    )


def test_rows_per_stock_and_tracing(api):
    rows = _quantities(api, VEHICLE)
    assert rows == {
        tracing: {
            "StockRef": VEHICLE_STOCK,
            "TracingRef": tracing,
            "InventoryQuantity": 5,
            "SaleQuantity": 5,
            "SaleQuantityWithReserve": 5,
        }
        for tracing in (1, 2)
    }
    assert api.get("/api/items/inventories/quantity/9/").json() == []  # no stock


def test_an_invoice_sells_until_it_is_revoked(sim, api):
    created = api.post("/api/invoices/", invoice(lines=[_vehicle(2, quantity=2)]))
    assert created.status_code == 201, created.text
    rows = _quantities(api, VEHICLE)
    assert rows[2]["InventoryQuantity"] == 5  # sold, not issued from the stock
    assert (rows[2]["SaleQuantity"], rows[2]["SaleQuantityWithReserve"]) == (3, 3)
    assert rows[1]["SaleQuantity"] == 5
    revoked = requests.post(
        f"{sim.url}/__sim__/invoices/revoke",
        json={"InvoiceID": created.json()["InvoiceID"]},
        timeout=TIMEOUT,
    )
    assert revoked.status_code == 200, revoked.text
    assert _sale(api, VEHICLE, 2) == (5, 5)


def test_open_quotations_reserve(api):
    first = api.post("/api/Quotations/", quotation(lines=[line(quantity=2)])).json()
    assert _sale(api, OIL_FILTER) == (120, 118)
    api.post(f"/api/Quotations/{first['ID']}/Close/", None)
    assert _sale(api, OIL_FILTER) == (120, 120)
    second = api.post("/api/Quotations/", quotation(lines=[line(quantity=3)])).json()
    assert _sale(api, OIL_FILTER) == (120, 117)
    based = api.post("/api/Invoices/BasedOnQuotation/", {"QuatationID": second["ID"]})
    assert based.status_code == 201, based.text
    assert _sale(api, OIL_FILTER) == (117, 117)  # invoiced: sold, no longer reserved


def test_unknown_item_is_the_items_404(api):
    response = api.get("/api/Items/Inventories/Quantity/999")
    assert error(response, 404) == error(api.get("/api/Items/999"), 404)
    assert response.json() == {"Type": 0, "Message": "كالای نامعتبر"}


def test_a_server_without_the_endpoint_answers_its_routing_404(sim, api):
    path = "/api/Items/Inventories/Quantity/1"
    assert api.send("POST", path).status_code == 405  # the route exists
    sim.configure(quantity_endpoint=False)
    unknown = error(api.get("/api/NoSuchThing"), 404)
    assert (
        error(api.get(path), 404)
        == unknown
        == {
            "Type": 1,
            "Message": "صفحه درخواست شده پیدا نشد.",
        }
    )
    assert error(api.send("POST", path), 404) == unknown
    assert error(requests.get(sim.url + path, timeout=TIMEOUT), 404) == unknown
    assert api.get("/api/Items/Inventories/1").status_code == 200
