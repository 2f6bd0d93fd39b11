"""Shared helpers of the benchmarks: an Odoo environment, machine facts, results.

A benchmark runs against a database of its own (default ``carportal_bench``),
created by ``bench/run`` with the three addons and no demo data, and filled by
``bench/generate.py``. Results are appended to ``bench/RESULTS.md`` under the
benchmark's heading, with the machine and the date, so that runs can be
compared (ratios, not absolute times, are what we compare).
"""

import argparse
import contextlib
import datetime
import os
import platform
import re
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "RESULTS.md"


def parser(description):
    """Argument parser with the options every benchmark takes."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--conf", required=True, help="Odoo configuration file")
    result.add_argument("--db", required=True, help="database of the benchmark")
    result.add_argument(
        "--no-write", action="store_true", help="do not update bench/RESULTS.md"
    )
    return result


_configured = []


def _configure(args):
    """Odoo's configuration, read once: Odoo cannot parse it twice in a process."""
    from odoo.tools import config

    if not _configured:
        config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
        _configured.append(args.db)


@contextlib.contextmanager
def odoo_env(args, context=None):
    """An Odoo environment (superuser) on the benchmark database; commits at exit."""
    import odoo
    from odoo import SUPERUSER_ID, api

    _configure(args)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, dict(context or {}, lang="en_US"))


def machine():
    """One line describing where the figures come from."""
    memory = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        kib = int(meminfo.readline().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    python = platform.python_version()
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{now} — {os.cpu_count()} cores ({cpu}){memory}{load}, Python {python}"


def command_line(name=None, argv=None):
    """The ``bench/run`` command that reproduces this run, with the environment
    variables that choose the addons and the database."""
    name = name or Path(sys.argv[0]).stem
    argv = sys.argv[1:] if argv is None else argv
    # --conf and --db are added by bench/run; BENCH_DB says which database.
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--conf", "--db"):
            skip = True
        elif not arg.startswith(("--conf=", "--db=")):
            kept.append(arg)
    env = [
        f"{var}={shlex.quote(os.environ[var])}"
        for var in ("CAR_PORTAL_ADDONS", "BENCH_DB")
        if os.environ.get(var)
    ]
    return " ".join([*env, "bench/run", name, *map(shlex.quote, kept)])


def installed_addons(env):
    """The car-portal addons (and ``sale``) installed in the benchmark database."""
    modules = env["ir.module.module"].search(
        [
            ("state", "=", "installed"),
            "|",
            ("name", "=like", "car_portal%"),
            ("name", "=", "sale"),
        ],
        order="name",
    )
    return ", ".join(modules.mapped("name"))


def write_results(heading, body, args):
    """Replace the ``## heading`` section of bench/RESULTS.md with ``body``."""
    print(body)
    if not args.no_write:
        replace_section(heading, body)


def replace_section(heading, body):
    """Put ``body`` under ``## heading`` in bench/RESULTS.md, in place of that
    section (other sections kept), or at the end when it is new."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(
        rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL
    )
    if pattern.search(text):
        # A function, not a template: the body's backslashes stay as they are.
        text = pattern.sub(lambda _match: section + "\n", text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n")
    print(f"written to {RESULTS}")


def vacuum_analyze(args, tables):
    """``VACUUM ANALYZE`` of ``tables``, as autovacuum does after a bulk load.

    Needed where autovacuum is off (as on the machines these figures come
    from): without it the planner knows nothing of the generated rows and the
    dead row versions of their updates stay in the way.
    """
    import odoo

    _configure(args)
    with contextlib.closing(odoo.sql_db.db_connect(args.db).cursor()) as cr:
        cr._cnx.autocommit = True  # VACUUM cannot run in a transaction
        for table in tables:
            cr.execute(f'VACUUM ANALYZE "{table}"')


def timed(function, runs):
    """``(median seconds, last result)`` of ``runs`` calls after a warm-up."""
    import statistics
    import time

    function()  # warm-up
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def orderable_parts(env, name, code, count, base_price, digits=0):
    """``count`` parts dealers may order: "<name> <n>", code "<code>-<n>" (``n``
    zero-padded to ``digits``), priced from ``base_price`` up."""
    return env["product.product"].create(
        [
            {
                "name": f"{name} {n}",
                "default_code": f"{code}-{n:0{digits}d}",
                "list_price": base_price + n,
                "car_portal_orderable": True,
                "car_portal_kind": "part",
                "sale_ok": True,
            }
            for n in range(count)
        ]
    )


def credit_term(env, name, days=30):
    """A credit payment term named ``name``."""
    return env["car.portal.payment.term"].create(
        {"name": name, "kind": "credit", "days": days}
    )
