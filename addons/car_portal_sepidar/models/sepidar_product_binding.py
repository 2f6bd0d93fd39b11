# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.car_portal_orders.tools.rpc_access import allowed_groups, orm_access

from .sepidar_export import ADMIN_GROUP, FINANCE_GROUP


def _normalize(text):
    """Compare codes and Persian names: case, spaces, Arabic kaf/yeh folded."""
    return str(text or "").replace("ك", "ک").replace("ي", "ی").strip().lower()


class SepidarProductBinding(models.Model):
    """The Sepidar item (and tracing, e.g. colour) a product is posted as.

    Matched by code: the product's internal reference equals the item code, or
    the variant code extends it (``VH-1001-WHI`` → item ``VH-1001``) and one of
    the variant's attribute values names a tracing of the item (``سفید``).
    """

    _name = "sepidar.product.binding"
    _description = "Sepidar Item of a Product"
    _order = "backend_id, default_code, id"
    _rec_name = "product_id"

    backend_id = fields.Many2one(
        "sepidar.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True
    )
    default_code = fields.Char(
        related="product_id.default_code", store=True, string="Product Code"
    )
    item_id = fields.Many2one(
        "sepidar.item",
        string="Sepidar Item",
        ondelete="set null",
        domain="[('backend_id', '=', backend_id)]",
    )
    tracing_id = fields.Many2one(
        "sepidar.item.tracing",
        ondelete="set null",
        domain="[('item_id', '=', item_id), ('is_selectable', '=', True)]",
        help="Required when the Sepidar item has tracing factors (e.g. colours).",
    )
    item_has_tracing = fields.Boolean(compute="_compute_item_has_tracing")
    matched_by = fields.Selection(
        [("code", "Code"), ("code_tracing", "Code and Colour"), ("manual", "Manual")],
        readonly=True,
        copy=False,
    )
    is_mapped = fields.Boolean(
        string="Mapped", compute="_compute_is_mapped", store=True, index=True
    )

    _sql_constraints = [
        (
            "product_unique",
            "UNIQUE(backend_id, product_id)",
            "A product has one Sepidar item per backend.",
        ),
    ]

    @api.depends("item_id.tracing_ids")
    def _compute_item_has_tracing(self):
        for binding in self:
            binding.item_has_tracing = bool(binding.item_id.tracing_ids)

    @api.depends("item_id", "item_id.tracing_ids", "tracing_id")
    def _compute_is_mapped(self):
        for binding in self:
            binding.is_mapped = bool(binding.item_id) and (
                bool(binding.tracing_id) or not binding.item_id.tracing_ids
            )

    @api.constrains("item_id", "tracing_id")
    def _check_tracing(self):
        for binding in self:
            if binding.tracing_id and binding.tracing_id.item_id != binding.item_id:
                raise ValidationError(
                    self.env._(
                        "Tracing %(tracing)s does not belong to Sepidar item %(item)s.",
                        tracing=binding.tracing_id.name,
                        item=binding.item_id.display_name,
                    )
                )

    @api.onchange("item_id")
    def _onchange_item_id(self):
        if self.tracing_id.item_id != self.item_id:
            self.tracing_id = False

    @orm_access
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("item_id") and not vals.get("matched_by"):
                vals["matched_by"] = "manual"
        return super().create(vals_list)

    @orm_access
    def write(self, vals):
        if {"item_id", "tracing_id"} & set(vals) and "matched_by" not in vals:
            vals = dict(vals, matched_by="manual")
        return super().write(vals)

    @api.model
    def _get_or_create(self, backend, products):
        """Bindings of ``products`` for ``backend``; new ones are matched by code."""
        bindings = self.search(
            [("backend_id", "=", backend.id), ("product_id", "in", products.ids)]
        )
        missing = products - bindings.product_id
        if missing:
            new = self.create(
                [{"backend_id": backend.id, "product_id": p.id} for p in missing]
            )
            new._auto_match()
            bindings |= new
        return bindings

    def _auto_match(self):
        """Match the unmapped bindings by code; returns those now mapped."""
        matched = self.browse()
        for backend in self.backend_id:
            bindings = self.filtered(
                lambda b, backend=backend: b.backend_id == backend and not b.is_mapped
            )
            if not bindings:
                continue
            items = self.env["sepidar.item"].search(
                [("backend_id", "=", backend.id), ("is_active", "=", True)]
            )
            by_code = {_normalize(item.code): item for item in items}
            for binding in bindings:
                vals = binding._match_item(by_code)
                if vals:
                    binding.write(vals)
                    matched |= binding
        return matched

    def _match_item(self, by_code):
        """Values binding the product to an item of ``by_code``, or ``None``."""
        self.ensure_one()
        product = self.product_id
        code = _normalize(product.default_code)
        if not code:
            return None
        names = {
            _normalize(value.name)
            for value in product.product_template_attribute_value_ids
        }
        candidates = [(code, False)]
        parts = code.split("-")
        candidates += [
            ("-".join(parts[:n]), True) for n in range(len(parts) - 1, 0, -1)
        ]
        for candidate, is_prefix in candidates:
            item = by_code.get(candidate)
            if not item:
                continue
            if not item.tracing_ids:
                if is_prefix:
                    continue  # a shorter code names another product
                return {"item_id": item.id, "tracing_id": False, "matched_by": "code"}
            tracings = item.tracing_ids.filtered(
                lambda t: t.is_selectable and _normalize(t.name) in names
            )
            if len(tracings) == 1:
                return {
                    "item_id": item.id,
                    "tracing_id": tracings.id,
                    "matched_by": "code_tracing",
                }
            if not is_prefix:
                # Right item, but which colour is unknown: an admin picks it.
                return {"item_id": item.id, "tracing_id": False, "matched_by": "code"}
        return None

    @allowed_groups(FINANCE_GROUP, ADMIN_GROUP)
    def action_auto_match(self):
        matched = self._auto_match()
        return self.env["sepidar.backend"]._notification_action(
            self.env._(
                "%(matched)s of %(total)s product(s) matched with a Sepidar item.",
                matched=len(matched),
                total=len(self),
            )
        )
