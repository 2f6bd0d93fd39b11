"""A throw-away Odoo database posting approved orders to the Sepidar simulator.

Shared by ``tests/test_sepidar_chaos.py`` (``import sepidar_harness``: pytest puts
this folder on ``sys.path``) and ``bench/sepidar_posting.py`` (``from tests import
sepidar_harness``, with the repository root on ``PYTHONPATH``, as ``bench/run``
sets it). The parent process (pytest, the benchmark) runs the simulator (the
top-level ``sepidar_simulator`` package, importable from the repository root) and
uses the helpers below; the Odoo work runs in child processes started from this
same file:

    python3 tests/sepidar_harness.py setup --conf C --db D --url U --orders N
    python3 tests/sepidar_harness.py cron --conf C --db D

``setup`` creates a backend (registers the device, pulls the reference data),
dealers, products and approved orders, committed. ``cron`` is Odoo's own cron
runner (``ir.cron._acquire_one_job`` / ``_process_job``, progress API included)
applied to the posting job until the outbox is empty; it can be killed at any
moment, like a production worker.

The Odoo configuration is ``$CAR_PORTAL_TEST_CONF`` (written by scripts/test),
else one built like scripts/test builds it.
"""

import argparse
import configparser
import cProfile
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SERIAL, USER, PASSWORD = "10017ff3", "shop", "shop123"
# Items of the simulator's default dataset without tracing factors.
ITEM_CODES = ["VH-0002", "VH-0003", "PT-0001", "PT-0002", "PT-0003", "PT-0004"]
CRON_XMLID = "car_portal_sepidar.ir_cron_sepidar_post"


# -- parent side -------------------------------------------------------------


def simulator_class():
    """The simulator's server class (the top-level ``sepidar_simulator`` package,
    no Odoo import). Imported here, not at the top: the child processes run this
    file without the repository root on ``sys.path``."""
    from sepidar_simulator import SimulatorServer

    return SimulatorServer


def odoo_conf(workdir):
    """Path of the Odoo configuration file to use (written in ``workdir`` if new)."""
    conf = os.environ.get("CAR_PORTAL_TEST_CONF")
    if conf:
        return conf
    where = "import odoo, os; print(os.path.dirname(odoo.__file__))"
    odoo_root = subprocess.run(
        [sys.executable, "-c", where],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    paths = [str(REPO / "addons")]
    for candidate in (Path(odoo_root) / "addons", Path(odoo_root).parent / "addons"):
        if candidate.is_dir():
            paths.append(str(candidate.resolve()))
    conf = Path(workdir) / "odoo.conf"
    lines = [
        "[options]",
        f"addons_path = {','.join(paths)}",
        f"db_host = {os.environ.get('PGHOST', '127.0.0.1')}",
        f"db_port = {os.environ.get('PGPORT', '5432')}",
        f"db_user = {os.environ.get('PGUSER', 'odoo')}",
        f"data_dir = {REPO / '.local' / 'data'}",
        "log_level = warn",
    ]
    if os.environ.get("PGPASSWORD"):
        lines.append(f"db_password = {os.environ['PGPASSWORD']}")
    conf.write_text("\n".join(lines) + "\n")
    return str(conf)


def _conf_options(conf):
    parser = configparser.ConfigParser()
    parser.read(conf)
    return dict(parser["options"]) if parser.has_section("options") else {}


@contextmanager
def pg_connection(conf, dbname):
    """A plain psycopg2 connection (autocommit) to ``dbname``."""
    import psycopg2

    options = _conf_options(conf)
    host = options.get("db_host") or os.environ.get("PGHOST") or None
    connection = psycopg2.connect(
        dbname=dbname,
        host=None if host in (None, "False") else host,
        port=options.get("db_port") or os.environ.get("PGPORT") or None,
        user=options.get("db_user") or os.environ.get("PGUSER") or None,
        password=options.get("db_password") or os.environ.get("PGPASSWORD") or None,
    )
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def query(conf, db, sql, params=None):
    with pg_connection(conf, db) as connection, connection.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def odoo_command(conf, *args):
    return [sys.executable, "-m", "odoo", "-c", conf, *args]


def create_db(conf, db, logfile, modules="car_portal_sepidar"):
    """Install ``modules`` (and what they need) without demo data."""
    command = odoo_command(
        conf,
        "-d",
        db,
        "-i",
        modules,
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=warn",
        f"--logfile={logfile}",
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(
            f"installing {modules} in {db} failed:\n{result.stderr[-3000:]}"
            f"\n{Path(logfile).read_text()[-3000:] if Path(logfile).exists() else ''}"
        )


def drop_db(conf, db):
    with pg_connection(conf, "postgres") as connection, connection.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    data_dir = _conf_options(conf).get("data_dir")
    if data_dir:
        shutil.rmtree(Path(data_dir) / "filestore" / db, ignore_errors=True)


def child_command(conf, db, command, logfile, *args):
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        command,
        "--conf",
        conf,
        "--db",
        db,
        "--logfile",
        str(logfile),
        *map(str, args),
    ]


def run_child(conf, db, command, logfile, *args, timeout=900):
    """Run a child command to its end; returns the JSON it prints last."""
    result = subprocess.run(
        child_command(conf, db, command, logfile, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(
            f"{command} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_child(conf, db, command, logfile, *args):
    return subprocess.Popen(
        child_command(conf, db, command, logfile, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outbox(conf, db):
    """``{guid: (state, sepidar document id, attempts)}`` of the database's outbox."""
    rows = query(
        conf,
        db,
        "SELECT guid, state, sepidar_document_id, attempts FROM sepidar_export",
    )
    return {guid: (state, doc, attempts) for guid, state, doc, attempts in rows}


def unique_db_name(prefix):
    return f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"


def machine_info():
    """What the figures were measured on."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024} MiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def temp_workdir(prefix):
    return Path(tempfile.mkdtemp(prefix=prefix))


# -- child side (runs inside Odoo) -------------------------------------------


@contextmanager
def odoo_env(args):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    config.parse_config(
        [
            "-c",
            args.conf,
            "-d",
            args.db,
            "--logfile",
            args.logfile,
            "--log-level",
            "warn",
        ]
    )
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"}), registry


def _approve(order, fast=False):
    """Approve ``order``; ``fast`` calls the final approval step directly.

    The full way submits the order, reviews it and passes the stages of the
    company's approval process (about 0.3 s an order on a small machine).
    The fast way sets the supplied quantities and calls ``_approve()``, the
    step every approval ends with and which runs ``_hook_approved`` (where
    the Sepidar posting is queued), in about 25 ms.
    """
    if fast:
        for line in order.line_ids:
            line.supplied_qty = line.requested_qty
        order._approve()
        return
    order.action_submit()
    order.expert_opinion = "<p>OK</p>"
    order.action_send_to_process()
    for _step in range(10):
        if order.state != "process":
            break
        if hasattr(order, "action_approve"):
            order.action_approve()
        else:
            order._approve()


def cmd_setup(args):
    from odoo import Command

    started = time.monotonic()
    with odoo_env(args) as (env, _registry):
        env = env(context=dict(env.context, tracking_disable=True))
        company = env.company
        backend = env["sepidar.backend"].create(
            {
                "name": "Sepidar simulator",
                "url": args.url,
                "serial": SERIAL,
                "username": USER,
                "password": PASSWORD,
                "batch_size": args.batch_size,
                "retry_delay": args.retry_delay,
                "retry_delay_max": args.retry_delay_max,
                "timeout_read": 10,
            }
        )
        backend.action_register_device()
        backend._pull_reference_data()
        env["sepidar.backend"]._cron_read_stock()  # the job the pull triggers
        backend.action_test_connection()  # keeps a token for the posting job
        term = env["car.portal.payment.term"].create({"name": "Cash", "kind": "cash"})
        sale_type = env["sepidar.sale.type"].search(
            [("backend_id", "=", backend.id), ("sepidar_id", "=", 1)]
        )
        backend.write(
            {
                "payment_term_mapping_ids": [
                    Command.create(
                        {"payment_term_id": term.id, "sale_type_id": sale_type.id}
                    )
                ]
            }
        )
        expert = env["res.users"].create(
            {
                "name": "Expert",
                "login": "harness_expert",
                "groups_id": [
                    Command.link(
                        env.ref("car_portal_orders.group_car_portal_expert").id
                    )
                ],
            }
        )
        company.car_portal_default_expert_id = expert
        dealers = env["res.partner"].create(
            [
                {
                    "name": f"Dealer {n}",
                    "is_company": True,
                    "car_portal_is_dealer": True,
                    "user_id": expert.id,
                    "ref": f"HD-{n:03d}",
                }
                for n in range(1, args.dealers + 1)
            ]
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Product {code}",
                    "default_code": code,
                    "list_price": 1000.0,
                    "car_portal_orderable": True,
                    "sale_ok": True,
                }
                for code in ITEM_CODES
            ]
        )
        env.cr.commit()
        rng = random.Random(args.seed)
        for n in range(args.orders):
            picked = rng.sample(list(products), rng.randint(1, 3))
            order = env["car.portal.order"].create(
                {
                    "partner_id": dealers[n % len(dealers)].id,
                    "payment_term_id": term.id,
                    "line_ids": [
                        Command.create(
                            {"product_id": p.id, "requested_qty": rng.randint(1, 5)}
                        )
                        for p in picked
                    ],
                }
            )
            _approve(order, fast=n >= args.full_approvals)
            if order.state != "approved":
                raise RuntimeError(f"order {order.name} is {order.state}")
            if n % 25 == 24:
                env.cr.commit()
        env.cr.commit()
        exports = env["sepidar.export"].search_count([("state", "=", "pending")])
    print(
        json.dumps(
            {
                "orders": args.orders,
                "pending": exports,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )


def cmd_cron(args):
    """Odoo's cron runner on the posting job, until the outbox is empty."""
    import psycopg2

    import odoo
    from odoo import SUPERUSER_ID, api

    with odoo_env(args) as (env, registry):
        cron_id = env.ref(CRON_XMLID).id
    IrCron = registry["ir.cron"]
    db = odoo.sql_db.db_connect(args.db)
    # --profile: cProfile of the job's runs (this thread only: the sender
    # thread's time is the network's), dumped for pstats.
    profile = cProfile.Profile() if args.profile else None
    queries = 0  # SQL queries of the job's runs (odoo.sql_db.sql_counter)
    started = time.monotonic()
    runs = 0
    while time.monotonic() - started < args.max_seconds:
        with db.cursor() as cron_cr:
            try:
                job = IrCron._acquire_one_job(cron_cr, cron_id)
            except psycopg2.extensions.TransactionRollbackError:
                cron_cr.rollback()
                job = None
            if job:
                counted = odoo.sql_db.sql_counter
                if profile:
                    profile.enable()
                IrCron._process_job(db, cron_cr, job)
                if profile:
                    profile.disable()
                queries += odoo.sql_db.sql_counter - counted
                runs += 1
        with registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), min(next_attempt_at) - (now() at time zone 'UTC') "
                "FROM sepidar_export WHERE state IN ('pending', 'running')"
            )
            remaining, due_in = cr.fetchone()
        if not remaining:
            break
        if not job:
            # Waiting for a back-off: the job is woken by its trigger when due.
            wait = due_in.total_seconds() if due_in is not None else 0.2
            time.sleep(min(max(wait, 0.05), 1.0))
    elapsed = time.monotonic() - started
    if profile:
        profile.dump_stats(args.profile)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        states = dict(env["sepidar.export"]._read_group([], ["state"], ["__count"]))
        logs = env["sepidar.sync.log"]._read_group(
            [], ["outcome"], ["__count", "http_calls:sum"]
        )
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 3),
                "cron_runs": runs,
                "queries": queries,
                "states": states,
                "attempts": {outcome: count for outcome, count, _calls in logs},
                "http_calls_logged": sum(calls for _o, _c, calls in logs),
            }
        )
    )


def cmd_readback(args):
    """One run of the read-back job (``sepidar.export._cron_read_back``)."""
    started = time.monotonic()
    with odoo_env(args) as (env, _registry):
        Export = env["sepidar.export"]
        to_read = Export.search_count(
            [("state", "=", "done"), ("readback_done", "=", False)]
        )
        changed = Export._cron_read_back(batch_size=args.batch_size)
        env.cr.commit()
        states = dict(Export._read_group([], ["invoice_state"], ["__count"]))
    print(
        json.dumps(
            {
                "seconds": round(time.monotonic() - started, 3),
                "read": min(to_read, args.batch_size),
                "changed": changed,
                "invoice_states": {str(k): v for k, v in states.items()},
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("setup", "cron", "readback"):
        sub = commands.add_parser(name)
        sub.add_argument("--conf", required=True)
        sub.add_argument("--db", required=True)
        sub.add_argument("--logfile", required=True)
    setup = commands.choices["setup"]
    setup.add_argument("--url", required=True)
    setup.add_argument("--orders", type=int, default=100)
    setup.add_argument("--dealers", type=int, default=6)
    setup.add_argument("--batch-size", type=int, default=100)
    setup.add_argument("--retry-delay", type=int, default=1)
    setup.add_argument("--retry-delay-max", type=int, default=4)
    setup.add_argument("--seed", type=int, default=42)
    setup.add_argument(
        "--full-approvals",
        type=int,
        default=0,
        help="how many orders (the first ones) take the full approval way",
    )
    commands.choices["cron"].add_argument("--max-seconds", type=float, default=600)
    commands.choices["cron"].add_argument("--profile", help="cProfile output file")
    commands.choices["readback"].add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    {"setup": cmd_setup, "cron": cmd_cron, "readback": cmd_readback}[args.command](args)


if __name__ == "__main__":
    main()
