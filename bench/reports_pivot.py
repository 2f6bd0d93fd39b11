"""The discrepancy pivot (dealer x month) against the same aggregate in raw SQL.

    bench/run generate --orders 200000 --lines 5   # once: 1,000,000 order lines
    bench/run reports_pivot

The pivot path is what the web client's pivot view runs: ``read_group`` on the
``car.portal.order.line.report`` SQL view, grouped by dealer and submission
month, summing requested, supplied and discrepancy, as a manager (record rules
applied) in Tehran time (the web client sends the user's time zone), dealers
ordered by name. The floor is the same aggregate written by hand on the
tables, on the same stored columns (requested, supplied, discrepancy), checked
to give the same sums. Each is run once to warm the cache, then measured; the
median is reported, with the ratio pivot / floor (target <= 1.1, issue 18) and
the main nodes of both query plans. The tables are vacuumed and analyzed
first, as autovacuum would have done (it is off on the machine of the recorded
figures). The same is measured by dealer x Jalali month.
"""

from common import (
    machine,
    odoo_env,
    parser,
    timed,
    vacuum_analyze,
    write_results,
)

# Managers read the pivot in their time zone (the web client sends it): months
# are Tehran months, in the pivot as in the floor.
TZ = "Asia/Tehran"
FLOOR_SQL = f"""
    SELECT o.partner_id,
           date_trunc('month', timezone('{TZ}', timezone('UTC', o.date_submitted)))
               AS month,
           sum(l.requested_qty),
           sum(l.supplied_qty),
           sum(l.discrepancy_qty)
      FROM car_portal_order_line l
      JOIN car_portal_order o ON o.id = l.order_id
     WHERE o.state != 'draft'
  GROUP BY 1, 2
"""


JALALI_FLOOR_SQL = """
    SELECT o.partner_id,
           d.month,
           sum(l.requested_qty),
           sum(l.supplied_qty),
           sum(l.discrepancy_qty)
      FROM car_portal_order_line l
      JOIN car_portal_order o ON o.id = l.order_id
      LEFT JOIN car_portal_jalali_day d
             ON d.day = (o.date_submitted AT TIME ZONE 'UTC'
                         AT TIME ZONE 'Asia/Tehran')::date
     WHERE o.state != 'draft'
  GROUP BY 1, 2
"""


def _pivot(report, month="date_submitted:month"):
    return report.read_group(
        [],
        ["requested_qty:sum", "supplied_qty:sum", "discrepancy_qty:sum"],
        ["partner_id", month],
        lazy=False,
    )


def _jalali_pivot(report):
    return _pivot(report, "jalali_month")


def _fetch(env, sql):
    env.cr.execute(sql)
    return env.cr.fetchall()


def _same_sums(groups, rows, month):
    """The pivot and the floor give the same sums (group keys aside: the
    pivot's months are labels), or the benchmark stops."""
    fields = ("requested_qty", "supplied_qty", "discrepancy_qty")
    pivot = sorted(tuple(round(g[f], 2) for f in fields) for g in groups)
    floor = sorted(tuple(round(v or 0.0, 2) for v in row[2:]) for row in rows)
    if pivot != floor:
        raise SystemExit(f"pivot by {month} and its floor differ")


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
    # Planner statistics as autovacuum leaves them after the generator's load.
    vacuum_analyze(args, ["car_portal_order", "car_portal_order_line", "res_partner"])
    with odoo_env(args) as env:
        env.cr.execute("SELECT count(*) FROM car_portal_order_line")
        line_count = env.cr.fetchone()[0]
        manager = env.ref("base.user_admin")
        report = (
            env["car.portal.order.line.report"].with_user(manager).with_context(tz=TZ)
        )
        pivot_time, groups = timed(lambda: _pivot(report), args.runs)

        floor_time, rows = timed(lambda: _fetch(env, FLOOR_SQL), args.runs)
        _same_sums(groups, rows, "month")
        query, params = _captured_query(env, lambda: _pivot(report))
        pivot_plan = _plan(env, query, params)
        env.cr.execute(f"EXPLAIN {query.code}", query.params)
        full_plan = "\n".join(row[0] for row in env.cr.fetchall())
        floor_plan = _plan(env, FLOOR_SQL)

        jalali_time, jalali_groups = timed(lambda: _jalali_pivot(report), args.runs)

        jalali_floor_time, jalali_rows = timed(
            lambda: _fetch(env, JALALI_FLOOR_SQL), args.runs
        )
        _same_sums(jalali_groups, jalali_rows, "Jalali month")
    ratio = pivot_time / floor_time
    jalali_ratio = jalali_time / jalali_floor_time
    # The month table must not cost the Gregorian pivot anything.
    jalali_join_dropped = "jalali" not in full_plan
    body = f"""{machine()}

`bench/run reports_pivot` over **{line_count:,} order lines**, {len(rows):,} groups
(dealer x month), median of {args.runs} runs after a warm-up:

| path | ms | ratio |
| --- | --- | --- |
| pivot: `read_group` on the report view, as a manager | {pivot_time * 1000:.0f} \
| **{ratio:.2f}x** |
| floor: hand-written SQL on the tables | {floor_time * 1000:.0f} | 1.00x |

Target: pivot <= 1.1x the floor (issue 18) — {"met" if ratio <= 1.1 else "NOT met"}.

The same by dealer x Jalali month (`jalali_month`, {len(jalali_rows):,} groups),
against the same hand-written SQL joined to the day table:

| path | ms | ratio |
| --- | --- | --- |
| pivot: `read_group` by Jalali month, as a manager | {jalali_time * 1000:.0f} \
| **{jalali_ratio:.2f}x** |
| floor: hand-written SQL with the day table | {jalali_floor_time * 1000:.0f} \
| 1.00x |

Gregorian pivot / Jalali pivot: {pivot_time / jalali_time:.2f}. The day table is \
{"absent from" if jalali_join_dropped else "STILL in"} the Gregorian pivot's plan \
(PostgreSQL drops the unused left join on a unique key).

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
