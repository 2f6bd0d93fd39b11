# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..tools.rpc_access import orm_access
from .car_portal_order import _differs
from .order_states import CLOSED_STATES

# What the dealer asked for: frozen once the order is submitted.
LINE_FROZEN_FIELDS = frozenset({"order_id", "product_id", "requested_qty"})
# What the expert decides, tracked line by line in the order's chatter.
LINE_REVIEW_FIELDS = ("supplied_qty", "expert_note")
# Context key of the review changes being gathered (_gathering_review_changes).
REVIEW_CHANGES_KEY = "car_portal_review_changes"


def _shown(value):
    """A value of the review history: an empty note shows as nothing, a
    quantity of 0 as 0.0."""
    return "" if value is False or value is None else value


class _ReviewChanges(dict):
    """``{line id: {field: value before}}`` gathered by
    ``_gathering_review_changes``. A class of its own: a context sent over
    RPC (plain JSON) cannot pose as one and keep changes out of the history."""


class CarPortalOrderLine(models.Model):
    _name = "car.portal.order.line"
    _inherit = ["car.portal.figures.mixin"]
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
        domain=lambda self: self.env["product.product"]._car_portal_orderable_domain(),
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
            in_review._check_suggestion_reason(vals)
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
        """Post one message per order listing the review changes (old → new);
        inside ``_gathering_review_changes``, once at the end of the block."""
        gathered = self.env.context.get(REVIEW_CHANGES_KEY)
        if isinstance(gathered, _ReviewChanges):
            for line, values in old.items():
                before = gathered.setdefault(line.id, {})
                for fname, value in values.items():
                    before.setdefault(fname, value)
            return
        self._post_review_changes(old)

    @contextmanager
    def _gathering_review_changes(self):
        """Gather the review changes written through the records it yields
        (``self`` in a context that collects them) until the end of the
        block, then post one message per order, each line's first value →
        its last. Used by the allocation board, which changes many lines of
        the same orders at once. On an error nothing is posted (the
        transaction is rolled back anyway)."""
        if isinstance(self.env.context.get(REVIEW_CHANGES_KEY), _ReviewChanges):
            yield self  # already gathering: the outer block posts
            return
        gathered = _ReviewChanges()
        yield self.with_context(**{REVIEW_CHANGES_KEY: gathered})
        lines = self.browse(list(gathered))
        lines._post_review_changes({line: gathered[line.id] for line in lines.exists()})

    def _post_review_changes(self, old):
        by_order = {}
        for line, values in old.items():
            for fname, before in values.items():
                after = line[fname]
                if (before or False) == (after or False):
                    continue
                label = line._fields[fname].get_description(self.env)["string"]
                by_order.setdefault(line.order_id, []).append(
                    Markup("<li>%s — %s: %s → %s</li>")
                    % (
                        line.product_id.display_name,
                        label,
                        _shown(before),
                        _shown(after),
                    )
                )
        for order, items in by_order.items():
            order.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (self.env._("Review changes:"), Markup("").join(items)),
                subtype_xmlid="mail.mt_note",
            )

    # Business helpers -------------------------------------------------------

    def _clear_supply(self):
        """Nothing is supplied on these lines (their order is refused): a
        transition of the order, whoever refuses it (the guards of ``write``
        and the access rights are for people editing lines)."""
        return super(CarPortalOrderLine, self.sudo()).write({"supplied_qty": 0.0})

    def _prefill_supplied_qty(self):
        """At submission the expert starts from 'supply everything requested':
        one write per distinct quantity, not one per line."""
        by_qty = {}
        for line in self:
            if line.supplied_qty != line.requested_qty:
                by_qty.setdefault(line.requested_qty, []).append(line.id)
        for qty, ids in by_qty.items():
            self.browse(ids).write({"supplied_qty": qty})

    def _check_orderable(self):
        """Raise a clear error for a line a dealer may not submit (the rules
        of ``product.product`` and ``res.company``)."""
        for line in self:
            product, company = line.product_id, line.order_id.company_id
            if not product._car_portal_is_orderable(company):
                raise UserError(
                    self.env._(
                        "%(product)s cannot be ordered any more.",
                        product=product.display_name,
                    )
                )
            problem = company._car_portal_qty_problem(line.requested_qty)
            if problem:
                raise UserError(
                    self.env._(
                        "%(product)s: %(problem)s",
                        product=product.display_name,
                        problem=problem,
                    )
                )
