# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL


class CarPortalOrderReport(models.Model):
    """Submitted dealer orders, one row per order: status and lead times."""

    _name = "car.portal.order.report"
    _inherit = "car.portal.report.common"
    _description = "Dealer Orders Analysis"
    _auto = False
    _order = "date_submitted desc"

    line_count = fields.Integer(string="# Lines", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT o.id AS id,
                   %(order_columns)s,
                   o.line_count AS line_count,
                   o.requested_qty AS requested_qty,
                   o.supplied_qty AS supplied_qty,
                   o.discrepancy_qty AS discrepancy_qty
              FROM car_portal_order o
                   %(joins)s
             WHERE o.state != 'draft'
            """,
            order_columns=self._order_columns(),
            joins=self._order_joins(),
        )
