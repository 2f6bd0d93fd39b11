"""Dealer portal: SQL queries and latency of the list and order pages.

    CAR_PORTAL_ADDONS=car_portal_orders BENCH_DB=carportal_bench_portal \\
        bench/run portal_queries

(``bench/run portal_queries`` alone uses the shared benchmark database with the
three addons.) Not part of the tests.

Creates a dealer of its own with a portal user, then measures, as that user,
through Odoo's WSGI application in this process (session, routing, record
rules, QWeb rendering: the whole request, no network):

* the order list ``/my/car-orders`` (first page, then a product search) with
  10 orders, then with 10,000 orders for the same dealer;
* the order page ``/my/car-orders/<id>`` of an order with 2 lines, then 200.

Orders are batch-created through the ORM (``create`` with their lines, so
stored computes are filled), then given a status, dates and supplied
quantities in bulk through the order's own system write. Each page is
requested three times to warm the caches (templates, assets), then measured
five times: the SQL query count (``odoo.sql_db.sql_counter``, every query of
the request, session checks included) and the median latency. The query count
must not grow with the number of orders or lines. Results go to
``bench/RESULTS.md`` under "Portal".
"""

import contextlib
import random
import statistics
import time
from datetime import datetime, timedelta

from common import machine, odoo_env, parser, write_results

WARMUP = 3
RUNS = 5
BATCH = 500
STATES = ("draft", "review", "process", "approved", "rejected", "cancel")


def _setup(env, tag):
    """A dealer, its portal user, products and a payment term."""
    from odoo import Command

    company = env.company
    dealer = env["res.partner"].create(
        {"name": f"Bench portal dealer {tag}", "is_company": True}
    )
    dealer.car_portal_is_dealer = True
    contact = env["res.partner"].create(
        {"name": f"Bench portal buyer {tag}", "parent_id": dealer.id}
    )
    login = f"bench_portal_{tag}"
    user = env["res.users"].create(
        {
            "name": f"Bench portal buyer {tag}",
            "login": login,
            "password": login,
            "partner_id": contact.id,
            "groups_id": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench part {tag} {n}",
                "default_code": f"BP-{tag}-{n:03d}",
                "list_price": 10.0 + n,
                "car_portal_orderable": True,
                "car_portal_kind": "part",
                "sale_ok": True,
            }
            for n in range(40)
        ]
    )
    term = env["car.portal.payment.term"].create(
        {"name": f"Bench credit {tag}", "kind": "credit", "days": 30}
    )
    return {
        "company": company,
        "dealer": dealer,
        "contact": contact,
        "user": user,
        "products": products,
        "term": term,
    }


def _create_orders(env, data, count, lines_per_order, rng):
    """``count`` orders of the dealer, in every state, through the ORM."""
    from odoo import Command

    Order = env["car.portal.order"].with_context(tracking_disable=True)
    products = data["products"]
    created = Order.browse()
    now = datetime.now()
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        vals_list = []
        for _n in range(size):
            lines = []
            for position in range(lines_per_order):
                requested = rng.randint(1, 40)
                lines.append(
                    Command.create(
                        {
                            "sequence": position,
                            "product_id": products[rng.randrange(len(products))].id,
                            "requested_qty": requested,
                            "supplied_qty": rng.randint(0, requested),
                        }
                    )
                )
            vals_list.append(
                {
                    "partner_id": data["dealer"].id,
                    "ordered_by_id": data["contact"].id,
                    "company_id": data["company"].id,
                    "payment_term_id": data["term"].id,
                    "dealer_note": f"Bench note {rng.randrange(10**6)}",
                    "line_ids": lines,
                }
            )
        batch = Order.create(vals_list)
        by_state = {}
        for order in batch:
            by_state.setdefault(rng.choice(STATES), []).append(order.id)
        for state, ids in by_state.items():
            if state == "draft":
                continue
            submitted = now - timedelta(days=rng.randint(1, 700))
            vals = {"state": state, "date_submitted": submitted}
            if state not in ("review", "cancel"):
                vals["date_reviewed"] = submitted + timedelta(hours=5)
            Order.browse(ids)._write_system(vals)
        created |= batch
        env.cr.commit()
    return created


def _reviewed_order(env, data, lines, rng):
    order = _create_orders(env, data, 1, lines, rng)
    order._write_system(
        {
            "state": "process",
            "date_submitted": datetime.now(),
            "date_reviewed": datetime.now(),
            "expert_opinion": "<p>Supply what the stock allows.</p>",
        }
    )
    env.cr.commit()
    return order


@contextlib.contextmanager
def _cursor_env(db):
    import odoo
    from odoo import SUPERUSER_ID, api

    with odoo.modules.registry.Registry(db).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})


class PortalClient:
    """Requests to Odoo's WSGI application as one user, counting SQL queries."""

    def __init__(self, db, login):
        import werkzeug.test

        import odoo
        from odoo import api, http
        from odoo.service import security

        odoo.service.server.load_server_wide_modules()
        registry = odoo.modules.registry.Registry(db)
        session = http.root.session_store.new()
        session.update(http.get_default_session(), db=db)
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            user = env["res.users"].search([("login", "=", login)])
            env = api.Environment(cr, user.id, {})
            session.uid = user.id
            session.login = login
            session.session_token = security.compute_session_token(session, env)
            session.context = dict(env["res.users"].context_get())
        http.root.session_store.save(session)
        self.cookie = f"session_id={session.sid}"
        self.client = werkzeug.test.Client(http.root, use_cookies=False)

    def get(self, url):
        from odoo import sql_db

        before = sql_db.sql_counter
        start = time.perf_counter()
        response = self.client.get(url, headers={"Cookie": self.cookie})
        elapsed = time.perf_counter() - start
        queries = sql_db.sql_counter - before
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return queries, elapsed, response.get_data(as_text=True)

    def measure(self, url, expect=None):
        for _n in range(WARMUP):
            _queries, _elapsed, body = self.get(url)
        if expect and expect not in body:
            raise RuntimeError(f"{url}: {expect!r} not in the page")
        runs = [self.get(url)[:2] for _n in range(RUNS)]
        counts = sorted({queries for queries, _elapsed in runs})
        return {
            "queries": counts[0] if len(counts) == 1 else f"{counts[0]}–{counts[-1]}",
            "ms": statistics.median(elapsed for _q, elapsed in runs) * 1000,
        }


def main():
    args = parser(__doc__.split("\n\n")[0]).parse_args()
    rng = random.Random(20261128)
    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    results = {}

    with odoo_env(args) as env:
        data = _setup(env, tag)
        env.cr.commit()
        _create_orders(env, data, 8, 2, rng)
        small = _reviewed_order(env, data, 2, rng)
        large = _reviewed_order(env, data, 200, rng)
        login = data["user"].login
        product_code = data["products"][0].default_code
        few = env["car.portal.order"].search_count(
            [("partner_id", "=", data["dealer"].id)]
        )

    client = PortalClient(args.db, login)
    list_url = "/my/car-orders"
    search_url = f"/my/car-orders?search={product_code}&search_in=product"
    # The order pages first: once the list was visited, the page's prev/next
    # pager reads its neighbours (one query each), whatever the lines.
    results["order", 2] = client.measure(small.access_url, expect="o_car_portal_line")
    results["order", 200] = client.measure(large.access_url, expect="o_car_portal_line")
    results["list", few] = client.measure(list_url, expect="o_car_portal_order_row")
    results["search", few] = client.measure(search_url)

    start = time.perf_counter()
    with _cursor_env(args.db) as env:  # the configuration is parsed already
        data = {
            key: value.with_env(env) if hasattr(value, "with_env") else value
            for key, value in data.items()
        }
        more = _create_orders(env, data, 10_000 - few, 2, rng)
        total = env["car.portal.order"].search_count(
            [("partner_id", "=", data["dealer"].id)]
        )
    created_in = time.perf_counter() - start
    results["list", total] = client.measure(list_url, expect="o_car_portal_order_row")
    results["search", total] = client.measure(search_url)

    rows = [
        ("List `/my/car-orders` (first page, up to 20 rows)", "list", few, "orders"),
        ("List `/my/car-orders` (first page, up to 20 rows)", "list", total, "orders"),
        ("List, product search", "search", few, "orders"),
        ("List, product search", "search", total, "orders"),
        ("Order page `/my/car-orders/<id>`", "order", 2, "lines"),
        ("Order page `/my/car-orders/<id>`", "order", 200, "lines"),
    ]
    table = [
        "| Page | Data | SQL queries | Median latency |",
        "| --- | --- | ---: | ---: |",
    ]
    for label, key, size, unit in rows:
        figures = results[key, size]
        table.append(
            f"| {label} | {size:,} {unit} | {figures['queries']} "
            f"| {figures['ms']:.0f} ms |"
        )
    command = (
        "`CAR_PORTAL_ADDONS=car_portal_orders BENCH_DB=carportal_bench_portal "
        "bench/run portal_queries`"
    )
    method = (
        "One dealer's portal user, whole requests through Odoo's WSGI "
        "application in process (session, routing, record rules, QWeb); "
        f"{WARMUP} warm-up requests, then the median of {RUNS}. SQL queries "
        "are every query of the request (session checks included); they "
        "must not grow with the number of orders or lines. The order pages are "
        "measured before the list is visited: afterwards their prev/next pager "
        "reads one or two neighbouring orders, whatever the lines."
    )
    timing = (
        f"Creating the last {len(more):,} orders with their lines (2 per "
        f"order, batches of {BATCH}, through the ORM) took {created_in:.0f} s."
    )
    body = "\n".join(
        [f"Command: {command}", "", f"Run: {machine()}.", "", method, ""]
        + table
        + ["", timing]
    )
    write_results("Portal", body, args)


if __name__ == "__main__":
    main()
