# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CarPortalPaymentTerm(models.Model):
    """How a dealer pays for an order: cash, or credit over a number of days.

    Kept deliberately small (not account.payment.term): dealers pick one on the
    portal and the Sepidar addon maps it to a Sepidar sale type.
    """

    _name = "car.portal.payment.term"
    _description = "Dealer Payment Term"
    _order = "sequence, days, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [("cash", "Cash"), ("credit", "Credit")], required=True, default="cash"
    )
    days = fields.Integer(help="Days of credit granted to the dealer.")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    note = fields.Text(translate=True)

    _sql_constraints = [
        ("days_positive", "CHECK(days >= 0)", "Credit days cannot be negative."),
    ]
