"""Generate a large, realistic data set of dealer orders through the ORM.

    bench/run generate --orders 200000 --lines 5      # 1,000,000 order lines

Creates dealers (with experts and regions), vehicle models in colours and
parts, then orders in batches: every state (draft, review, in approval,
approved, rejected, cancelled), submission dates over two years, partial
supply on a share of the lines. Orders are created through the ORM (``create``
with their lines, so computed and stored fields are filled as in production);
the status and dates are then set in bulk through the order's own system
write, without chatter (``tracking_disable``), because replaying every
approval through the UI path would measure the mail stack, not the data.
The time per batch and in total is printed.
"""

import random
import resource
import statistics
import time
from datetime import datetime, timedelta

from common import (
    command_line,
    installed_addons,
    machine,
    odoo_env,
    parser,
    vacuum_analyze,
    write_results,
)

STATES = [  # (state, share)
    ("draft", 0.05),
    ("review", 0.10),
    ("process", 0.10),
    ("approved", 0.60),
    ("rejected", 0.10),
    ("cancel", 0.05),
]
GENERATED_TABLES = ["car_portal_order", "car_portal_order_line", "res_partner"]
COLOURS = ["White", "Black", "Silver", "Red", "Blue"]


def _pick_state(rng):
    roll, total = rng.random(), 0.0
    for state, share in STATES:
        total += share
        if roll < total:
            return state
    return STATES[-1][0]


def _reference_data(env, args, rng):
    from odoo import Command

    experts = env["res.users"].create(
        [
            {
                "name": f"Bench expert {n}",
                "login": f"bench_expert_{n}_{rng.randrange(10**9)}",
                "groups_id": [
                    Command.set(
                        [env.ref("car_portal_orders.group_car_portal_expert").id]
                    )
                ],
            }
            for n in range(args.experts)
        ]
    )
    regions = env["car.portal.region"].create(
        [{"name": f"Bench region {n}"} for n in range(3)]
    )
    dealers = env["res.partner"].create(
        [
            {
                "name": f"Bench dealer {n}",
                "is_company": True,
                "car_portal_is_dealer": True,
                "user_id": experts[n % len(experts)].id,
                "car_portal_region_id": regions[n % len(regions)].id,
            }
            for n in range(args.dealers)
        ]
    )
    colour = env["product.attribute"].create(
        {
            "name": "Bench colour",
            "display_type": "color",
            "value_ids": [Command.create({"name": name}) for name in COLOURS],
        }
    )
    vehicles = env["product.category"].create({"name": "Bench vehicles"})
    parts = env["product.category"].create({"name": "Bench parts"})
    templates = env["product.template"].create(
        [
            {
                "name": f"Bench model {n}",
                "categ_id": vehicles.id,
                "list_price": 1_000_000.0 * (n + 1),
                "car_portal_orderable": True,
                "car_portal_kind": "vehicle",
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": colour.id,
                            "value_ids": [Command.set(colour.value_ids.ids[:3])],
                        }
                    )
                ],
            }
            for n in range(max(args.products // 4, 1))
        ]
    )
    products = templates.product_variant_ids
    products |= env["product.product"].create(
        [
            {
                "name": f"Bench part {n}",
                "default_code": f"BP-{n:05d}",
                "categ_id": parts.id,
                "list_price": 10_000.0 * (n + 1),
                "car_portal_orderable": True,
                "car_portal_kind": "part",
            }
            for n in range(max(args.products - len(products), 1))
        ]
    )
    return dealers, products


def _line(product, fate, rng):
    requested = rng.randint(1, 20)
    partial = fate in ("process", "approved") and rng.random() < 0.3
    supplied = rng.randint(0, requested) if partial else requested
    return {
        "product_id": product.id,
        "requested_qty": requested,
        # Set while the order is a draft, as the submission would.
        "supplied_qty": supplied if fate != "draft" else 0,
    }


def _batch(env, dealers, products, size, lines, rng, start):
    from odoo import Command

    vals, fates = [], []
    for _ in range(size):
        dealer = rng.choice(dealers)
        fate = _pick_state(rng)
        fates.append(fate)
        vals.append(
            {
                "partner_id": dealer.id,
                "user_id": dealer.user_id.id,
                "line_ids": [
                    Command.create(_line(product, fate, rng))
                    for product in rng.sample(products, lines)
                ],
            }
        )
    orders = env["car.portal.order"].create(vals)
    for order, fate in zip(orders, fates, strict=True):
        if fate == "draft":
            continue
        submitted = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        reviewed = submitted + timedelta(hours=rng.uniform(1, 72))
        approved = reviewed + timedelta(hours=rng.uniform(1, 96))
        values = {"state": fate, "date_submitted": submitted}
        if fate in ("process", "approved", "rejected"):
            values["date_reviewed"] = reviewed
        if fate == "approved":
            values["date_approved"] = approved
        order._write_system(values)
    return orders


def main():
    args = _arguments()
    rng = random.Random(args.seed)
    context = {
        "tracking_disable": True,
        "mail_create_nolog": True,
        "mail_notrack": True,
        "mail_create_nosubscribe": True,
    }
    with odoo_env(args, context) as env:
        addons = installed_addons(env)
        dealers, products = _reference_data(env, args, rng)
        env.cr.commit()
        dealers, products = list(dealers), list(products)
        start = datetime(2024, 12, 1)
        started, created, rates = time.perf_counter(), 0, []
        while created < args.orders:
            size = min(args.batch, args.orders - created)
            batch_started = time.perf_counter()
            _batch(env, dealers, products, size, args.lines, rng, start)
            env.cr.commit()
            env.invalidate_all()
            created += size
            batch_time = time.perf_counter() - batch_started
            rates.append(size * args.lines / batch_time)
            print(  # progress on the terminal
                f"{created:>9} orders, {created * args.lines:>10} lines "
                f"({batch_time:.1f} s for this batch)",
                flush=True,
            )
        elapsed = time.perf_counter() - started
    # Outside the timing: what autovacuum would do after such a load.
    vacuum_analyze(args, GENERATED_TABLES)
    lines = args.orders * args.lines
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tenth = max(len(rates) // 10, 1)
    first, last = statistics.median(rates[:tenth]), statistics.median(rates[-tenth:])
    write_results(
        "Data generator",
        f"""Command: `{command_line()}`

Run: {machine()}. Addons installed: {addons}.

{args.orders:,} orders with {lines:,} lines ({args.dealers} dealers,
{len(products)} products, every state) created through the ORM in
**{elapsed:.0f} s** ({elapsed / 60:.1f} min, {lines / elapsed:,.0f} lines/s;
batches of {args.batch} orders, each committed). Lines per second, median of
the first tenth of the batches: {first:,.0f}; of the last tenth: {last:,.0f}
({last / first - 1:+.0%} as the tables grow). Peak memory of the generator:
{memory:,.0f} MiB.
""",
        args,
    )


def _arguments():
    result = parser(__doc__.splitlines()[0])
    result.add_argument("--orders", type=int, default=20_000)
    result.add_argument("--lines", type=int, default=5, help="lines per order")
    result.add_argument("--dealers", type=int, default=60)
    result.add_argument("--experts", type=int, default=6)
    result.add_argument("--products", type=int, default=40)
    result.add_argument("--batch", type=int, default=1000)
    result.add_argument("--seed", type=int, default=1)
    return result.parse_args()


if __name__ == "__main__":
    main()
