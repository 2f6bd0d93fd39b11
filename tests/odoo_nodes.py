"""Odoo server processes for the production-layout tests (two nodes, replica).

Shared by ``tests/test_two_nodes.py`` and ``tests/test_read_replica.py``
(``import odoo_nodes``: pytest puts this folder on ``sys.path``). A node is
Odoo's own server in workers (prefork) mode with a cron worker, started as
scripts/serve starts it with ``CAR_PORTAL_WORKERS`` (a launcher like
``scripts/odoo_launcher.py``, the gevent process idle), on a free loopback
port, in a process group of its own so that it can be stopped, or killed,
with its workers. The clients talk to it as browsers and the web client do:
the portal's forms, and JSON-RPC.

Users are made by a child process (Odoo code runs in children, as in
``sepidar_harness.py``):

    python3 tests/odoo_nodes.py users --conf C --db D --logfile L --dealers 4
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
# As scripts/odoo_launcher.py, but the gevent process (/websocket, which neither
# the portal nor JSON-RPC uses) idles: the cores go to the workers, and a
# Python whose gevent cannot start (see GEVENT_DEPENDENCIES in
# scripts/odoo_install.py) does not respawn it every second.
_NODE_LAUNCHER = """import signal
import sys

if sys.argv[1:2] == ["gevent"]:
    while True:
        signal.pause()

from odoo.cli.command import main

sys.exit(main())
"""
TIMEOUT = 120
CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
FORM_TOKEN_INPUT = re.compile(r'name="form_token"\s+value="([^"]+)"')
ORDER_URL = re.compile(r"/my/car-orders/(\d+)$")
# Odoo's request log line: method, path, status (werkzeug, at INFO).
REQUEST_LOG = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d+) ')


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One Odoo server: ``workers`` HTTP workers, a cron worker when ``cron``,
    the gevent process on its own port; the log at INFO in ``logfile``."""

    def __init__(self, conf, db, logfile, workers=1, cron=True, extra=(), env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logfile = Path(logfile)
        launcher = self.logfile.with_name("odoo-node-launcher.py")
        launcher.write_text(_NODE_LAUNCHER)
        self.command = [
            sys.executable,
            str(launcher),
            "-c",
            conf,
            "-d",
            db,
            f"--db-filter=^{re.escape(db)}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            f"--workers={workers}",
            f"--max-cron-threads={1 if cron else 0}",
            "--limit-time-real=300",
            "--no-database-list",
            f"--logfile={logfile}",
            "--log-level=info",
            *extra,
        ]
        self.env = env
        self.process = None

    def start(self, timeout=180):
        self.process = subprocess.Popen(
            self.command,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            env=self.env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited at start, see {self.logfile}")
            try:
                if requests.get(f"{self.url}/web/login", timeout=10).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Odoo did not answer on {self.url}, see {self.logfile}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def kill(self):
        """SIGKILL to the whole node (master, workers, cron, gevent): a crash."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self):
        if not self.process or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()
        try:  # workers left behind by a master that died first
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_lines(self, level_pattern="ERROR|CRITICAL"):
        text = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
        return [
            line
            for line in text.splitlines()
            if re.match(rf"^\S+ \S+ \d+ ({level_pattern}) ", line)
        ]

    def requests_served(self):
        """``[(method, path, status, line)]`` of Odoo's request log."""
        served = []
        for line in self.logfile.read_text(errors="replace").splitlines():
            match = REQUEST_LOG.search(line)
            if match:
                served.append((*match.groups(), line.rstrip()))
        return served


class Client:
    """A browser session on one node: the portal's forms and JSON-RPC."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def get(self, path, **kw):
        return self.session.get(self.url + path, timeout=TIMEOUT, **kw)

    def portal_login(self, login, password):
        page = self.get("/web/login")
        token = CSRF_INPUT.search(page.text)
        response = self.session.post(
            f"{self.url}/web/login",
            data={
                "login": login,
                "password": password,
                "csrf_token": token and token[1],
                "redirect": "/my",
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        location = response.headers.get("Location", "")
        if response.status_code != 303 or "/web/login" in location:
            raise RuntimeError(f"{login} could not log in: HTTP {response.status_code}")
        return self

    def submit_order(self, term_id, lines, note):
        """The dealer's *Submit Order*; returns the new order's id."""
        form = self.get("/my/car-orders/new")
        form.raise_for_status()
        data = {
            "csrf_token": CSRF_INPUT.search(form.text)[1],
            "form_token": FORM_TOKEN_INPUT.search(form.text)[1],
            "action": "submit",
            "payment_term_id": str(term_id),
            "dealer_note": note,
        }
        for row, (template_id, product_id, qty) in enumerate(lines):
            data[f"line_{row}_product_tmpl_id"] = str(template_id)
            data[f"line_{row}_product_id"] = str(product_id)
            data[f"line_{row}_qty"] = str(qty)
        response = self.session.post(
            f"{self.url}/my/car-orders/new",
            data=data,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        match = ORDER_URL.search(response.headers.get("Location", ""))
        if response.status_code != 303 or not match:
            raise RuntimeError(f"submit: HTTP {response.status_code}")
        return int(match[1])

    def rpc_login(self, db, login, password):
        result = self._json("/web/session/authenticate", db=db, login=login,
                            password=password)  # fmt: skip
        if not result.get("uid"):
            raise RuntimeError(f"{login} could not log in over JSON-RPC")
        return self

    def call(self, model, method, *args, **kwargs):
        return self._json(
            f"/web/dataset/call_kw/{model}/{method}",
            model=model,
            method=method,
            args=list(args),
            kwargs=kwargs,
        )

    def _json(self, path, **params):
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]


def make_users(conf, db, logfile, dealers=4):
    """Run the ``users`` child below; returns what it prints."""
    result = subprocess.run(
        [sys.executable, __file__, "users", "--conf", conf, "--db", db,
         "--logfile", str(logfile), "--dealers", str(dealers)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"users failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- child side (runs inside Odoo) ---------------------------------------------


def cmd_users(args):
    """Portal users for the first ``--dealers`` dealers (login = password), the
    harness expert's password, a manager; prints what the clients need."""
    import sepidar_harness  # this folder is sys.path[0] of the child

    from odoo import Command

    with sepidar_harness.odoo_env(args) as (env, _registry):
        env = env(
            context=dict(env.context, tracking_disable=True, no_reset_password=True)
        )
        dealers = env["res.partner"].search(
            [("car_portal_is_dealer", "=", True)], order="id", limit=args.dealers
        )
        portal = env.ref("base.group_portal")
        logins = []
        for n, dealer in enumerate(dealers):
            contact = env["res.partner"].create(
                {
                    "name": f"Buyer {n}",
                    "parent_id": dealer.id,
                    "lang": "en_US",
                    "email": f"buyer{n}@example.com",
                }
            )
            login = f"node_dealer_{n}"
            env["res.users"].create(
                {
                    "name": contact.name,
                    "login": login,
                    "password": login,
                    "partner_id": contact.id,
                    "groups_id": [Command.set([portal.id])],
                }
            )
            logins.append(login)
        expert = env["res.users"].search([("login", "=", "harness_expert")])
        expert.write({"password": "harness_expert", "email": "expert@example.com"})
        env.company.email = "orders@example.com"  # the sender of the notices
        manager = env["res.users"].create(
            {
                "name": "Node manager",
                "login": "node_manager",
                "password": "node_manager",
                "email": "manager@example.com",
                "groups_id": [
                    Command.link(
                        env.ref("car_portal_orders.group_car_portal_manager").id
                    )
                ],
            }
        )
        products = env["product.product"].search(
            [("car_portal_orderable", "=", True)], order="id"
        )
        term = env["car.portal.payment.term"].search([], limit=1)
        env.cr.commit()
        print(
            json.dumps(
                {
                    "dealers": logins,
                    "expert": expert.login,
                    "manager": manager.login,
                    "products": [[p.product_tmpl_id.id, p.id] for p in products],
                    "term": term.id,
                }
            )
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    users = commands.add_parser("users")
    users.add_argument("--conf", required=True)
    users.add_argument("--db", required=True)
    users.add_argument("--logfile", required=True)
    users.add_argument("--dealers", type=int, default=4)
    args = parser.parse_args(argv)
    {"users": cmd_users}[args.command](args)


if __name__ == "__main__":
    main()
