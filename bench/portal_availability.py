"""Dealer portal, availability at order entry: SQL queries of the order form
(availability band, stock age, quota left, over-quota marks), of the form's
product search and of the order page, at two data sizes.

    BENCH_DB=cp_bench_band bench/run portal_availability

Not part of the tests; a few minutes (most of it creating the orders).

Creates a dealer of its own with a portal user, parts with a stock level each
(the snapshot ``car.portal.stock.level``), the dealer's quotas of the current
Jalali month (one per model for half of the parts, one for their category),
then measures, as that user, through Odoo's WSGI application in this process
(session, routing, record rules, QWeb rendering: the whole request):

* the new-order form ``GET /my/car-orders/new``;
* a draft's form ``GET /my/car-orders/<id>/edit`` with 2 lines, then 200
  (every line with its availability and its over-quota mark);
* the form's product search (JSON, ``/my/car-orders/products``, 8 models with
  their variants' availability);
* the order page ``/my/car-orders/<id>`` of a submitted order with 2 lines,
  then 200 (the over-quota marks);

first with few orders, then again after thousands more orders of the dealer
(approved ones in the current period use the quotas; orders in the approval
process hold stock) and ten times more parts with their stock levels. Each
request is made three times to warm the caches, then measured five times: the
SQL query count (``odoo.sql_db.sql_counter``, every query of the request) and
the median latency. The query count must not grow with the data or the lines.
Results go to ``bench/RESULTS.md`` under "Portal: availability at order entry".
"""

import json
import random
import statistics
import time
from datetime import datetime

from common import (
    command_line,
    installed_addons,
    machine,
    odoo_env,
    orderable_parts,
    parser,
    write_results,
)
from portal_queries import RUNS, WARMUP, PortalClient, _analyze, _create_orders, _setup

NOTE = (
    "The 2-line pages cost two queries more than the 200-line ones (not looked "
    "into; neither count grows with the data). Latency still "
    "grows with the data (not the queries): the quota's *used* "
    "(`car.portal.quota._used_map`, one `read_group` over the dealer's approved "
    "lines of the period, here 8,000 lines in one month, far more than a dealer "
    "orders) and the promised stock (`_car_portal_promised`) are sums over lines;"
    " the form reads the quotas once for the availability and the over-quota "
    "marks."
)


class JsonPortalClient(PortalClient):
    """``PortalClient`` with JSON-RPC calls (the form's product search)."""

    def post_json(self, url, params):
        from odoo import sql_db

        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        before = sql_db.sql_counter
        start = time.perf_counter()
        response = self.client.post(
            url,
            data=json.dumps(payload),
            headers={"Cookie": self.cookie, "Content-Type": "application/json"},
        )
        elapsed = time.perf_counter() - start
        queries = sql_db.sql_counter - before
        body = response.get_json()
        if response.status_code != 200 or "error" in body:
            raise RuntimeError(f"{url}: {response.status_code} {body.get('error')}")
        return queries, elapsed, body["result"]

    def measure_json(self, url, params, check):
        for _n in range(WARMUP):
            _queries, _elapsed, result = self.post_json(url, params)
        check(result)
        runs = [self.post_json(url, params)[:2] for _n in range(RUNS)]
        counts = sorted({queries for queries, _elapsed in runs})
        return {
            "queries": counts[0] if len(counts) == 1 else f"{counts[0]}–{counts[-1]}",
            "ms": statistics.median(elapsed for _q, elapsed in runs) * 1000,
            "raw": runs,
        }


def _stock_and_quotas(env, data, products, rng):
    """A stock level per part and the dealer's quotas of this Jalali month:
    one per model for half of ``products``, one for their category."""
    import jdatetime

    env["car.portal.stock.level"]._store(
        data["company"], {product.id: rng.randint(0, 40) for product in products}
    )
    today = jdatetime.date.today()
    period = {
        "partner_id": data["dealer"].id,
        "period_kind": "month",
        "jalali_year": today.year,
        "period_number": today.month,
    }
    Quota = env["car.portal.quota"]
    Quota.create(
        [
            dict(period, product_tmpl_id=product.product_tmpl_id.id, quantity=30)
            for product in products[::2]
        ]
    )
    if not Quota.search_count(
        [
            ("partner_id", "=", data["dealer"].id),
            ("categ_id", "=", products[0].categ_id.id),
        ]
    ):
        Quota.create(dict(period, categ_id=products[0].categ_id.id, quantity=5000))
    env.cr.commit()


def _this_period(env, orders, share, rng):
    """A ``share`` of ``orders`` approved today (they use the quotas) and as
    many in the approval process (they hold stock)."""
    now = datetime.now()
    picked = orders.browse(rng.sample(orders.ids, int(len(orders) * share * 2))).sorted(
        "id"
    )
    half = len(picked) // 2
    for state, batch in (("approved", picked[:half]), ("process", picked[half:])):
        batch._write_system(
            {"state": state, "date_submitted": now, "date_reviewed": now}
        )
    env.cr.commit()


def _draft(env, data, products, lines, state="draft"):
    from odoo import Command

    order = (
        env["car.portal.order"]
        .with_context(tracking_disable=True)
        .create(
            {
                "partner_id": data["dealer"].id,
                "ordered_by_id": data["contact"].id,
                "payment_term_id": data["term"].id,
                "line_ids": [
                    Command.create(
                        {
                            "sequence": n,
                            "product_id": products[n % len(products)].id,
                            "requested_qty": 31 + n % 15,  # over the quota of 30
                        }
                    )
                    for n in range(lines)
                ],
            }
        )
    )
    if state != "draft":
        order._write_system({"state": state, "date_submitted": datetime.now()})
    env.cr.commit()
    return order


def _measure_all(client, pages, search_term, results, size):
    for label, url, expect in pages:
        results[label, size] = client.measure(url, expect=expect)

    def check(found):
        variants = [v for entry in found for v in entry["variants"]]
        if not variants or not all("band" in v["availability"] for v in variants):
            raise RuntimeError(f"no availability in the search: {found!r:.300}")

    results["Product search (JSON, 8 models)", size] = client.measure_json(
        "/my/car-orders/products", {"term": search_term}, check
    )


def main():
    arguments = parser(__doc__.split("\n\n")[0])
    arguments.add_argument(
        "--orders", type=int, default=20_000, help="orders of the large data"
    )
    args = arguments.parse_args()
    rng = random.Random(20261203)
    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    results = {}

    with odoo_env(args) as env:
        addons = installed_addons(env)
        data = _setup(env, f"av{tag}")
        products = data["products"]
        _stock_and_quotas(env, data, products, rng)
        orders = _create_orders(env, data, 10, 2, rng)
        _this_period(env, orders, 0.2, rng)
        drafts = {n: _draft(env, data, products, n) for n in (2, 200)}
        submitted = {n: _draft(env, data, products, n, "review") for n in (2, 200)}
        login = data["user"].login
        search_term = products[0].name.rsplit(" ", 1)[0]  # matches every part
        _analyze(env)

    def pages():
        return [
            ("New order form", "/my/car-orders/new", "o_car_portal_order_form"),
            *(
                (
                    f"Draft's form, {n} lines",
                    f"{drafts[n].access_url}/edit",
                    "o_car_portal_band",
                )
                for n in (2, 200)
            ),
            *(
                (
                    f"Order page, {n} lines",
                    submitted[n].access_url,
                    "o_car_portal_over_quota",
                )
                for n in (2, 200)
            ),
        ]

    client = JsonPortalClient(args.db, login)
    _measure_all(client, pages(), search_term, results, "small")

    start = time.perf_counter()
    with odoo_env(args) as env:
        data = {
            key: value.with_env(env) if hasattr(value, "with_env") else value
            for key, value in data.items()
        }
        more_products = orderable_parts(
            env, f"Bench extra part {tag}", f"BA-{tag}", 360, 10.0, digits=3
        )
        _stock_and_quotas(env, data, more_products, rng)
        more = _create_orders(env, data, args.orders, 2, rng)
        _this_period(env, more, 0.2, rng)
        dealer_orders = env["car.portal.order"].search_count(
            [("partner_id", "=", data["dealer"].id)]
        )
        levels = env["car.portal.stock.level"].search_count([])
        quotas = env["car.portal.quota"].search_count(
            [("partner_id", "=", data["dealer"].id)]
        )
        _analyze(env)
    created_in = time.perf_counter() - start
    _measure_all(client, pages(), search_term, results, "large")

    sizes = {
        "small": f"{len(orders) + 4} orders, 40 parts",
        "large": f"{dealer_orders:,} orders, {levels:,} stock levels, {quotas} quotas",
    }
    labels = [label for label, _url, _expect in pages()]
    labels.append("Product search (JSON, 8 models)")
    table = [
        (
            f"| Request | Queries ({sizes['small']}) | Queries ({sizes['large']}) "
            "| Latency (small) | Latency (large) |"
        ),
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    raw = []
    for label in labels:
        small, large = results[label, "small"], results[label, "large"]
        table.append(
            f"| {label} | {small['queries']} | {large['queries']} "
            f"| {small['ms']:.0f} ms | {large['ms']:.0f} ms |"
        )
        for size, figures in (("small", small), ("large", large)):
            runs = ", ".join(f"{q}/{e * 1000:.0f}" for q, e in figures["raw"])
            raw.append(f"{label}, {size}: {runs}")
    method = (
        "One dealer's portal user, whole requests through Odoo's WSGI "
        f"application in process; {WARMUP} warm-up requests, then the median "
        f"of {RUNS}. SQL queries are every query of the request (session "
        "checks included). Small: the dealer's 14 orders (a fifth of them "
        "approved today, as many in the approval process), 40 parts with a "
        "stock level, a quota per model for half of them and one for their "
        f"category. Large: {args.orders:,} more orders (the same shares), 360 "
        "more parts with their stock level and quotas. The draft's form and "
        "the order page show, per line, the availability band, the stock's "
        "age, the quota left and the over-quota mark; the search returns 8 "
        "models with their variants' availability."
    )
    body = "\n".join(
        [
            f"Command: `{command_line()}`",
            "",
            f"Run: {machine()}. Addons installed: {addons}.",
            "",
            method,
            "",
            *table,
            "",
            NOTE,
            "",
            f"Creating the large data took {created_in:.0f} s.",
            "",
            "Raw figures (queries/ms of each measured request):",
            "",
            "```",
            *raw,
            "```",
        ]
    )
    write_results("Portal: availability at order entry", body, args)


if __name__ == "__main__":
    main()
