# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups, orm_access

from ..sepidar_client import SepidarError, customer_payload, stable_guid
from .sepidar_credit_reader import CreditReader, credit_notification
from .sepidar_export import ADMIN_GROUP, FINANCE_GROUP

# Persian and Arabic-Indic digits, as dealers type them in phone numbers.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

MATCHED_BY = [
    ("guid", "GUID"),
    ("code", "Code"),
    ("national_id", "National ID"),
    ("phone", "Phone"),
    ("created", "Created in Sepidar"),
    ("manual", "Manual"),
]


def normalize_phone(value):
    """Digits of an Iranian phone number in national form (``021…``, ``0912…``)."""
    digits = re.sub(r"\D", "", str(value or "").translate(_DIGITS))
    if digits.startswith("0098"):
        digits = "0" + digits[4:]
    elif digits.startswith("98") and len(digits) > 10:
        digits = "0" + digits[2:]
    elif len(digits) == 10 and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def _normalize(value):
    return str(value or "").translate(_DIGITS).strip().lower()


class SepidarPartnerBinding(models.Model):
    """The Sepidar customer (طرف حساب) a dealer is posted as.

    Found among Sepidar's customers by GUID, code, national id or phone, else
    created at the dealer's first posted order with a GUID derived from the
    partner, so that a lost answer cannot create the customer twice.
    """

    _name = "sepidar.partner.binding"
    _description = "Sepidar Customer of a Dealer"
    _order = "backend_id, partner_id"
    _rec_name = "partner_id"

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Dealer", required=True, ondelete="cascade", index=True
    )
    partner_ref = fields.Char(related="partner_id.ref", string="Dealer Code")
    guid = fields.Char(
        string="GUID",
        readonly=True,
        copy=False,
        help="Sent when the customer is created in Sepidar; derived from the dealer.",
    )
    sepidar_customer_id = fields.Integer(
        string="Sepidar Customer ID",
        copy=False,
        help="Sepidar's CustomerID. Empty: found or created at the next posting.",
    )
    customer_code = fields.Char(string="Sepidar Code", copy=False)
    customer_title = fields.Char(string="Sepidar Title", copy=False)
    matched_by = fields.Selection(MATCHED_BY, readonly=True, copy=False)
    is_mapped = fields.Boolean(
        string="Mapped", compute="_compute_is_mapped", store=True, index=True
    )
    # Credit snapshot (sepidar_credit_reader.py): what the credit check reads.
    credit_remainder = fields.Float(
        string="Credit Left (Rial)",
        readonly=True,
        copy=False,
        digits=(19, 0),
        help="Sepidar's CreditRemainder of the customer when it was last read.",
    )
    credit_balance = fields.Float(
        string="Balance (Rial)",
        readonly=True,
        copy=False,
        digits=(19, 0),
        help="Sepidar's balance of the customer (Remainder; AccountingRemainder "
        "from API level 104).",
    )
    credit_read_at = fields.Datetime(string="Credit Read On", readonly=True, copy=False)
    credit_error = fields.Text(
        string="Credit Read Error",
        readonly=True,
        copy=False,
        help="Why the last attempt to read the credit failed (empty: it worked).",
    )

    _sql_constraints = [
        (
            "partner_unique",
            "UNIQUE(backend_id, partner_id)",
            "A dealer has one Sepidar customer per backend.",
        ),
    ]

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_refresh_credit(self):
        """Read these dealers' credit from Sepidar now (one call per backend)."""
        error = CreditReader(self.env).refresh(self.sudo())
        return credit_notification(self.env, error)

    @api.model
    def _cron_refresh_credit(self, batch_size=500):
        """Read every mapped dealer's credit (scheduled action)."""
        CreditReader(self.env).refresh_all(batch_size)

    @api.depends("sepidar_customer_id")
    def _compute_is_mapped(self):
        for binding in self:
            binding.is_mapped = bool(binding.sepidar_customer_id)

    @orm_access
    @api.model_create_multi
    def create(self, vals_list):
        db_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        for vals in vals_list:
            if not vals.get("guid"):
                vals["guid"] = stable_guid(db_uuid, "res.partner", vals["partner_id"])
            if vals.get("sepidar_customer_id") and not vals.get("matched_by"):
                vals["matched_by"] = "manual"
        return super().create(vals_list)

    @orm_access
    def write(self, vals):
        if "sepidar_customer_id" in vals and "matched_by" not in vals:
            vals = dict(
                vals, matched_by="manual" if vals["sepidar_customer_id"] else False
            )
        return super().write(vals)

    @api.model
    def _get_or_create(self, backend, partners):
        """Bindings of ``partners`` (commercial entities) for ``backend``."""
        partners = partners.commercial_partner_id
        bindings = self.search(
            [("backend_id", "=", backend.id), ("partner_id", "in", partners.ids)]
        )
        missing = partners - bindings.partner_id
        if missing:
            bindings |= self.create(
                [{"backend_id": backend.id, "partner_id": p.id} for p in missing]
            )
        return bindings

    # Matching --------------------------------------------------------------

    def _match_customer(self, customers):
        """``(customer, how)`` of the first criterion with exactly one match."""
        self.ensure_one()
        partner = self.partner_id
        criteria = [
            ("guid", "GUID", _normalize(self.guid), _normalize),
            ("code", "Code", _normalize(partner.ref), _normalize),
            (
                "national_id",
                "NationalID",
                _normalize(partner.company_registry),
                _normalize,
            ),
            (
                "phone",
                "PhoneNumber",
                normalize_phone(partner.phone or partner.mobile),
                normalize_phone,
            ),
        ]
        for how, field, wanted, normalize in criteria:
            if not wanted:
                continue
            found = [c for c in customers if normalize(c.get(field)) == wanted]
            if len(found) == 1:
                return found[0], how
        return None, None

    def _bind_customer(self, customer, how):
        self.write(
            {
                "sepidar_customer_id": customer["CustomerID"],
                "customer_code": customer.get("Code"),
                "customer_title": customer.get("Title"),
                "matched_by": how,
            }
        )

    def _customer_payload(self):
        self.ensure_one()
        partner = self.partner_id
        if partner.is_company:
            name, last_name, kind = partner.name, "", 2
        else:
            first, _sep, last = (partner.name or "").strip().rpartition(" ")
            name, last_name, kind = (first or last), (last if first else ""), 1
        return customer_payload(
            self.guid,
            name,
            last_name,
            customer_type=kind,
            phone=normalize_phone(partner.phone or partner.mobile) or None,
            national_id=partner.company_registry or None,
            economic_code=partner.vat or None,
        )

    def _ensure_customer(self, session):
        """Sepidar's CustomerID of the dealer: stored, found, or created now.

        The customer list is read before creating, and the GUID is derived
        from the partner: a creation whose answer was lost is found by GUID at
        the next attempt instead of being repeated.
        """
        self.ensure_one()
        if self.sepidar_customer_id:
            return self.sepidar_customer_id
        customer, how = self._match_customer(session.customers())
        if customer:
            self._bind_customer(customer, how)
            return self.sepidar_customer_id
        try:
            customer = session.client.create_customer(self._customer_payload())
        except SepidarError as error:
            if error.status and 400 <= error.status < 600:
                # Perhaps a duplicate GUID: an earlier creation did go through.
                customer, how = self._match_customer(session.customers(refresh=True))
                if customer and how == "guid":
                    self._bind_customer(customer, how)
                    return self.sepidar_customer_id
            raise
        session.add_customer(customer)
        self._bind_customer(customer, "created")
        return self.sepidar_customer_id

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_match(self):
        """Match the selected dealers with Sepidar's customers (creates none)."""
        matched = self.browse()
        for backend in self.backend_id:
            bindings = self.filtered(
                lambda b, backend=backend: (
                    b.backend_id == backend and not b.sepidar_customer_id
                )
            )
            if not bindings:
                continue
            try:
                with backend._session() as client:
                    customers = client.customers()
            except SepidarError as error:
                raise UserError(backend._error_text(error)) from error
            for binding in bindings:
                customer, how = binding._match_customer(customers)
                if customer:
                    binding._bind_customer(customer, how)
                    matched |= binding
        return self.env["sepidar.backend"]._notification_action(
            self.env._(
                "%(matched)s of %(total)s dealer(s) matched with a Sepidar customer.",
                matched=len(matched),
                total=len(self),
            )
        )
