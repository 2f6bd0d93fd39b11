# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dealer's order form, in one plain class that the portal controller uses.

:class:`OrderForm` reads what a dealer posted (lines: product and quantity;
payment term; notes), checks it, finds the products, and gives back the values
to save or to render the form again with a translated message next to each
field at fault. Errors are returned, never raised: a bad form comes back with
everything the dealer typed.

It works in the environment it is given: the controller passes a superuser
environment of the dealer (dealers cannot read products), once it has checked
who the dealer is. The rules themselves live in the models: what may be
ordered (``product.product._car_portal_orderable_domain`` and
``_car_portal_is_orderable``), how much (``res.company._car_portal_qty_problem``).
"""

import json

from odoo.osv import expression

from ..tools.digits import parse_whole_number, to_ascii_digits

# What a dealer may post for a line; nothing else is read.
LINE_KEYS = ("product_query", "product_tmpl_id", "product_id", "qty")
# The most lines a dealer may send in one order, and the longest note.
MAX_LINES = 300
MAX_NOTE = 4000
# How many models the product search returns by default, and at most.
SEARCH_LIMIT = 8
SEARCH_LIMIT_MAX = 20


def _to_id(value):
    """A positive record id from a posted string, else 0."""
    value = to_ascii_digits(str(value or "")).strip()
    return int(value) if value.isdigit() and len(value) < 10 else 0


def row_is_blank(row):
    """A line the dealer left empty: ignored."""
    return not any(str(row.get(key) or "").strip() for key in LINE_KEYS)


class OrderForm:
    """The order form of a dealer of ``company``, in ``env``; ``dealer`` (the
    commercial partner) reads its quota left next to each product."""

    def __init__(self, env, company, dealer=None):
        self.env = env
        self.company = company
        self.dealer = dealer if dealer is not None else env["res.partner"]
        self.Product = env["product.product"].with_context(active_test=False)
        self.Template = env["product.template"].with_context(active_test=False)
        # The posted ids checked at once by ``_read_posted_products``, by
        # model: ``(ids asked, records that exist)``.
        self._existing = {}

    def _(self, source, **params):
        return self.env._(source, **params)

    # Checking a posted form ---------------------------------------------------

    def check(self, raw, submit=False):
        """Check ``raw``: ``{"payment_term_id": str, "dealer_note": str,
        "lines": [{"product_query", "product_tmpl_id", "product_id", "qty"}]}``.

        Returns ``(vals, errors, templates)``: the values for the order's
        ``_portal_create_draft``/``_portal_update_draft``; the messages by field
        (``errors["lines"][row][field]`` for lines, ``errors["order"]`` for the
        whole order); the model found on each row, whose colours the form
        offers again.
        """
        lines, line_errors, templates = self._check_lines(raw.get("lines") or [])
        errors = {"lines": line_errors} if line_errors else {}
        if len(lines) + len(line_errors) > MAX_LINES:
            errors["order"] = self._(
                "An order has at most %(max)s lines; split it in two.",
                max=self._digits(MAX_LINES),
            )
        elif submit and not lines and not line_errors:
            errors["order"] = self._("Add at least one product before submitting.")
        term, term_error = self._check_payment_term(raw, submit)
        if term_error:
            errors["payment_term_id"] = term_error
        note, note_error = self._check_note(raw)
        if note_error:
            errors["dealer_note"] = note_error
        vals = {"payment_term_id": term.id, "dealer_note": note, "lines": lines}
        return vals, errors, templates

    def _check_lines(self, rows):
        lines, line_errors, templates = [], {}, {}
        rows = list(rows)[: MAX_LINES + 1]
        self._read_posted_products(rows)
        for index, row in enumerate(rows):
            if row_is_blank(row):
                continue
            product, template, field, message = self.resolve_product(row)
            templates[index] = template
            row_errors = {field: message} if message else {}
            qty, qty_error = self.parse_qty(row.get("qty"))
            if qty_error:
                row_errors["qty"] = qty_error
            if row_errors:
                line_errors[index] = row_errors
            else:
                lines.append((product, qty))
        return lines, line_errors, templates

    def _check_payment_term(self, raw, submit):
        term = self.env["car.portal.payment.term"]
        term_id = to_ascii_digits(str(raw.get("payment_term_id") or "")).strip()
        if term_id:
            term = self.payment_terms().filtered(lambda t: str(t.id) == term_id)
            if not term:
                return term, self._("Choose a payment term from the list.")
        elif submit:
            return term, self._("Choose a payment term.")
        return term, None

    def _check_note(self, raw):
        note = (raw.get("dealer_note") or "").strip()
        if len(note) > MAX_NOTE:
            return note, self._(
                "Notes are limited to %(max)s characters (you typed %(count)s).",
                max=self._digits(MAX_NOTE),
                count=self._digits(len(note)),
            )
        return note or False, None

    def _digits(self, number):
        return self.env["car.portal.order"]._portal_digits(number)

    def payment_terms(self):
        """The payment terms a dealer of the company may choose."""
        return self.env["car.portal.payment.term"].search(
            [("company_id", "in", [self.company.id, False])]
        )

    def parse_qty(self, text):
        """``(quantity, message)`` for a quantity typed in ASCII, Persian or
        Arabic-Indic digits; the company decides what may be ordered."""
        value, problem = parse_whole_number(text)
        if problem == "empty":
            return None, self._("Enter a quantity.")
        if problem == "invalid":
            return None, self._("Enter the quantity as a number, e.g. 12.")
        if problem == "fraction":
            value = 0.5  # let the company's rule say why
        elif problem == "too_large":
            value = self.company._car_portal_max_qty() + 1
        message = self.company._car_portal_qty_problem(value)
        return (None, message) if message else (value, None)

    # Finding the product of a line ----------------------------------------------

    def resolve_product(self, row):
        """The product of a posted line.

        ``row`` holds what the dealer typed or picked: ``product_query`` (the
        search text), ``product_tmpl_id`` (the model picked from the search),
        ``product_id`` (the variant, i.e. the colour). Returns ``(product,
        template, field, message)``: the variant to order (or an empty
        recordset), the model whose colours the form offers, and when the line
        cannot be ordered the field at fault (``product`` or ``colour``) and a
        translated message.
        """
        template, variant, message = self._picked(row)
        if message:
            return self.Product, self.Template, "product", message
        if not template:
            template, variant, message = self._typed(
                (row.get("product_query") or "").strip()
            )
            if message:
                return self.Product, self.Template, "product", message
        cannot = self._("%(product)s cannot be ordered.", product=template.display_name)
        if variant and not variant._car_portal_is_orderable(self.company):
            return self.Product, self.Template, "product", cannot
        if not variant:
            variants = self._orderable_variants(template)
            if not variants:
                return self.Product, self.Template, "product", cannot
            if len(variants) > 1:
                return self.Product, template, "colour", self._("Choose a colour.")
            variant = variants
        return variant, template, None, None

    def _read_posted_products(self, rows):
        """Check which posted models and variants exist, once for the whole
        form rather than once per line; their fields are then read together
        (one prefetch set) when the lines are checked."""
        self._existing = {}
        for model, key in (
            (self.Template, "product_tmpl_id"),
            (self.Product, "product_id"),
        ):
            asked = {_to_id(row.get(key)) for row in rows} - {0}
            self._existing[model._name] = (asked, model.browse(asked).exists())

    def _posted(self, model, key, row):
        """The record of ``model`` whose id ``row[key]`` holds, if it exists."""
        record = model.browse(_to_id(row.get(key)))
        asked, found = (self._existing or {}).get(model._name, ((), None))
        if record.id not in asked:
            return record.exists()
        return record.with_prefetch(found._prefetch_ids) if record in found else model

    def _picked(self, row):
        """The model and variant a dealer picked from the search (ids):
        ``(template, variant, message)``."""
        template = self._posted(self.Template, "product_tmpl_id", row)
        variant = self._posted(self.Product, "product_id", row)
        unknown = self._("This product does not exist; search for it again.")
        if str(row.get("product_tmpl_id") or "").strip() and not template:
            return template, variant, unknown
        if template and variant and variant.product_tmpl_id != template:
            variant = self.Product  # a colour left from a product replaced
        if not template and str(row.get("product_id") or "").strip():
            if not variant:
                return template, variant, unknown
            template = variant.product_tmpl_id
        return template, variant, None

    def _typed(self, query):
        """The product a dealer typed without picking it from the search (no
        JavaScript): an exact code, or a single model matching the name.
        Returns ``(template, variant, message)``."""
        if not query:
            return self.Template, self.Product, self._("Choose a product.")
        terms = {query, to_ascii_digits(query)}
        by_code = self.Product.search(
            expression.AND(
                [
                    [("company_id", "in", [self.company.id, False])],
                    expression.OR([("default_code", "=ilike", t)] for t in terms),
                ]
            ),
            limit=2,
        )
        if len(by_code) == 1:
            return by_code.product_tmpl_id, by_code, None
        found = self._templates_named(terms, "=ilike") or self._templates_named(
            terms, "ilike"
        )
        if len(found) == 1:
            return found, self.Product, None
        if found:
            message = self._(
                "Several products match “%(query)s”: pick one from the list, "
                "or type its code.",
                query=query,
            )
        else:
            message = self._("No orderable product matches “%(query)s”.", query=query)
        return self.Template, self.Product, message

    def _templates_named(self, terms, operator):
        return self.env["product.template"].search(
            expression.AND(
                [
                    self._orderable_templates_domain(),
                    expression.OR([[("name", operator, t)] for t in terms]),
                ]
            ),
            limit=2,
        )

    def _orderable_templates_domain(self):
        """Models with at least one variant a dealer may order."""
        variants = self.env["product.product"]._car_portal_orderable_domain(
            self.company
        )
        return [("product_variant_ids", "any", variants)]

    def _orderable_variants(self, template):
        return template.product_variant_ids.filtered(
            lambda p: p._car_portal_is_orderable(self.company)
        )

    # The product search of the form's script ------------------------------------

    def search_products(self, term, limit=None):
        """Orderable vehicles and parts whose name or code contains ``term``:
        one entry per model with the variants that exist, so that the colour
        list only offers real variants. Codes typed with Persian or Arabic
        digits match too."""
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
            expression.AND([self._orderable_templates_domain(), domain]),
            limit=max(1, min(int(limit or SEARCH_LIMIT), SEARCH_LIMIT_MAX)),
            order="name, id",
        )
        kinds = dict(
            templates._fields["car_portal_kind"]._description_selection(self.env)
        )
        self._prefetch_variants(templates)
        found = [
            {
                "id": template.id,
                "name": template.name,
                "label": self.template_label(template),
                "kind": kinds.get(template.car_portal_kind, ""),
                "variants": variants,
            }
            for template in templates
            if (variants := self.variant_options(template))
        ]
        self._add_availability(
            [variant for entry in found for variant in entry["variants"]]
        )
        return found

    @staticmethod
    def _prefetch_variants(templates):
        """Read the variants of ``templates`` and their attribute values at
        once: the colour lists of every row then cost no query each."""
        templates.product_variant_ids.product_template_attribute_value_ids.mapped(
            "name"
        )

    def variant_options(self, template):
        """The variants of ``template`` a dealer can choose, as dicts."""
        if not template:
            return []
        return [
            {"id": variant.id, "label": self.variant_label(variant)}
            for variant in self._orderable_variants(template)
        ]

    # Availability and quota ------------------------------------------------------

    def availability(self, products):
        """``{product id: availability}`` of ``products`` for this dealer
        (``product.product._car_portal_availability``), all at once."""
        if not products:
            return {}
        return products._car_portal_availability(self.company, self.dealer)

    def _add_availability(self, options):
        """Each variant option gets its ``availability`` (a dict, and as JSON
        for the colour list's ``data-availability``): one reading for all."""
        found = self.availability(self.Product.browse(list({o["id"] for o in options})))
        for option in options:
            option["availability"] = found.get(option["id"]) or {}
            option["availability_json"] = json.dumps(option["availability"])

    def _chosen(self, row):
        """The variant id a rendered row stands for (the colour chosen, or the
        only one), or None."""
        options = row["options"]
        chosen = str(row.get("product_id") or "").strip()
        ids = {str(option["id"]): option for option in options}
        if chosen in ids:
            return ids[chosen]
        return options[0] if len(options) == 1 else None

    def _mark_rows(self, rows):
        """Each row's availability (its chosen variant's) and whether it is
        over the dealer's quota left this period (all the rows a quota covers,
        when together they ask more; a mark, not an error)."""
        self._add_availability([o for row in rows for o in row["options"]])
        quantities = []
        for row in rows:
            option = self._chosen(row)
            row["availability"] = option["availability"] if option else {}
            row["over_quota"] = False
            qty, problem = parse_whole_number(row.get("qty"))
            if option and not problem and qty > 0:
                quantities.append(
                    (row["index"], self.Product.browse(option["id"]), qty)
                )
        if self.dealer and quantities:
            # The quotas were read with the availability: not read again.
            remaining = {
                option["id"]: (found["quota_key"], found["quota_left_qty"])
                for row in rows
                for option in row["options"]
                if (found := option["availability"]).get("quota_key")
            }
            over = self.Product._car_portal_over_quota(
                self.company, self.dealer, quantities, remaining
            )
            for row in rows:
                row["over_quota"] = row["index"] in over
        return rows

    def variant_label(self, product):
        """How a variant is offered in the colour list: its colour (or other
        attribute values), with its code."""
        label = product.product_template_attribute_value_ids._get_combination_name()
        label = label or self._("Standard")
        return f"{label} ({product.default_code})" if product.default_code else label

    @staticmethod
    def template_label(template):
        code = template.default_code or ""
        return f"{template.name} [{code}]" if code else template.name

    # Rendering ------------------------------------------------------------------

    def rows(self, raw, errors=None, templates=None):
        """The form's rows to render: what the dealer typed, each row's errors
        and colours, and blank rows to type more (at least two, one at the end).
        """
        line_errors = (errors or {}).get("lines", {})
        if templates is None:
            self._read_posted_products(raw["lines"])  # all rows at once
            templates = {
                index: self.resolve_product(row)[1]
                for index, row in enumerate(raw["lines"])
                if not row_is_blank(row)
            }
        self._prefetch_variants(self.Template.concat(*templates.values()))
        rows = [
            dict(
                row,
                index=index,
                errors=line_errors.get(index, {}),
                options=self.variant_options(templates.get(index) or self.Template),
            )
            for index, row in enumerate(raw["lines"])
        ]
        while len(rows) < 2 or not row_is_blank(rows[-1]):
            rows.append(
                dict(
                    dict.fromkeys(LINE_KEYS, ""), index=len(rows), errors={}, options=[]
                )
            )
        return self._mark_rows(rows)

    def values_of(self, order):
        """A draft's values, as the dealer would post them."""
        return {
            "payment_term_id": str(order.payment_term_id.id or ""),
            "dealer_note": order.dealer_note or "",
            "lines": [
                {
                    "product_query": self.template_label(
                        line.product_id.product_tmpl_id
                    ),
                    "product_tmpl_id": str(line.product_id.product_tmpl_id.id),
                    "product_id": str(line.product_id.id),
                    "qty": f"{line.requested_qty:g}",
                }
                for line in order.line_ids
            ],
        }
