"""Dealer portal: SQL queries and latency of the list and order pages, side by
side with Odoo's own sale portal (``/my/orders``) on equal data.

    CAR_PORTAL_ADDONS=car_portal_orders,sale BENCH_DB=carportal_bench_sale \\
        bench/run portal_queries

Not part of the tests; about ten minutes (most of it creating 20,000 orders).
Without ``sale`` in the benchmark database
(``CAR_PORTAL_ADDONS=car_portal_orders``) only the car-portal pages are
measured.

Creates a dealer of its own with a portal user, then measures, as that user,
through Odoo's WSGI application in this process (session, routing, record
rules, QWeb rendering: the whole request, no network):

* the order list ``/my/car-orders`` (first page, then a product search) with
  10 orders, then with 10,000 orders for the same dealer;
* the order page ``/my/car-orders/<id>`` of an order with 2 lines, then 200.

With ``sale`` installed, the same dealer gets the same number of confirmed
sale orders with the same products and lines (2 per order; one order of 2
lines and one of 200), followed by the dealer as Odoo's sale portal requires,
and ``/my/orders`` and ``/my/orders/<id>`` are measured the same way, in the
same run, at 10 and then 10,000 orders. The ratio car-portal / sale is printed
for each page (1.00 = as costly as Odoo's own portal).

Orders are batch-created through the ORM (``create`` with their lines, so
stored computes are filled), then given a status, dates and supplied
quantities in bulk through the order's own system write (sale orders: their
state written to ``sale``, without the confirmation's side effects). Each page
is requested three times to warm the caches (templates, assets), then
measured five times: the SQL query count (``odoo.sql_db.sql_counter``, every
query of the request, session checks included) and the median latency. The
query count must not grow with the number of orders or lines. Planner
statistics are refreshed (``ANALYZE``) after each bulk load, as autovacuum
would do in service: without them, right after 10,000 orders are created, the
product search takes seconds instead of milliseconds (a nested loop that scans
the lines' company index once per order). Results go to
``bench/RESULTS.md`` under "Portal".
"""

import contextlib
import random
import statistics
import time
from datetime import datetime, timedelta

from common import (
    command_line,
    credit_term,
    installed_addons,
    machine,
    odoo_env,
    orderable_parts,
    parser,
    write_results,
)

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
    products = orderable_parts(
        env, f"Bench part {tag}", f"BP-{tag}", 40, 10.0, digits=3
    )
    term = credit_term(env, f"Bench credit {tag}")
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


def _create_sale_orders(env, data, count, lines_per_order, rng):
    """``count`` confirmed sale orders of the dealer, like ``_create_orders``."""
    from odoo import Command

    SaleOrder = env["sale.order"].with_context(
        tracking_disable=True, mail_create_nosubscribe=True, mail_create_nolog=True
    )
    products = data["products"]
    created = SaleOrder.browse()
    now = datetime.now()
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        vals_list = [
            {
                "partner_id": data["dealer"].id,
                "company_id": data["company"].id,
                "note": f"Bench note {rng.randrange(10**6)}",
                "order_line": [
                    Command.create(
                        {
                            "sequence": position,
                            "product_id": products[rng.randrange(len(products))].id,
                            "product_uom_qty": rng.randint(1, 40),
                        }
                    )
                    for position in range(lines_per_order)
                ],
            }
            for _n in range(size)
        ]
        batch = SaleOrder.create(vals_list)
        # Confirmed orders are what /my/orders lists; the dealer follows them,
        # as action_confirm would make it (sale's portal rule needs it).
        batch.write(
            {"state": "sale", "date_order": now - timedelta(days=rng.randint(1, 700))}
        )
        batch.message_subscribe(partner_ids=data["dealer"].ids)
        created |= batch
        env.cr.commit()
    return created


def _analyze(env):
    """Fresh planner statistics for the tables just filled, as autovacuum
    would compute them after such a bulk load (it may be off, or late): the
    plans measured are those of a database in service."""
    tables = [
        "car_portal_order",
        "car_portal_order_line",
        "mail_followers",
        "product_product",
        "product_template",
    ]
    if "sale.order" in env:
        tables += ["sale_order", "sale_order_line"]
    env.cr.execute(f"ANALYZE {', '.join(tables)}")
    env.cr.commit()


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
            "median_queries": statistics.median(queries for queries, _e in runs),
            "ms": statistics.median(elapsed for _q, elapsed in runs) * 1000,
            "raw": runs,
        }


def main():
    arguments = parser(__doc__.split("\n\n")[0])
    arguments.add_argument(
        "--orders", type=int, default=10_000, help="orders of the large list"
    )
    args = arguments.parse_args()
    rng = random.Random(20261128)
    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    results = {}

    with odoo_env(args) as env:
        addons = installed_addons(env)
        with_sale = "sale.order" in env
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
        if with_sale:
            # The same data for Odoo's sale portal: as many orders, same lines.
            _create_sale_orders(env, data, few - 2, 2, rng)
            sale_pages = {
                lines: (order.access_url, order.name)
                for lines in (2, 200)
                for order in _create_sale_orders(env, data, 1, lines, rng)
            }
        _analyze(env)

    client = PortalClient(args.db, login)
    list_url = "/my/car-orders"
    search_url = f"/my/car-orders?search={product_code}&search_in=product"
    # The order pages first: once the list was visited, the page's prev/next
    # pager reads its neighbours (one query each), whatever the lines.
    results["order", 2] = client.measure(small.access_url, expect="o_car_portal_line")
    results["order", 200] = client.measure(large.access_url, expect="o_car_portal_line")
    if with_sale:
        for lines, (url, name) in sale_pages.items():
            results["sale_order", lines] = client.measure(url, expect=name)
    results["list", few] = client.measure(list_url, expect="o_car_portal_order_row")
    results["search", few] = client.measure(search_url)
    if with_sale:
        results["sale_list", few] = client.measure("/my/orders", expect="/my/orders/")

    start = time.perf_counter()
    with _cursor_env(args.db) as env:  # the configuration is parsed already
        data = {
            key: value.with_env(env) if hasattr(value, "with_env") else value
            for key, value in data.items()
        }
        more = _create_orders(env, data, args.orders - few, 2, rng)
        total = env["car.portal.order"].search_count(
            [("partner_id", "=", data["dealer"].id)]
        )
        created_in = time.perf_counter() - start
        if with_sale:
            start = time.perf_counter()
            _create_sale_orders(env, data, args.orders - few, 2, rng)
            sale_created_in = time.perf_counter() - start
            sale_total = env["sale.order"].search_count(
                [("partner_id", "=", data["dealer"].id), ("state", "=", "sale")]
            )
            if sale_total != total:
                raise SystemExit(f"{sale_total} sale orders for {total} car orders")
        _analyze(env)
    results["list", total] = client.measure(list_url, expect="o_car_portal_order_row")
    results["search", total] = client.measure(search_url)
    if with_sale:
        results["sale_list", total] = client.measure("/my/orders", expect="/my/orders/")

    rows = [
        ("List (first page)", "list", "sale_list", few, "orders"),
        ("List (first page)", "list", "sale_list", total, "orders"),
        ("List, product search", "search", None, few, "orders"),
        ("List, product search", "search", None, total, "orders"),
        ("Order page", "order", "sale_order", 2, "lines"),
        ("Order page", "order", "sale_order", 200, "lines"),
    ]
    table = [
        (
            "| Page | Data | car-portal queries | sale queries | ratio "
            "| car-portal latency | sale latency | ratio |"
        ),
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    raw = []
    for label, key, sale_key, size, unit in rows:
        car = results[key, size]
        sale = results.get((sale_key, size)) if sale_key else None
        cells = [label, f"{size:,} {unit}", str(car["queries"])]
        if sale:
            cells += [
                str(sale["queries"]),
                f"{car['median_queries'] / sale['median_queries']:.2f}",
            ]
        else:
            cells += ["—", "—"]
        cells.append(f"{car['ms']:.0f} ms")
        if sale:
            cells += [f"{sale['ms']:.0f} ms", f"{car['ms'] / sale['ms']:.2f}"]
        else:
            cells += ["—", "—"]
        table.append("| " + " | ".join(cells) + " |")
        for side, figures in (("car-portal", car), ("sale", sale)):
            if figures:
                runs = ", ".join(f"{q}/{e * 1000:.0f}" for q, e in figures["raw"])
                raw.append(f"{label}, {size:,} {unit}, {side}: {runs}")
    method = (
        "One dealer's portal user, whole requests through Odoo's WSGI "
        "application in process (session, routing, record rules, QWeb); "
        f"{WARMUP} warm-up requests, then the median of {RUNS}. SQL queries "
        "are every query of the request (session checks included); they "
        "must not grow with the number of orders or lines. car-portal: "
        "`/my/car-orders` and `/my/car-orders/<id>`; sale: Odoo's "
        "`/my/orders` and `/my/orders/<id>` on as many confirmed sale orders "
        "of the same dealer with the same lines (ratio = car-portal / sale). "
        "The order pages are measured before the lists are visited: "
        "afterwards their prev/next pager reads one or two neighbouring "
        "orders, whatever the lines. Planner statistics are refreshed "
        "(`ANALYZE`) after each bulk load, as autovacuum would."
    )
    if not with_sale:
        method += (
            " `sale` is not installed in this database: no comparison "
            "(create one with `CAR_PORTAL_ADDONS=car_portal_orders,sale`)."
        )
    timing = (
        f"Creating the last {len(more):,} car orders with their lines (2 per "
        f"order, batches of {BATCH}, through the ORM) took {created_in:.0f} s"
    )
    if with_sale:
        timing += f"; as many sale orders: {sale_created_in:.0f} s"
    body = "\n".join(
        [
            f"Command: `{command_line()}`",
            "",
            f"Run: {machine()}. Addons installed: {addons}.",
            "",
            method,
            "",
        ]
        + table
        + [
            "",
            timing + ".",
            "",
            "Raw figures (queries/ms of each measured request):",
            "",
            "```",
            *raw,
            "```",
        ]
    )
    write_results("Portal", body, args)


if __name__ == "__main__":
    main()
