# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io

import xlsxwriter

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.car_portal_orders.tools.digits import format_quantity, localize_number
from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups


class CarPortalOrderLineReport(models.Model):
    """Submitted order lines: requested versus supplied, by every dimension."""

    _name = "car.portal.order.line.report"
    _inherit = "car.portal.report.common"
    _description = "Requested vs Supplied Analysis"
    _auto = False
    _order = "date_submitted desc, id"

    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Model", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    color_value_id = fields.Many2one(
        "product.attribute.value", string="Colour", readonly=True
    )
    discrepancy_percent = fields.Float(
        string="Discrepancy % (line average)",
        readonly=True,
        aggregator="avg",
        help="Share of the requested quantity not supplied, averaged over lines. "
        "For a group, Discrepancy / Requested gives the quantity-weighted share.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT l.id AS id,
                   %(order_columns)s,
                   l.product_id AS product_id,
                   l.product_tmpl_id AS product_tmpl_id,
                   l.product_categ_id AS categ_id,
                   l.color_value_id AS color_value_id,
                   l.requested_qty AS requested_qty,
                   l.supplied_qty AS supplied_qty,
                   l.discrepancy_qty AS discrepancy_qty,
                   l.discrepancy_percent AS discrepancy_percent
              FROM car_portal_order_line l
              JOIN car_portal_order o ON o.id = l.order_id
                   %(joins)s
             WHERE o.state != 'draft'
            """,
            order_columns=self._order_columns(),
            joins=self._order_joins(),
        )

    # Dealer portal ------------------------------------------------------------

    @api.model
    def _portal_year_summary(self, dealer, year):
        """Requested vs supplied per product for ``dealer``'s orders submitted
        in ``year`` of the reader's calendar (Jalali for a Persian reader), with
        the reader's digits: what the portal's summary shows.

        Read as superuser (dealers have no access to reports) but only ever for
        the dealer's own company, which the caller has checked.
        """
        Report = self.sudo()
        groups = Report._read_group(
            [
                ("partner_id", "child_of", dealer.commercial_partner_id.ids),
                *self.env["car.portal.order"]._portal_year_domain(year),
            ],
            ["product_id"],
            ["requested_qty:sum", "supplied_qty:sum", "discrepancy_qty:sum"],
            order="discrepancy_qty:sum desc, product_id",
        )
        lang = self.env.lang

        def number(value):
            return localize_number(format_quantity(value), lang)

        return [
            {
                "product": product.sudo().display_name,
                "requested": number(requested),
                "supplied": number(supplied),
                "discrepancy": number(discrepancy),
                "short": discrepancy > 0,
            }
            for product, requested, supplied, discrepancy in groups
        ]

    # Formatted export -------------------------------------------------------

    @allowed_groups("car_portal_orders.group_car_portal_expert")
    def action_export_xlsx(self):
        """A formatted workbook of these lines: one block per dealer, totals,
        right to left for right-to-left languages."""
        data = self._discrepancy_workbook()
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Discrepancy %(date)s.xlsx", date=fields.Date.today()
                ),
                "raw": data,
                "res_model": self._name,
                "mimetype": "application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _discrepancy_rows(self):
        """(dealer, product, requested, supplied, discrepancy) summed per pair."""
        groups = self._read_group(
            [("id", "in", self.ids)],
            ["partner_id", "product_id"],
            ["requested_qty:sum", "supplied_qty:sum", "discrepancy_qty:sum"],
            order="partner_id, product_id",
        )
        return [
            (partner, product, requested, supplied, discrepancy)
            for partner, product, requested, supplied, discrepancy in groups
        ]

    def _discrepancy_workbook(self):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Discrepancy"))
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        if lang and lang.direction == "rtl":
            sheet.right_to_left()
        bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        number = workbook.add_format({"num_format": "#,##0", "border": 1})
        percent = workbook.add_format({"num_format": "0.0%", "border": 1})
        text = workbook.add_format({"border": 1})
        total = workbook.add_format({"bold": True, "num_format": "#,##0", "top": 2})
        headers = [
            self.env._("Dealer"),
            self.env._("Product"),
            self.env._("Requested"),
            self.env._("Supplied"),
            self.env._("Discrepancy"),
            self.env._("Discrepancy %"),
        ]
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, 1, 32)
        sheet.set_column(2, 5, 14)
        row = 1
        sums = [0.0, 0.0, 0.0]
        for (
            partner,
            product,
            requested,
            supplied,
            discrepancy,
        ) in self._discrepancy_rows():
            sheet.write(row, 0, partner.display_name, text)
            sheet.write(row, 1, product.display_name, text)
            sheet.write_number(row, 2, requested, number)
            sheet.write_number(row, 3, supplied, number)
            sheet.write_number(row, 4, discrepancy, number)
            sheet.write_number(
                row, 5, discrepancy / requested if requested else 0, percent
            )
            sums = [sums[0] + requested, sums[1] + supplied, sums[2] + discrepancy]
            row += 1
        sheet.write(row, 0, self.env._("Total"), total)
        for column, value in enumerate(sums, start=2):
            sheet.write_number(row, column, value, total)
        sheet.write_number(row, 5, sums[2] / sums[0] if sums[0] else 0, percent)
        sheet.freeze_panes(1, 0)
        workbook.close()
        return output.getvalue()
