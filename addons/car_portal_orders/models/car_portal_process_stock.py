# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The stock check: a stage kind that asks whether the stock covers the order.

One definition of what is there for an order: the available to promise
(``product.product._car_portal_atp``), the stock last read minus what the
other orders hold, the figure the suggestions, the allocation board and the
portal read too. The check never reads the stock source itself (nothing calls
it while a person waits): it judges on the last reading when that is recent
enough (the company's ``car_portal_stock_max_age``); otherwise the order
waits. Every new reading (``car.portal.stock.level._store``) checks the
waiting orders again: those covered go on.
"""

from datetime import timedelta

import psycopg2
from babel.dates import format_timedelta
from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero
from odoo.tools.misc import babel_locale_parse

from ..tools.digits import format_quantity, localize_number


class CarPortalProcessStock(models.AbstractModel):
    # One automatic check per file, as the credit check is.
    _inherit = "car.portal.process.engine"  # pylint: disable=R8180

    stock_shortfall = fields.Text(
        readonly=True, copy=False, help="What stock could not cover at the check."
    )

    def _run_stock_check(self):
        """Check stock at a stock-check stage. Returns True when it passed.

        When the stock cannot be judged (never read, or read too long ago),
        the order waits in the stage with the reason, like a shortfall: the
        stage's responsibles decide, nothing is approved blindly.
        """
        note = self._stock_check_note()
        if note is None:
            self._log_history("auto_pass")
            return True
        self._stop_stock_check(note)
        return False

    def _stock_check_note(self):
        """``None`` when the stock covers the order, else what it lacks or
        why it could not be checked (the text the responsibles read)."""
        try:
            with self.env.cr.savepoint():
                shortfall = self._stock_shortfall()
        except UserError as error:
            return self.env._(
                "The stock could not be checked: %(reason)s", reason=error.args[0]
            )
        if not shortfall:
            return None
        return "\n".join(
            self.env._(
                "%(product)s: %(supplied)s to supply, %(available)s in stock",
                product=line.product_id.display_name,
                supplied=localize_number(
                    format_quantity(line.supplied_qty), self.env.lang
                ),
                available=localize_number(format_quantity(available), self.env.lang),
            )
            for line, available in shortfall
        )

    def _stop_stock_check(self, note, again=False):
        """The order waits in the stock-check stage for its responsibles
        (``again``: it already waits, and they have their to-dos)."""
        self._write_system({"stock_shortfall": note})
        self._log_history("auto_stop", reason=note)
        if not again:
            self._schedule_stage_activities()
        self.message_post(
            body=Markup("<p>%s</p><pre>%s</pre>")
            % (self.env._("Stock does not cover the order:"), note),
            subtype_xmlid="mail.mt_note",
        )

    def _stock_shortfall(self):
        """Lines the available to promise cannot cover: a list of
        ``(line, available_qty)``, in the order's line order.

        The lines of one product share what is available, first come first
        served; what the other orders hold is not there for this one.
        Raises ``UserError`` when the stock of a product to check was never
        read, or was read longer ago than the company allows.
        """
        self.ensure_one()
        lines = self._stock_checked_lines()
        if not lines:
            return []
        products = lines.product_id
        atp = products._car_portal_atp(self.company_id, except_orders=self)
        self._check_stock_reading(products, atp)
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        left = {product_id: quantity for product_id, (quantity, _at) in atp.items()}
        shortfall = []
        for line in lines:
            available = max(left[line.product_id.id], 0.0)
            if float_compare(line.supplied_qty, available, precision_digits=digits) > 0:
                shortfall.append((line, available))
            left[line.product_id.id] -= line.supplied_qty
        return shortfall

    def _supplied_lines(self):
        """The lines with a supplied quantity, in the order's line order:
        what the stock check covers, and what an accounting document holds
        (``car_portal_sepidar``: one document line each)."""
        self.ensure_one()
        return self.line_ids.filtered(
            lambda line: not float_is_zero(line.supplied_qty, precision_digits=6)
        ).sorted(lambda line: (line.sequence, line.id))

    def _stock_checked_lines(self):
        """The lines the stock check covers: what is supplied of a stocked
        product (a service is not stocked), in the order's line order."""
        return self._supplied_lines().filtered(
            lambda line: line.product_id.type != "service"
        )

    def _check_stock_reading(self, products, atp):
        """Refuse to judge on a stock never read or read too long ago."""
        never = products.filtered(lambda product: product.id not in atp)
        if never:
            raise UserError(
                self.env._(
                    "the stock of %(products)s was never read.",
                    products=", ".join(never.mapped("display_name")),
                )
            )
        hours = self.company_id.car_portal_stock_max_age
        oldest = min(read_at for _quantity, read_at in atp.values())
        now = fields.Datetime.now()
        if hours and oldest < now - timedelta(hours=hours):
            lang = self.env.lang
            raise UserError(
                self.env._(
                    "the stock was last read %(age)s, and the check needs a "
                    "reading of the last %(hours)s hours; the order is checked "
                    "again at the next reading.",
                    age=localize_number(
                        format_timedelta(
                            oldest - now,
                            add_direction=True,
                            locale=babel_locale_parse(lang),
                        ),
                        lang,
                    ),
                    hours=localize_number(str(hours), lang),
                )
            )

    def _recheck_stock(self):
        """Check again those of these orders that wait at a stock check (a
        new stock reading came in): the ones covered go on; the others keep
        waiting, told again only when what they lack changed. An order
        someone is acting on right now is left for the next reading."""
        waiting = self.filtered(
            lambda o: o.state == "process" and o.stage_id.kind == "stock_check"
        )
        if not waiting:
            return
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "SELECT id FROM car_portal_order WHERE id IN %s "
                    "FOR UPDATE SKIP LOCKED",
                    [tuple(waiting.ids)],
                )
                free = waiting.browse(row[0] for row in self.env.cr.fetchall())
        except psycopg2.errors.SerializationFailure:
            return  # changed since this transaction began: the next reading
        free.invalidate_recordset(["state", "stage_id"])
        for order in free.filtered(
            lambda o: o.state == "process" and o.stage_id.kind == "stock_check"
        ):
            stage = order.stage_id
            note = order._stock_check_note()
            if note is None:
                order._log_history("auto_pass")
                order._close_step_activities()
                order._advance(after=stage)
            elif note != order.stock_shortfall:
                order._stop_stock_check(note, again=True)
