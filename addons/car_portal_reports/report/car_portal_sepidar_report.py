# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.car_portal_orders.tools.digits import localize_number


class CarPortalSepidarReport(models.Model):
    """Approved orders and what became of them in Sepidar, one row per order.

    Amounts in Rial, as Sepidar keeps them: the approved value is the posted
    document's net amount once posted (else the order's supplied value times
    the backend's Odoo-to-Rial factor); invoiced and paid come from the
    read-back (``sepidar.export``). The open credit exposure is what the
    dealer owes or will owe for the order: the approved value until it is
    invoiced, then what remains to be paid; nothing once revoked.
    """

    _name = "car.portal.sepidar.report"
    _description = "Approved, Invoiced and Paid"
    _auto = False
    _order = "date_approved desc"
    _depends = {
        "car.portal.order": ["partner_id", "company_id", "state", "date_approved"],
        "sepidar.export": [
            "order_id",
            "state",
            "amount_net",
            "invoice_state",
            "amount_received",
            "amount_remaining",
        ],
    }

    order_id = fields.Many2one("car.portal.order", readonly=True)
    name = fields.Char(string="Order Number", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Dealer", readonly=True)
    date_approved = fields.Datetime(string="Approved On", readonly=True)
    jalali_month = fields.Char(readonly=True)
    invoice_state = fields.Selection(
        [("registered", "Registered"), ("revoked", "Revoked")], readonly=True
    )
    amount_approved = fields.Float(string="Approved (Rial)", readonly=True)
    amount_invoiced = fields.Float(string="Invoiced (Rial)", readonly=True)
    amount_paid = fields.Float(string="Paid (Rial)", readonly=True)
    amount_open = fields.Float(string="Open Credit Exposure (Rial)", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT o.id AS id,
                   o.id AS order_id,
                   o.name AS name,
                   o.company_id AS company_id,
                   o.partner_id AS partner_id,
                   o.date_approved AS date_approved,
                   jalali_day.month AS jalali_month,
                   export.invoice_state AS invoice_state,
                   approved.amount AS amount_approved,
                   CASE WHEN export.invoice_state = 'registered'
                        THEN export.amount_net ELSE 0 END AS amount_invoiced,
                   CASE WHEN export.invoice_state = 'registered'
                        THEN COALESCE(export.amount_received, 0) ELSE 0 END
                        AS amount_paid,
                   CASE WHEN export.invoice_state = 'revoked' THEN 0
                        WHEN export.invoice_state = 'registered'
                        THEN export.amount_net - COALESCE(export.amount_received, 0)
                        ELSE approved.amount END AS amount_open
              FROM car_portal_order o
              JOIN sepidar_export export ON export.order_id = o.id
              JOIN sepidar_backend backend ON backend.id = export.backend_id
                   CROSS JOIN LATERAL (
                       SELECT COALESCE(
                           NULLIF(export.amount_net, 0),
                           o.amount_supplied * COALESCE(
                               NULLIF(backend.odoo_price_factor, 0), 1)
                       ) AS amount
                   ) approved
              LEFT JOIN car_portal_jalali_day jalali_day
                   ON jalali_day.day = (o.date_approved AT TIME ZONE 'UTC'
                                        AT TIME ZONE 'Asia/Tehran')::date
             WHERE o.state = 'approved' AND export.state != 'cancel'
            """
        )

    @api.model
    def _portal_year_money(self, dealer, year):
        """Approved, invoiced, paid and still to pay, in Rial, for ``dealer``'s
        orders submitted in ``year`` of the reader's calendar: what the
        portal's yearly summary adds. ``None`` when nothing was approved.

        Read as superuser (dealers have no access to reports), only ever for
        the dealer the caller has checked.
        """
        orders = (
            self.env["car.portal.order"]
            .sudo()
            ._search(
                [
                    ("partner_id", "child_of", dealer.commercial_partner_id.ids),
                    *self.env["car.portal.order"]._portal_year_domain(year),
                ]
            )
        )
        [(approved, invoiced, paid, count)] = self.sudo()._read_group(
            [("order_id", "in", orders)],
            aggregates=[
                "amount_approved:sum",
                "amount_invoiced:sum",
                "amount_paid:sum",
                "__count",
            ],
        )
        if not count:
            return None
        lang = self.env.lang

        def money(value):
            return localize_number(f"{value or 0:,.0f}", lang)

        return {
            "approved": money(approved),
            "invoiced": money(invoiced),
            "paid": money(paid),
            "unpaid": money((invoiced or 0) - (paid or 0)),
        }
