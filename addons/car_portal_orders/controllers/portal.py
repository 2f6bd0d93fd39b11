# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dealer portal: /my/car-orders.

Modelled on ``sale``'s portal (``addons/sale/controllers/portal.py``). The
controller stays thin: it finds the dealer and the order with the dealer's own
rights (record rules), then calls the order's ``_portal_*`` methods on a sudo'ed
record. Every value a dealer posts is checked in the model layer; the fields a
dealer may not set (supplied quantities, status, expert, company, dealer) are
never read from a form.
"""

import re
from urllib.parse import quote as url_quote

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.ir_qweb_fields import JALALI_LANGS
from ..models.order_states import OPEN_STATES
from ..tools.digits import localize_number
from .order_form import LINE_KEYS, OrderForm

CAR_ORDER_COUNTERS = (
    "car_order_count",
    "car_order_submitted_count",
    "car_order_review_count",
    "car_order_approved_count",
    "car_order_todo_count",
)
# Posted line fields: line_<row>_<key>; rows beyond this are ignored.
_LINE_FIELD = re.compile(r"line_(\d{1,4})_(" + "|".join(LINE_KEYS) + ")")
_MAX_ROWS = 1000
_FLASH_KEY = "car_portal_flash"
_HISTORY_KEY = "my_car_orders_history"


def _read_only_on_get(_controller):
    """The order form's routes read the database on GET (the form, its
    availability and quota marks) and write only on POST."""
    return request.httprequest.method in ("GET", "HEAD")


def _text(value):
    """A value sent by the browser, as text without NUL characters: they mean
    nothing in a form or a search, and PostgreSQL can neither store nor search
    them (a server error otherwise)."""
    return str(value or "").replace("\x00", "")


class CarPortal(CustomerPortal):
    _car_orders_per_page = 20

    # Home ---------------------------------------------------------------------

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        values["car_portal_dealer"] = bool(self._car_portal_dealer())
        return values

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        wanted = [key for key in CAR_ORDER_COUNTERS if key in counters]
        if wanted:
            Order = request.env["car.portal.order"]
            counts = (
                Order._portal_counts(request.env.user.partner_id)
                if Order.has_access("read")
                else {}
            )
            values.update({key: counts.get(key, 0) for key in wanted})
        return values

    def _car_portal_dealer(self):
        """The dealer (company) of the current portal user, or an empty
        recordset when the user orders for no dealer."""
        user = request.env.user
        dealer = user.partner_id.commercial_partner_id.sudo()
        if user._is_public() or not dealer.car_portal_is_dealer:
            return dealer.browse()
        return dealer

    def _car_portal_company(self, dealer):
        return dealer.company_id or request.env.company

    # List -----------------------------------------------------------------------

    def _car_order_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "id desc"},
            "name": {"label": request.env._("Number"), "order": "name desc, id desc"},
            "state": {"label": request.env._("Status"), "order": "state, id desc"},
        }

    def _car_order_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "draft": {
                "label": request.env._("Drafts"),
                "domain": [("state", "=", "draft")],
            },
            "open": {
                "label": request.env._("In review"),
                "domain": [("state", "in", OPEN_STATES)],
            },
            "approved": {
                "label": request.env._("Approved"),
                "domain": [("state", "=", "approved")],
            },
            "rejected": {
                "label": request.env._("Rejected"),
                "domain": [("state", "=", "rejected")],
            },
            "cancel": {
                "label": request.env._("Cancelled"),
                "domain": [("state", "=", "cancel")],
            },
        }

    def _car_order_searchbar_inputs(self):
        return {
            "all": {"input": "all", "label": request.env._("Search in All")},
            "name": {"input": "name", "label": request.env._("Search in Number")},
            "product": {
                "input": "product",
                "label": request.env._("Search in Products (name or code)"),
            },
            "note": {"input": "note", "label": request.env._("Search in Notes")},
        }

    def _car_orders_query(
        self, sortby, filterby, search, search_in, date_from, date_to
    ):
        """The list's criteria, made safe: ``(criteria, domain, date_errors)``."""
        Order = request.env["car.portal.order"]
        sortby = sortby if sortby in self._car_order_searchbar_sortings() else "date"
        filters = self._car_order_searchbar_filters()
        filterby = filterby if filterby in filters else "all"
        inputs = self._car_order_searchbar_inputs()
        search_in = search_in if search_in in inputs else "all"
        search = _text(search).strip()
        date_from, date_to = _text(date_from).strip(), _text(date_to).strip()
        date_domain, date_errors = Order._portal_date_domain(date_from, date_to)
        domain = [
            *Order._portal_dealer_domain(request.env.user.partner_id),
            *filters[filterby]["domain"],
            *Order._portal_search_domain(search, search_in),
            *date_domain,
        ]
        criteria = {
            "sortby": sortby,
            "filterby": filterby,
            "search": search,
            "search_in": search_in,
            "date_from": date_from,
            "date_to": date_to,
        }
        return criteria, domain, date_errors

    def _prepare_car_orders_values(
        self,
        page=1,
        sortby=None,
        filterby=None,
        search=None,
        search_in="all",
        date_from="",
        date_to="",
        **kw,
    ):
        Order = request.env["car.portal.order"]
        criteria, domain, date_errors = self._car_orders_query(
            sortby, filterby, search, search_in, date_from, date_to
        )
        url_args = {
            key: value
            for key, value in criteria.items()
            if value and (key != "search_in" or criteria["search"])
        }
        pager = portal_pager(
            url="/my/car-orders",
            total=Order.search_count(domain),
            page=page,
            step=self._car_orders_per_page,
            url_args=url_args,
        )
        # Searched with the dealer's rights, read as superuser afterwards (the
        # products of the lines), like sale's portal.
        orders = Order.search(
            domain,
            order=self._car_order_searchbar_sortings()[criteria["sortby"]]["order"],
            limit=self._car_orders_per_page,
            offset=pager["offset"],
        )
        jalali = request.env.lang in JALALI_LANGS
        values = self._prepare_portal_layout_values()
        values.update(
            criteria,
            car_orders=orders.sudo(),
            state_labels=dict(
                Order._fields["state"]._description_selection(request.env)
            ),
            page_name="car_order",
            pager=pager,
            default_url="/my/car-orders",
            searchbar_sortings=self._car_order_searchbar_sortings(),
            searchbar_filters=self._car_order_searchbar_filters(),
            searchbar_inputs=self._car_order_searchbar_inputs(),
            date_errors=date_errors,
            date_jalali=jalali,
            date_example=Order._portal_date_example(jalali),
        )
        return values

    @http.route(
        ["/my/car-orders", "/my/car-orders/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_car_orders(self, **kwargs):
        values = self._prepare_car_orders_values(**kwargs)
        request.session[_HISTORY_KEY] = values["car_orders"].ids[:100]
        return request.render("car_portal_orders.portal_my_car_orders", values)

    # Order page -----------------------------------------------------------------

    @http.route(
        ["/my/car-orders/<int:order_id>"], type="http", auth="public", website=True
    )
    def portal_car_order_page(
        self, order_id, report_type=None, access_token=None, download=False, **kw
    ):
        try:
            order_sudo = self._document_check_access(
                "car.portal.order", order_id, access_token=access_token
            )
        except MissingError as error:
            raise NotFound() from error
        except AccessError as error:
            if request.env.user._is_public():
                return request.redirect(
                    f"/web/login?redirect={url_quote(request.httprequest.path)}"
                )
            raise Forbidden() from error

        if report_type in ("html", "pdf"):
            if report_type == "pdf" and not self._car_portal_pdf_available():
                report_type = "html"  # no wkhtmltopdf: the printable page
            return self._show_report(
                model=order_sudo,
                report_type=report_type,
                report_ref="car_portal_orders.car_portal_order_action_report",
                download=download,
            )

        values = self._prepare_car_order_page_values(order_sudo, access_token)
        values = self._get_page_view_values(
            order_sudo, access_token, values, _HISTORY_KEY, False
        )
        return request.render("car_portal_orders.car_portal_order_portal_page", values)

    def _car_portal_pdf_available(self):
        state = request.env["ir.actions.report"].get_wkhtmltopdf_state()
        return state not in ("install", "broken")

    def _prepare_car_order_page_values(self, order_sudo, access_token=None):
        # Actions are offered to the dealer's own users, not to token holders.
        is_dealer = bool(
            self._car_portal_dealer()
            and order_sudo.with_user(request.env.user).has_access("read")
        )
        report_type = "pdf" if self._car_portal_pdf_available() else "html"
        print_url = f"{order_sudo.access_url}?report_type={report_type}"
        if access_token:
            print_url += f"&access_token={url_quote(access_token)}"
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "car_order": order_sudo,
                "page_name": "car_order",
                "timeline": order_sudo._get_portal_timeline(),
                "supply_known": order_sudo._portal_supply_known(),
                "status_label": order_sudo._portal_status_label(),
                "can_edit": is_dealer and order_sudo.state == "draft",
                "can_submit": is_dealer and order_sudo.state == "draft",
                "can_cancel": is_dealer and order_sudo._dealer_can_cancel(),
                "can_reorder": is_dealer and order_sudo.state != "draft",
                # Quota marks are the dealer's business, not a link holder's.
                "over_quota_lines": order_sudo._portal_over_quota_lines()
                if is_dealer
                else order_sudo.line_ids.browse(),
                "print_url": print_url,
                "flash": request.session.pop(_FLASH_KEY, []) if is_dealer else [],
                "report_type": "html",
                "res_company": order_sudo.company_id,
            }
        )
        return values

    # Dealer actions -------------------------------------------------------------

    def _car_order_for_dealer(self, order_id):
        """The order ``order_id`` if the current user's company placed it:
        sudo'ed, with the current user kept as author of what follows."""
        order = request.env["car.portal.order"].browse(order_id)
        if not order.sudo().exists():
            raise NotFound()
        if not self._car_portal_dealer() or not order.has_access("read"):
            raise Forbidden()
        return order.sudo()

    def _flash(self, text, kind="success"):
        messages = request.session.get(_FLASH_KEY) or []
        request.session[_FLASH_KEY] = [*messages, {"kind": kind, "text": text}]

    @http.route(
        ["/my/car-orders/<int:order_id>/submit"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_car_order_submit(self, order_id, **post):
        order = self._car_order_for_dealer(order_id)
        try:
            with request.env.cr.savepoint():
                submitted = order._portal_submit()
        except UserError as error:
            self._flash(error.args[0], kind="danger")
        else:
            if submitted:
                self._flash(request.env._("Your order was submitted for review."))
            else:
                self._flash(
                    request.env._("This order was already submitted."), kind="info"
                )
        return request.redirect(order.access_url)

    @http.route(
        ["/my/car-orders/<int:order_id>/cancel"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_car_order_cancel(self, order_id, **post):
        order = self._car_order_for_dealer(order_id)
        try:
            with request.env.cr.savepoint():
                cancelled = order._portal_cancel()
        except UserError as error:
            self._flash(error.args[0], kind="danger")
        else:
            if cancelled:
                self._flash(request.env._("Your order was cancelled."))
            else:
                self._flash(
                    request.env._("This order was already cancelled."), kind="info"
                )
        return request.redirect(order.access_url)

    @http.route(
        ["/my/car-orders/<int:order_id>/reorder"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_car_order_reorder(self, order_id, **post):
        order = self._car_order_for_dealer(order_id)
        draft, left_out = order._portal_reorder()
        self._flash(
            request.env._(
                "A new draft was made from order %(order)s; check it and submit it.",
                order=order.name,
            )
        )
        if left_out:
            self._flash(
                request.env._(
                    "Left out, they cannot be ordered any more: %(products)s.",
                    products=", ".join(left_out),
                ),
                kind="warning",
            )
        return request.redirect(f"{draft.access_url}/edit")

    # Order form (new and draft) ---------------------------------------------------

    def _car_order_form_input(self, post):
        """The dealer's fields from a posted form, as typed; nothing else."""
        rows = {}
        for key, value in post.items():
            match = _LINE_FIELD.fullmatch(key)
            if match and int(match[1]) < _MAX_ROWS:
                rows.setdefault(int(match[1]), {})[match[2]] = _text(value)
        return {
            "payment_term_id": _text(post.get("payment_term_id")),
            "dealer_note": _text(post.get("dealer_note")),
            "lines": [
                {key: rows[index].get(key) or "" for key in LINE_KEYS}
                for index in sorted(rows)
            ],
        }

    def _car_order_form(self, dealer):
        """The order form of ``dealer``, read with superuser rights (dealers
        cannot read products) once the controller knows who the dealer is."""
        return OrderForm(request.env(su=True), self._car_portal_company(dealer), dealer)

    def _render_car_order_form(
        self, dealer, raw, order=None, errors=None, templates=None, form_token=None
    ):
        form = self._car_order_form(dealer)
        errors = errors or {}
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "car_order_form",
                "car_order": order,
                "form": raw,
                "rows": form.rows(raw, errors, templates),
                "errors": errors,
                "form_token": form_token,
                "form_action": f"{order.access_url}/edit"
                if order
                else "/my/car-orders/new",
                "payment_terms": form.payment_terms(),
                "max_qty": localize_number(
                    form.company.car_portal_max_line_qty or "", request.env.lang
                ),
                "flash": request.session.pop(_FLASH_KEY, []),
            }
        )
        status = 422 if errors else 200
        return request.render(
            "car_portal_orders.portal_car_order_form", values, status=status
        )

    def _car_order_form_post(self, dealer, post, order=None):
        """Check a posted form; create or update the draft, submit it if asked."""
        raw = self._car_order_form_input(post)
        action = post.get("action")
        form_token = _text(post.get("form_token")) or None
        if action == "add_line":  # no JavaScript: one more empty row
            raw["lines"].append(dict.fromkeys(LINE_KEYS, ""))
            return self._render_car_order_form(
                dealer, raw, order=order, form_token=form_token
            )
        form = self._car_order_form(dealer)
        company = form.company
        Order = request.env["car.portal.order"].sudo()
        submit = action == "submit"
        vals, errors, templates = form.check(raw, submit)
        if errors:
            return self._render_car_order_form(
                dealer, raw, order, errors, templates, form_token
            )
        try:
            with request.env.cr.savepoint():
                if order:
                    order._portal_update_draft(vals)
                else:
                    order, created = Order._portal_create_draft(
                        request.env.user.partner_id, company, vals, form_token
                    )
                    if not order:
                        # The same form is being saved right now by a concurrent
                        # request (double click): find its order once it is done.
                        return request.redirect(
                            f"/my/car-orders/new?form_token={url_quote(form_token)}"
                        )
                    if not created:  # the same form sent again
                        return request.redirect(order.access_url)
                if submit:
                    order._portal_submit()
        except UserError as error:
            # Nothing was saved; the dealer gets the form back as they typed it.
            errors = {"order": error.args[0]}
            return self._render_car_order_form(
                dealer,
                raw,
                order if order and order.exists() else None,
                errors,
                templates,
                form_token,
            )
        if submit:
            self._flash(request.env._("Your order was submitted for review."))
        else:
            self._flash(request.env._("Your draft was saved."))
        return request.redirect(order.access_url)

    @http.route(
        ["/my/car-orders/new"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
        readonly=_read_only_on_get,
    )
    def portal_car_order_new(self, form_token=None, **post):
        form_token = _text(form_token) or None
        dealer = self._car_portal_dealer()
        if not dealer:
            raise Forbidden()
        if request.httprequest.method == "POST":
            post["form_token"] = form_token
            return self._car_order_form_post(dealer, post)
        Order = request.env["car.portal.order"]
        if form_token:
            # A form already sent: show its order rather than a second one.
            existing = Order._portal_find_by_token(
                request.env.user.partner_id, form_token
            )
            if existing:
                return request.redirect(existing.access_url)
        raw = {"payment_term_id": "", "dealer_note": "", "lines": []}
        return self._render_car_order_form(
            dealer, raw, form_token=form_token or Order._portal_new_form_token()
        )

    @http.route(
        ["/my/car-orders/<int:order_id>/edit"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
        readonly=_read_only_on_get,
    )
    def portal_car_order_edit(self, order_id, **post):
        order = self._car_order_for_dealer(order_id)
        if order.state != "draft":
            self._flash(
                request.env._("This order was submitted; it cannot be changed."),
                kind="info",
            )
            return request.redirect(order.access_url)
        dealer = self._car_portal_dealer()
        if request.httprequest.method == "POST":
            return self._car_order_form_post(dealer, post, order=order)
        raw = self._car_order_form(dealer).values_of(order)
        return self._render_car_order_form(dealer, raw, order=order)

    # Product search ---------------------------------------------------------------

    @http.route(
        ["/my/car-orders/products"],
        type="json",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_car_order_products(self, term="", limit=None, **kw):
        """Orderable vehicles and parts matching ``term`` (name or code)."""
        term = _text(term)
        limit = limit if isinstance(limit, int) else None
        dealer = self._car_portal_dealer()
        if not dealer:
            return []
        return self._car_order_form(dealer).search_products(term, limit=limit)
