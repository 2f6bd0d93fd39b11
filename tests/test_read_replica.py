"""Read-only routes on a PostgreSQL streaming replica (``db_replica_host``).

The test makes a real hot standby of the local PostgreSQL (``pg_basebackup -R``
into a temporary folder, started on a free port; the primary must accept
replication connections from 127.0.0.1: scripts/test's ``ensure_replication``
sees to it on a local cluster), runs Odoo in workers mode with
``--db_replica_host``/``--db_replica_port`` as README.md's "Production layout"
does, and a dealer walks the portal:

* the routes marked ``readonly=True`` (the order list, the yearly summary, the
  product search of the order form) run on a read-only cursor, on the replica:
  Odoo's request log says ``ro`` for them, never ``ro->rw`` (a write that had
  to go back to the primary), and the replica counts the transactions of
  Odoo's connections to it (``pg_stat_database``, ``pg_stat_activity``);
* the submission writes on the primary (``rw``), and the order page it leads
  to is read on the primary too: it shows the new order at once, replica lag
  or not;
* the replica does replay the order, and refuses writes.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import odoo_nodes
import psycopg2
import pytest
import sepidar_harness as harness

PRIMARY = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
}
# Settings a hot standby must have at least as high as its primary.
AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
READONLY_ROUTES = ("/my/car-orders", "/my/car-orders/summary")


def _superuser_query(sql, params=None, db="postgres", port=None, host=None):
    with psycopg2.connect(
        dbname=db,
        host=host or PRIMARY["host"],
        port=port or PRIMARY["port"],
        user="postgres",
    ) as connection:
        connection.autocommit = True
        with connection.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None


def _pg_bin():
    """The server programs of the primary's major version (Debian's layout),
    or ``CAR_PORTAL_PG_BIN``."""
    if os.environ.get("CAR_PORTAL_PG_BIN"):
        return Path(os.environ["CAR_PORTAL_PG_BIN"])
    version = int(_superuser_query("SHOW server_version_num")[0][0]) // 10000
    return Path(f"/usr/lib/postgresql/{version}/bin")


class Standby:
    """A hot standby of the primary in ``folder``, on ``port``.

    PostgreSQL refuses to run as root: as root, the standby runs as the
    ``postgres`` user, owner of its folder.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = odoo_nodes.free_port()
        self.bin = _pg_bin()
        self.as_user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command, timeout=600):
        result = subprocess.run(
            [*self.as_user, *map(str, command)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"{command[0]}: {result.stderr[-3000:]}"
        return result.stdout

    def start(self):
        self._run(self.bin / "pg_basebackup", "-h", PRIMARY["host"], "-p",
                  PRIMARY["port"], "-U", "postgres", "-D", self.data, "-R",
                  "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        settings = dict(
            _superuser_query(
                "SELECT name, setting FROM pg_settings WHERE name IN %s",
                (AT_LEAST_PRIMARY,),
            )
        )
        # Debian keeps the configuration out of the data folder: its own here.
        self._write(
            "pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        self._write("pg_ident.conf", "")
        self._write(
            "postgresql.conf",
            "".join(f"{name} = {value}\n" for name, value in settings.items())
            + f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\nhot_standby = on\n"
            "fsync = off\n",
        )
        log = self.folder / "standby.log"
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", log, "-w", "-t", "120",
                  "start")  # fmt: skip
        return self

    def _write(self, name, text):
        (self.data / name).write_text(text)
        if self.as_user:
            owner = pwd.getpwnam("postgres")
            os.chown(self.data / name, owner.pw_uid, owner.pw_gid)

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            self._run(
                self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"
            )

    def query(self, db, sql, params=None):
        with psycopg2.connect(
            dbname=db, host="127.0.0.1", port=self.port, user="postgres"
        ) as connection:
            connection.autocommit = True
            with connection.cursor() as cr:
                cr.execute(sql, params)
                return cr.fetchall() if cr.description else None

    def transactions(self, db):
        return self.query(
            "postgres",
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = %s",
            (db,),
        )[0][0]


@pytest.fixture
def replica_setup(tmp_path):
    conf = harness.odoo_conf(tmp_path)
    db = harness.unique_db_name("carportal_replica")
    simulator = harness.simulator_class()("127.0.0.1", 0, seed=19).start()
    folder = Path(tempfile.mkdtemp(prefix="carportal-standby-"))
    standby, node = Standby(folder), None
    try:
        harness.create_db(conf, db, tmp_path / "install.log", "car_portal_reports")
        harness.run_child(conf, db, "setup", tmp_path / "setup.log", "--url",
                          simulator.url, "--orders", 0)  # fmt: skip
        users = odoo_nodes.make_users(conf, db, tmp_path / "users.log", 1)
        standby.start()
        node = odoo_nodes.Node(
            conf,
            db,
            tmp_path / "odoo.log",
            cron=False,
            extra=["--db_replica_host=127.0.0.1", f"--db_replica_port={standby.port}"],
        )
        yield conf, db, standby, node, users
    finally:
        if node:
            node.stop()
        simulator.stop()
        standby.stop()
        shutil.rmtree(folder, ignore_errors=True)
        harness.drop_db(conf, db)


def _served(node, path_prefix, method=None):
    """Cursor modes of the requests to ``path_prefix`` (of ``method``, when
    given) in Odoo's request log: ``ro`` (replica), ``ro->rw`` (a write sent
    it back), ``rw`` (primary)."""
    return [
        line.rsplit(" ", 1)[-1]
        for served_method, path, _status, line in node.requests_served()
        if path.split("?")[0].rstrip("/") == path_prefix
        and method in (None, served_method)
    ]


def test_read_only_routes_run_on_the_replica_writes_and_fresh_pages_on_the_primary(
    replica_setup,
):
    conf, db, standby, node, users = replica_setup
    assert standby.query("postgres", "SELECT pg_is_in_recovery()") == [(True,)]
    node.start()
    dealer_login = users["dealers"][0]
    dealer = odoo_nodes.Client(node.url).portal_login(dealer_login, dealer_login)

    before = standby.transactions(db)
    for path in READONLY_ROUTES:
        assert dealer.get(path).status_code == 200, path
    products = dealer.session.post(
        f"{node.url}/my/car-orders/products",
        json={"jsonrpc": "2.0", "method": "call", "params": {"term": "Product"}},
        timeout=60,
    ).json()["result"]
    assert products, "the order form's product search found nothing"
    # The replica's statistics lag a little (flushed when a backend is idle).
    deadline = time.monotonic() + 30
    while standby.transactions(db) - before < len(READONLY_ROUTES) + 1:
        assert time.monotonic() < deadline, "the replica served no transaction"
        time.sleep(0.5)
    odoo_on_replica = standby.query(
        "postgres",
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
        "AND application_name LIKE 'odoo-%%'",
        (db,),
    )[0][0]
    assert odoo_on_replica >= 1, "Odoo holds no connection to the replica"

    # The submission writes on the primary; the page after it reads there too.
    template_id, product_id = users["products"][0]
    order_id = dealer.submit_order(users["term"], [(template_id, product_id, 3)], "r")
    page = dealer.get(f"/my/car-orders/{order_id}")
    assert page.status_code == 200
    name = harness.query(
        conf, db, "SELECT name FROM car_portal_order WHERE id = %s", (order_id,)
    )[0][0]
    assert name in page.text, "the order page after the submission lacks the order"

    for path in READONLY_ROUTES:
        assert set(_served(node, path)) == {"ro"}, (path, _served(node, path))
    assert set(_served(node, "/my/car-orders/products")) == {"ro"}
    # The order form is read on the replica (it writes nothing on GET); the
    # submission writes on the primary.
    assert set(_served(node, "/my/car-orders/new", "GET")) == {"ro"}
    assert set(_served(node, "/my/car-orders/new", "POST")) == {"rw"}
    assert set(_served(node, f"/my/car-orders/{order_id}")) == {"rw"}
    assert not node.log_lines("WARNING|ERROR|CRITICAL"), node.log_lines(
        "WARNING|ERROR|CRITICAL"
    )[:5]

    # The replica replays the order (streaming), and refuses to write.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if standby.query(
            db, "SELECT 1 FROM car_portal_order WHERE id = %s", (order_id,)
        ):
            break
        time.sleep(0.2)
    assert standby.query(db, "SELECT name FROM car_portal_order WHERE id = %s",
                         (order_id,)) == [(name,)]  # fmt: skip
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
        standby.query(db, "UPDATE car_portal_order SET dealer_note = 'x'")
