# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from odoo.addons.car_portal_orders.controllers.portal import CarPortal
from odoo.addons.car_portal_orders.tools.digits import localize_number


class CarPortalReports(CarPortal):
    @http.route(
        ["/my/car-orders/summary", "/my/car-orders/summary/<int:year>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_car_order_summary(self, year=None, **kw):
        """This year's (or ``year``'s) requested vs supplied, per product."""
        dealer = self._car_portal_dealer()
        if not dealer:
            raise Forbidden()
        year = year or request.env["car.portal.order"]._portal_current_year()
        Report = request.env["car.portal.order.line.report"]
        try:
            rows = Report._portal_year_summary(dealer, year)
        except ValueError as error:  # a year no order can be in
            raise NotFound() from error
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="car_order_summary",
            year=year,
            year_label={
                shift: localize_number(str(year + shift), request.env.lang)
                for shift in (-1, 0, 1)
            },
            rows=rows,
            money=request.env["car.portal.sepidar.report"]._portal_year_money(
                dealer, year
            ),
        )
        return request.render("car_portal_reports.portal_car_order_summary", values)
