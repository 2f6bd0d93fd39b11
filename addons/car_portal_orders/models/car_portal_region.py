# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CarPortalRegion(models.Model):
    """A sales region of the distributor: a group of provinces with a manager.

    Dealers belong to a region; referral rules and process stages can use it
    (e.g. "the dealer's regional manager approves").
    """

    _name = "car.portal.region"
    _description = "Dealer Region"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    manager_id = fields.Many2one(
        "res.users",
        string="Regional Manager",
        domain=[("share", "=", False)],
        check_company=True,
    )
    state_ids = fields.Many2many(
        "res.country.state",
        string="Provinces",
        help="Dealers located in these provinces get this region by default.",
    )
    dealer_ids = fields.One2many(
        "res.partner", "car_portal_region_id", string="Dealers"
    )
