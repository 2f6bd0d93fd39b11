# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.car_portal_orders.tools.digits import localize_number
from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups

from .sepidar_credit_reader import CreditReader, credit_notification, credit_verdict
from .sepidar_export import ADMIN_GROUP, FINANCE_GROUP, RETRYABLE_STATES, STATES
from .sepidar_item import SERVICE

SEPIDAR_MANAGERS = f"{FINANCE_GROUP},car_portal_orders.group_car_portal_admin"


class CarPortalOrder(models.Model):
    _inherit = "car.portal.order"

    sepidar_export_ids = fields.One2many(
        "sepidar.export",
        "order_id",
        string="Sepidar Postings",
        groups=SEPIDAR_MANAGERS,
    )
    sepidar_state = fields.Selection(
        STATES,
        string="Sepidar Status",
        compute="_compute_sepidar",
        search="_search_sepidar_state",
    )
    sepidar_document_number = fields.Char(
        string="Sepidar Number", compute="_compute_sepidar"
    )
    sepidar_error = fields.Text(compute="_compute_sepidar")
    sepidar_log_count = fields.Integer(compute="_compute_sepidar")

    def _compute_sepidar(self):
        exports = (
            self.env["sepidar.export"].sudo().search([("order_id", "in", self.ids)])
        )
        by_order = {export.order_id.id: export for export in exports}
        logs = dict(
            self.env["sepidar.sync.log"]
            .sudo()
            ._read_group([("export_id", "in", exports.ids)], ["export_id"], ["__count"])
        )
        for order in self:
            export = by_order.get(order.id)
            order.sepidar_state = export.state if export else False
            order.sepidar_document_number = (
                export.sepidar_document_number if export else False
            )
            order.sepidar_error = (
                export.last_error
                if export and export.state in RETRYABLE_STATES
                else False
            )
            order.sepidar_log_count = logs.get(export, 0) if export else 0

    def _search_sepidar_state(self, operator, value):
        if operator in ("=", "!="):
            values = [value]
        elif operator in ("in", "not in"):
            values = list(value)
        else:
            raise UserError(self.env._("Unsupported search on the Sepidar status."))
        Export = self.env["sepidar.export"].sudo()
        states = [v for v in values if v]
        positive = []
        if states:
            query = Export._search([("state", "in", states)])
            positive.append([("id", "in", query.subselect("order_id"))])
        if len(states) < len(values):  # False: not queued
            query = Export._search([])
            positive.append([("id", "not in", query.subselect("order_id"))])
        domain = (
            positive[0] if len(positive) == 1 else ["|", *positive[0], *positive[1]]
        )
        return ["!", *domain] if operator in ("!=", "not in") else domain

    # Hooks of car_portal_orders ---------------------------------------------

    def _hook_approved(self):
        """Queue the posting of the approved orders, in the same transaction."""
        result = super()._hook_approved()
        self.env["sepidar.export"].sudo()._enqueue(self)
        return result

    def _stock_checked_lines(self):
        """Sepidar keeps no inventory of a service item, so the stock check
        leaves its lines out (the stock pull stores no level for it), even
        when the product is goods in Odoo."""
        lines = super()._stock_checked_lines()
        backend = self.env["sepidar.backend"].sudo()._get_for_company(self.company_id)
        if not (backend and lines):
            return lines
        services = (
            self.env["sepidar.product.binding"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("product_id", "in", lines.product_id.ids),
                    ("item_id.item_type", "=", SERVICE),
                ]
            )
            .product_id
        )
        return lines.filtered(lambda line: line.product_id not in services)

    # Available to promise (the hook of car_portal_orders) ------------------------

    @api.model
    def _car_portal_promised_domain(self):
        """An approved order stops holding stock once Sepidar has its invoice
        (posted as one, or read back by ``sepidar_readback_runner``): from
        then on the goods leave Sepidar's inventory, which the stock pull
        reads. A revoked invoice gives the order its claim back."""
        return super()._car_portal_promised_domain() + [
            "!",
            (
                "sepidar_export_ids",
                "any",
                [("invoiced_at", "!=", False), ("invoice_state", "!=", "revoked")],
            ),
        ]

    # Credit check (the hook of car_portal_orders) -------------------------------

    def _credit_check(self):
        """The dealer's credit snapshot against this order and its other
        approved orders not yet invoiced (``sepidar_credit_reader.py``)."""
        super()._credit_check()  # the base only says no source is installed
        backend = self.env["sepidar.backend"].sudo()._get_for_company(self.company_id)
        if not backend:
            raise UserError(
                self.env._(
                    "%(company)s has no Sepidar connection to read the credit from.",
                    company=self.company_id.name,
                )
            )
        binding = (
            self.env["sepidar.partner.binding"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                ],
                limit=1,
            )
        )
        return credit_verdict(self, backend, binding)

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_sepidar_refresh_credit(self):
        """Finance: read the dealers' credit from Sepidar now, then check again
        the orders waiting at a credit check (those covered go on)."""
        orders = self.sudo()
        backend_model = self.env["sepidar.backend"].sudo()
        bindings = self.env["sepidar.partner.binding"].sudo()
        for order in orders:
            backend = backend_model._get_for_company(order.company_id)
            if backend:
                bindings |= bindings._get_or_create(backend, order.partner_id)
        error = CreditReader(self.env).refresh(bindings)
        waiting = orders.filtered(
            lambda o: o.state == "process" and o.stage_id.kind == "credit_check"
        )
        for order in waiting:
            stage = order.stage_id
            if order._run_credit_check():
                order._advance(after=stage)
        return credit_notification(self.env, error)

    # Dealer portal -------------------------------------------------------------

    def _portal_sepidar_status(self):
        """What the dealer reads of the order in the accounting (Sepidar).

        ``None`` before the order is queued. The dealer is not shown Sepidar's
        errors: until the document exists they read that it is being
        registered. Once it exists: in Sepidar, invoiced (with its number),
        partly paid (with what remains), paid or revoked, as last read back
        from Sepidar, with the date it was read.
        """
        self.ensure_one()
        return self._portal_sepidar_statuses().get(self.id)

    def _portal_sepidar_statuses(self):
        """``{order id: status}`` of these orders (one query), for the list."""
        exports = (
            self.env["sepidar.export"].sudo().search([("order_id", "in", self.ids)])
        )
        return {
            export.order_id.id: self._portal_sepidar_status_of(export)
            for export in exports
        }

    def _portal_sepidar_status_of(self, export):
        status = {
            "state": export.state,
            "tone": "light",
            "number": export.sepidar_document_number or "",
            "date": False,
            "remaining": "",
        }
        if export.state == "done":
            status.update(self._portal_sepidar_posted(export))
        elif export.state == "cancel":
            status["label"] = self.env._("Not registered in accounting")
        else:
            status["label"] = self.env._("Being registered in accounting")
        return status

    def _portal_sepidar_posted(self, export):
        """The dealer's status of a posted document (see above)."""
        values = {
            "date": export.readback_at or export.posted_at,
            "tone": "success",
            "label": self.env._("Registered in accounting"),
        }
        if export.invoice_state:
            values["number"] = export.invoice_number or ""
        if export.invoice_state == "revoked":
            values.update(tone="danger", label=self.env._("Invoice revoked"))
        elif export.invoice_state == "registered":
            values["label"] = self.env._("Invoiced")
            if export.amount_received and export.amount_remaining > 0:
                values.update(
                    tone="warning",
                    label=self.env._("Partly paid"),
                    remaining=localize_number(
                        f"{export.amount_remaining:,.0f}", self.env.lang
                    ),
                )
            elif export.amount_received and export.amount_remaining <= 0:
                values["label"] = self.env._("Paid")
        return values

    # Buttons -----------------------------------------------------------------

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_sepidar_retry(self):
        exports = self.env["sepidar.export"].search([("order_id", "in", self.ids)])
        return exports.action_retry()

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_view_sepidar_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "car_portal_sepidar.sepidar_sync_log_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {}
        return action
