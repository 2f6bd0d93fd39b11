# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from contextlib import contextmanager

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
from .sepidar_posting_runner import commit_unless_testing
from .sepidar_reference_data import ReferenceData
from .sepidar_stock_reader import StockReader

_logger = logging.getLogger(__name__)

# Odoo's Settings group: the only one that reads the password, key and token.
SETTINGS_GROUP = "base.group_system"


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
    password = fields.Char(groups=SETTINGS_GROUP, copy=False)
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
        string="Device Key", groups=SETTINGS_GROUP, copy=False, readonly=True
    )
    is_registered = fields.Boolean(
        string="Registered", compute="_compute_is_registered", store=True
    )
    device_title = fields.Char(readonly=True, copy=False)
    token = fields.Char(groups=SETTINGS_GROUP, copy=False, readonly=True)
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
    atp_stock_ids = fields.Many2many(
        "sepidar.stock",
        "sepidar_backend_atp_stock_rel",
        "backend_id",
        "stock_id",
        string="Stocks Available to Promise",
        domain="[('backend_id', '=', id)]",
        help="The stocks whose quantities can be promised to dealers (the "
        "allocation, the stock check, the portal's availability). None: each "
        "item's usual stock, else the default stock.",
    )
    stock_reading = fields.Selection(
        [
            ("auto", "Per item where Sepidar has it, else the inventory list"),
            ("list", "The inventory list"),
        ],
        string="Read the Stock From",
        required=True,
        default="auto",
        help="Per item: one call per stocked item, and what Sepidar can sell "
        "(its sale quantity). The inventory list: one call, and what is in "
        "stock, invoiced goods included until they leave it. For a large "
        "catalogue on a slow link.",
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
            ("pricelist", "Sepidar price list (a missing price stops the posting)"),
            (
                "pricelist_then_odoo",
                "Sepidar price list, else the Odoo price (noted on the order)",
            ),
            ("odoo", "Odoo product price"),
        ],
        string="Fee From",
        required=True,
        default="pricelist",
        help="Where the unit price of a document line comes from. By default a "
        "line whose item has no price under the order's sale type stops the "
        "posting with a message naming the item and the sale type, to be fixed "
        "in Sepidar (or in the sale type mapping) and retried. The fallback to "
        "the Odoo price is never silent: each line it priced is noted on the "
        "order and in the posting's log.",
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
    credit_max_age_hours = fields.Integer(
        string="Credit Data Valid For (hours)",
        default=24,
        help="A credit check waits, saying so, when the dealer's credit was read "
        "from Sepidar longer ago than this.",
    )
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

    @contextmanager
    def _session(self):
        """The Sepidar session of this backend: ``with backend._session() as client:``.

        Opens a :class:`SepidarClient` from the stored device key, token and
        API level; at the end, also when the block fails, keeps the token and
        API level the client ended with for the next job (best effort, see
        :meth:`_save_client_state`) and closes the connection.
        """
        client = self._get_client()
        try:
            yield client
        finally:
            try:
                self._save_client_state(client)
            except psycopg2.Error:
                # The transaction failed already: the next job logs in again.
                _logger.info("Sepidar backend %s: token not saved", self.id)
            finally:
                client.close()

    def _get_client(self):
        """A :class:`SepidarClient` primed with the stored key, token and level.

        The caller closes it: use :meth:`_session`, which also keeps the token.
        """
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
    def _notification_action(self, message, kind="success", title=None):
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

    def _record_error_fresh(self, error):
        """``_record_error`` from a job that has been reading for a while:
        from a transaction begun now, as other jobs may have kept a new token
        on the backend meanwhile (a write from the old snapshot would fail)."""
        commit_unless_testing(self.env)
        self._record_error(error)

    def _record_error(self, error):
        self.ensure_one()
        self.sudo().write(
            {
                "last_error": self._error_text(error),
                "last_error_date": fields.Datetime.now(),
            }
        )

    # Buttons ----------------------------------------------------------------

    @allowed_groups(SETTINGS_GROUP)
    def action_register_device(self):
        """Register the device with its serial and keep the key Sepidar sends.

        Sepidar sends the key only once: registering the same serial again
        fails, and a new serial must then be issued in Sepidar.
        """
        self.ensure_one()
        if not self.serial:
            raise UserError(self.env._("Enter the device serial first."))
        try:
            with self._session() as client:
                registration = client.register_device()
        except SepidarError as error:
            raise UserError(self._error_text(error)) from error
        self.sudo().write(
            {
                "public_key_xml": registration.public_key_xml,
                "device_title": registration.device_title,
                "token": False,
            }
        )
        return self._notification_action(
            self.env._(
                "Device %(title)s (integration ID %(id)s) is registered.",
                title=registration.device_title or "-",
                id=registration.integration_id,
            )
        )

    @allowed_groups(SETTINGS_GROUP)
    def action_reset_registration(self):
        """Forget the device key, e.g. after Sepidar issued a new serial."""
        self.ensure_one()
        self.sudo().write({"public_key_xml": False, "token": False})
        return self._notification_action(
            self.env._(
                "The device key is forgotten. A real Sepidar registers a serial only "
                "once: ask the Sepidar operator for a new serial before registering."
            ),
            "warning",
        )

    @allowed_groups(ADMIN_GROUP, SETTINGS_GROUP)
    def action_test_connection(self):
        """Read the server's level, log in and check the token."""
        self.ensure_one()
        with self._session() as client:  # keeps the level and the new token
            try:
                server = client.check_version()
                client.login()
                authorized = client.is_authorized()
            except SepidarError as error:
                self._record_error(error)
                return self._notification_action(self._error_text(error), "danger")
        self.sudo().write({"lock_number": server.lock_number, "last_error": False})
        if not authorized:
            return self._notification_action(
                self.env._("Logged in, but Sepidar does not accept the token."),
                "warning",
            )
        return self._notification_action(
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
        return self._notification_action(
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
            self.env["product.product"]._car_portal_orderable_domain(self.company_id)
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
        unmapped = dealer_bindings.filtered(lambda b: not b.is_mapped)
        if unmapped:
            unmapped.action_match()
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
        return self._notification_action(
            self.env._("%(count)s approved order(s) queued.", count=len(exports))
        )

    @allowed_groups(ADMIN_GROUP, SETTINGS_GROUP)
    def action_post_now(self):
        """Run the posting job now rather than at its next turn."""
        self.env.ref("car_portal_sepidar.ir_cron_sepidar_post")._trigger()
        return self._notification_action(
            self.env._("The posting job will run in a moment.")
        )

    def _action_for(self, xmlid, domain, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = dict(context or {})
        return action

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, SETTINGS_GROUP)
    def action_open_exports(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_export_action", [("backend_id", "=", self.id)]
        )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, SETTINGS_GROUP)
    def action_open_items(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_item_action", [("backend_id", "=", self.id)]
        )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, SETTINGS_GROUP)
    def action_open_unmapped_products(self):
        self.ensure_one()
        return self._action_for(
            "car_portal_sepidar.sepidar_product_binding_action",
            [("backend_id", "=", self.id)],
            {"search_default_unmapped": 1, "default_backend_id": self.id},
        )

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP, SETTINGS_GROUP)
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
                backend._pull_reference_data(fresh_snapshot=True)
            except SepidarError as error:
                _logger.info(
                    "Sepidar backend %s: reference data not refreshed: %s",
                    backend.id,
                    error,
                )
                backend._record_error_fresh(error)

    def _pull_reference_data(self, fresh_snapshot=False):
        """Read currencies, sale types, stocks, items, prices and inventory;
        the stock of the orderable products is read next (``_cron_read_stock``).

        Returns the counts read. Records Sepidar no longer lists are archived.
        """
        self.ensure_one()
        with self._session() as client:
            answers = ReferenceData.fetch(client)
        if fresh_snapshot:
            # A job: the reading took a while, and other jobs kept the
            # backend's new token meanwhile; write from a snapshot begun now.
            commit_unless_testing(self.env)
        counts = ReferenceData(self).store(answers)
        # The stock of products just mapped: read by its own job, right
        # after this one (one job writes the stock levels, never two at once).
        self.env.ref("car_portal_sepidar.ir_cron_sepidar_stock")._trigger()
        return counts

    @api.model
    def _cron_read_stock(self):
        """Read the stock of the orderable products of each registered
        backend: the stock levels the available to promise reads.

        The reading (HTTP) may take a while; what it found is written in a
        transaction of its own, begun after it, so that orders and postings
        other jobs changed meanwhile do not make the writes fail."""
        for backend in self.search([("is_registered", "=", True)]):
            reader = StockReader(backend)
            try:
                with backend._session() as client:
                    rows, source = reader.fetch(client)
            except SepidarError as error:
                _logger.info(
                    "Sepidar backend %s: stock not read: %s", backend.id, error
                )
                backend._record_error_fresh(error)
                continue
            commit_unless_testing(self.env)
            reader.store(rows, source)
            commit_unless_testing(self.env)
