# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

import jdatetime

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.car_portal_orders.tools.rpc_access import superuser_only

# Days covered: orders are dated by Odoo (now), reports reach back a few years.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2079, 12, 31)


class CarPortalJalaliDay(models.Model):
    """The Jalali (Iranian calendar) month of each day, for grouping reports.

    PostgreSQL knows no Jalali calendar and its months do not follow Gregorian
    ones (1 Azar is 22 November), so Persian managers cannot group by month
    with ``date:month``. The report views join this table instead: one row a
    day, filled once at install from ``jdatetime``. The join is on the unique
    day and is a LEFT JOIN, so PostgreSQL drops it from every query that does
    not use the month.
    """

    _name = "car.portal.jalali.day"
    _description = "Jalali Calendar Day"
    _order = "day"
    _rec_name = "month"
    _log_access = False

    day = fields.Date(required=True, readonly=True, index=False)
    month = fields.Char(
        required=True,
        readonly=True,
        help="Year, month and month name, e.g. ۱۴۰۵/۰۹ آذر: sorts in calendar order.",
    )

    _sql_constraints = [("day_unique", "UNIQUE(day)", "One row per day.")]

    @api.model
    def _month_label(self, day):
        jalali = jdatetime.date.fromgregorian(date=day)
        digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
        number = f"{jalali.year:04d}/{jalali.month:02d}".translate(digits)
        return f"{number} {jdatetime.date.j_months_fa[jalali.month - 1]}"

    @superuser_only
    def init(self):
        self.env.cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(self._table)))
        if self.env.cr.fetchone()[0]:
            return
        days, labels, day = [], [], FIRST_DAY
        while day <= LAST_DAY:
            days.append(day)
            labels.append(self._month_label(day))
            day += datetime.timedelta(days=1)
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (day, month) "
                "SELECT unnest(%s::date[]), unnest(%s::varchar[])",
                SQL.identifier(self._table),
                days,
                labels,
            )
        )
