"""Suggested supplied quantities for every open line, against a plain SQL floor.

    bench/run allocation                 # 5,000 open lines, 60 dealers, 40 products

Fills the benchmark database (once, marked by the dealers' reference prefix)
with 60 dealers, 40 rationed parts with a stock level each (less than asked),
a monthly quota per dealer and part category, and 5,000 lines under review
(2,500 orders of 2 lines, states set in SQL: the review itself is not what is
measured). Then measures, after a warm-up, the median of ``--runs`` runs of:

- the suggestions: ``car.portal.order.line`` ``suggested_qty`` (with ATP and
  remaining quota) read for all open lines, cache cleared first, as the
  review form or a board reads them; its SQL query count is also taken on
  the first 500 lines, and must be the same;
- the floor: a plain SQL aggregate of the same lines (requested per product
  and dealer), the least any suggestion must read.
"""

from common import (
    machine,
    odoo_env,
    orderable_parts,
    parser,
    timed,
    vacuum_analyze,
    write_results,
)

DEALERS, PRODUCTS, ORDERS, LINES_PER_ORDER = 60, 40, 2500, 2
MARK = "BENCH-ALLOC-"
FLOOR_SQL = """
    SELECT product_id, partner_id, sum(requested_qty)
      FROM car_portal_order_line
     WHERE state = 'review'
  GROUP BY product_id, partner_id
"""


def _fill(env):
    """The data, created once."""
    Partner = env["res.partner"]
    if Partner.search_count([("ref", "=like", MARK + "%")]):
        return
    import jdatetime

    dealers = Partner.create(
        [
            {
                "name": f"Allocation dealer {n}",
                "ref": f"{MARK}{n:02d}",
                "is_company": True,
                "car_portal_is_dealer": True,
            }
            for n in range(DEALERS)
        ]
    )
    category = env["product.category"].create({"name": "Rationed parts"})
    products = orderable_parts(env, "Rationed part", "RP", PRODUCTS, 1e6, digits=2)
    products.categ_id = category
    company = env.company
    orders = env["car.portal.order"].create(
        [
            {
                "partner_id": dealers[n % DEALERS].id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": products[(n + k) % PRODUCTS].id,
                            "requested_qty": 1 + (n * 7 + k) % 9,
                        },
                    )
                    for k in range(LINES_PER_ORDER)
                ],
            }
            for n in range(ORDERS)
        ]
    )
    env.flush_all()
    env.cr.execute(
        """UPDATE car_portal_order SET state = 'review',
                  date_submitted = now() - (id %% 1000) * interval '1 minute'
            WHERE id IN %s""",
        [tuple(orders.ids)],
    )
    env.cr.execute(
        """UPDATE car_portal_order_line SET state = 'review',
                  supplied_qty = requested_qty WHERE order_id IN %s""",
        [tuple(orders.ids)],
    )
    env["car.portal.stock.level"]._store(
        company, {product.id: 60 + 3 * n for n, product in enumerate(products)}
    )
    month = jdatetime.date.today()
    env["car.portal.quota"].create(
        [
            {
                "partner_id": dealer.id,
                "categ_id": category.id,
                "period_kind": "month",
                "jalali_year": month.year,
                "period_number": month.month,
                "quantity": 20 + (n % 5) * 10,
            }
            for n, dealer in enumerate(dealers)
        ]
    )
    env.invalidate_all()


def _open_lines(env, limit=None):
    ids = env["car.portal.order.line"].search(
        [("state", "=", "review"), ("partner_id.ref", "=like", MARK + "%")],
        limit=limit,
        order="id",
    )
    return env["car.portal.order.line"].browse(ids.ids)


def _suggestions(env, lines):
    env.invalidate_all()
    return lines.mapped("suggested_qty")


def _queries(env, lines):
    env.invalidate_all()
    before = env.cr.sql_log_count
    lines.mapped("suggested_qty")
    return env.cr.sql_log_count - before


def _floor(env):
    env.cr.execute(FLOOR_SQL)
    return env.cr.fetchall()


def main():
    args = _arguments()
    with odoo_env(args) as env:
        _fill(env)
    vacuum_analyze(args, ["car_portal_order", "car_portal_order_line"])
    with odoo_env(args) as env:
        lines = _open_lines(env)
        few = _open_lines(env, limit=500)
        suggest_time, values = timed(lambda: _suggestions(env, lines), args.runs)
        floor_time, rows = timed(lambda: _floor(env), args.runs)
        queries_all, queries_few = _queries(env, lines), _queries(env, few)
        suggested = sum(values)
        requested = sum(lines.mapped("requested_qty"))
        env.cr.execute("SELECT sum(quantity) FROM car_portal_stock_level")
        stock = env.cr.fetchone()[0]
        env.cr.rollback()
    ratio = suggest_time / floor_time
    verdict = (
        "the same"
        if queries_all == queries_few
        else "NOT the same: most likely the ORM reading the lines' related "
        "fields in batches of 1,000 records (PREFETCH_MAX), so the count grows "
        "by a few queries per "
        "1,000 lines, not per line"
    )
    body = f"""{machine()}

Command: `bench/run allocation`. **{len(lines):,} open lines** ({DEALERS} dealers,
{PRODUCTS} products, {len(rows):,} product x dealer groups): {requested:,.0f} units
requested, {stock:,.0f} in stock, {suggested:,.0f} suggested. Median of {args.runs}
runs after a warm-up, the ORM cache cleared before each:

| path | SQL queries | ms | ratio |
| --- | ---: | ---: | ---: |
| suggestions, ATP and quota left of every open line | {queries_all} \
| {suggest_time * 1000:.0f} | **{ratio:.1f}x** |
| the same for the first 500 lines | {queries_few} | — | — |
| floor: SQL sum of the same lines per product and dealer | 1 \
| {floor_time * 1000:.1f} | 1.0x |

Query count for 500 and {len(lines):,} lines: {queries_few} and {queries_all} \
({verdict}). The rest of the time is the ORM reading the lines and the fair \
share itself, in Python (exact fractions).
"""
    write_results("Allocation: suggestions", body, args)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--runs", type=int, default=5)
    return result.parse_args()


if __name__ == "__main__":
    main()
