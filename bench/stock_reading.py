"""Reading Sepidar's stock: item by item (the per-item quantity endpoint)
against the inventory list, over HTTP to the simulator.

    bench/run stock_reading                      # 40 and 1,000 items, 0 and 50 ms
    PYTHONPATH=. python3 bench/stock_reading.py --conf x --db x --no-write

What the scheduled action *Sepidar: read the stock* spends on the wire
(``StockReader.fetch``: ``GET /api/Items/Inventories/Quantity/{itemId}`` once
per stocked item where the server has it, else one
``GET /api/Items/Inventories/``), measured with the client the addon uses,
against the simulator given a catalogue of ``--items`` stocked items, with no
added latency and with the simulator's ``latency_ms`` (a LAN or a VPN to the
accounting office). The Odoo side of a reading (one stock level per product)
is not in it. No database is used (``--conf``/``--db`` are accepted because
``bench/run`` passes them). Both ways must give the same total stock (the
simulator has no invoice, so sale quantity = inventory).
"""

import argparse
import copy
import statistics
import sys
import time

from common import REPO, machine, write_results

from sepidar_simulator.dataset import default_dataset
from sepidar_simulator.server import SimulatorServer

# The client is plain Python (no Odoo): imported from its folder, not through
# the addon, whose models need Odoo.
sys.path.insert(0, str(REPO / "addons" / "car_portal_sepidar"))
from sepidar_client import SepidarClient

SERIAL, USER, PASSWORD = "10017ff3", "shop", "shop123"


def _dataset(items):
    """The default dataset with ``items`` stocked parts (one stock row each)."""
    data = default_dataset()
    template = next(i for i in data["items"] if i["Code"] == "PT-0002")
    first = max(i["ItemID"] for i in data["items"]) + 1
    for n in range(items):
        item = copy.deepcopy(template)
        item.update(ItemID=first + n, Code=f"BENCH-{n:05d}", Title=f"Part {n}")
        data["items"].append(item)
        data["inventories"].append(
            {"ItemRef": first + n, "StockRef": 2, "TracingRef": None, "Quantity": n}
        )
    return data, list(range(first, first + items))


def _client(url, key):
    return SepidarClient(
        url, serial=SERIAL, username=USER, password=PASSWORD, public_key=key
    )


def _measure(client, item_ids, runs):
    """Median seconds (and calls) of reading ``item_ids`` both ways."""

    def per_item():
        return sum(
            row["SaleQuantity"]
            for item_id in item_ids
            for row in client.item_inventory_quantities(item_id)
        )

    def listed():
        wanted = set(item_ids)
        return sum(
            row["Quantity"]
            for row in client.item_inventories()
            if row["ItemRef"] in wanted
        )

    figures = {}
    for name, read, calls in (
        ("per item", per_item, len(item_ids)),
        ("inventory list", listed, 1),
    ):
        read()  # warm-up (and the login)
        timings, total = [], None
        for _ in range(runs):
            started = time.perf_counter()
            total = read()
            timings.append(time.perf_counter() - started)
        figures[name] = (statistics.median(timings), calls, total)
    return figures


def run(args):
    rows = []
    for items in args.items:
        data, item_ids = _dataset(items)
        with SimulatorServer(seed=1, dataset=data) as simulator:
            key = _client(simulator.url, None).register_device().public_key_xml
            client = _client(simulator.url, key)
            for latency in args.latency:
                simulator.configure(latency_ms=latency)
                runs = args.runs if latency == 0 or items <= 100 else 1
                figures = _measure(client, item_ids, runs)
                totals = {total for _s, _c, total in figures.values()}
                if len(totals) != 1:
                    sys.exit(f"the two readings disagree: {figures}")
                for name, (seconds, calls, _total) in figures.items():
                    rows.append((items, latency, name, calls, seconds, runs))
            client.close()
    body = [
        f"`bench/run stock_reading`, {machine()}.",
        "",
        "| Stocked items | Latency per call | Read | HTTP calls | Time | Runs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    body += [
        f"| {items:,} | {latency:g} ms | {name} | {calls:,} | {seconds:.3f} s "
        f"| {runs} |"
        for items, latency, name, calls, seconds, runs in rows
    ]
    note = (
        "Time: the median of the runs. Both ways gave the same total stock in "
        "every run. The reading runs once an hour in the cron worker "
        "(`sepidar.backend._cron_read_stock`), never while someone waits; the "
        "per-item way is chosen where the server has the endpoint because only it "
        "gives what Sepidar can sell (its sale quantity), and its cost is one "
        "round trip per stocked item: what the table shows."
    )
    body += ["", note]
    write_results("Stock reading (per item and inventory list)", "\n".join(body), args)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--conf", help="ignored (no database is used)")
    parser.add_argument("--db", help="ignored (no database is used)")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md")
    parser.add_argument("--items", type=int, nargs="+", default=[40, 1000])
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 50])
    parser.add_argument("--runs", type=int, default=5)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
