"""Suggested supplied quantities for every open line, against a plain SQL floor.

    bench/run allocation                 # 5,000 open lines, 60 dealers, 40 products

Fills the benchmark database (once, marked by the dealers' reference prefix)
with 60 dealers, 40 rationed parts with a stock level each (less than asked),
a monthly quota per dealer and part category, and 5,000 lines under review
(2,500 orders of 2 lines, states set in SQL: the review itself is not what is
measured). Then measures, after a warm-up, the median of ``--runs`` runs of:

- the suggestions: ``car.portal.order.line`` ``suggested_qty`` (with ATP and
  remaining quota) read for all open lines, cache cleared first, as the
  review form or a board reads them; its SQL query count is also taken with
  only 500 lines open (the others put back to draft, rolled back
  afterwards), and must be the same;
- the floor: a plain SQL aggregate of the same lines (requested per product
  and dealer), the least any suggestion must read;
- the allocation board's first page, as the web client opens it for a
  manager: ``web_read_group`` of the open lines by product, then
  ``web_search_read`` of the first group's lines with the board list's
  fields (its first 80 rows), with 5,000 and with 500 open lines: the same
  number of queries.
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
MANAGER_LOGIN = "bench-alloc-manager"
SMALL_ORDERS = 250  # orders left open for the small size (500 lines)
BOARD_LIST = "car_portal_orders.car_portal_order_line_view_list_board"
PAGE = 80  # rows of a list page, as the web client asks
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


def _manager(env):
    """A car orders manager (the board runs with their rules), created once."""
    user = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
    return user or env["res.users"].create(
        {
            "name": "Allocation bench manager",
            "login": MANAGER_LOGIN,
            "groups_id": [
                (6, 0, [env.ref("car_portal_orders.group_car_portal_manager").id])
            ],
        }
    )


def _board_specification(env):
    """What the web client reads for each row of the board (its list's
    fields, a many2one with its display name)."""
    from lxml import etree

    Line = env["car.portal.order.line"]
    arch = etree.fromstring(Line.get_view(env.ref(BOARD_LIST).id)["arch"])
    return {
        name: {"fields": {"display_name": {}}}
        if Line._fields[name].type == "many2one"
        else {}
        for name in arch.xpath("//field/@name")
    }


def _board_first_page(Line, spec):
    """The board's first page: the product groups, the first group's rows."""
    Line.env.invalidate_all()
    domain = [("state", "=", "review")]
    groups = Line.web_read_group(
        domain,
        ["requested_qty:sum", "supplied_qty:sum"],
        ["product_id"],
        limit=PAGE,
        lazy=True,
    )["groups"]
    rows = Line.web_search_read(groups[0]["__domain"], spec, limit=PAGE)["records"]
    return len(groups), len(rows)


def _count(env, function):
    before = env.cr.sql_log_count
    result = function()
    return env.cr.sql_log_count - before, result


def _small(env):
    """Leave only the first SMALL_ORDERS orders open (savepoint to roll back)."""
    env.flush_all()
    env.cr.execute(
        """UPDATE car_portal_order SET state = 'draft'
            WHERE state = 'review' AND id NOT IN (
                SELECT id FROM car_portal_order WHERE state = 'review'
              ORDER BY id LIMIT %s)""",
        [SMALL_ORDERS],
    )
    env.cr.execute(
        """UPDATE car_portal_order_line line SET state = ord.state
             FROM car_portal_order ord
            WHERE ord.id = line.order_id AND line.state != ord.state"""
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
        _manager(env)
    vacuum_analyze(args, ["car_portal_order", "car_portal_order_line"])
    with odoo_env(args) as env:
        lines = _open_lines(env)
        suggest_time, values = timed(lambda: _suggestions(env, lines), args.runs)
        floor_time, rows = timed(lambda: _floor(env), args.runs)
        queries_all = _queries(env, lines)
        Line = env["car.portal.order.line"].with_user(_manager(env))
        spec = _board_specification(env)
        board_time, board_shape = timed(
            lambda: _board_first_page(Line, spec), args.runs
        )
        board_queries, _shape = _count(env, lambda: _board_first_page(Line, spec))
        suggested = sum(values)
        requested = sum(lines.mapped("requested_qty"))
        env.cr.execute("SELECT sum(quantity) FROM car_portal_stock_level")
        stock = env.cr.fetchone()[0]
        # The small size: all but the first orders back to draft, rolled back.
        _small(env)
        few = _open_lines(env)
        queries_few = _queries(env, few)
        few_time, _values = timed(lambda: _suggestions(env, few), args.runs)
        board_small_time, board_small_shape = timed(
            lambda: _board_first_page(Line, spec), args.runs
        )
        board_small_queries, _shape = _count(env, lambda: _board_first_page(Line, spec))
        env.cr.rollback()
        env.invalidate_all()
    ratio = suggest_time / floor_time
    verdict = "the same" if queries_all == queries_few else "NOT the same"
    if board_queries == board_small_queries:
        board_verdict = "the same"
    elif (
        board_queries == board_small_queries + 1
        and board_shape[1] == PAGE
        and board_small_shape[1] < PAGE
    ):
        board_verdict = (
            "one more when the first group fills its page of "
            f"{PAGE} rows: `web_search_read` then counts the group's rows for "
            "the pager (one COUNT query), as the web client asks"
        )
    else:
        board_verdict = "NOT the same"
    body = f"""{machine()}

Command: `bench/run allocation`. **{len(lines):,} open lines** ({DEALERS} dealers,
{PRODUCTS} products, {len(rows):,} product x dealer groups): {requested:,.0f} units
requested, {stock:,.0f} in stock, {suggested:,.0f} suggested. Median of {args.runs}
runs after a warm-up, the ORM cache cleared before each:

| path | SQL queries | ms | ratio |
| --- | ---: | ---: | ---: |
| suggestions, ATP and quota left of every open line | {queries_all} \
| {suggest_time * 1000:.0f} | **{ratio:.1f}x** |
| the same with {len(few):,} open lines | {queries_few} \
| {few_time * 1000:.0f} | — |
| floor: SQL sum of the same lines per product and dealer | 1 \
| {floor_time * 1000:.1f} | 1.0x |

Query count with {len(few):,} and {len(lines):,} open lines: {queries_few} and \
{queries_all} ({verdict}): the lines are read in one SQL query, and the whole \
set is computed at once, not by the ORM's batches of 1,000 records. The rest \
of the time is the fair share itself, in Python (exact fractions), and the \
ORM's cache of seven figures per line (filled field by field).

### Allocation board: first page

As the web client opens *Car Orders › Orders › Allocation Board* for a
manager: the open lines grouped by product (`web_read_group`), then the
first group's rows with the board list's fields (`web_search_read`, suggestion,
ATP, quota left and fill rate included). Median of {args.runs} runs, the ORM
cache cleared before each:

| open lines | product groups | rows of the first group | SQL queries | ms |
| ---: | ---: | ---: | ---: | ---: |
| {len(few):,} | {board_small_shape[0]} | {board_small_shape[1]} \
| {board_small_queries} | {board_small_time * 1000:.0f} |
| {len(lines):,} | {board_shape[0]} | {board_shape[1]} | {board_queries} \
| {board_time * 1000:.0f} |

Query count: {board_small_queries} and {board_queries} ({board_verdict}). \
The first group's suggestions share the ATP with every open line of its \
product, read in the same single query whatever their number.
"""
    write_results("Allocation: suggestions", body, args)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--runs", type=int, default=5)
    return result.parse_args()


if __name__ == "__main__":
    main()
