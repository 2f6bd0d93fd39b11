# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""End to end: three dealers compete for a vehicle Sepidar has too few of.

The stock comes from the Sepidar simulator (5 Samands), the suggestions share
it by the dealers' quotas, the experts apply them, the orders go through the
process (its stock check reads Sepidar again) and post to the simulator, and
the reports show what each dealer was not supplied.
"""

import jdatetime

from odoo.addons.car_portal_sepidar.tests.common import SepidarCase


class TestAllocationStory(SepidarCase):
    def _quotas(self, dealers, quantities):
        """This Jalali month's Samand quotas of ``dealers``."""
        month = jdatetime.date.today()
        for dealer, quota in zip(dealers, quantities, strict=True):
            self.env["car.portal.quota"].create(
                {
                    "partner_id": dealer.id,
                    "product_tmpl_id": self.samand.product_tmpl_id.id,
                    "period_kind": "month",
                    "jalali_year": month.year,
                    "period_number": month.month,
                    "quantity": quota,
                }
            )

    def _through_the_process(self, orders, experts):
        for order, expert in zip(orders, experts, strict=True):
            order.with_user(expert).expert_opinion = "<p>Our share.</p>"
            order.with_user(expert).action_send_to_process()
            for _step in range(10):  # the stages of the process, if any
                if order.state != "process":
                    break
                order.action_approve()

    def test_three_dealers_get_their_shares_through_to_sepidar_and_the_reports(self):
        dealer_c = self._dealer("Dealer C", self.expert_3, self.region_north)
        dealers = (self.dealer_a, self.dealer_b, dealer_c)
        experts = (self.expert_1, self.expert_2, self.expert_3)
        self._quotas(dealers, (2, 4, 6))
        self.env["sepidar.backend"]._cron_read_stock()  # the scheduled action
        orders = [
            self._submitted_order(dealer=dealer, lines=[(self.samand, 4)])
            for dealer in dealers
        ]
        lines = [order.line_ids for order in orders]
        # ATP 5 shared by quota 2:4:6 (caps 2, 4, 4): 0.83 / 1.67 / 2.5, whole
        # units by the largest remainder.
        self.assertEqual(
            [(ln.atp_qty, ln.quota_remaining_qty, ln.suggested_qty) for ln in lines],
            [(5.0, 2.0, 1.0), (5.0, 4.0, 2.0), (5.0, 6.0, 2.0)],
        )
        # Each expert applies the suggestion from the allocation board.
        for line, expert in zip(lines, experts, strict=True):
            line.with_user(expert).action_apply_suggestions()
        self.assertEqual([ln.supplied_qty for ln in lines], [1.0, 2.0, 2.0])
        self._through_the_process(orders, experts)
        self.assertEqual([o.state for o in orders], ["approved"] * 3)
        self.assertEqual(self._run_cron(), 3)
        exports = self.env["sepidar.export"].search(
            [("order_id", "in", [o.id for o in orders])]
        )
        self.assertEqual(exports.mapped("state"), ["done"] * 3)
        posted = sorted(
            line["Quantity"]
            for document in self.simulator.backend.ledger.quotations.values()
            for line in document["Items"]
        )
        self.assertEqual(posted, [1, 2, 2])
        # What each dealer was not supplied, as the reports read it.
        report = self.env["car.portal.order.line.report"]._read_group(
            [("partner_id", "in", [d.id for d in dealers])],
            ["partner_id"],
            ["requested_qty:sum", "supplied_qty:sum", "discrepancy_qty:sum"],
        )
        self.assertEqual(
            {partner: figures for partner, *figures in report},
            {
                self.dealer_a: [4.0, 1.0, 3.0],
                self.dealer_b: [4.0, 2.0, 2.0],
                dealer_c: [4.0, 2.0, 2.0],
            },
        )
        # Nothing left to promise.
        atp = self.samand._car_portal_atp(self.company)
        self.assertEqual(atp[self.samand.id][0], 0)
