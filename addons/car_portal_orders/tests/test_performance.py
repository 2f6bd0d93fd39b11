# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SQL queries of the dealer's submission and of the approvals, pinned.

As Odoo's own performance tests (``odoo/addons/test_performance``): each test
runs twice (``@warmup``), the first time to fill the caches, and only the
second run is counted. ``assertQueryCount`` fails when a path costs more
queries than pinned here (and only logs when it costs fewer: lower the figure
then). Its count includes the ORM flush and the chatter's tracking messages
(``cr.flush()``) at the end of the block. Query counts only, no timings; the
figures and where the queries go are in ``bench/RESULTS.md`` ("Where the
queries go (profile)").
"""

import uuid

from odoo import Command
from odoo.tests.common import warmup

from ..controllers.order_form import OrderForm
from .common import STAFF, CarPortalCase

LINES = 10


class TestQueryCounts(CarPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = cls._user("cp_perf_approver", STAFF)
        cls.tag_perf = cls.env["res.partner.category"].create({"name": "Perf"})
        cls.env["car.portal.process"].create(
            {
                "name": "Perf: one approval",
                "sequence": 1,
                "partner_category_ids": [Command.set(cls.tag_perf.ids)],
                "stage_ids": [
                    Command.create(
                        {
                            "name": "Perf approval",
                            "responsible_user_ids": [Command.set(cls.approver.ids)],
                            "sla_hours": 24,
                        }
                    )
                ],
            }
        )
        cls.dealer_a.category_id = cls.tag_perf
        cls.parts = cls.env["product.product"].concat(
            *(
                cls._product(f"Perf part {n}", f"PF-{n}", cls.categ_parts, 10.0 + n)
                for n in range(LINES)
            )
        )

    def _raw_form(self):
        """What the portal posts for a new 10-line order."""
        return {
            "payment_term_id": str(self.payment_term.id),
            "dealer_note": "Deliver with the next truck",
            "lines": [
                {
                    "product_query": "",
                    "product_tmpl_id": str(part.product_tmpl_id.id),
                    "product_id": str(part.id),
                    "qty": str(n + 1),
                }
                for n, part in enumerate(self.parts)
            ],
        }

    def _orders_in_process(self, count):
        """``count`` orders waiting for the approver, the real way."""
        orders = self.env["car.portal.order"].create(
            [
                {
                    "partner_id": self.dealer_a.id,
                    "payment_term_id": self.payment_term.id,
                    "line_ids": [
                        Command.create({"product_id": part.id, "requested_qty": 2})
                        for part in self.parts[:2]
                    ],
                }
                for _n in range(count)
            ]
        )
        orders.action_submit()
        reviewed = orders.with_user(self.expert_1)
        reviewed.write({"expert_opinion": "<p>Supply as requested.</p>"})
        reviewed.action_send_to_process()
        self.assertEqual(set(orders.mapped("current_reviewer_ids")), {self.approver})
        # As if they were sent on in an earlier request: ORM flushed, tracking
        # messages posted.
        self.env.cr.flush()
        self.env.invalidate_all()
        return orders.with_user(self.approver)

    @warmup
    def test_portal_submission(self):
        """A dealer's 10-line order from the portal: the form checked and the
        draft created, then submitted, as the controller does it (the dealer's
        portal user on the sudo'ed model)."""
        Order = self.env["car.portal.order"].with_user(self.portal_a).sudo()
        contact = self.portal_a.partner_id
        raw = self._raw_form()
        self.env.invalidate_all()
        with self.assertQueryCount(26):
            vals, errors, _templates = OrderForm(Order.env, self.company).check(
                raw, submit=True
            )
            order, created = Order._portal_create_draft(
                contact, self.company, vals, form_token=str(uuid.uuid4())
            )
        self.assertFalse(errors)
        self.assertTrue(created)
        with self.assertQueryCount(49):
            self.assertTrue(order._portal_submit())
        self.assertEqual(order.state, "review")
        self.assertEqual(order.line_count, LINES)

    @warmup
    def test_single_approval(self):
        """The approver's *Approve* button on an order in the last stage."""
        order = self._orders_in_process(1)
        with self.assertQueryCount(82):
            order.action_approve()
        self.assertEqual(order.state, "approved")

    @warmup
    def test_mass_approval_per_order(self):
        """The list's *Action › Approve* on 10 then 20 orders, each approved
        (history, to-do done, tracking, notice and mails to the dealer).

        A selection costs a constant part (locks, reads, checks: about 74
        queries) plus about 17 queries per order, whatever its size: 20
        orders cost 169 queries more than 10 (with the three addons and the
        demo data installed, as ``scripts/test`` does). Per order: the
        notice's message, recipients, two mails and notification, the to-do's
        "done" message, the tracking message (was about 20 before the notices
        and the to-dos' messages were posted without the mail composer and
        with what ``message_post`` looks up read once per batch)."""
        orders = self._orders_in_process(30)
        with self.assertQueryCount(243):
            result = orders[:10].action_mass_approve()
        self.assertEqual(result["params"]["type"], "success", result)
        self.env.invalidate_all()
        with self.assertQueryCount(412):
            result = orders[10:].action_mass_approve()
        self.assertEqual(result["params"]["type"], "success", result)
        self.assertEqual(set(orders.sudo().mapped("state")), {"approved"})

    def test_mass_approval_leaves_what_one_at_a_time_leaves(self):
        """Batched, an approval still leaves every history row, to-do done,
        chatter message, queued mail and follower that approving one order at
        a time leaves."""
        orders = self._orders_in_process(3)
        orders[0].action_approve()
        orders[1:].action_mass_approve()
        self.env.cr.flush()  # the ORM, and the tracking messages
        self.env.invalidate_all()

        def outcome(order):
            order = order.sudo()
            messages = order.message_ids
            return {
                "state": order.state,
                "history": sorted(order.history_ids.mapped("action")),
                "activities": order.activity_ids.mapped("activity_type_id.name"),
                "messages": sorted(
                    (m.message_type, m.subtype_id.name or "") for m in messages
                ),
                "mails": len(
                    self.env["mail.mail"].search(
                        [("mail_message_id", "in", messages.ids)]
                    )
                ),
                "followers": order.message_partner_ids,
            }

        single = outcome(orders[0])
        self.assertEqual(single["state"], "approved")
        self.assertIn(self.approver.partner_id, single["followers"])
        for order in orders[1:]:
            self.assertEqual(outcome(order), single, order.name)
