"""Where the time goes: cProfile of a portal submission and of a mass approval,
cumulative time per step.

    CAR_PORTAL_ADDONS=car_portal_orders,sale BENCH_DB=cp_bench_perf \\
        bench/run time_profile [--runs 20] [--dump /tmp/submit.prof]

Not part of the tests; about a minute. Prints, writes nothing (the findings
are written by hand in ``bench/RESULTS.md``, "Where the queries go
(profile)"); commits the orders it makes, as ``order_submit`` does.

Measured as ``order_submit`` does it (the portal's form check and draft, then
the submission, as the dealer's portal user on the sudo'ed model; cold record
cache, ORM flushed inside the measure), ``--runs`` times after 5 unmeasured
rounds, under ``cProfile`` (which slows Python down about twice: the shares
count, not the milliseconds). Then a mass approval of ``--orders`` orders. For
each, the cumulative time of the steps (car-portal methods and the Odoo
machinery they call), as a share of the whole.
"""

import cProfile
import pstats
import random
from datetime import datetime

import mass_approval
import order_submit
from common import odoo_env, parser

# (label, function name as pstats prints it): the steps worth naming.
STEPS = [
    ("form check (OrderForm.check)", "order_form.py", "check"),
    ("draft created (_portal_create_draft)", "", "_portal_create_draft"),
    (
        "  mail.thread create (creation message, follower)",
        "mail/models/mail_thread.py",
        "create",
    ),
    ("  order number (_assign_number)", "", "_assign_number"),
    ("submit (action_submit)", "", "action_submit"),
    ("  lines frozen (_prefill_supplied_qty)", "", "_prefill_supplied_qty"),
    ("  history rows (_log_history)", "", "_log_history"),
    ("  referral rules, leaves (_find_expert)", "", "_find_expert"),
    ("  review to-do (_schedule_review_activity)", "", "_schedule_review_activity"),
    ("  mail templates posted (_message_post_template)", "", "_message_post_template"),
    ("    template rendering (_generate_template)", "", "_generate_template"),
    ("    message_post", "mail/models/mail_thread.py", "message_post"),
    ("      notification mails", "", "_notify_thread_by_email"),
    ("      portal links' signup tokens", "", "signup_get_auth_param"),
    ("approval (action_approve)", "", "action_approve"),
    ("  to-dos done (_feedback_stage_activity)", "", "_feedback_stage_activity"),
    ("  approved (_finish_process)", "", "_finish_process"),
    ("ORM flush (flush_all)", "api.py", "flush_all"),
    (
        "SQL (cursor.execute)",
        "~",
        "<method 'execute' of 'psycopg2.extensions.cursor' objects>",
    ),
]


def _report(title, profile):
    stats = pstats.Stats(profile)
    total = stats.total_tt
    print(f"\n=== {title}: {total:.3f} s under cProfile")
    for label, filename, function in STEPS:
        cumulative = sum(
            row[3]
            for (path, _line, name), row in stats.stats.items()
            if name == function and filename in path
        )
        if cumulative:
            print(f"{100 * cumulative / total:5.1f} %  {cumulative:7.3f} s  {label}")


def main():
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--runs", type=int, default=20)
    arguments.add_argument("--orders", type=int, default=100)
    arguments.add_argument("--dump", help="write the submission's profile here")
    args = arguments.parse_args()
    tag = "time" + datetime.now().strftime("%Y%m%d%H%M%S")
    with odoo_env(args) as env:
        env = env(context=dict(env.context, **order_submit.CONTEXT))
        data = order_submit._setup(env, tag)
        env.cr.commit()
        rng, created, profile = random.Random(3), [], cProfile.Profile()
        for number in range(5 + args.runs):
            env.invalidate_all()
            for _name, function in order_submit._car_phases(env, data, rng, created):
                if number >= 5:
                    profile.enable()
                function()
                env.flush_all()
                if number >= 5:
                    profile.disable()
            env.cr.commit()
        if args.dump:
            profile.dump_stats(args.dump)
        _report(f"{args.runs} portal submissions (form, draft, submit)", profile)

        data = mass_approval._setup(env, tag + "a")
        orders = mass_approval._prepare(env, data, args.orders, rng)
        approver = env["car.portal.order"].with_user(data["approver"])
        env.invalidate_all()
        profile = cProfile.Profile()
        profile.enable()
        approver.browse(orders.ids).action_mass_approve()
        env.flush_all()
        profile.disable()
        env.cr.commit()
        _report(f"mass approval of {len(orders)} orders", profile)


if __name__ == "__main__":
    main()
