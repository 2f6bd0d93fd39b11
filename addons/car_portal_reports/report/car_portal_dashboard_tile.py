# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.car_portal_orders.models.order_states import OPEN_STATES
from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups

TILE_KINDS = [
    ("review", "Waiting for the expert"),
    ("stage", "In a stage"),
    ("overdue", "Overdue (SLA)"),
    ("sepidar_error", "Sepidar errors"),
    ("discrepancy", "Not supplied this month"),
]


class CarPortalDashboardTile(models.Model):
    """The managers' dashboard: one figure per tile, shown as a kanban.

    Computed live for the companies the user works in; clicking a tile opens
    the orders behind the figure.
    """

    _name = "car.portal.dashboard.tile"
    _description = "Dealer Orders Dashboard Tile"
    _auto = False
    _order = "sequence, id"
    _depends = {
        "car.portal.order": [
            "company_id",
            "state",
            "stage_id",
            "date_deadline",
            "date_submitted",
            "requested_qty",
            "supplied_qty",
        ],
        "car.portal.process": ["active", "sequence", "company_id"],
        "car.portal.process.stage": ["active", "sequence", "process_id"],
        "sepidar.export": ["order_id", "state"],
    }

    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(TILE_KINDS, readonly=True)
    stage_id = fields.Many2one("car.portal.process.stage", readonly=True)
    value = fields.Float(readonly=True, digits=(16, 0))
    name = fields.Char(compute="_compute_name")

    @api.depends("kind", "stage_id")
    def _compute_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for tile in self:
            if tile.kind == "stage":
                tile.name = f"{tile.stage_id.process_id.name} › {tile.stage_id.name}"
            else:
                tile.name = labels[tile.kind]

    @property
    def _table_query(self):
        month_start, month_end = self.env[
            "car.portal.order.line.report"
        ]._this_month_bounds()
        return SQL(
            """
            WITH orders AS (
                SELECT o.*
                  FROM car_portal_order o
                 WHERE o.company_id IN %(companies)s AND o.state != 'draft'
            ), tiles AS (
                SELECT 10 AS sequence, 'review' AS kind, NULL::integer AS stage_id,
                       count(*)::float AS value
                  FROM orders WHERE state = 'review'
                UNION ALL
                SELECT 100 + row_number() OVER (
                           ORDER BY p.sequence, p.id, s.sequence, s.id),
                       'stage', s.id,
                       (SELECT count(*) FROM orders
                         WHERE orders.state = 'process' AND orders.stage_id = s.id)
                  FROM car_portal_process_stage s
                  JOIN car_portal_process p ON p.id = s.process_id
                 WHERE s.active AND p.active
                   AND (p.company_id IS NULL OR p.company_id IN %(companies)s)
                UNION ALL
                SELECT 20, 'overdue', NULL, count(*)
                  FROM orders
                 WHERE state IN %(open_states)s
                   AND date_deadline < (now() AT TIME ZONE 'UTC')
                UNION ALL
                SELECT 30, 'sepidar_error', NULL, count(*)
                  FROM orders JOIN sepidar_export export ON export.order_id = orders.id
                 WHERE export.state = 'error'
                UNION ALL
                SELECT 40, 'discrepancy', NULL,
                       COALESCE(sum(discrepancy_qty), 0)
                  FROM orders
                 WHERE date_submitted >= %(month_start)s
                   AND date_submitted < %(month_end)s
            )
            SELECT row_number() OVER (ORDER BY sequence) AS id, * FROM tiles
            """,
            companies=tuple(self.env.companies.ids),
            open_states=OPEN_STATES,
            # The reader's month, as the report's "This Month" filter reads it.
            month_start=month_start,
            month_end=month_end,
        )

    @allowed_groups("car_portal_orders.group_car_portal_manager")
    def action_open(self):
        """The orders behind the figure."""
        self.ensure_one()
        if self.kind == "discrepancy":
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "car_portal_reports.car_portal_order_line_report_action"
            )
            action["context"] = {
                "search_default_this_month": 1,
                "search_default_not_supplied": 1,
            }
            return action
        domains = {
            "review": [("state", "=", "review")],
            "stage": [("state", "=", "process"), ("stage_id", "=", self.stage_id.id)],
            "overdue": [("is_late", "=", True)],
            "sepidar_error": [("sepidar_state", "=", "error")],
        }
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "car_portal_orders.car_portal_order_action"
        )
        action.update(
            name=self.name, domain=domains[self.kind], context={"create": False}
        )
        return action
