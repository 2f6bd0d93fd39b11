"""Load: 20 dealers submitting 50 orders each through the portal, 2 workers.

    CAR_PORTAL_ADDONS=car_portal_orders BENCH_DB=carportal_bench_load \\
        bench/run load_portal [--workers 4] [--nodes 2] [--dealers 20 --orders 50]

``--nodes 2`` starts two Odoo servers (each with ``--workers``) on the same
database and filestore, as two machines behind a proxy would be; dealer *i*
talks to node *i mod nodes*. Results go under "Load" (1 node, 2 workers) or
"Load, <n> workers" / "Load, <n> nodes x <w> workers".

Not part of the tests; bounded: about five minutes, then it stops by itself.

1. Creates ``--dealers`` dealers (default 20), each with a portal user and an
   account expert (three experts in turn), and a few orderable parts.
2. Starts Odoo (its command line, as ``python3 -m odoo`` does) with
   ``--workers=2`` on a free loopback port against the benchmark database (no
   cron; its log in ``.local/bench-logs/``). Through a small launcher script
   rather than ``-m odoo`` itself: with workers, Odoo starts its long-polling
   (websocket) process from ``sys.argv[0]``, which ``-m`` leaves unusable. That
   process serves no portal page: the launcher keeps an idle one in its place,
   so that nothing but the two HTTP workers competes for the cores.
3. Each dealer, in a thread of its own with its own HTTP session, logs in
   (``/web/login`` with its CSRF token), then ``--orders`` times (default 50):
   fetches the order form ``/my/car-orders/new`` (CSRF token and one-time form
   token) and posts a 2-line order with *Submit Order*. All dealers start
   together.
4. Stops the server and checks the reliability invariants: every post was
   answered by a redirect to its order, as many orders exist for these dealers
   as were submitted (none lost, none doubled), each is in review and referred
   to an expert (expert set, review activity scheduled for them), no HTTP 500,
   no error in the server log. The script exits non-zero when one fails.

Figures: throughput (orders per second over the whole run), p50 / p95 / max
latency of the form and of the submission, errors. Results go to
``bench/RESULTS.md`` under "Load".
"""

import contextlib
import re
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import requests
from common import (
    REPO,
    command_line,
    credit_term,
    installed_addons,
    machine,
    odoo_env,
    orderable_parts,
    parser,
    write_results,
)

from tests.odoo_nodes import CSRF_INPUT, FORM_TOKEN_INPUT, ORDER_URL, Node

TIMEOUT = 120  # seconds, per HTTP request
WARMUP = 6  # forms opened before the run
# Odoo's request log: method, path, status, SQL queries, SQL time, other time.
_REQUEST_LOG = re.compile(
    r'"(GET|POST) /my/car-orders/new HTTP/[\d.]+" (\d+) - (\d+) ([\d.]+) ([\d.]+)'
)


def _setup(env, tag, count):
    from odoo import Command

    experts = env["res.users"].create(
        [
            {
                "name": f"Bench load expert {tag} {n}",
                "login": f"bench_load_expert_{tag}_{n}",
                "email": f"expert{n}.{tag}@example.com",
                "groups_id": [
                    Command.set(
                        [env.ref("car_portal_orders.group_car_portal_expert").id]
                    )
                ],
            }
            for n in range(3)
        ]
    )
    dealers, logins = env["res.partner"], []
    for n in range(count):
        dealer = env["res.partner"].create(
            {
                "name": f"Bench load dealer {tag} {n}",
                "is_company": True,
                "car_portal_is_dealer": True,
                "user_id": experts[n % len(experts)].id,
            }
        )
        contact = env["res.partner"].create(
            {
                "name": f"Bench load buyer {tag} {n}",
                "parent_id": dealer.id,
                "email": f"buyer{n}.{tag}@example.com",
                "lang": "en_US",
            }
        )
        login = f"bench_load_{tag}_{n}"
        env["res.users"].create(
            {
                "name": contact.name,
                "login": login,
                "password": login,
                "partner_id": contact.id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
        dealers |= dealer
        logins.append(login)
    products = orderable_parts(
        env, f"Bench load part {tag}", f"BL-{tag}", 4, 20.0, digits=0
    )
    term = credit_term(env, f"Bench load credit {tag}")
    return {
        "experts": experts.ids,
        "dealers": dealers.ids,
        "logins": logins,
        "lines": [(p.product_tmpl_id.id, p.id) for p in products],
        "term": term.id,
    }


@contextlib.contextmanager
def _cursor_env(db):
    import odoo
    from odoo import SUPERUSER_ID, api

    with odoo.modules.registry.Registry(db).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})


class Dealer(threading.Thread):
    """One dealer: logs in, then fetches the form and submits, ``orders`` times."""

    def __init__(self, url, login, data, orders, start_together):
        super().__init__(name=login, daemon=True)
        self.url, self.login, self.data = url, login, data
        self.orders, self.start_together = orders, start_together
        self.session = requests.Session()
        self.form_times, self.submit_times, self.order_times = [], [], []
        self.statuses, self.errors, self.order_ids = Counter(), [], []

    def _request(self, method, path, **kw):
        started = time.perf_counter()
        response = self.session.request(
            method, self.url + path, timeout=TIMEOUT, allow_redirects=False, **kw
        )
        elapsed = time.perf_counter() - started
        self.statuses[response.status_code] += 1
        return response, elapsed

    def _log_in(self):
        page, _elapsed = self._request("GET", "/web/login")
        token = CSRF_INPUT.search(page.text)
        response, _elapsed = self._request(
            "POST",
            "/web/login",
            data={
                "login": self.login,
                "password": self.login,
                "csrf_token": token and token[1],
                "redirect": "/my",
            },
        )
        if response.status_code != 303 or "/web/login" in response.headers.get(
            "Location", ""
        ):
            raise RuntimeError(f"login failed: HTTP {response.status_code}")

    def _order(self, number):
        form, form_time = self._request("GET", "/my/car-orders/new")
        if form.status_code != 200:
            self.errors.append(f"form: HTTP {form.status_code}")
            return
        csrf, form_token = (
            CSRF_INPUT.search(form.text),
            FORM_TOKEN_INPUT.search(form.text),
        )
        if not (csrf and form_token):
            self.errors.append("form: no CSRF or form token")
            return
        lines = self.data["lines"]
        data = {
            "csrf_token": csrf[1],
            "form_token": form_token[1],
            "action": "submit",
            "payment_term_id": str(self.data["term"]),
            "dealer_note": f"Load test order {number} of {self.login}",
        }
        for row, (template_id, product_id) in enumerate(
            [lines[number % len(lines)], lines[(number + 1) % len(lines)]]
        ):
            data[f"line_{row}_product_tmpl_id"] = str(template_id)
            data[f"line_{row}_product_id"] = str(product_id)
            data[f"line_{row}_qty"] = str(1 + number % 7)
        response, submit_time = self._request("POST", "/my/car-orders/new", data=data)
        match = ORDER_URL.search(response.headers.get("Location", ""))
        if response.status_code != 303 or not match:
            self.errors.append(f"submit: HTTP {response.status_code}")
            return
        self.order_ids.append(int(match[1]))
        self.form_times.append(form_time)
        self.submit_times.append(submit_time)
        self.order_times.append(form_time + submit_time)

    def run(self):
        try:
            self._log_in()
        except (RuntimeError, requests.RequestException) as error:
            self.errors.append(f"login: {error}")
        try:
            self.start_together.wait(timeout=600)
        except threading.BrokenBarrierError:
            self.errors.append("start: the other dealers did not start")
            return
        if self.errors:
            return
        for number in range(self.orders):
            try:
                self._order(number)
            except requests.RequestException as error:
                self.errors.append(f"{type(error).__name__}: {error}")


def _percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _warm_up(url, data):
    """One dealer opens the form a few times (templates, assets, registries of
    both workers); nothing is submitted."""
    dealer = Dealer(url, data["logins"][0], data, 0, threading.Barrier(1))
    dealer._log_in()
    for _n in range(WARMUP):
        dealer._request("GET", "/my/car-orders/new")
        dealer._request("GET", "/my/car-orders")


def _check(env, data, dealers, expected):
    """The reliability invariants; a list of failures (empty when all hold)."""
    failures = []
    posted = [order_id for dealer in dealers for order_id in dealer.order_ids]
    statuses = sum((dealer.statuses for dealer in dealers), Counter())
    errors = [error for dealer in dealers for error in dealer.errors]
    if errors:
        failures.append(f"{len(errors)} failed requests: {Counter(errors)}")
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    if server_errors:
        failures.append(f"{server_errors} HTTP 5xx answers")
    if len(posted) != expected:
        failures.append(f"{len(posted)} orders submitted, {expected} expected")
    if len(set(posted)) != len(posted):
        failures.append("two submissions were answered with the same order")
    orders = env["car.portal.order"].search([("partner_id", "in", data["dealers"])])
    if set(orders.ids) != set(posted):
        failures.append(
            f"{len(orders)} orders in the database for {len(posted)} submitted: "
            f"{len(set(posted) - set(orders.ids))} lost, "
            f"{len(set(orders.ids) - set(posted))} unexpected"
        )
    review_type = env.ref("car_portal_orders.mail_activity_order_review")
    activities = env["mail.activity"].search(
        [
            ("res_model", "=", "car.portal.order"),
            ("res_id", "in", orders.ids),
            ("activity_type_id", "=", review_type.id),
        ]
    )
    reviewed_by = {(a.res_id, a.user_id.id) for a in activities}
    not_referred = orders.filtered(
        lambda o: (
            o.state != "review"
            or o.user_id.id not in data["experts"]
            or (o.id, o.user_id.id) not in reviewed_by
            or len(o.line_ids) != 2
        )
    )
    if not_referred:
        failures.append(
            f"{len(not_referred)} orders not in review with their expert's activity"
        )
    return failures, statuses


def main():
    args = _arguments()
    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    logdir = REPO / ".local" / "bench-logs"
    logdir.mkdir(parents=True, exist_ok=True)
    logfile = logdir / f"load_portal_{tag}.log"
    with odoo_env(args) as env:
        addons = installed_addons(env)
        data = _setup(env, tag, args.dealers)
        env.cr.commit()

    dealers = []
    logfiles = [
        logfile if n == 0 else logfile.with_name(f"{logfile.stem}_node{n + 1}.log")
        for n in range(args.nodes)
    ]
    with contextlib.ExitStack() as stack:
        urls = []
        for node_log in logfiles:
            server = stack.enter_context(
                Node(args.conf, args.db, node_log, workers=args.workers, cron=False)
            )
            print(f"Odoo serving {args.db} on {server.url}, log {node_log}", flush=True)
            _warm_up(server.url, data)
            urls.append(server.url)
        start_together = threading.Barrier(args.dealers + 1)
        dealers = [
            Dealer(urls[n % len(urls)], login, data, args.orders, start_together)
            for n, login in enumerate(data["logins"])
        ]
        for dealer in dealers:
            dealer.start()
        start_together.wait(timeout=600)
        started = time.perf_counter()
        for dealer in dealers:
            dealer.join(args.orders * TIMEOUT)
        elapsed = time.perf_counter() - started
        if any(dealer.is_alive() for dealer in dealers):
            raise SystemExit("dealers still running after the time limit")
    log_text = "\n".join(Path(f).read_text(errors="replace") for f in logfiles)
    log_errors = [
        line
        for line in log_text.splitlines()
        if re.match(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", line)
    ]
    served = {"GET": [], "POST": []}
    for node_log in logfiles:
        text = Path(node_log).read_text(errors="replace")
        gets = []
        for match in _REQUEST_LOG.finditer(text):
            method, _status, queries, sql_time, other_time = match.groups()
            figure = (int(queries), float(sql_time) + float(other_time))
            (gets if method == "GET" else served["POST"]).append(figure)
        served["GET"] += gets[WARMUP:]
    retries = sum(
        "SerializationFailure" in line or "retrying" in line.lower()
        for line in log_text.splitlines()
    )

    with _cursor_env(args.db) as env:  # the configuration is parsed already
        failures, statuses = _check(env, data, dealers, args.dealers * args.orders)
    if log_errors:
        failures.append(f"{len(log_errors)} errors in the server log {logfile}")

    submitted = sum(len(dealer.order_ids) for dealer in dealers)
    requests_done = sum(statuses.values())

    def row(label, values):
        ms = [v * 1000 for v in values]
        return (
            f"| {label} | {len(ms):,} | {_percentile(ms, 0.5):.0f} ms "
            f"| {_percentile(ms, 0.95):.0f} ms | {max(ms, default=0):.0f} ms "
            f"| {statistics.mean(ms) if ms else 0:.0f} ms |"
        )

    table = [
        "| Request | Count | p50 | p95 | max | mean |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row(
            "GET `/my/car-orders/new` (the form)",
            [t for d in dealers for t in d.form_times],
        ),
        row(
            "POST `/my/car-orders/new`, *Submit Order* (2 lines)",
            [t for d in dealers for t in d.submit_times],
        ),
        row(
            "Whole order (form + submit)",
            [t for d in dealers for t in d.order_times],
        ),
    ]
    server = [
        (
            "| Request, in the server | Count | SQL queries (median) | Time in Odoo "
            "(median, p95) |"
        ),
        "| --- | ---: | ---: | ---: |",
    ]
    for method, label in (("GET", "the form"), ("POST", "*Submit Order*")):
        figures = served[method]
        queries = statistics.median(q for q, _t in figures) if figures else 0
        times = [t * 1000 for _q, t in figures]
        server.append(
            f"| {label} | {len(figures):,} | {queries:.0f} "
            f"| {_percentile(times, 0.5):.0f} ms, {_percentile(times, 0.95):.0f} ms |"
        )
    verdict = "**all hold**" if not failures else "**FAILED**: " + "; ".join(failures)
    body = "\n".join(
        [
            f"Command: `{command_line()}`",
            "",
            f"Run: {machine()}. Addons installed: {addons}.",
            "",
            (
                f"Odoo (`odoo --workers={args.workers}`) on a loopback port, no "
                f"cron{_nodes_text(args.nodes)}; {args.dealers} dealers, each in "
                "its own thread and HTTP session, logged in, then "
                f"{args.orders} times: fetch the form (CSRF and form tokens), "
                "post a 2-line order with *Submit "
                "Order* (validation, draft, submission, referral to the expert). "
                "Latency is measured by the client and includes the wait for a free "
                "worker."
            ),
            "",
            *table,
            "",
            (
                "Odoo's own request log (SQL and Python time of each request, without "
                "the wait for a worker):"
            ),
            "",
            *server,
            "",
            (
                f"Throughput: **{submitted / elapsed:.1f} orders/s** ({submitted:,} "
                f"orders in {elapsed:.0f} s, "
                f"{requests_done / elapsed:.1f} requests/s). "
                f"HTTP statuses: {dict(sorted(statuses.items()))}. Serialization "
                f"retries in the server log: {retries}."
            ),
            "",
            (
                f"Reliability invariants ({args.dealers * args.orders:,} orders "
                "submitted, each answered by its order, as many in the database, each "
                "in review and referred to an expert with a review activity, no HTTP "
                f"500, no error in the server log): {verdict}."
            ),
        ]
    )
    write_results(_heading(args), body, args)
    if failures:
        sys.exit(1)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--dealers", type=int, default=20)
    result.add_argument("--orders", type=int, default=50, help="orders per dealer")
    result.add_argument("--workers", type=int, default=2)
    result.add_argument(
        "--nodes", type=int, default=1, help="Odoo servers on the same database"
    )
    return result.parse_args()


def _nodes_text(nodes):
    if nodes == 1:
        return ""
    return (
        f", on {nodes} nodes (Odoo servers on the same database and filestore, "
        f"dealer i on node i mod {nodes})"
    )


def _heading(args):
    if args.nodes > 1:
        return f"Load, {args.nodes} nodes x {args.workers} workers"
    return "Load" if args.workers == 2 else f"Load, {args.workers} workers"


if __name__ == "__main__":
    main()
