"""Benchmark: posting approved orders to Sepidar (the simulator) from the Odoo cron.

    PYTHONPATH=. python3 bench/sepidar_posting.py    # 1,000 orders, 50 ms latency
    PYTHONPATH=. python3 bench/sepidar_posting.py --orders 200 --no-write
    bench/run sepidar_posting                        # the same, with bench/run's config

The repository root must be on ``PYTHONPATH`` (``bench/run`` puts it there): the
harness is ``tests/sepidar_harness.py``, shared with the chaos test, and the
simulator the top-level ``sepidar_simulator`` package.

Builds a throw-away database (car_portal_sepidar without demo data), registers the
device and pulls the reference data (cached from then on), approves the orders,
then lets Odoo's cron runner post them while the simulator adds ``--latency-ms``
to every call. Reports:

* HTTP calls per order, amortised (everything the posting job sent, customers
  included, divided by the orders); target <= 1.05;
* posting time against the network floor (calls x latency): floor / time,
  target >= 95 %; and against the floor plus the simulator's own service
  time (what the server spends per call, sleeps left out);
* where the rest goes: the SQL queries of the job per order, and the gaps
  between the ends of consecutive calls in the simulator's request log (the
  median gap less the latency is the steady cost of a call; gaps over the
  latency + 20 ms are stalls, where the job did not keep a call on the wire).

``--profile FILE`` writes a cProfile of the job's thread (read it with pstats);
``--save-json FILE`` keeps the figures; ``--notes FILE`` puts a Markdown text
(findings, earlier runs) at the head of the section written.

Prints the machine, the date and the raw figures, and writes them to
bench/RESULTS.md under the "Sepidar posting" heading (other sections are kept).
"""

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from common import replace_section

from tests import sepidar_harness as harness

HEADING = "Sepidar posting"
TARGET_CALLS, TARGET_EFFICIENCY = 1.05, 0.95
# A gap between two calls longer than the latency by this much is a stall.
STALL_MS = 20


def _gaps(entries, latency_ms):
    """Figures of the gaps between the ends of consecutive API calls (ms)."""
    ends = [datetime.fromisoformat(entry["time"]) for entry in entries]
    gaps = [(b - a).total_seconds() * 1000 for a, b in itertools.pairwise(ends)]
    if not gaps:
        return {}
    stalls = [gap for gap in gaps if gap > latency_ms + STALL_MS]
    median = statistics.median(gaps)
    return {
        "median gap between calls (ms)": round(median, 2),
        "steady cost per call beyond the latency (ms)": round(median - latency_ms, 2),
        "stalls (gaps > latency + 20 ms)": len(stalls),
        "time lost in stalls (s)": round(sum(g - median for g in stalls) / 1000, 3),
    }


def _versions(conf):
    odoo_version = subprocess.run(
        [sys.executable, "-c", "import odoo.release as r; print(r.version)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    (postgres,) = harness.query(conf, "postgres", "SHOW server_version")[0]
    return {"odoo": odoo_version, "postgresql": postgres}


def run(args):
    workdir = harness.temp_workdir("sepidar_bench_")
    conf = args.conf or harness.odoo_conf(workdir)
    db = harness.unique_db_name(f"{args.db or 'carportal_bench'}_sepidar")
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        **harness.machine_info(),
        **_versions(conf),
    }
    print(json.dumps(info, indent=2))
    simulator = harness.simulator_class()("127.0.0.1", 0, seed=args.seed).start()
    try:
        started = time.monotonic()
        harness.create_db(conf, db, workdir / "install.log")
        setup = harness.run_child(
            conf,
            db,
            "setup",
            workdir / "setup.log",
            "--url",
            simulator.url,
            "--orders",
            args.orders,
            "--dealers",
            args.dealers,
            "--batch-size",
            args.batch_size,
            timeout=3600,
        )
        print(f"database ready in {time.monotonic() - started:.0f} s: {setup}")
        simulator.reset()  # count from here; the device key and token are kept
        simulator.configure(latency_ms=args.latency_ms)
        profile = ("--profile", args.profile) if args.profile else ()
        posting = harness.run_child(
            conf,
            db,
            "cron",
            workdir / "cron.log",
            "--max-seconds",
            3600,
            *profile,
            timeout=3700,
        )
        state = simulator.state
        api_calls = [
            entry
            for entry in simulator.backend.log.entries
            if entry["path"].lower().startswith("/api/")
        ]
        calls = state["requests"]
        floor = calls * args.latency_ms / 1000
        # What the server itself spends on the calls (a real Sepidar has its
        # own): the floor with it is what a perfect client would take.
        service = state["service_seconds"]
        figures = {
            "orders": args.orders,
            "dealers (customers created on first post)": args.dealers,
            "batch size": args.batch_size,
            "injected latency (ms)": args.latency_ms,
            "HTTP calls": calls,
            "calls per order": round(calls / args.orders, 4),
            "logins": state["logins"],
            "network floor (s)": round(floor, 3),
            "posting time (s)": posting["seconds"],
            "floor / time": round(floor / posting["seconds"], 4),
            "overhead per order (ms)": round(
                (posting["seconds"] - floor) * 1000 / args.orders, 2
            ),
            "simulator service time per call (ms)": round(service * 1000 / calls, 2),
            "floor with server time (s)": round(floor + service, 3),
            "floor with server time / time": round(
                (floor + service) / posting["seconds"], 4
            ),
            "client overhead per order (ms)": round(
                (posting["seconds"] - floor - service) * 1000 / args.orders, 2
            ),
            "SQL queries of the job per order": round(
                posting["queries"] / args.orders, 2
            ),
            **_gaps(api_calls, args.latency_ms),
            "documents in the simulator": state["quotations"],
            "duplicates": state["duplicate_quotation_guids"],
            "outbox": posting["states"],
            "attempts": posting["attempts"],
            "cron runs": posting["cron_runs"],
        }
    finally:
        simulator.stop()
        if not args.keep_db:
            harness.drop_db(conf, db)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    ok = (
        figures["calls per order"] <= TARGET_CALLS
        and figures["floor / time"] >= TARGET_EFFICIENCY
        and figures["documents in the simulator"] == args.orders
        and not figures["duplicates"]
    )
    print(
        f"calls per order {figures['calls per order']} (target <= {TARGET_CALLS}), "
        f"floor / time {figures['floor / time']:.1%} "
        f"(target >= {TARGET_EFFICIENCY:.0%}): {'OK' if ok else 'MISSED'}"
    )
    if args.save_json:
        Path(args.save_json).write_text(
            json.dumps({"machine": info, "figures": figures}, indent=2) + "\n"
        )
    if not args.no_write:
        notes = Path(args.notes).read_text() if args.notes else ""
        write_results(info, figures, ok, notes)
    return 0 if ok else 1


def write_results(info, figures, ok, notes=""):
    status = "targets met" if ok else "targets missed"
    rows = [
        ("Orders posted", figures["orders"], ""),
        ("Injected latency per call", f"{figures['injected latency (ms)']} ms", ""),
        ("HTTP calls", figures["HTTP calls"], ""),
        ("Calls per order (amortised)", figures["calls per order"], "<= 1.05"),
        ("Network floor (calls x latency)", f"{figures['network floor (s)']} s", ""),
        ("Posting time", f"{figures['posting time (s)']} s", ""),
        ("Floor / posting time", f"{figures['floor / time']:.1%}", ">= 95%"),
        ("Overhead per order", f"{figures['overhead per order (ms)']} ms", ""),
        (
            "of which the simulator's own time per call",
            f"{figures['simulator service time per call (ms)']} ms",
            "",
        ),
        (
            "of which the client's (Odoo's) per order",
            f"{figures['client overhead per order (ms)']} ms",
            "",
        ),
        (
            "Floor with the server's own time / posting time",
            f"{figures['floor with server time / time']:.1%}",
            "",
        ),
        (
            "SQL queries of the job per order",
            figures["SQL queries of the job per order"],
            "",
        ),
        (
            "Median gap between calls (steady cost beyond the latency)",
            (
                f"{figures.get('median gap between calls (ms)')} ms "
                f"({figures.get('steady cost per call beyond the latency (ms)')} ms)"
            ),
            "",
        ),
        (
            "Stalls (gaps > latency + 20 ms): count, time lost",
            (
                f"{figures.get('stalls (gaps > latency + 20 ms)')}, "
                f"{figures.get('time lost in stalls (s)')} s"
            ),
            "",
        ),
        (
            "Documents in Sepidar / duplicates",
            f"{figures['documents in the simulator']} / {figures['duplicates']}",
            f"{figures['orders']} / 0",
        ),
    ]
    note = (
        "Reference data (items, prices, sale types), the device key, the token and "
        "the API level are cached before the run; the calls include the customer "
        "list and the creation of each dealer in Sepidar. With one document per "
        "order, one call per order is the floor. The job shares the CPU with "
        "PostgreSQL and the simulator, so the ratio depends on the machine's load "
        "(the load average is in the raw figures)."
    )
    raw = json.dumps(
        {"machine": info, "figures": figures}, indent=2, ensure_ascii=False
    )
    lines = []
    command = "PYTHONPATH=. python3 bench/sepidar_posting.py"
    lines.append(f"`{command}`, {info['date']}: **{status}**.")
    if notes:
        lines += ["", notes.strip()]
    lines += ["", "| Figure | Value | Target |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {target} |" for name, value, target in rows]
    lines += ["", note, "", "Machine and raw figures:", "", "```json", raw, "```", ""]
    replace_section(HEADING, "\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--dealers", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--profile", help="cProfile of the job's thread to this file")
    parser.add_argument("--save-json", help="also write the figures to this file")
    parser.add_argument(
        "--notes", help="Markdown file put at the head of the RESULTS.md section"
    )
    parser.add_argument(
        "--conf", help="Odoo configuration (default: $CAR_PORTAL_TEST_CONF or built)"
    )
    parser.add_argument(
        "--db", help="prefix of the throw-away database (bench/run passes its own)"
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
