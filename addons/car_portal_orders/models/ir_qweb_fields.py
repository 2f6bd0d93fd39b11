# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Jalali dates in QWeb (portal pages, PDF reports, mails) for Persian readers.

Odoo renders ``t-field``/``t-options="{'widget': 'date'}"`` values through
these converters. For a reader whose language is Persian they write the
Jalali calendar with Persian digits; everybody else keeps Odoo's Gregorian
output. An explicit ``format`` option is honoured as given.
"""

from odoo import api, fields, models

from ..tools.jalali import format_jalali
from ..tools.rpc_access import any_user

JALALI_LANGS = ("fa_IR",)


class IrQwebFieldDate(models.AbstractModel):
    _inherit = "ir.qweb.field.date"

    @any_user
    @api.model
    def value_to_html(self, value, options):
        if value and "format" not in options and self._car_portal_jalali():
            return format_jalali(fields.Date.to_date(value))
        return super().value_to_html(value, options)

    @api.model
    def _car_portal_jalali(self):
        return self.user_lang().code in JALALI_LANGS


class IrQwebFieldDatetime(models.AbstractModel):
    _inherit = "ir.qweb.field.datetime"

    @any_user
    @api.model
    def value_to_html(self, value, options):
        jalali = (
            value
            and "format" not in options
            and not options.get("time_only")
            and self.env["ir.qweb.field.date"]._car_portal_jalali()
        )
        if not jalali:
            return super().value_to_html(value, options)
        converter = self
        if options.get("tz_name"):
            converter = self.with_context(tz=options["tz_name"])
        local = fields.Datetime.context_timestamp(
            converter, fields.Datetime.to_datetime(value)
        )
        return format_jalali(local, with_time=not options.get("date_only"))
