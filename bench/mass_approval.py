"""Approvals: mass approval of 1,000 orders, SQL queries per order and time.

    CAR_PORTAL_ADDONS=car_portal_orders BENCH_DB=carportal_bench_approval \\
        bench/run mass_approval

Not part of the tests; a few minutes (most of it preparing the orders).

Creates a dealer (tagged), its expert, an approver and an approval process for
the tag with one stage whose responsible is the approver. Then ``--orders``
orders (default 1,000) plus ``--single`` more (default 20) go the real way:
created with 2 lines, submitted (referral to the expert), reviewed by the
expert (``action_send_to_process``), so that each waits for the approver in
the stage. Measured, as the approver:

* **single**: ``action_approve`` on one order at a time (the *Approve* button),
  ``--single`` times: median queries and milliseconds;
* **mass**: ``action_mass_approve`` on the ``--orders`` orders at once (the
  list's *Action › Approve*): total time, queries and time per order.

Each approval is the last stage, so the order is approved (history, closed
activity, chatter message and queued mail to the dealer). The ORM is flushed
inside the measure. Afterwards every order must be approved, or the script
fails. Results go to ``bench/RESULTS.md`` under "Mass approval".
"""

import contextlib
import random
import statistics
import time
from datetime import datetime

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

BATCH = 100
CONTEXT = {"mail_notify_force_send": False, "lang": "en_US"}


def _setup(env, tag):
    from odoo import Command

    def user(kind, group):
        return env["res.users"].create(
            {
                "name": f"Bench {kind} {tag}",
                "login": f"bench_{kind}_{tag}",
                "email": f"{kind}.{tag}@example.com",
                "groups_id": [Command.set([env.ref(group).id])],
            }
        )

    expert = user("approval_expert", "car_portal_orders.group_car_portal_expert")
    approver = user("approver", "car_portal_orders.group_car_portal_staff")
    category = env["res.partner.category"].create({"name": f"Bench approval {tag}"})
    dealer = env["res.partner"].create(
        {
            "name": f"Bench approval dealer {tag}",
            "is_company": True,
            "car_portal_is_dealer": True,
            "user_id": expert.id,
            "category_id": [Command.set(category.ids)],
            "email": f"dealer.{tag}@example.com",
        }
    )
    process = env["car.portal.process"].create(
        {
            "name": f"Bench mass approval {tag}",
            "sequence": 1,
            "partner_category_ids": [Command.set(category.ids)],
            "stage_ids": [
                Command.create(
                    {
                        "name": "Bench approval",
                        "responsible_user_ids": [Command.set(approver.ids)],
                        "sla_hours": 24,
                    }
                )
            ],
        }
    )
    products = orderable_parts(
        env, f"Bench approval part {tag}", f"BA-{tag}", 20, 50.0, digits=2
    )
    term = credit_term(env, f"Bench approval credit {tag}")
    return {
        "dealer": dealer,
        "expert": expert,
        "approver": approver,
        "process": process,
        "products": products,
        "term": term,
    }


def _prepare(env, data, count, rng):
    """``count`` orders waiting for the approver, the real way, in batches."""
    from odoo import Command

    Order = env["car.portal.order"].with_context(**CONTEXT)
    ids = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        orders = Order.create(
            [
                {
                    "partner_id": data["dealer"].id,
                    "payment_term_id": data["term"].id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "requested_qty": rng.randint(1, 9),
                            }
                        )
                        for product in rng.sample(list(data["products"]), 2)
                    ],
                }
                for _n in range(size)
            ]
        )
        orders.action_submit()
        reviewed = orders.with_user(data["expert"])
        reviewed.write({"expert_opinion": "<p>Supply as requested.</p>"})
        reviewed.action_send_to_process()
        env.cr.commit()
        ids += orders.ids
        print(f"{len(ids):>6} orders waiting for approval", flush=True)
    orders = Order.browse(ids)
    waiting = orders.filtered(
        lambda o: (
            o.state == "process"
            and o.process_id == data["process"]
            and o.current_reviewer_ids == data["approver"]
        )
    )
    if waiting != orders:
        raise SystemExit(f"{len(orders - waiting)} orders are not waiting as planned")
    return orders


@contextlib.contextmanager
def _timing_each_approval():
    """The time of each ``action_approve`` call inside the mass approval (one
    per batch of orders), with the number of orders it approved, to see
    whether an order costs more at the end of the selection than at its
    start."""
    from odoo.addons.car_portal_orders.models.car_portal_process_engine import (
        CarPortalProcessEngine,
    )

    approve, timings = CarPortalProcessEngine.action_approve, []

    def timed(self, comment=None):
        started = time.perf_counter()
        try:
            return approve(self, comment=comment)
        finally:
            timings.append((len(self), time.perf_counter() - started))

    CarPortalProcessEngine.action_approve = timed
    try:
        yield timings
    finally:
        CarPortalProcessEngine.action_approve = approve


def _ms_per_order(calls):
    """Milliseconds per order over ``(orders, seconds)`` calls."""
    return 1000 * sum(s for _n, s in calls) / max(sum(n for n, _s in calls), 1)


def main():
    args = _arguments()
    rng = random.Random(20261202)
    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    from odoo import sql_db

    with odoo_env(args) as env:
        addons = installed_addons(env)
        data = _setup(env, tag)
        env.cr.commit()
        started = time.perf_counter()
        orders = _prepare(env, data, args.orders + args.single, rng)
        prepared_in = time.perf_counter() - started
        singles, mass = orders[: args.single], orders[args.single :]
        Approver = env["car.portal.order"].with_user(data["approver"])
        Approver = Approver.with_context(**CONTEXT)

        single = []
        for order in singles:
            env.invalidate_all()
            before, started = sql_db.sql_counter, time.perf_counter()
            Approver.browse(order.id).action_approve()
            env.flush_all()
            single.append((sql_db.sql_counter - before, time.perf_counter() - started))
            env.cr.commit()

        env.invalidate_all()
        before, started = sql_db.sql_counter, time.perf_counter()
        with _timing_each_approval() as each:
            result = Approver.browse(mass.ids).action_mass_approve()
            env.flush_all()
        mass_queries = sql_db.sql_counter - before
        mass_seconds = time.perf_counter() - started
        env.cr.commit()

        env.invalidate_all()
        approved = env["car.portal.order"].search_count(
            [("id", "in", orders.ids), ("state", "=", "approved")]
        )
        message = result["params"]["message"]
        if approved != len(orders) or result["params"]["type"] != "success":
            raise SystemExit(
                f"only {approved} of {len(orders)} orders approved: {message}"
            )

    single_queries = statistics.median(q for q, _s in single)
    single_ms = statistics.median(s for _q, s in single) * 1000
    count = len(mass)
    tenth = max(len(each) // 10, 1)
    first, last = each[:tenth], each[-tenth:]
    per_order_queries = mass_queries / count
    per_order_ms = mass_seconds * 1000 / count
    table = [
        "| Approval | Orders | SQL queries | Time | Queries per order | ms per order |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        (
            f"| One at a time (`action_approve`), median | {len(single)} "
            f"| {single_queries:.0f} | {single_ms:.1f} ms | {single_queries:.0f} "
            f"| {single_ms:.1f} |"
        ),
        (
            f"| **Mass approval** (`action_mass_approve`) | {count:,} "
            f"| {mass_queries:,} | {mass_seconds:.1f} s | {per_order_queries:.1f} "
            f"| {per_order_ms:.1f} |"
        ),
    ]
    body = "\n".join(
        [
            f"Command: `{command_line()}`",
            "",
            f"Run: {machine()}. Addons installed: {addons}.",
            "",
            (
                "As the stage's approver, each order in the last stage of its process "
                "(so approving it approves the order: history, activities, chatter, "
                "mail queued). ORM flushed inside the measure."
            ),
            "",
            *table,
            "",
            (
                f"Ratio mass / one at a time, per order: queries "
                f"{per_order_queries / single_queries:.2f}, time "
                f"{per_order_ms / single_ms:.2f}. All {approved:,} orders approved "
                f"(\u201c{message.splitlines()[0]}\u201d). Inside the mass "
                f"approval, {len(each)} `action_approve` call(s) (batches of "
                f"{first[0][0]} orders); ms per order in the first "
                f"{sum(n for n, _s in first)} orders: {_ms_per_order(first):.0f}, "
                f"in the last {sum(n for n, _s in last)}: "
                f"{_ms_per_order(last):.0f}."
            ),
            "",
            "Raw one-at-a-time figures (queries/ms): "
            + ", ".join(f"{q}/{s * 1000:.0f}" for q, s in single)
            + ".",
            "",
            (
                f"Preparing the {len(orders):,} orders the real way (create, submit, "
                f"expert review, batches of {BATCH}) took {prepared_in:.0f} s."
            ),
        ]
    )
    write_results("Mass approval", body, args)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--orders", type=int, default=1000)
    result.add_argument("--single", type=int, default=20)
    return result.parse_args()


if __name__ == "__main__":
    main()
