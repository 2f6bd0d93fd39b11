"""The discrepancy pivot (dealer x month) against the same aggregate in raw SQL.

    bench/run generate --orders 200000 --lines 5   # once: 1,000,000 order lines
    bench/run reports_pivot

The pivot path is what the web client's pivot view runs: ``read_group`` on the
``car.portal.order.line.report`` SQL view, grouped by dealer and submission
month, summing requested, supplied and discrepancy, as a manager (record rules
applied). The floor is the same aggregate written by hand on the tables. Each
is run once to warm the cache, then measured; the median is reported, with the
ratio pivot / floor (target <= 1.5) and the main nodes of both query plans.
"""

import statistics
import time

from common import machine, odoo_env, parser, write_results

FLOOR_SQL = """
    SELECT o.partner_id,
           date_trunc('month', o.date_submitted) AS month,
           sum(l.requested_qty),
           sum(CASE WHEN o.state IN ('rejected', 'cancel') THEN 0
                    ELSE l.supplied_qty END),
           sum(l.requested_qty - CASE WHEN o.state IN ('rejected', 'cancel') THEN 0
                                      ELSE l.supplied_qty END)
      FROM car_portal_order_line l
      JOIN car_portal_order o ON o.id = l.order_id
     WHERE o.state != 'draft'
  GROUP BY 1, 2
"""


def _pivot(report):
    return report.read_group(
        [],
        ["requested_qty:sum", "supplied_qty:sum", "discrepancy_qty:sum"],
        ["partner_id", "date_submitted:month"],
        lazy=False,
    )


def _timed(function, runs):
    function()  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def _captured_query(env, function):
    """The SQL (with parameters) the ORM sends for ``function``."""
    queries = []
    execute = type(env.cr).execute

    def spy(cr, query, params=None, log_exceptions=True):
        queries.append((query, params))
        return execute(cr, query, params, log_exceptions)

    type(env.cr).execute = spy
    try:
        function()
    finally:
        type(env.cr).execute = execute
    return max(queries, key=lambda q: len(str(q[0])))


def _plan(env, query, params=None):
    from odoo.tools import SQL

    if isinstance(query, SQL):
        query, params = query.code, query.params
    env.cr.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {query}", params)
    lines = [row[0] for row in env.cr.fetchall()]
    # The nodes, not the details (filters, buffers, workers).
    return [line for line in lines if "->" in line or not line.startswith(" ")][:12]


def main():
    args = _arguments()
    with odoo_env(args) as env:
        env.cr.execute("SELECT count(*) FROM car_portal_order_line")
        line_count = env.cr.fetchone()[0]
        manager = env.ref("base.user_admin")
        report = env["car.portal.order.line.report"].with_user(manager)
        pivot_time, groups = _timed(lambda: _pivot(report), args.runs)

        def floor():
            env.cr.execute(FLOOR_SQL)
            return env.cr.fetchall()

        floor_time, rows = _timed(floor, args.runs)
        if len(groups) != len(rows):
            raise SystemExit(f"pivot {len(groups)} groups != floor {len(rows)} rows")
        query, params = _captured_query(env, lambda: _pivot(report))
        pivot_plan = _plan(env, query, params)
        floor_plan = _plan(env, FLOOR_SQL)
    ratio = pivot_time / floor_time
    body = f"""{machine()}

`bench/run reports_pivot` over **{line_count:,} order lines**, {len(rows):,} groups
(dealer x month), median of {args.runs} runs after a warm-up:

| path | ms | ratio |
| --- | --- | --- |
| pivot: `read_group` on the report view, as a manager | {pivot_time * 1000:.0f} \
| **{ratio:.2f}x** |
| floor: hand-written SQL on the tables | {floor_time * 1000:.0f} | 1.00x |

Target: pivot <= 1.5x the floor — {"met" if ratio <= 1.5 else "NOT met"}.

Main nodes of the pivot's plan:

```
{chr(10).join(pivot_plan)}
```

Main nodes of the floor's plan:

```
{chr(10).join(floor_plan)}
```
"""
    write_results("Reports: discrepancy pivot", body, args)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--runs", type=int, default=5)
    return result.parse_args()


if __name__ == "__main__":
    main()
