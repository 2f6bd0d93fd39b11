"""What happens in Sepidar after posting, for the demo (run by scripts/serve).

Runs inside ``odoo shell`` after the demo backend is registered, with ``env``
and ``sepidar_url`` given: posts the demo's approved orders now, then, when
Sepidar is the simulator (it answers ``/__sim__/state``), plays finance's part
in Sepidar for dealer1's approved demo order (``car_portal_orders.order_7``):
its quotation is invoiced and a third of the invoice is paid. The read-back
job then brings it into Odoo, so the dealer's order page shows *Partly paid*
with the remaining amount (the README's screenshot). Once only: an order
already invoiced is left alone. Never fails the start of the demo.
"""

import json
import urllib.request


def _simulator(url):
    try:
        with urllib.request.urlopen(f"{url}/__sim__/state", timeout=2):
            return True
    except OSError:
        return False


def _pay(url, invoice_id, amount):
    request = urllib.request.Request(
        f"{url}/__sim__/payments",
        data=json.dumps({"InvoiceID": invoice_id, "Amount": amount}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def run(env, url):
    Export = env["sepidar.export"]
    Export._cron_post_exports()
    order = env.ref("car_portal_orders.order_7", raise_if_not_found=False)
    export = Export.search([("order_id", "=", order.id)]) if order else Export
    if not export or export.state != "done" or export.invoice_state:
        Export._cron_read_back()
        return "nothing to do"
    if not _simulator(url):
        return "not a simulator: Sepidar's finance does this"
    with export.backend_id._session() as client:
        if export.document_type == "quotation":
            invoice = client.create_invoice_from_quotation(export.sepidar_document_id)
        else:
            invoice = client.get_invoice(export.sepidar_document_id)
    _pay(url, invoice["InvoiceID"], round(invoice["NetPrice"] / 3))
    Export._cron_read_back()
    # The hourly stock reading, now: the invoiced goods left what Sepidar can
    # sell as the order left what is promised.
    env["sepidar.backend"]._cron_read_stock()
    env.cr.commit()
    return f"{order.name}: invoiced as {export.invoice_number}, partly paid"


if "env" in globals():
    try:
        print("Sepidar demo story:", run(env, sepidar_url))  # noqa: F821
    except Exception as error:  # noqa: BLE001 - the demo starts anyway
        env.cr.rollback()  # noqa: F821
        print("Sepidar demo story skipped:", error)
