"""Order submit: a dealer's 10-line order against a 10-line ``sale.order``.

    CAR_PORTAL_ADDONS=car_portal_orders,sale BENCH_DB=carportal_bench_sale \\
        bench/run order_submit

Not part of the tests; about two minutes once the database exists (creating it
with ``sale`` takes a few more). ``sale`` must be installed in the benchmark
database: it is the reference.

In one process and one database, alternately, ``--runs`` times each after
``--warmup`` unmeasured rounds:

* **car-portal**: what the portal does when a dealer submits a new 10-line
  order (``controllers/portal.py``), without the HTTP layer: the posted values
  are checked (``OrderForm.check``), the draft is created
  (``_portal_create_draft``) and submitted (``_portal_submit``: lines frozen,
  referral to the dealer's expert, history, review activity, chatter and mail
  to the dealer), as the dealer's portal user on the sudo'ed model, as the
  controller does; then, measured apart, what Odoo's queue of notifications
  does with the two notices after the commit (its cron: mails in the layout,
  inbox notifications), which the dealer's request no longer waits for;
* **sale.order**: a salesman creates a 10-line quotation for the same
  partner and products (``create``), and, for reference, creates and confirms
  one (``action_confirm``).

Each round starts with an empty record cache (as a new request does) and
flushes the ORM before the clock stops; the transaction is committed after the
measure. Mail is queued, not sent (``mail_notify_force_send=False``), on both
sides. Figures: median SQL queries (``odoo.sql_db.sql_counter``) and median
milliseconds per order; the ratios car-portal / sale are what we compare.
Results go to ``bench/RESULTS.md`` under "Order submit".
"""

import random
import statistics
import time
import uuid
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

LINES = 10
CONTEXT = {"mail_notify_force_send": False, "lang": "en_US"}


def _setup(env, tag):
    from odoo import Command

    company = env.company
    expert = env["res.users"].create(
        {
            "name": f"Bench submit expert {tag}",
            "login": f"bench_submit_expert_{tag}",
            "email": f"expert.{tag}@example.com",
            "groups_id": [
                Command.set([env.ref("car_portal_orders.group_car_portal_expert").id])
            ],
        }
    )
    salesman = env["res.users"].create(
        {
            "name": f"Bench salesman {tag}",
            "login": f"bench_salesman_{tag}",
            "email": f"salesman.{tag}@example.com",
            "groups_id": [Command.set([env.ref("sales_team.group_sale_salesman").id])],
        }
    )
    dealer = env["res.partner"].create(
        {
            "name": f"Bench submit dealer {tag}",
            "is_company": True,
            "car_portal_is_dealer": True,
            "user_id": expert.id,
            "email": f"dealer.{tag}@example.com",
        }
    )
    contact = env["res.partner"].create(
        {
            "name": f"Bench submit buyer {tag}",
            "parent_id": dealer.id,
            "email": f"buyer.{tag}@example.com",
        }
    )
    portal_user = env["res.users"].create(
        {
            "name": contact.name,
            "login": f"bench_submit_buyer_{tag}",
            "partner_id": contact.id,
            "groups_id": [Command.set([env.ref("base.group_portal").id])],
        }
    )
    products = orderable_parts(
        env, f"Bench submit part {tag}", f"BS-{tag}", LINES, 100.0, digits=2
    )
    term = credit_term(env, f"Bench submit credit {tag}")
    return {
        "company": company,
        "dealer": dealer,
        "contact": contact,
        "portal_user": portal_user,
        "salesman": salesman,
        "products": products,
        "term": term,
    }


def _measure(env, phases):
    """Run ``phases`` (name, function) in order; per phase: queries, seconds."""
    from odoo import sql_db

    env.invalidate_all()
    figures = {}
    for name, function in phases:
        before, started = sql_db.sql_counter, time.perf_counter()
        function()
        env.flush_all()
        figures[name] = (sql_db.sql_counter - before, time.perf_counter() - started)
    env.cr.commit()
    return figures


def _car_phases(env, data, rng, created):
    """The portal's submission of a new 10-line order, in two phases."""
    from odoo.addons.car_portal_orders.controllers.order_form import OrderForm

    Order = (
        env["car.portal.order"]
        .with_user(data["portal_user"])
        .sudo()
        .with_context(**CONTEXT)
    )
    raw = {
        "payment_term_id": str(data["term"].id),
        "dealer_note": "Deliver with the next truck",
        "lines": [
            {
                "product_query": "",
                "product_tmpl_id": str(product.product_tmpl_id.id),
                "product_id": str(product.id),
                "qty": str(rng.randint(1, 40)),
            }
            for product in data["products"]
        ],
    }
    token = f"bench-{uuid.uuid4()}"  # a fresh form at each run

    def create():
        vals, errors, _templates = OrderForm(Order.env, data["company"]).check(
            raw, submit=True
        )
        if errors:
            raise RuntimeError(f"the bench order was refused: {errors}")
        order, new = Order._portal_create_draft(
            data["contact"], data["company"], vals, form_token=token
        )
        if not new:
            raise RuntimeError("the bench order was not created")
        created.append(order)

    def submit():
        if not created[-1]._portal_submit():
            raise RuntimeError("the bench order was not submitted")

    def notify():
        # What Odoo's queue of notifications does after the commit (its cron,
        # not the dealer's request): the submission's mails and notifications.
        Schedule = env["mail.message.schedule"].with_context(**CONTEXT)
        queued = Schedule.search_count([])
        Schedule._send_notifications_cron()
        if not queued or Schedule.search_count([]):
            raise RuntimeError("the submission's notifications were not queued")

    return [("car_create", create), ("car_submit", submit), ("car_queue", notify)]


def _sale_phases(env, data, rng, confirm):
    from odoo import Command

    SaleOrder = env["sale.order"].with_user(data["salesman"]).with_context(**CONTEXT)
    vals = {
        "partner_id": data["dealer"].id,
        "user_id": data["salesman"].id,  # not the dealer's salesperson
        "note": "Deliver with the next truck",
        "order_line": [
            Command.create({"product_id": product.id, "product_uom_qty": qty})
            for product, qty in zip(
                data["products"],
                [rng.randint(1, 40) for _n in data["products"]],
                strict=True,
            )
        ],
    }
    orders = []

    def create():
        orders.append(SaleOrder.create(vals))

    def create_confirm():
        order = SaleOrder.create(vals)
        order.action_confirm()
        orders.append(order)

    if confirm:
        return [("sale_confirm", create_confirm)]
    return [("sale_create", create)]


def _median(rounds, name):
    queries = statistics.median(r[name][0] for r in rounds)
    seconds = statistics.median(r[name][1] for r in rounds)
    return queries, seconds * 1000


def main():
    args = _arguments()
    rng = random.Random(20261201)
    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    rounds = []
    with odoo_env(args) as env:
        if "sale.order" not in env:
            raise SystemExit(
                "sale is not installed in this database: create one with "
                "CAR_PORTAL_ADDONS=car_portal_orders,sale BENCH_DB=<new name>"
            )
        addons = installed_addons(env)
        data = _setup(env, tag)
        env.cr.commit()
        created = []
        for number in range(args.warmup + args.runs):
            figures = {}
            # Alternate the order of the two sides from one round to the next.
            sides = [
                _car_phases(env, data, rng, created),
                _sale_phases(env, data, rng, confirm=False),
                _sale_phases(env, data, rng, confirm=True),
            ]
            if number % 2:
                sides.reverse()
            for phases in sides:
                figures.update(_measure(env, phases))
            if number >= args.warmup:
                rounds.append(figures)
        submitted = env["car.portal.order"].search_count(
            [("id", "in", [o.id for o in created]), ("state", "=", "review")]
        )
        if submitted != len(created):
            raise SystemExit(f"{len(created) - submitted} bench orders not in review")

    car_create = _median(rounds, "car_create")
    car_submit = _median(rounds, "car_submit")
    car_total = (
        statistics.median(r["car_create"][0] + r["car_submit"][0] for r in rounds),
        statistics.median(r["car_create"][1] + r["car_submit"][1] for r in rounds)
        * 1000,
    )
    car_queue = _median(rounds, "car_queue")
    sale_create = _median(rounds, "sale_create")
    sale_confirm = _median(rounds, "sale_confirm")
    rows = [
        ("car-portal: check the form, create the draft", car_create),
        ("car-portal: submit (referral, history, activity, chatter)", car_submit),
        ("**car-portal: whole portal submission**", car_total),
        ("car-portal, after the commit: its notifications (Odoo's queue)", car_queue),
        ("**sale.order: create (salesman)**", sale_create),
        ("sale.order: create and confirm (salesman)", sale_confirm),
    ]
    table = [
        f"| {LINES}-line order | SQL queries | ms per order |",
        "| --- | ---: | ---: |",
        *(f"| {label} | {q:.0f} | {ms:.1f} |" for label, (q, ms) in rows),
    ]
    ratios = [
        "| Ratio | SQL queries | Time |",
        "| --- | ---: | ---: |",
        (
            f"| car-portal submission / sale.order create | "
            f"{car_total[0] / sale_create[0]:.2f} "
            f"| {car_total[1] / sale_create[1]:.2f} |"
        ),
        (
            f"| car-portal submission / sale.order create and confirm | "
            f"{car_total[0] / sale_confirm[0]:.2f} "
            f"| {car_total[1] / sale_confirm[1]:.2f} |"
        ),
        (
            f"| car-portal submission and its queued notifications / "
            f"sale.order create | "
            f"{(car_total[0] + car_queue[0]) / sale_create[0]:.2f} "
            f"| {(car_total[1] + car_queue[1]) / sale_create[1]:.2f} |"
        ),
    ]
    raw = [
        (
            "Raw figures (queries, ms) per measured round, car create + submit "
            "(the queue after the commit) | "
            "sale create | sale create and confirm:"
        ),
        "",
        "```",
        *(
            f"{r['car_create'][0]:>4} + {r['car_submit'][0]:>4} q "
            f"{r['car_create'][1] * 1000:7.1f} + {r['car_submit'][1] * 1000:7.1f} ms"
            f" (queue {r['car_queue'][0]:>3} q {r['car_queue'][1] * 1000:5.1f} ms)"
            f" | {r['sale_create'][0]:>4} q {r['sale_create'][1] * 1000:7.1f} ms"
            f" | {r['sale_confirm'][0]:>4} q {r['sale_confirm'][1] * 1000:7.1f} ms"
            for r in rounds
        ),
        "```",
    ]
    method = (
        f"Medians of {args.runs} rounds after {args.warmup} warm-up rounds, the "
        "sides alternating. car-portal: the portal's model path as the dealer's "
        "portal user (sudo, as the controller), no HTTP; sale.order: a salesman's "
        "`create` (and `action_confirm`). Cold record cache at each round, ORM "
        "flushed inside the measure, commit outside; mail queued on both sides. "
        "The submission's notifications (mails in the layout, inbox) are made "
        "after the commit by Odoo's queue of notifications (its cron), not in the "
        "dealer's request: measured apart, in the same round, and in the last "
        "ratio."
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
            *ratios,
            "",
            *raw,
        ]
    )
    write_results("Order submit", body, args)


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--runs", type=int, default=30)
    result.add_argument("--warmup", type=int, default=5)
    return result.parse_args()


if __name__ == "__main__":
    main()
