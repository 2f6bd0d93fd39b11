# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from odoo.addons.car_portal_orders.models.ir_qweb_fields import JALALI_LANGS
from odoo.addons.car_portal_orders.models.order_states import (
    OPEN_STATES,
    ORDER_STATES,
)
from odoo.addons.car_portal_orders.tools.jalali import format_jalali, month_start
from odoo.addons.car_portal_sepidar.models.sepidar_export import (
    STATES as SEPIDAR_STATES,
)


class CarPortalReportCommon(models.AbstractModel):
    """The order-level columns shared by the order and the line reports.

    Rules of the figures, in one place:
    - drafts are not orders yet and are left out;
    - supplied and discrepancy are the order's own stored figures: a refused
      (rejected or cancelled) order supplies 0, on the order as here;
    - lead times are in hours between the order's milestones.
    """

    _name = "car.portal.report.common"
    _description = "Dealer Order Report Columns"

    # Searching the SQL views flushes these first, so that pending writes of the
    # current transaction are in the figures.
    _depends = {
        "car.portal.order": [
            "name",
            "company_id",
            "partner_id",
            "user_id",
            "process_id",
            "stage_id",
            "state",
            "date_deadline",
            "date_submitted",
            "date_reviewed",
            "date_approved",
            "line_count",
            "requested_qty",
            "supplied_qty",
        ],
        "car.portal.order.line": [
            "order_id",
            "product_id",
            "product_tmpl_id",
            "product_categ_id",
            "color_value_id",
            "requested_qty",
            "supplied_qty",
        ],
        "res.partner": ["car_portal_region_id"],
        "sepidar.export": ["order_id", "state", "posted_at"],
    }

    order_id = fields.Many2one("car.portal.order", readonly=True)
    name = fields.Char(string="Order Number", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Dealer", readonly=True)
    region_id = fields.Many2one(
        "car.portal.region", string="Dealer Region", readonly=True
    )
    partner_category_ids = fields.Many2many(
        related="partner_id.category_id", string="Dealer Tags"
    )
    user_id = fields.Many2one("res.users", string="Expert", readonly=True)
    process_id = fields.Many2one("car.portal.process", readonly=True)
    stage_id = fields.Many2one("car.portal.process.stage", readonly=True)
    state = fields.Selection(ORDER_STATES, readonly=True)
    is_pending = fields.Boolean(
        readonly=True, help="In review or in approval: not decided yet."
    )
    is_late = fields.Boolean(readonly=True)
    date_submitted = fields.Datetime(string="Submitted On", readonly=True)
    date_submitted_jalali = fields.Char(
        string="Submitted On (Jalali)",
        compute="_compute_date_submitted_jalali",
        help="The submission date in the Jalali calendar, in the reader's time "
        "zone: the lists show it to Persian readers.",
    )
    is_this_month = fields.Boolean(
        compute="_compute_is_this_month",
        search="_search_is_this_month",
        help="Submitted this month, in the reader's calendar (Jalali for Persian "
        "readers) and time zone.",
    )
    jalali_month = fields.Char(
        readonly=True,
        help="Month of the Iranian (Jalali) calendar in which the order was "
        "submitted, in Tehran time.",
    )
    date_reviewed = fields.Datetime(string="Reviewed On", readonly=True)
    date_approved = fields.Datetime(string="Approved On", readonly=True)
    date_posted = fields.Datetime(string="Posted to Sepidar On", readonly=True)
    requested_qty = fields.Float(
        string="Requested", readonly=True, digits="Product Unit of Measure"
    )
    supplied_qty = fields.Float(
        string="Supplied", readonly=True, digits="Product Unit of Measure"
    )
    discrepancy_qty = fields.Float(
        string="Discrepancy", readonly=True, digits="Product Unit of Measure"
    )
    review_hours = fields.Float(
        string="Submit → Review (h)", readonly=True, aggregator="avg"
    )
    approval_hours = fields.Float(
        string="Review → Approval (h)", readonly=True, aggregator="avg"
    )
    posting_hours = fields.Float(
        string="Approval → Sepidar (h)", readonly=True, aggregator="avg"
    )
    sepidar_state = fields.Selection(
        SEPIDAR_STATES, string="Sepidar Status", readonly=True
    )

    def _order_columns(self):
        """Columns taken from the order (alias ``o``), its dealer and its export."""
        return SQL(
            """
            o.id AS order_id,
            o.name AS name,
            o.company_id AS company_id,
            o.partner_id AS partner_id,
            dealer.car_portal_region_id AS region_id,
            o.user_id AS user_id,
            o.process_id AS process_id,
            o.stage_id AS stage_id,
            o.state AS state,
            o.state IN %(open_states)s AS is_pending,
            (o.state IN %(open_states)s
             AND o.date_deadline < (now() AT TIME ZONE 'UTC')) AS is_late,
            o.date_submitted AS date_submitted,
            jalali_day.month AS jalali_month,
            o.date_reviewed AS date_reviewed,
            o.date_approved AS date_approved,
            export.posted_at AS date_posted,
            EXTRACT(EPOCH FROM (o.date_reviewed - o.date_submitted)) / 3600.0
                AS review_hours,
            EXTRACT(EPOCH FROM (o.date_approved - o.date_reviewed)) / 3600.0
                AS approval_hours,
            EXTRACT(EPOCH FROM (export.posted_at - o.date_approved)) / 3600.0
                AS posting_hours,
            export.state AS sepidar_state
            """,
            open_states=OPEN_STATES,
        )

    def _order_joins(self):
        return SQL(
            """
            LEFT JOIN res_partner dealer ON dealer.id = o.partner_id
            LEFT JOIN sepidar_export export ON export.order_id = o.id
            LEFT JOIN car_portal_jalali_day jalali_day
                   ON jalali_day.day = (o.date_submitted AT TIME ZONE 'UTC'
                                        AT TIME ZONE 'Asia/Tehran')::date
            """
        )

    def _compute_date_submitted_jalali(self):
        for report in self:
            local = report.date_submitted and fields.Datetime.context_timestamp(
                report, report.date_submitted
            )
            report.date_submitted_jalali = (
                format_jalali(local.date()) if local else False
            )

    # The reader's month -----------------------------------------------------

    @api.model
    def _this_month_bounds(self):
        """This month of the reader, as naive UTC datetimes ``[start, end)``:
        a Jalali month for Persian readers, a Gregorian one otherwise, from
        midnight in the reader's time zone."""
        zone = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        today = fields.Date.context_today(self)
        bounds = month_start(today, jalali=self.env.lang in JALALI_LANGS)
        return tuple(
            zone.localize(datetime.combine(day, time.min))
            .astimezone(pytz.UTC)
            .replace(tzinfo=None)
            for day in bounds
        )

    def _compute_is_this_month(self):
        start, end = self._this_month_bounds()
        for report in self:
            submitted = report.date_submitted
            report.is_this_month = bool(submitted and start <= submitted < end)

    def _search_is_this_month(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        start, end = self._this_month_bounds()
        domain = [("date_submitted", ">=", start), ("date_submitted", "<", end)]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """Persian readers count in Jalali months: the pivot and graph columns
        that are Gregorian months become Jalali months (the view cache is per
        language)."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type in ("pivot", "graph") and self.env.lang in JALALI_LANGS:
            for node in arch.xpath("//field[@name='date_submitted'][@interval]"):
                node.set("name", "jalali_month")
                del node.attrib["interval"]
        return arch, view

    # Group ordering -----------------------------------------------------------

    _PYTHON_ORDERED_TYPES = ("many2one", "date", "datetime", "integer", "float")
    # Labels such as "۱۴۰۵/۰۹ آذر": fixed-width year and month in consecutive
    # code points come first, so Python and every collation agree.
    _PYTHON_ORDERED_FIELDS = ("jalali_month",)

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        """Groups in their natural order (dealers by name, months in sequence)
        without joining the dealers to every line.

        Ordering many2one groups by the comodel's order makes SQL join, e.g.,
        ``res_partner`` to each of a million lines and group by its name too;
        PostgreSQL then expects as many groups as lines and gives up parallel
        aggregation (twice the time of the aggregate itself on 2 cores). Here
        the groups are fetched in id order and put in the comodel's order in
        Python: there are few groups. Only for the default order of the
        groupings, whole results (no limit) and keys whose Python order is the
        database's; anything else goes the standard way.
        """
        default_order = ",".join(groupby)
        if (
            not groupby
            or limit
            or offset
            or (order and order != default_order)
            or not all(self._python_orderable(spec) for spec in groupby)
        ):
            return super()._read_group(
                domain, groupby, aggregates, having, offset, limit, order
            )
        rows = super()._read_group(domain, groupby, aggregates, having)
        # Stable sorts from the last key to the first: the order of the keys.
        for index in reversed(range(len(groupby))):
            rank = self._group_rank([row[index] for row in rows])
            rows.sort(key=lambda row, i=index: rank(row[i]))
        return rows

    def _read_group_format_result(self, rows_dict, lazy_groupby):
        """Each group value formatted once, not once per row.

        Odoo formats every row of every grouping: a date's localized babel
        label, time zone range and drill-down domain, a record's display name
        (under sudo). A dealer x month pivot has some 1,500 rows but a few
        dozen months and dealers, and that formatting was most of the pivot's
        time above its SQL (``bench/RESULTS.md``, "Reports: discrepancy
        pivot"). Here each distinct value is formatted by Odoo itself, on a
        one-row sample, and copied to its rows. Many2many and properties
        groups depend on the other rows: they go the standard way, last (their
        terms come last in the drill-down domains, the same domains).
        """
        standard = []
        for spec in lazy_groupby:
            fname = spec.split(":")[0].split(".")[0]
            if self._fields[fname].type in ("many2many", "properties"):
                standard.append(spec)
                continue
            formatted = {}
            for value in {row[spec] for row in rows_dict}:
                sample = {spec: value, "__domain": []}
                super()._read_group_format_result([sample], [spec])
                formatted[value] = sample
            for row in rows_dict:
                sample = formatted[row[spec]]
                row[spec] = sample[spec]
                if "__range" in sample:
                    row.setdefault("__range", {})[spec] = sample["__range"][spec]
                row["__domain"] = expression.AND([row["__domain"], sample["__domain"]])
        return super()._read_group_format_result(rows_dict, standard)

    @api.model
    def _python_orderable(self, spec):
        fname = spec.split(":")[0].split(".")[0]
        field = self._fields.get(fname)
        return bool(field) and (
            field.type in self._PYTHON_ORDERED_TYPES
            or fname in self._PYTHON_ORDERED_FIELDS
        )

    @api.model
    def _group_rank(self, values):
        """A sort key for group values as SQL orders them: records in their
        model's order, other values ascending, empty values last."""
        records = [value for value in values if isinstance(value, models.BaseModel)]
        if not records:
            # Empty groups (False or None) after the others, as NULLS LAST.
            return lambda value: (1,) if value is None or value is False else (0, value)
        ids = {rec.id for rec in records if rec}
        comodel = records[0].browse(ids).sudo().with_context(active_test=False)
        position = {rec.id: n for n, rec in enumerate(comodel.sorted())}
        return lambda value: (not value, position.get(value.id, 0) if value else 0)
