# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import secrets
from datetime import date, datetime, time, timedelta

import jdatetime
import pytz
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import mute_logger

from ..tools.digits import localize_number, to_ascii_digits
from ..tools.jalali import FIRST_GREGORIAN_YEAR, format_jalali, parse_user_date
from .ir_qweb_fields import JALALI_LANGS
from .order_states import OPEN_STATES, REFUSED_STATES

# Dates a dealer may filter on: a typo such as 0001 or 9999 gets a message,
# not an overflow in the time zone arithmetic.
PORTAL_DATE_RANGE = (date(1900, 1, 1), date(2199, 12, 31))


class CarPortalOrderPortal(models.AbstractModel):
    """What the dealer portal (``controllers/portal.py``) asks of an order.

    The controller checks who the dealer is, then calls these on a sudo'ed
    record or model: the dealer's orders and counters, searching and filtering
    by dates (Jalali for Persian readers), the draft's life from the form
    (create once per form, update, submit, cancel, reorder, each locking the
    order against a second click), the values the pages show, and the notices
    the dealer reads in the order's conversation (``_post_dealer_notice``).
    What a dealer typed is checked by ``controllers/order_form.py`` before it
    gets here.
    """

    _name = "car.portal.order.portal"
    _inherit = ["car.portal.figures.mixin"]
    _description = "Dealer Order: Portal"

    portal_form_token = fields.Char(
        copy=False,
        readonly=True,
        help="One-time token of the portal form that created the order: the "
        "same form sent twice (double click, browser retry) creates one order.",
    )

    _sql_constraints = [
        (
            "portal_form_token_unique",
            "UNIQUE(portal_form_token)",  # also the index of the lookup
            "This order form was already sent.",
        ),
    ]

    @api.model
    def _portal_digits(self, value):
        """``value`` (a number or a text of ASCII digits) as the reader writes
        it: Persian digits for a Persian reader. For the mail templates."""
        return localize_number(value, self.env.lang)

    @api.model
    def _portal_new_form_token(self):
        return secrets.token_urlsafe(24)

    @api.model
    def _portal_dealer_domain(self, partner):
        """The orders of ``partner``'s company (the dealer)."""
        return [("partner_id", "child_of", partner.commercial_partner_id.ids)]

    @api.model
    def _portal_counts(self, partner):
        """Counters of the "Car orders" tile on /my, with the caller's rights."""
        by_state = dict(
            self._read_group(
                self._portal_dealer_domain(partner), ["state"], ["__count"]
            )
        )
        return {
            "car_order_count": sum(by_state.values()),
            "car_order_submitted_count": sum(
                count for state, count in by_state.items() if state != "draft"
            ),
            "car_order_review_count": by_state.get("review", 0)
            + by_state.get("process", 0),
            "car_order_approved_count": by_state.get("approved", 0),
            "car_order_todo_count": by_state.get("draft", 0),
        }

    @api.model
    def _portal_search_domain(self, search, search_in="all"):
        """Orders whose number, products (name or code) or notes contain
        ``search``. Product names are matched as superuser (dealers cannot read
        products) but only select among the orders the caller may see."""
        search = " ".join((search or "").split())[:100]
        if not search:
            return []
        terms = {search, to_ascii_digits(search)}
        domains = []
        if search_in in ("all", "name"):
            domains += [[("name", "ilike", t)] for t in terms]
        if search_in in ("all", "note"):
            domains += [[("dealer_note", "ilike", t)] for t in terms]
        if search_in in ("all", "product"):
            products = (
                self.env["product.product"]
                .sudo()
                .with_context(active_test=False)
                ._search(
                    expression.OR(
                        [(fname, "ilike", t)]
                        for t in terms
                        for fname in ("name", "default_code")
                    )
                )
            )
            domains.append([("line_ids.product_id", "in", products)])
        return expression.OR(domains) if domains else []

    @api.model
    def _portal_date_domain(self, date_from="", date_to=""):
        """Orders submitted between two dates typed by the reader (both
        included, in the reader's time zone); Jalali dates for Persian readers.

        Returns ``(domain, errors)``: ``errors`` maps ``"date_from"`` or
        ``"date_to"`` to a message in the reader's language; a bound that could
        not be read does not filter.
        """
        jalali = self.env.lang in JALALI_LANGS
        bounds, errors = {}, {}
        for key, text in (("date_from", date_from), ("date_to", date_to)):
            if not (text or "").strip():
                continue
            try:
                bounds[key] = parse_user_date(text, jalali=jalali)
                if not PORTAL_DATE_RANGE[0] <= bounds[key] <= PORTAL_DATE_RANGE[1]:
                    raise ValueError(text)
            except ValueError:
                bounds.pop(key, None)
                errors[key] = self.env._(
                    "Enter the date as year/month/day, e.g. %(example)s.",
                    example=self._portal_date_example(jalali),
                )
        if len(bounds) == 2 and bounds["date_from"] > bounds["date_to"]:
            errors["date_to"] = self.env._("The end date is before the start date.")
            del bounds["date_to"]
        domain = []
        if "date_from" in bounds:
            domain.append(
                ("date_submitted", ">=", self._portal_utc(bounds["date_from"]))
            )
        if "date_to" in bounds:
            next_day = bounds["date_to"] + timedelta(days=1)
            domain.append(("date_submitted", "<", self._portal_utc(next_day)))
        return domain, errors

    @api.model
    def _portal_current_year(self):
        """This year in the reader's calendar: 1405 for a Persian reader."""
        today = fields.Date.context_today(self)
        if self.env.lang in JALALI_LANGS:
            return jdatetime.date.fromgregorian(date=today).year
        return today.year

    @api.model
    def _portal_year_domain(self, year):
        """Orders submitted in ``year`` of the reader's calendar (Jalali for a
        Persian reader, unless the year is a Gregorian one such as 2026).

        Raises ``ValueError`` for a year no order can be in (before 1000 or
        after 2999), which callers turn into "not found".
        """
        if not 1000 <= year <= 2999:
            raise ValueError(f"year out of range: {year}")
        if self.env.lang in JALALI_LANGS and year < FIRST_GREGORIAN_YEAR:
            start = jdatetime.date(year, 1, 1).togregorian()
            end = jdatetime.date(year + 1, 1, 1).togregorian()
        else:
            start, end = date(year, 1, 1), date(year + 1, 1, 1)
        return [
            ("date_submitted", ">=", self._portal_utc(start)),
            ("date_submitted", "<", self._portal_utc(end)),
        ]

    @api.model
    def _portal_date_example(self, jalali):
        today = fields.Date.context_today(self)
        return format_jalali(today) if jalali else today.isoformat()

    @api.model
    def _portal_utc(self, day):
        """Midnight at the start of ``day`` in the reader's time zone, as the
        naive UTC datetime Odoo stores."""
        zone = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local = zone.localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.UTC).replace(tzinfo=None)

    @api.model
    def _portal_line_commands(self, lines):
        return [
            Command.create(
                {
                    "sequence": 10 * (position + 1),
                    "product_id": product.id,
                    "requested_qty": qty,
                }
            )
            for position, (product, qty) in enumerate(lines)
        ]

    @api.model
    def _portal_find_by_token(self, partner, form_token):
        if not form_token:
            return self.browse()
        # The token is unique (and indexed): look it up alone, then keep it
        # only if it is one of the dealer's orders. The dealer's domain
        # (``child_of``) costs two queries more, paid only when found.
        found = self.search([("portal_form_token", "=", form_token)], limit=1)
        if not found:
            return found
        return found.filtered_domain(self._portal_dealer_domain(partner))

    @api.model
    def _portal_create_draft(self, contact, company, vals, form_token=None):
        """Create the draft of the dealer's contact ``contact``.

        The same form (``form_token``) sent twice creates one order. Returns
        ``(order, created)``; ``order`` is empty when a concurrent request
        with the same token holds it (not yet visible here: look it up again
        in a new transaction).
        """
        existing = self._portal_find_by_token(contact, form_token)
        if existing:
            return existing, False
        values = {
            "partner_id": contact.commercial_partner_id.id,
            "ordered_by_id": contact.id,
            "company_id": company.id,
            "payment_term_id": vals["payment_term_id"] or False,
            "dealer_note": vals["dealer_note"] or False,
            "portal_form_token": form_token or False,
            "line_ids": self._portal_line_commands(vals["lines"]),
        }
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return self.create(values), True
        except UniqueViolation:
            return self.browse(), False

    def _portal_lock(self):
        """Wait for concurrent requests on these orders (double clicks)."""
        self.env.cr.execute(
            "SELECT id FROM car_portal_order WHERE id IN %s FOR UPDATE",
            [tuple(self.ids)],
        )
        self.invalidate_recordset()

    def _portal_update_draft(self, vals):
        """Replace a draft's lines, payment term and notes."""
        self.ensure_one()
        self._portal_lock()
        if self.state != "draft":
            raise UserError(
                self.env._(
                    "Order %(order)s was submitted; it cannot be changed any more.",
                    order=self.name,
                )
            )
        self.write(
            {
                "payment_term_id": vals["payment_term_id"] or False,
                "dealer_note": vals["dealer_note"] or False,
                "line_ids": [Command.delete(line.id) for line in self.line_ids]
                + self._portal_line_commands(vals["lines"]),
            }
        )
        return True

    def _portal_submit(self):
        """Submit from the portal. Returns False when the order was already
        submitted (a second click): nothing happens then."""
        self.ensure_one()
        self._portal_lock()
        if self.state != "draft":
            return False
        if not self.payment_term_id:
            raise UserError(
                self.env._("Choose a payment term before submitting the order.")
            )
        self.action_submit()
        return True

    def _portal_cancel(self):
        """Cancel from the portal; False when it was already cancelled."""
        self.ensure_one()
        self._portal_lock()
        if self.state == "cancel":
            return False
        self.action_cancel()
        return True

    def _portal_reorder(self):
        """A new draft with this order's products and quantities.

        Returns ``(draft, left_out)``: lines whose product cannot be ordered any
        more are left out, ``left_out`` names them.
        """
        self.ensure_one()
        draft = self.action_reorder()
        stale = draft.line_ids.filtered(
            lambda line: not line.product_id._car_portal_is_orderable(draft.company_id)
        )
        left_out = stale.product_id.mapped("display_name")
        stale.unlink()
        return draft, left_out

    def _portal_supply_known(self):
        """Whether what will be supplied is known: the expert has reviewed the
        order, or it was refused (nothing is supplied)."""
        self.ensure_one()
        return bool(self.date_reviewed) or self.state in REFUSED_STATES

    def _portal_over_quota_lines(self):
        """The lines the dealer reads as over this period's quota
        (``product.product._car_portal_over_quota``): on a draft or an order
        still open; an approved order already counts in the quota's use."""
        self.ensure_one()
        lines = self.line_ids
        if self.state not in ("draft", *OPEN_STATES) or not lines:
            return lines.browse()
        over = self.env["product.product"]._car_portal_over_quota(
            self.company_id,
            self.partner_id.commercial_partner_id,
            [(line.id, line.product_id, line.requested_qty) for line in lines],
        )
        return lines.filtered(lambda line: line.id in over)

    def _portal_status_label(self):
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        label = states[self.state]
        if self.state == "process" and self.stage_id:
            label = f"{label}: {self.stage_id.name}"
        return label

    def _get_portal_timeline(self):
        """The order's steps as the dealer sees them, oldest first."""
        self.ensure_one()
        entries = self.sudo().history_ids.filtered(lambda e: e.action != "enter")
        return entries.sorted(lambda e: (e.date, e.id))._portal_values()

    # Notices to the dealer ----------------------------------------------------

    def _post_dealer_notice(self, template=None, body=None, subscribe_author=True):
        """Tell the dealer: a notice mailed to the order's followers and shown
        in the conversation of the portal order page, in the dealer's language.

        Odoo's portal shows only discussion messages (``mail.mt_comment``), so
        every notice meant for the dealer is one, as ``sale`` does with its
        confirmations; internal steps stay notes. ``template`` renders in the
        language its ``lang`` field says, all the orders in one pass
        (``_message_post_template``); ``body`` is a function of the order read
        in the dealer's language (whoever acts, the dealer reads it). The
        mails go through the mail queue (``force_send=False``), as Odoo's
        batch posts do: the request does not wait for the mail server. The
        one who posts follows the orders (``subscribe_author=False``: the
        caller has subscribed them).
        """
        notice = {"message_type": "comment", "subtype_xmlid": "mail.mt_comment"}
        if template:
            self._message_post_template(
                template, subscribe_author=subscribe_author, force_send=False, **notice
            )
            return
        poster = (
            self
            if subscribe_author
            else self.with_context(mail_create_nosubscribe=True)
        )
        for order in poster:
            reader = order.with_context(lang=order._dealer_lang())
            order.message_post(body=body(reader), force_send=False, **notice)

    def _dealer_lang(self):
        """The language the dealer reads: the ordering contact's, else the
        dealer's, else the current one (as the mail templates choose)."""
        self.ensure_one()
        return (
            self.ordered_by_id.lang or self.partner_id.lang or self.env.lang or "en_US"
        )
