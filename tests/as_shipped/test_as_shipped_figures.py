"""On the demo as ``scripts/serve`` builds it, "supplied" means one thing: every
submitted line's supplied quantity and discrepancy on the order are the
reports' figures, and a rejected or cancelled order supplies nothing."""

from as_shipped_common import AsShippedCase

from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestAsShippedFigures(AsShippedCase):
    def test_every_submitted_line_reads_the_same_everywhere(self):
        lines = self.env["car.portal.order.line"].search([("state", "!=", "draft")])
        self.assertGreaterEqual(len(lines), 10, "the demo has submitted orders")
        self.assertTrue(
            {"rejected", "cancel", "approved"} <= set(lines.mapped("state")),
            "the demo has refused and approved orders",
        )
        reports = {
            report.id: report
            for report in self.env["car.portal.order.line.report"].search([])
        }
        for line in lines:
            report = reports[line.id]
            with self.subTest(order=line.order_id.name, product=line.product_id.name):
                self.assertEqual(report.supplied_qty, line.supplied_qty)
                self.assertEqual(report.discrepancy_qty, line.discrepancy_qty)
                if line.state in ("rejected", "cancel"):
                    self.assertEqual(line.supplied_qty, 0)
                    self.assertEqual(line.discrepancy_qty, line.requested_qty)
        print(f"\nAs shipped: {len(lines)} submitted lines read the same everywhere")
