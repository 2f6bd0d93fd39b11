"""Where the queries go: every SQL query of a submission and of approvals,
grouped by the car-portal method that issued it.

    CAR_PORTAL_ADDONS=car_portal_orders BENCH_DB=carportal_bench_approval \\
        bench/run query_profile [--detail]

Not part of the tests; a few seconds. Prints, writes nothing: the findings are
written by hand in ``bench/RESULTS.md`` ("Where the queries go (profile)").
Everything runs in one transaction that is rolled back at the end.

Measured as the benchmarks do (``order_submit``, ``mass_approval``): the
third of three portal submissions of a 10-line order (form check and draft,
then submit, as the dealer's portal user on the sudo'ed model); the third of
three single approvals; mass approvals of 1 and of 10 orders; record cache
cleared before each, ORM flushed inside the measure, the chatter's tracking
messages (posted when the transaction commits) outside it, except inside a
mass approval where its savepoints post them. Each query is attributed to
the innermost methods of car-portal on the stack.
"""

import collections
import random
import traceback
from datetime import datetime

import mass_approval
import order_submit
from common import odoo_env, parser


def _capture(log):
    """Record each query with the car-portal methods that issued it."""
    from odoo import sql_db

    execute = sql_db.Cursor.execute

    def recording(cursor, query, params=None, log_exceptions=True):
        ours = [
            frame.name
            for frame in traceback.extract_stack()[:-1]
            if "/car_portal_" in frame.filename and "/tests/" not in frame.filename
        ]
        text = " ".join(str(getattr(query, "code", query)).split())
        log.append((" < ".join(reversed(ours[-3:])) or "(flush, ORM)", text[:110]))
        return execute(cursor, query, params, log_exceptions)

    sql_db.Cursor.execute = recording
    return lambda: setattr(sql_db.Cursor, "execute", execute)


def _measure(env, title, function, args, report=True, cold=True):
    env.cr.precommit.run()  # tracking of what came before: not ours
    env.flush_all()
    if cold:
        env.invalidate_all()
    log = []
    restore = _capture(log)
    try:
        function()
        env.flush_all()
    finally:
        restore()
    if not report:
        return
    print(f"\n=== {title}: {len(log)} queries")
    for where, count in collections.Counter(w for w, _q in log).most_common():
        print(f"{count:5}  {where}")
    if args.detail:
        for where, query in log:
            print(f"       [{where}] {query}")


def _orders_waiting(env, data, count):
    from odoo import Command

    orders = env["car.portal.order"].create(
        [
            {
                "partner_id": data["dealer"].id,
                "payment_term_id": data["term"].id,
                "line_ids": [
                    Command.create({"product_id": product.id, "requested_qty": 3})
                    for product in data["products"][:2]
                ],
            }
            for _n in range(count)
        ]
    )
    orders.action_submit()
    reviewed = orders.with_user(data["expert"])
    reviewed.write({"expert_opinion": "<p>Supply as requested.</p>"})
    reviewed.action_send_to_process()
    return orders


def main():
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--detail", action="store_true", help="every query")
    args = arguments.parse_args()
    tag = "profile" + datetime.now().strftime("%Y%m%d%H%M%S")
    with odoo_env(args) as env:
        env = env(context=dict(env.context, **order_submit.CONTEXT))
        data = order_submit._setup(env, tag)
        created, rng = [], random.Random(1)
        for run in range(3):
            phases = order_submit._car_phases(env, data, rng, created)
            for name, function in phases:
                # Cold record cache before the draft only, as order_submit.
                cold = name == "car_create"
                _measure(env, f"submission, {name}", function, args, run == 2, cold)
        data = mass_approval._setup(env, tag + "a")
        orders = _orders_waiting(env, data, 14)
        Approver = env["car.portal.order"].with_user(data["approver"])
        for number in range(3):
            approve = Approver.browse(orders[number].id).action_approve
            _measure(env, "single approval", approve, args, number == 2)
        for size, chunk in ((1, orders[3:4]), (10, orders[4:14])):
            mass = Approver.browse(chunk.ids).action_mass_approve
            _measure(env, f"mass approval of {size}", mass, args)
        env.invalidate_all()
        if set(orders.mapped("state")) != {"approved"}:
            raise SystemExit("not every order was approved")
        env.cr.rollback()


if __name__ == "__main__":
    main()
