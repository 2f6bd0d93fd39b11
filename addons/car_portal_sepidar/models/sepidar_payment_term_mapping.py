# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class SepidarPaymentTermMapping(models.Model):
    """Which Sepidar sale type the documents of a dealer payment term use."""

    _name = "sepidar.payment.term.mapping"
    _description = "Sepidar Sale Type per Payment Term"
    _order = "backend_id, payment_term_id"

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    payment_term_id = fields.Many2one(
        "car.portal.payment.term", required=True, ondelete="cascade"
    )
    sale_type_id = fields.Many2one(
        "sepidar.sale.type",
        required=True,
        ondelete="restrict",
        domain="[('backend_id', '=', backend_id)]",
    )

    _sql_constraints = [
        (
            "payment_term_unique",
            "UNIQUE(backend_id, payment_term_id)",
            "A payment term maps to one Sepidar sale type per backend.",
        ),
    ]
