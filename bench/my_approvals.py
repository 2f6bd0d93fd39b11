"""My Approvals on a large database: who may act is stored, so it is a lookup.

    bench/run generate --orders 200000 --lines 5    # once
    bench/run my_approvals

The process engine stores, on each order waiting in a stage, the users who may
act now (``current_reviewer_ids``); *My Approvals* (``can_act = True``) searches
that relation instead of evaluating stages and groups order by order. The
generator does not run the engine, so this benchmark first gives each waiting
order (state ``process``) one or two of ten approvers, in bulk, as the engine
would have stored them (once; later runs reuse them).

Then, as one approver (a manager, record rules applied), it runs what the
*To Approve* kanban asks: the count and the first 80 orders of *My Approvals*
with the fields of the cards, and times it against the same lookup written by
hand in SQL (the floor). Medians of ``--runs`` after a warm-up, SQL queries of
the ORM path, and the main nodes of the ORM's query plan.
"""

import random

from common import (
    command_line,
    installed_addons,
    machine,
    odoo_env,
    parser,
    timed,
    vacuum_analyze,
    write_results,
)

APPROVERS = 10
PAGE = 80
CARD_FIELDS = ["name", "partner_id", "user_id", "stage_id", "date_deadline"]
FLOOR_COUNT = """
    SELECT count(*)
      FROM car_portal_order o
      JOIN car_portal_order_reviewer_rel r ON r.order_id = o.id
     WHERE r.user_id = %(uid)s AND o.state = 'process'
       AND o.company_id = ANY(%(companies)s)
"""
FLOOR_PAGE = """
    SELECT o.id, o.name, o.partner_id, o.user_id, o.stage_id, o.date_deadline
      FROM car_portal_order o
      JOIN car_portal_order_reviewer_rel r ON r.order_id = o.id
     WHERE r.user_id = %(uid)s AND o.state = 'process'
       AND o.company_id = ANY(%(companies)s)
  ORDER BY o.id DESC
     LIMIT %(limit)s
"""


def _approvers(env):
    from odoo import Command

    Users = env["res.users"].with_context(active_test=False)
    manager = env.ref("car_portal_orders.group_car_portal_manager")
    users = Users.browse()
    for n in range(APPROVERS):
        login = f"bench_my_approvals_{n}"
        user = Users.search([("login", "=", login)])
        if not user:
            user = Users.create(
                {
                    "name": f"Bench approver {n}",
                    "login": login,
                    "groups_id": [Command.set(manager.ids)],
                }
            )
        users |= user
    return users


def _store_reviewers(env, approvers, rng):
    """One or two approvers on each waiting order that has none (bulk SQL)."""
    env.cr.execute(
        """SELECT o.id FROM car_portal_order o
            WHERE o.state = 'process'
              AND NOT EXISTS (SELECT 1 FROM car_portal_order_reviewer_rel r
                               WHERE r.order_id = o.id)"""
    )
    order_ids = [row[0] for row in env.cr.fetchall()]
    pairs = [
        (order_id, user.id)
        for order_id in order_ids
        for user in rng.sample(list(approvers), rng.randint(1, 2))
    ]
    if pairs:
        env.cr.execute(
            """INSERT INTO car_portal_order_reviewer_rel (order_id, user_id)
               SELECT unnest(%s::int[]), unnest(%s::int[])""",
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
        env.cr.commit()
    return len(order_ids)


def main():
    args = _arguments()
    rng = random.Random(args.seed)
    with odoo_env(args) as env:
        addons = installed_addons(env)
        approvers = _approvers(env)
        env.cr.commit()
        stored = _store_reviewers(env, approvers, rng)
    vacuum_analyze(
        args, ["car_portal_order", "car_portal_order_reviewer_rel", "res_users"]
    )
    with odoo_env(args) as env:
        env.cr.execute("SELECT count(*) FROM car_portal_order")
        orders = env.cr.fetchone()[0]
        env.cr.execute("SELECT count(*) FROM car_portal_order WHERE state='process'")
        waiting = env.cr.fetchone()[0]
        approver = env["res.users"].search([("login", "=", "bench_my_approvals_0")])
        Order = env["car.portal.order"].with_user(approver)
        domain = [("can_act", "=", True)]

        def orm():
            env.invalidate_all()
            count = Order.search_count(domain)
            cards = Order.search_read(domain, CARD_FIELDS, limit=PAGE)
            return count, cards

        before = env.cr.sql_log_count
        orm()
        queries = env.cr.sql_log_count - before
        orm_time, (count, cards) = timed(orm, args.runs)

        params = {"uid": approver.id, "companies": approver.company_ids.ids}

        def floor():
            env.cr.execute(FLOOR_COUNT, params)
            total = env.cr.fetchone()[0]
            env.cr.execute(FLOOR_PAGE, dict(params, limit=PAGE))
            return total, env.cr.fetchall()

        floor_time, (floor_count, floor_rows) = timed(floor, args.runs)
        if (count, [c["id"] for c in cards]) != (
            floor_count,
            [row[0] for row in floor_rows],
        ):
            raise SystemExit("the ORM and the floor disagree")
        search_sql = Order._search(domain, limit=PAGE, order="id desc")
        env.cr.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {search_sql.select().code}",
            search_sql.select().params,
        )
        plan = [
            row[0]
            for row in env.cr.fetchall()
            if "->" in row[0] or not row[0].startswith(" ")
        ]
    ratio = orm_time / floor_time
    stored_note = (
        f" (stored by this run for {stored:,} orders)"
        if stored
        else " (stored by an earlier run)"
    )
    body = f"""Command: `{command_line()}`

Run: {machine()}. Addons installed: {addons}.

{orders:,} orders, {waiting:,} of them waiting in a stage, each with one or two
of {APPROVERS} approvers stored as who may act{stored_note}. As one
approver (a manager, record rules applied): the count of
*My Approvals* and its first {PAGE} cards ({", ".join(CARD_FIELDS)}), median of
{args.runs} runs after a warm-up.

| path | orders found | SQL queries | ms | ratio |
| --- | ---: | ---: | ---: | ---: |
| ORM: `search_count` + `search_read` on `can_act = True` | {count:,} | {queries} \
| {orm_time * 1000:.1f} | **{ratio:.2f}x** |
| floor: the same two lookups in hand-written SQL | {floor_count:,} | 2 \
| {floor_time * 1000:.1f} | 1.00x |

Main nodes of the ORM's search plan (first page):

```
{chr(10).join(plan[:14])}
```
"""
    write_results("My Approvals", body, args)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--runs", type=int, default=9)
    result.add_argument("--seed", type=int, default=5)
    return result.parse_args()


if __name__ == "__main__":
    main()
