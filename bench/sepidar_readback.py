"""Benchmark: reading posted documents back from Sepidar (the simulator).

    bench/run sepidar_readback                  # 100 orders posted as quotations
    PYTHONPATH=. python3 bench/sepidar_readback.py --orders 50 --no-write

The repository root must be on ``PYTHONPATH`` (``bench/run`` puts it there):
the harness is ``tests/sepidar_harness.py``, the simulator the top-level
``sepidar_simulator`` package.

Builds a throw-away database, approves ``--orders`` orders and lets the
posting job post them as quotations, then runs the read-back job
(``sepidar.export._cron_read_back``) three times:

1. steady state: nothing changed in Sepidar since the posting;
2. after finance worked in Sepidar (the simulator's books): half the
   quotations invoiced, a quarter of those partly paid, one in ten fully paid,
   one in twenty revoked;
3. steady state again.

Reports the HTTP calls of each run divided by the posted documents it read
(target: at most 1 per document per run in steady state), and writes them to
bench/RESULTS.md under "Sepidar read-back" (other sections are kept).
"""

import argparse
import json
import sys
import time

from common import replace_section

from tests import sepidar_harness as harness

HEADING = "Sepidar read-back"
TARGET = 1.0


def _finance_works(simulator):
    """What finance does in Sepidar between two runs (in the simulator's books)."""
    backend = simulator.backend
    ledger = backend.ledger
    level = backend.knobs.generation_version
    quotations = sorted(ledger.quotations)
    invoiced = []
    with backend.lock:
        for quotation_id in quotations[::2]:
            invoice = ledger.invoice_from_quotation(
                {"QuatationID": quotation_id}, level, []
            )
            invoiced.append(invoice["InvoiceID"])
    for n, invoice_id in enumerate(invoiced):
        net = ledger.invoices[invoice_id]["NetPrice"]
        if n % 20 == 19:
            simulator.revoke_invoice(invoice_id)
        elif n % 10 == 0:
            simulator.pay_invoice(invoice_id, net)
        elif n % 4 == 1:
            simulator.pay_invoice(invoice_id, net / 3)
    return len(invoiced)


def _run(simulator, conf, db, workdir, name):
    simulator.clear_request_log()
    before = simulator.state["requests"]
    result = harness.run_child(conf, db, "readback", workdir / f"{name}.log")
    calls = simulator.state["requests"] - before
    result["http_calls"] = calls
    result["calls_per_document"] = (
        round(calls / result["read"], 4) if result["read"] else 0.0
    )
    return result


def run(args):
    workdir = harness.temp_workdir("sepidar_readback_")
    conf = args.conf or harness.odoo_conf(workdir)
    db = harness.unique_db_name(f"{args.db or 'carportal_bench'}_readback")
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), **harness.machine_info()}
    print(json.dumps(info, indent=2))
    simulator = harness.simulator_class()("127.0.0.1", 0, seed=args.seed).start()
    try:
        harness.create_db(conf, db, workdir / "install.log")
        harness.run_child(
            conf,
            db,
            "setup",
            workdir / "setup.log",
            "--url",
            simulator.url,
            "--orders",
            args.orders,
            timeout=3600,
        )
        harness.run_child(conf, db, "cron", workdir / "cron.log", timeout=3700)
        runs = {"steady (after posting)": _run(simulator, conf, db, workdir, "r1")}
        invoiced = _finance_works(simulator)
        runs["after finance's changes"] = _run(simulator, conf, db, workdir, "r2")
        runs["steady again"] = _run(simulator, conf, db, workdir, "r3")
    finally:
        simulator.stop()
        if not args.keep_db:
            harness.drop_db(conf, db)
    figures = {"orders posted": args.orders, "invoiced in Sepidar": invoiced}
    figures["runs"] = runs
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    worst = max(r["calls_per_document"] for r in runs.values())
    ok = worst <= TARGET
    print(
        f"worst calls per document per run {worst} (target <= {TARGET}): "
        f"{'OK' if ok else 'MISSED'}"
    )
    if not args.no_write:
        write_results(info, figures, ok)
    return 0 if ok else 1


def write_results(info, figures, ok):
    status = "target met" if ok else "target missed"
    lines = []
    lines.append(
        f"`bench/run sepidar_readback --orders {figures['orders posted']}`, "
        f"{info['date']}: **{status}**."
    )
    lines += [
        "",
        "| Run | Documents read | HTTP calls | Calls per document | Changed |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, run_ in figures["runs"].items():
        lines.append(
            f"| {name} | {run_['read']} | {run_['http_calls']} | "
            f"{run_['calls_per_document']} | {run_['changed']} |"
        )
    note = (
        "Target: at most 1 HTTP call per posted document per run in steady state. "
        "A run reads Sepidar's invoice list once per backend (GET /api/invoices/, "
        "the current fiscal year) and, while quotations are not yet invoiced, the "
        "quotation list of their dates once; only an invoice missing from the "
        "list (an earlier fiscal year) costs a call of its own. Settled documents "
        "(paid, revoked, closed) are not read again."
    )
    raw = json.dumps(
        {"machine": info, "figures": figures}, indent=2, ensure_ascii=False
    )
    lines += ["", note, "", "Machine and raw figures:", "", "```json", raw, "```", ""]
    replace_section(HEADING, "\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--conf", help="Odoo configuration (default: built)")
    parser.add_argument("--db", help="prefix of the throw-away database")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
