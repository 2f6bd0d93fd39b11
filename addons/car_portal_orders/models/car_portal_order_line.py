# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import float_compare, float_is_zero

from ..tools.digits import (
    format_quantity,
    localize_number,
    parse_whole_number,
    to_ascii_digits,
)
from ..tools.rpc_access import orm_access
from .car_portal_order import CLOSED_STATES, _differs

# What the dealer asked for: frozen once the order is submitted.
LINE_FROZEN_FIELDS = frozenset({"order_id", "product_id", "requested_qty"})
# What the expert decides, tracked line by line in the order's chatter.
LINE_REVIEW_FIELDS = ("supplied_qty", "expert_note")
# Portal: what a dealer may post for a line, nothing else is read.
PORTAL_LINE_KEYS = ("product_query", "product_tmpl_id", "product_id", "qty")
# Portal: how many models the product search returns.
PORTAL_SEARCH_LIMIT = 8
# Portal: the largest quantity when the company sets no maximum.
PORTAL_HARD_MAX_QTY = 1_000_000


def _to_id(value):
    """A positive record id from a posted string, else 0."""
    value = to_ascii_digits(str(value or "")).strip()
    return int(value) if value.isdigit() and len(value) < 10 else 0


class CarPortalOrderLine(models.Model):
    _name = "car.portal.order.line"
    _description = "Dealer Order Line"
    _order = "order_id, sequence, id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "car.portal.order",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    state = fields.Selection(related="order_id.state", store=True)
    partner_id = fields.Many2one(
        related="order_id.partner_id", store=True, string="Dealer", index=True
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        domain=[("car_portal_orderable", "=", True), ("sale_ok", "=", True)],
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", store=True, string="Model"
    )
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", store=True, string="Product Category"
    )
    color_value_id = fields.Many2one(
        "product.attribute.value",
        string="Colour",
        compute="_compute_color_value_id",
        store=True,
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    requested_qty = fields.Float(
        string="Requested",
        required=True,
        default=1.0,
        digits="Product Unit of Measure",
        help="What the dealer asked for. Kept unchanged forever.",
    )
    supplied_qty = fields.Float(
        string="Supplied",
        digits="Product Unit of Measure",
        copy=False,
        help="What the expert decided to supply (0 allowed).",
    )
    discrepancy_qty = fields.Float(
        string="Discrepancy",
        compute="_compute_discrepancy",
        store=True,
        digits="Product Unit of Measure",
        help="Requested minus supplied quantity.",
    )
    discrepancy_percent = fields.Float(
        string="Discrepancy (%)",
        compute="_compute_discrepancy",
        store=True,
        aggregator="avg",
    )
    expert_note = fields.Char(copy=False)
    currency_id = fields.Many2one(related="order_id.currency_id")
    price_unit = fields.Monetary(
        string="Unit Price",
        compute="_compute_price_unit",
        store=True,
        help="List price when the line was entered; for information only.",
    )
    price_subtotal_requested = fields.Monetary(
        compute="_compute_subtotals", store=True, string="Requested Value"
    )
    price_subtotal_supplied = fields.Monetary(
        compute="_compute_subtotals", store=True, string="Supplied Value"
    )

    _sql_constraints = [
        (
            "requested_positive",
            "CHECK(requested_qty > 0)",
            "The requested quantity must be positive.",
        ),
        (
            "supplied_not_negative",
            "CHECK(supplied_qty >= 0)",
            "The supplied quantity cannot be negative.",
        ),
    ]

    @api.depends("product_id")
    def _compute_color_value_id(self):
        for line in self:
            values = line.product_id.product_template_attribute_value_ids
            colours = values.filtered(lambda v: v.attribute_id.display_type == "color")
            line.color_value_id = colours[:1].product_attribute_value_id

    @api.depends("product_id")
    def _compute_price_unit(self):
        # Depends on the product only: a later price change does not rewrite
        # what the dealer saw when ordering.
        for line in self:
            line.price_unit = line.product_id.lst_price

    @api.depends("requested_qty", "supplied_qty")
    def _compute_discrepancy(self):
        for line in self:
            line.discrepancy_qty = line.requested_qty - line.supplied_qty
            line.discrepancy_percent = (
                100.0 * line.discrepancy_qty / line.requested_qty
                if line.requested_qty
                else 0.0
            )

    @api.depends("price_unit", "requested_qty", "supplied_qty")
    def _compute_subtotals(self):
        for line in self:
            line.price_subtotal_requested = line.price_unit * line.requested_qty
            line.price_subtotal_supplied = line.price_unit * line.supplied_qty

    @api.constrains("supplied_qty", "requested_qty")
    def _check_supplied_qty(self):
        for line in self:
            digits = self.env["decimal.precision"].precision_get(
                "Product Unit of Measure"
            )
            if float_compare(line.supplied_qty, line.requested_qty, digits) > 0:
                raise ValidationError(
                    self.env._(
                        "%(product)s: the supplied quantity (%(supplied)s) cannot "
                        "exceed what the dealer requested (%(requested)s).",
                        product=line.product_id.display_name,
                        supplied=line.supplied_qty,
                        requested=line.requested_qty,
                    )
                )

    # CRUD -----------------------------------------------------------------

    @orm_access
    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["car.portal.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        submitted = orders.filtered(lambda o: o.state != "draft")
        if submitted:
            raise UserError(
                self.env._(
                    "Order %(order)s was submitted: lines cannot be added any "
                    "more. The expert can set a line's supply to 0 instead.",
                    order=submitted[0].name,
                )
            )
        return super().create(vals_list)

    @orm_access
    def write(self, vals):
        self._check_order_closed(vals)
        self._check_frozen_fields(vals)
        review_fields = [f for f in LINE_REVIEW_FIELDS if f in vals]
        in_review = self.browse()
        if review_fields:
            # While the dealer drafts, the expert's fields are only a copy of
            # the request (see _prefill_supplied_qty); afterwards only the
            # expert changes them, during the review, with a trace.
            in_review = self.filtered(lambda ln: ln.order_id.state != "draft")
            in_review._check_reviewable()
        old = {line: {f: line[f] for f in review_fields} for line in in_review}
        result = super().write(vals)
        if old:
            in_review._log_review_changes(old)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_lines(self):
        submitted = self.order_id.filtered(lambda o: o.state != "draft")
        if submitted:
            raise UserError(
                self.env._(
                    "Order %(order)s was submitted: its lines cannot be removed. "
                    "The expert can set a line's supply to 0 instead.",
                    order=submitted[0].name,
                )
            )

    def _check_order_closed(self, vals):
        """Lines of an approved, rejected or cancelled order never change."""
        for line in self.filtered(lambda ln: ln.order_id.state in CLOSED_STATES):
            if any(_differs(line, f, vals[f]) for f in vals if f in line._fields):
                raise UserError(
                    self.env._(
                        "Order %(order)s is closed (%(status)s): its lines cannot "
                        "change any more.",
                        order=line.order_id.name,
                        status=line.order_id._state_label(),
                    )
                )

    def _check_frozen_fields(self, vals):
        frozen = LINE_FROZEN_FIELDS.intersection(vals)
        if not frozen:
            return
        for line in self.filtered(lambda ln: ln.order_id.state != "draft"):
            if any(_differs(line, f, vals[f]) for f in frozen):
                raise UserError(
                    self.env._(
                        "Order %(order)s was submitted: the products and quantities "
                        "the dealer requested cannot change any more.",
                        order=line.order_id.name,
                    )
                )

    def _check_reviewable(self):
        not_in_review = self.order_id.filtered(lambda o: o.state != "review")
        if not_in_review:
            raise UserError(
                self.env._(
                    "Supplied quantities of order %(order)s can only be changed "
                    "during the expert review.",
                    order=not_in_review[0].name,
                )
            )
        self.order_id._check_can_review()

    def _log_review_changes(self, old):
        """Post one message per order listing the review changes (old → new)."""
        by_order = {}
        for line, values in old.items():
            for fname, before in values.items():
                after = line[fname]
                if (before or False) == (after or False):
                    continue
                label = line._fields[fname].get_description(self.env)["string"]
                by_order.setdefault(line.order_id, []).append(
                    Markup("<li>%s — %s: %s → %s</li>")
                    % (line.product_id.display_name, label, before or "", after or "")
                )
        for order, items in by_order.items():
            order.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (self.env._("Review changes:"), Markup("").join(items)),
                subtype_xmlid="mail.mt_note",
            )

    # Business helpers -------------------------------------------------------

    def _prefill_supplied_qty(self):
        """At submission the expert starts from 'supply everything requested'."""
        for line in self:
            line.supplied_qty = line.requested_qty

    def _check_orderable(self):
        """Raise a clear error for a line a dealer may not submit."""
        for line in self:
            product = line.product_id
            max_qty = line.order_id.company_id.car_portal_max_line_qty
            if (
                not product.active
                or not product.car_portal_orderable
                or not product.sale_ok
            ):
                raise UserError(
                    self.env._(
                        "%(product)s cannot be ordered any more.",
                        product=product.display_name,
                    )
                )
            if line.requested_qty <= 0 or not float_is_zero(
                line.requested_qty % 1, precision_digits=6
            ):
                raise UserError(
                    self.env._(
                        "%(product)s: the quantity must be a whole number above zero.",
                        product=product.display_name,
                    )
                )
            if max_qty and line.requested_qty > max_qty:
                raise UserError(
                    self.env._(
                        "%(product)s: at most %(max)s can be ordered on one line.",
                        product=product.display_name,
                        max=localize_number(max_qty, self.env.lang),
                    )
                )

    # Portal ---------------------------------------------------------------
    # Helpers of the dealer portal (controllers/portal.py). The controller
    # calls them on a sudo'ed model once it has checked who the dealer is:
    # dealers have no access to products. Everything a dealer typed is checked
    # here; errors are returned as translated messages, never raised.

    @api.model
    def _portal_product_domain(self, company):
        """Products a dealer of ``company`` may order."""
        return [
            ("car_portal_orderable", "=", True),
            ("sale_ok", "=", True),
            ("company_id", "in", [company.id, False]),
        ]

    @api.model
    def _portal_orderable(self, product, company):
        """Whether the variant ``product`` can be ordered by a dealer now."""
        return bool(
            product
            and product.active
            and product.product_tmpl_id.active
            and product.car_portal_orderable
            and product.sale_ok
            and product.company_id in (company, company.browse())
        )

    @api.model
    def _portal_variant_label(self, product):
        """How a variant is offered in the colour list: its colour (or other
        attribute values), with its code."""
        label = product.product_template_attribute_value_ids._get_combination_name()
        label = label or self.env._("Standard")
        return f"{label} ({product.default_code})" if product.default_code else label

    @api.model
    def _portal_variant_options(self, template, company):
        """The variants of ``template`` a dealer can choose, as dicts."""
        if not template:
            return []
        variants = template.product_variant_ids.filtered(
            lambda p: self._portal_orderable(p, company)
        )
        return [
            {"id": variant.id, "label": self._portal_variant_label(variant)}
            for variant in variants
        ]

    @api.model
    def _portal_template_label(self, template):
        code = template.default_code or ""
        return f"{template.name} [{code}]" if code else template.name

    @api.model
    def _portal_search_products(self, term, company, limit=PORTAL_SEARCH_LIMIT):
        """Orderable vehicles and parts whose name or code contains ``term``.

        One entry per model (product template) with the variants that exist,
        so that the colour list only offers real variants. Codes typed with
        Persian or Arabic digits match too.
        """
        term = " ".join((term or "").split())[:64]
        if not term:
            return []
        terms = {term, to_ascii_digits(term)}
        domain = expression.OR(
            [(fname, "ilike", t)]
            for t in terms
            for fname in ("name", "default_code", "product_variant_ids.default_code")
        )
        templates = self.env["product.template"].search(
            expression.AND([self._portal_product_domain(company), domain]),
            limit=max(1, min(int(limit or PORTAL_SEARCH_LIMIT), 20)),
            order="name, id",
        )
        kinds = dict(
            templates._fields["car_portal_kind"]._description_selection(self.env)
        )
        result = []
        for template in templates:
            variants = self._portal_variant_options(template, company)
            if variants:
                result.append(
                    {
                        "id": template.id,
                        "name": template.name,
                        "label": self._portal_template_label(template),
                        "kind": kinds.get(template.car_portal_kind, ""),
                        "variants": variants,
                    }
                )
        return result

    @api.model
    def _portal_row_is_blank(self, row):
        return not any(str(row.get(key) or "").strip() for key in PORTAL_LINE_KEYS)

    @api.model
    def _portal_resolve_product(self, row, company):
        """Find the product of a posted line.

        ``row`` holds what the dealer typed or picked: ``product_query`` (the
        search text), ``product_tmpl_id`` (the model picked from the search),
        ``product_id`` (the variant, i.e. the colour). Returns ``(product,
        template, field, message)``: the variant to order (or an empty
        recordset), the model whose colours the form offers, and when the line
        cannot be ordered the field at fault (``product`` or ``colour``) and a
        translated message.
        """
        Product = self.env["product.product"].with_context(active_test=False)
        Template = self.env["product.template"].with_context(active_test=False)
        template = Template.browse(_to_id(row.get("product_tmpl_id"))).exists()
        variant = Product.browse(_to_id(row.get("product_id"))).exists()
        unknown = self.env._("This product does not exist; search for it again.")
        if str(row.get("product_tmpl_id") or "").strip() and not template:
            return Product, Template, "product", unknown
        if template and variant and variant.product_tmpl_id != template:
            # A colour left from a product the dealer replaced.
            variant = Product
        if not template and str(row.get("product_id") or "").strip():
            if not variant:
                return Product, Template, "product", unknown
            template = variant.product_tmpl_id
        if not template:
            template, variant, message = self._portal_find_product(
                (row.get("product_query") or "").strip(), company
            )
            if message:
                return Product, Template, "product", message
        cannot = self.env._(
            "%(product)s cannot be ordered.", product=template.display_name
        )
        if variant and not self._portal_orderable(variant, company):
            return Product, Template, "product", cannot
        if not variant:
            variants = template.product_variant_ids.filtered(
                lambda p: self._portal_orderable(p, company)
            )
            if not variants:
                return Product, Template, "product", cannot
            if len(variants) > 1:
                return Product, template, "colour", self.env._("Choose a colour.")
            variant = variants
        return variant, template, None, None

    @api.model
    def _portal_find_product(self, query, company):
        """The product a dealer typed without picking it from the search
        (no JavaScript): an exact code, or a single model matching the name.

        Returns ``(template, variant, message)``.
        """
        Product = self.env["product.product"].with_context(active_test=False)
        Template = self.env["product.template"]
        if not query:
            return Template, Product, self.env._("Choose a product.")
        terms = {query, to_ascii_digits(query)}
        by_code = Product.search(
            expression.AND(
                [
                    [("company_id", "in", [company.id, False])],
                    expression.OR([("default_code", "=ilike", t)] for t in terms),
                ]
            ),
            limit=2,
        )
        if len(by_code) == 1:
            return by_code.product_tmpl_id, by_code, None
        domain = self._portal_product_domain(company)
        exact = Template.search(
            expression.AND(
                [domain, expression.OR([[("name", "=ilike", t)] for t in terms])]
            ),
            limit=2,
        )
        if len(exact) == 1:
            return exact, Product, None
        found = exact or Template.search(
            expression.AND(
                [domain, expression.OR([[("name", "ilike", t)] for t in terms])]
            ),
            limit=2,
        )
        if len(found) == 1:
            return found, Product, None
        if found:
            return (
                Template,
                Product,
                self.env._(
                    "Several products match “%(query)s”: pick one from the list, "
                    "or type its code.",
                    query=query,
                ),
            )
        return (
            Template,
            Product,
            self.env._("No orderable product matches “%(query)s”.", query=query),
        )

    @api.model
    def _portal_parse_qty(self, text, company):
        """``(quantity, message)`` for the quantity a dealer typed.

        A positive whole number, in ASCII, Persian or Arabic-Indic digits, at
        most the company's maximum per line.
        """
        max_qty = company.car_portal_max_line_qty or PORTAL_HARD_MAX_QTY
        value, problem = parse_whole_number(text)
        if problem == "empty":
            return None, self.env._("Enter a quantity.")
        if problem == "fraction":
            return None, self.env._(
                "The quantity must be a whole number, without decimals."
            )
        if problem == "invalid":
            return None, self.env._("Enter the quantity as a number, e.g. 12.")
        if value is not None and value < 1:
            return None, self.env._("The quantity must be at least 1.")
        if problem == "too_large" or value > max_qty:
            return None, self.env._(
                "At most %(max)s can be ordered on one line.",
                max=localize_number(max_qty, self.env.lang),
            )
        return value, None

    def _portal_qty(self, fname):
        """A quantity field of the line, formatted for the portal and report."""
        self.ensure_one()
        return localize_number(format_quantity(self[fname]), self.env.lang)

    def _portal_amount(self, fname):
        """An amount field, in the company's display unit (Rial or Toman)."""
        self.ensure_one()
        return self.company_id._car_portal_format_amount(self[fname])
