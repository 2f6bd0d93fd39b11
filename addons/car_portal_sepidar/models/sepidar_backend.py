# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

import psycopg2
import requests

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups, orm_access

from ..sepidar_client import (
    SepidarAlreadyRegistered,
    SepidarAuthError,
    SepidarClient,
    SepidarConfigError,
    SepidarError,
    SepidarTransientError,
    SepidarUnknownOutcome,
    SepidarValidationError,
    SepidarVersionMismatch,
    integration_id_from_serial,
)
from .sepidar_export import ADMIN_GROUP, FINANCE_GROUP

_logger = logging.getLogger(__name__)

SECRET = "base.group_system"


class SepidarBackend(models.Model):
    """The Sepidar web service of one company: connection, device, settings.

    The device key Sepidar sends once at registration, the login token and the
    server's API level are stored here, so that a new cron job neither
    registers nor logs in again.
    """

    _name = "sepidar.backend"
    _description = "Sepidar Backend"
    _order = "company_id, id"
    _check_company_auto = True

    name = fields.Char(required=True, default="Sepidar")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    # Connection and device ------------------------------------------------
    url = fields.Char(
        string="URL",
        required=True,
        default="http://127.0.0.1:7373",
        help="Address of the Sepidar web service, e.g. http://192.168.1.10:7373 "
        "(the /api prefix is added).",
    )
    serial = fields.Char(
        string="Device Serial",
        copy=False,
        help="The 8-character serial Sepidar shows for the device (e.g. 10017ff3).",
    )
    integration_id = fields.Integer(
        string="Integration ID", compute="_compute_integration_id", store=True
    )
    username = fields.Char(string="User", help="The Sepidar user bound to the device.")
    password = fields.Char(groups=SECRET, copy=False)
    generation_version = fields.Integer(
        help="API level sent to Sepidar (GenerationVersion). 0: the server's own "
        "level, read at the first call.",
    )
    timeout_connect = fields.Float(string="Connect Timeout (s)", default=5.0)
    timeout_read = fields.Float(
        string="Answer Timeout (s)",
        default=30.0,
        help="After this, a document sent is in doubt: it is looked up by its GUID "
        "before being sent again.",
    )
    use_system_proxy = fields.Boolean(
        string="Use the System Proxy",
        help="Reach Sepidar through the proxy set in the server's environment "
        "(HTTP_PROXY...). Off: Sepidar is called directly, as on a LAN.",
    )
    public_key_xml = fields.Text(
        string="Device Key", groups=SECRET, copy=False, readonly=True
    )
    is_registered = fields.Boolean(
        string="Registered", compute="_compute_is_registered", store=True
    )
    device_title = fields.Char(readonly=True, copy=False)
    token = fields.Char(groups=SECRET, copy=False, readonly=True)
    server_version = fields.Integer(
        string="Server API Level", readonly=True, copy=False
    )
    lock_number = fields.Char(readonly=True, copy=False)
    # Documents --------------------------------------------------------------
    document_type = fields.Selection(
        [("quotation", "Quotation"), ("invoice", "Sales Invoice")],
        string="Document to Create",
        required=True,
        default="quotation",
    )
    default_stock_id = fields.Many2one(
        "sepidar.stock",
        domain="[('backend_id', '=', id)]",
        help="Stock of the document lines, unless the item has its usual stock.",
    )
    default_sale_type_id = fields.Many2one(
        "sepidar.sale.type",
        domain="[('backend_id', '=', id)]",
        help="Sale type of orders whose payment term has no mapping.",
    )
    payment_term_mapping_ids = fields.One2many(
        "sepidar.payment.term.mapping",
        "backend_id",
        string="Sale Type per Payment Term",
    )
    price_source = fields.Selection(
        [
            ("pricelist_then_odoo", "Sepidar price list, else the Odoo price"),
            ("pricelist", "Sepidar price list only"),
            ("odoo", "Odoo product price"),
        ],
        string="Fee From",
        required=True,
        default="pricelist_then_odoo",
    )
    odoo_price_factor = fields.Float(
        string="Odoo Price to Rial",
        default=1.0,
        digits=(12, 4),
        help="Odoo prices are multiplied by this to get Rial (10 if Odoo prices "
        "are in Toman).",
    )
    quotation_validity_days = fields.Integer(
        string="Quotation Validity (days)", default=30
    )
    currency_ref = fields.Integer(string="Sepidar Currency ID", readonly=True)
    currency_name = fields.Char(string="Sepidar Currency", readonly=True)
    currency_precision = fields.Integer(string="Currency Decimals", readonly=True)
    # Outbox -----------------------------------------------------------------
    batch_size = fields.Integer(
        default=100, help="Orders the posting job takes at a time (it commits each)."
    )
    retry_delay = fields.Integer(
        string="First Retry After (s)",
        default=60,
        help="A failed posting is retried after this delay, doubled at each "
        "failure up to the maximum.",
    )
    retry_delay_max = fields.Integer(string="Longest Retry Delay (s)", default=3600)
    reference_date = fields.Datetime(string="Reference Data Read On", readonly=True)
    last_error = fields.Text(readonly=True, copy=False)
    last_error_date = fields.Datetime(readonly=True, copy=False)
    export_ids = fields.One2many("sepidar.export", "backend_id", string="Outbox")
    export_pending_count = fields.Integer(compute="_compute_export_counts")
    export_error_count = fields.Integer(compute="_compute_export_counts")
    export_done_count = fields.Integer(compute="_compute_export_counts")
    item_count = fields.Integer(compute="_compute_item_count")
    unmapped_product_count = fields.Integer(compute="_compute_unmapped_counts")
    unmapped_dealer_count = fields.Integer(compute="_compute_unmapped_counts")

    _sql_constraints = [
        ("company_unique", "UNIQUE(company_id)", "A company has one Sepidar backend."),
    ]

    @api.depends("serial")
    def _compute_integration_id(self):
        for backend in self:
            try:
                backend.integration_id = (
                    integration_id_from_serial(backend.serial) if backend.serial else 0
                )
            except SepidarConfigError:
                backend.integration_id = 0

    @api.depends("public_key_xml")
    def _compute_is_registered(self):
        for backend in self:
            backend.is_registered = bool(backend.sudo().public_key_xml)

    def _compute_export_counts(self):
        counts = defaultdict(int)
        groups = self.env["sepidar.export"]._read_group(
            [("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"]
        )
        for backend, state, count in groups:
            counts[backend.id, state] = count
        for backend in self:
            backend.export_pending_count = sum(
                counts[backend.id, state] for state in ("pending", "running")
            )
            backend.export_error_count = counts[backend.id, "error"]
            backend.export_done_count = counts[backend.id, "done"]

    def _compute_item_count(self):
        counts = dict(
            self.env["sepidar.item"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        for backend in self:
            backend.item_count = counts.get(backend, 0)

    def _compute_unmapped_counts(self):
        products = dict(
            self.env["sepidar.product.binding"]._read_group(
                [("backend_id", "in", self.ids), ("is_mapped", "=", False)],
                ["backend_id"],
                ["__count"],
            )
        )
        dealers = dict(
            self.env["sepidar.partner.binding"]._read_group(
                [("backend_id", "in", self.ids), ("is_mapped", "=", False)],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            backend.unmapped_product_count = products.get(backend, 0)
            backend.unmapped_dealer_count = dealers.get(backend, 0)

    @api.constrains("serial")
    def _check_serial(self):
        for backend in self.filtered("serial"):
            try:
                integration_id_from_serial(backend.serial)
            except SepidarConfigError as error:
                raise ValidationError(
                    self.env._(
                        "%(serial)s is not a Sepidar device serial: it has 8 "
                        "characters, the first 4 being digits (e.g. 10017ff3).",
                        serial=backend.serial,
                    )
                ) from error

    @orm_access
    def write(self, vals):
        if "serial" in vals:
            # A new serial is a new registration: the old key and token are void.
            changed = self.filtered(lambda b: b.serial != vals["serial"])
            if changed:
                changed.sudo().write({"public_key_xml": False, "token": False})
        return super().write(vals)

    # Helpers ----------------------------------------------------------------

    @api.model
    def _get_for_company(self, company):
        return self.search([("company_id", "=", company.id)], limit=1)

    def _get_client(self):
        """A :class:`SepidarClient` primed with the stored key, token and level."""
        self.ensure_one()
        backend = self.sudo()
        session = requests.Session()
        # Environment proxies (and .netrc) apply only when asked for: they
        # rarely reach a LAN server, and reading them costs time on each call.
        session.trust_env = backend.use_system_proxy
        try:
            return SepidarClient(
                backend.url,
                serial=backend.serial or None,
                generation_version=backend.generation_version or None,
                username=backend.username or None,
                password=backend.password or None,
                public_key=backend.public_key_xml or None,
                token=backend.token or None,
                server_version=backend.server_version or None,
                timeout=(backend.timeout_connect or 5.0, backend.timeout_read or 30.0),
                session=session,
            )
        except (SepidarError, ValueError) as error:
            session.close()
            raise SepidarConfigError(str(error)) from error

    def _save_client_state(self, client):
        """Keep the token and API level the client ended with, for the next job.

        Best effort: when another transaction updates the backend at the same
        moment, the state is simply not saved (the next job logs in again).
        """
        self.ensure_one()
        backend = self.sudo()
        vals = {}
        if (client.token or False) != (backend.token or False):
            vals["token"] = client.token or False
        if client.server_version and client.server_version != backend.server_version:
            vals["server_version"] = client.server_version
        if not vals:
            return
        try:
            with self.env.cr.savepoint():
                backend.write(vals)
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
        ):
            _logger.info("Sepidar backend %s busy: its token is not saved", self.id)

    def _error_text(self, error):
        """A translated explanation of a client error, Sepidar's text verbatim."""
        detail = str(error)
        if isinstance(error, SepidarVersionMismatch):
            return self.env._(
                "The Sepidar API level does not match: %(detail)s", detail=detail
            )
        if isinstance(error, SepidarAuthError):
            return self.env._(
                "Sepidar refused the device or the user: %(detail)s", detail=detail
            )
        if isinstance(error, SepidarConfigError):
            return self.env._(
                "The Sepidar connection settings are incomplete or wrong: %(detail)s",
                detail=detail,
            )
        if isinstance(error, SepidarAlreadyRegistered):
            return self.env._(
                "This serial is already registered, and Sepidar sends the device "
                "key only once. Ask the Sepidar operator for a new serial of the "
                "device, enter it here and register again. (Sepidar: %(message)s)",
                message=error.sepidar_message or "-",
            )
        if isinstance(error, SepidarValidationError):
            return self.env._(
                "Sepidar rejected the data: %(message)s",
                message=error.sepidar_message or detail,
            )
        if isinstance(error, SepidarUnknownOutcome):
            return self.env._(
                "Sepidar did not answer; the document may have been saved: %(detail)s",
                detail=detail,
            )
        if isinstance(error, SepidarTransientError):
            return self.env._(
                "Sepidar could not be reached or failed; it will be tried again: "
                "%(detail)s",
                detail=detail,
            )
        return self.env._("Sepidar error: %(detail)s", detail=detail)

    @api.model
    def _notify(self, message, kind="success", title=None):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title or self.env._("Sepidar"),
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _sale_type_for(self, payment_term):
        """The sale type of documents of ``payment_term`` (empty if none)."""
        self.ensure_one()
        mapping = self.payment_term_mapping_ids.filtered(
            lambda m: m.payment_term_id == payment_term
        )
        return mapping[:1].sale_type_id or self.default_sale_type_id

    def _stock_for(self, item):
        """The stock lines of ``item`` are taken from (empty if none)."""
        self.ensure_one()
        return item.stock_id or self.default_stock_id

    def _record_error(self, error):
        self.ensure_one()
        self.sudo().write(
            {
                "last_error": self._error_text(error),
                "last_error_date": fields.Datetime.now(),
            }
        )

    # Buttons ----------------------------------------------------------------

    @allowed_groups("base.group_system")
    def action_register_device(self):
        """Register the device with its serial and keep the key Sepidar sends.

        Sepidar sends the key only once: registering the same serial again
        fails, and a new serial must then be issued in Sepidar.
        """
        self.ensure_one()
        if not self.serial:
            raise UserError(self.env._("Enter the device serial first."))
        client = self._get_client()
        try:
            registration = client.register_device()
        except SepidarError as error:
            raise UserError(self._error_text(error)) from error
        finally:
            client.close()
        self.sudo().write(
            {
                "public_key_xml": registration.public_key_xml,
                "device_title": registration.device_title,
                "token": False,
            }
        )
        return self._notify(
            self.env._(
                "Device %(title)s (integration ID %(id)s) is registered.",
                title=registration.device_title or "-",
                id=registration.integration_id,
            )
        )

    @allowed_groups("base.group_system")
    def action_reset_registration(self):
        """Forget the device key, e.g. after Sepidar issued a new serial."""
        self.ensure_one()
        self.sudo().write({"public_key_xml": False, "token": False})
        return self._notify(
            self.env._(
                "The device key is forgotten. A real Sepidar registers a serial only "
                "once: ask the Sepidar operator for a new serial before registering."
            ),
            "warning",
        )

    @allowed_groups(ADMIN_GROUP, "base.group_system")
    def action_test_connection(self):
        """Read the server's level, log in and check the token."""
        self.ensure_one()
        client = self._get_client()
        try:
            server = client.check_version()
            client.login()
            authorized = client.is_authorized()
        except SepidarError as error:
            self._record_error(error)
            return self._notify(self._error_text(error), "danger")
        finally:
            client.close()
        self.sudo().write(
            {
                "server_version": server.level,
                "lock_number": server.lock_number,
                "token": client.token,
                "last_error": False,
            }
        )
        if not authorized:
            return self._notify(
                self.env._("Logged in, but Sepidar does not accept the token."),
                "warning",
            )
        return self._notify(
            self.env._(
                "Connected to Sepidar (API level %(level)s, lock %(lock)s) as "
                "%(user)s.",
                level=server.level,
                lock=server.lock_number or "-",
                user=(client.user_info or {}).get("Title") or self.username,
            )
        )

    @allowed_groups(ADMIN_GROUP)
    def action_pull_reference_data(self):
        self.ensure_one()
        try:
            counts = self._pull_reference_data()
        except SepidarError as error:
            self._record_error(error)
            raise UserError(self._error_text(error)) from error
        return self._notify(
            self.env._(
                "Read from Sepidar: %(items)s items, %(prices)s prices, "
                "%(sale_types)s sale types, %(stocks)s stocks.",
                **counts,
            )
        )

    @allowed_groups(ADMIN_GROUP)
    def action_match_mappings(self):
        """Bind every orderable product and every dealer; match what can be."""
        self.ensure_one()
        products = self.env["product.product"].search(
            [
                ("car_portal_orderable", "=", True),
                ("company_id", "in", (False, self.company_id.id)),
            ]
        )
        product_bindings = self.env["sepidar.product.binding"]._get_or_create(
            self, products
        )
        product_bindings._auto_match()
        dealers = self.env["res.partner"].search(
            [
                ("car_portal_is_dealer", "=", True),
                ("is_company", "=", True),
                ("company_id", "in", (False, self.company_id.id)),
            ]
        )
        dealer_bindings = self.env["sepidar.partner.binding"]._get_or_create(
            self, dealers
        )
        if dealer_bindings.filtered(lambda b: not b.is_mapped):
            dealer_bindings.filtered(lambda b: not b.is_mapped).action_match()
        return self.action_open_unmapped_products()

    @allowed_groups(ADMIN_GROUP)
    def action_queue_approved_orders(self):
        """Queue the approved orders that have no Sepidar posting yet.

        For orders approved before the backend existed (going live).
        """
        self.ensure_one()
        orders = self.env["car.portal.order"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "approved"),
                ("sepidar_state", "=", False),
            ]
        )
        exports = self.env["sepidar.export"].sudo()._enqueue(orders)
        return self._notify(
            self.env._("%(count)s approved order(s) queued.", count=len(exports))
        )

    @allowed_groups(ADMIN_GROUP, "base.group_system")
    def action_post_now(self):
        """Run the posting job now rather than at its next turn."""
        self.env.ref("car_portal_sepidar.ir_cron_sepidar_post")._trigger()
        return self._notify(self.env._("The posting job will run in a moment."))

    def _action_for(self, xmlid, domain, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = dict(context or {})
        return action

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, "base.group_system")
    def action_open_exports(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_export_action", [("backend_id", "=", self.id)]
        )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, "base.group_system")
    def action_open_items(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_item_action", [("backend_id", "=", self.id)]
        )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, "base.group_system")
    def action_open_unmapped_products(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_product_binding_action",
            [("backend_id", "=", self.id)],
            {"search_default_unmapped": 1, "default_backend_id": self.id},
        )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, "base.group_system")
    def action_open_unmapped_dealers(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_partner_binding_action",
            [("backend_id", "=", self.id)],
            {"search_default_unmapped": 1, "default_backend_id": self.id},
        )

    # Reference data ---------------------------------------------------------

    @api.model
    def _cron_refresh_reference_data(self):
        for backend in self.search([("is_registered", "=", True)]):
            try:
                backend._pull_reference_data()
            except SepidarError as error:
                _logger.info(
                    "Sepidar backend %s: reference data not refreshed: %s",
                    backend.id,
                    error,
                )
                backend._record_error(error)

    def _pull_reference_data(self):
        """Read currencies, sale types, stocks, items, prices and inventory.

        Returns the counts read. Records Sepidar no longer lists are archived.
        """
        self.ensure_one()
        client = self._get_client()
        try:
            currencies = client.currencies()
            sale_types = client.sale_types()
            stocks = client.stocks()
            items = client.items()
            prices = client.price_note_items()
            inventories = client.item_inventories()
        finally:
            client.close()
        main = next((c for c in currencies if c.get("IsMain")), None)
        vals = {
            "reference_date": fields.Datetime.now(),
            "last_error": False,
            "server_version": client.server_version or self.server_version,
        }
        if main:
            vals.update(
                currency_ref=main["CurrencyID"],
                currency_name=main.get("Title"),
                currency_precision=int(main.get("PrecisionCount") or 0),
            )
        self.sudo().write(vals)
        self._save_client_state(client)
        self._sync_sale_types(sale_types)
        self._sync_stocks(stocks)
        self._sync_items(items)
        price_count = self._sync_prices(prices, main)
        self._store_inventory(inventories)
        self.env["sepidar.product.binding"].search(
            [("backend_id", "=", self.id), ("is_mapped", "=", False)]
        )._auto_match()
        return {
            "items": len(items),
            "prices": price_count,
            "sale_types": len(sale_types),
            "stocks": len(stocks),
        }

    def _sync(self, model, rows, key, values):
        """Create or update ``model`` records from Sepidar ``rows``; archive the rest.

        Returns ``{sepidar id: record}``.
        """
        Model = self.env[model].with_context(active_test=False)
        existing = {
            record.sepidar_id: record
            for record in Model.search([("backend_id", "=", self.id)])
        }
        seen = {}
        to_create = []
        for row in rows:
            vals = values(row)
            record = existing.get(row[key])
            if record:
                changed = {
                    name: value
                    for name, value in vals.items()
                    if record._fields[name].convert_to_write(record[name], record)
                    != value
                }
                if changed:
                    record.write(changed)
                seen[row[key]] = record
            else:
                to_create.append(dict(vals, backend_id=self.id, sepidar_id=row[key]))
        for record in Model.create(to_create):
            seen[record.sepidar_id] = record
        gone = [r for sid, r in existing.items() if sid not in seen and r.active]
        if gone:
            Model.union(*gone).write({"active": False})
        return seen

    def _sync_sale_types(self, rows):
        return self._sync(
            "sepidar.sale.type",
            rows,
            "SaleTypeID",
            lambda row: {
                "name": row.get("Title") or str(row["SaleTypeID"]),
                "market": str(row["Market"]) if row.get("Market") in (1, 2) else False,
                "is_available": row.get("IsAvailable", True) is not False,
                "active": True,
            },
        )

    def _sync_stocks(self, rows):
        return self._sync(
            "sepidar.stock",
            rows,
            "StockID",
            lambda row: {
                "name": row.get("Title") or str(row["StockID"]),
                "code": row.get("Code") or 0,
                "active": row.get("IsActive", True) is not False,
            },
        )

    def _sync_items(self, rows):
        items = self._sync(
            "sepidar.item",
            rows,
            "ItemID",
            lambda row: {
                "code": row.get("Code") or str(row["ItemID"]),
                "name": row.get("Title") or row.get("Code") or str(row["ItemID"]),
                "barcode": row.get("Barcode") or False,
                "item_type": str(row["Type"])
                if row.get("Type") in (1, 2, 3)
                else False,
                "unit_ref": row.get("UnitRef") or 0,
                "is_active": bool(row.get("IsActive")),
                "is_sellable": bool(row.get("IsSellable")),
                "is_tax_exempt": bool(row.get("IsTaxExempt")),
                "tax_rate": row.get("TaxRate") or 0.0,
                "duty_rate": row.get("DutyRate") or 0.0,
                "active": True,
            },
        )
        Tracing = self.env["sepidar.item.tracing"]
        for row in rows:
            item = items[row["ItemID"]]
            known = {t.sepidar_id: t for t in item.tracing_ids}
            wanted = {t["TracingID"]: t for t in row.get("Tracings") or ()}
            for tracing_id, tracing in wanted.items():
                vals = {
                    "name": tracing.get("Title") or str(tracing_id),
                    "is_selectable": tracing.get("IsSelectable", True) is not False,
                }
                if tracing_id in known:
                    known[tracing_id].write(vals)
                else:
                    Tracing.create(dict(vals, item_id=item.id, sepidar_id=tracing_id))
            stale = [t for sid, t in known.items() if sid not in wanted]
            if stale:
                Tracing.union(*stale).write({"is_selectable": False})
        return items

    def _sync_prices(self, rows, main_currency):
        """Replace the cached price list (base-currency lines only)."""
        Price = self.env["sepidar.item.price"]
        Price.search([("backend_id", "=", self.id)]).unlink()
        items = {
            i.sepidar_id: i
            for i in self.env["sepidar.item"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.id)])
        }
        sale_types = {
            s.sepidar_id: s
            for s in self.env["sepidar.sale.type"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.id)])
        }
        main_id = main_currency["CurrencyID"] if main_currency else None
        vals_list = []
        for row in rows:
            item = items.get(row.get("ItemRef"))
            sale_type = sale_types.get(row.get("SaleTypeRef"))
            currency = row.get("CurrencyRef")
            if not (item and sale_type) or (
                currency and main_id and currency != main_id
            ):
                continue
            vals_list.append(
                {
                    "backend_id": self.id,
                    "sepidar_id": row.get("PriceNoteItemID") or 0,
                    "item_id": item.id,
                    "sale_type_id": sale_type.id,
                    "tracing_ref": row.get("TracingRef") or 0,
                    "unit_ref": row.get("UnitRef") or 0,
                    "currency_ref": currency or 0,
                    "customer_grouping_ref": row.get("CustomerGroupingRef") or 0,
                    "fee": row.get("Fee") or 0.0,
                    "addition_rate": row.get("AdditionRate") or 0.0,
                }
            )
        Price.create(vals_list)
        return len(vals_list)

    def _store_inventory(self, rows):
        """Set each item's usual stock (when one stock holds it) and quantity."""
        stocks = {
            s.sepidar_id: s
            for s in self.env["sepidar.stock"]
            .with_context(active_test=False)
            .search([("backend_id", "=", self.id)])
        }
        per_item = defaultdict(list)
        for row in rows:
            per_item[row.get("ItemRef")].append(row)
        now = fields.Datetime.now()
        items = self.env["sepidar.item"].search([("backend_id", "=", self.id)])
        for item in items:
            item_rows = per_item.get(item.sepidar_id, [])
            held = {row.get("StockRef") for row in item_rows if row.get("Quantity")}
            if not item.stock_id and len(held) == 1:
                item.stock_id = stocks.get(held.pop())
            stock = self._stock_for(item)
            item._store_inventory(item_rows, stock, now)
