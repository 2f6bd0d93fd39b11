# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from babel.dates import format_timedelta

from odoo import api, fields, models
from odoo.tools import float_compare
from odoo.tools.misc import babel_locale_parse

from ..tools.digits import format_quantity, localize_number

# Bootstrap badge of each availability band on the portal.
BAND_BADGES = {
    "in_stock": "text-bg-success",
    "limited": "text-bg-warning",
    "on_request": "text-bg-secondary",
    "unknown": "text-bg-light",
}


class ProductProduct(models.Model):
    _inherit = "product.product"

    # What a dealer may order: the one home of the rule. The order line's
    # product domain, the check at submission, the portal's product search
    # and the reorder all read it here.

    @api.model
    def _car_portal_orderable_domain(self, company=None):
        """Variants a dealer may order (of ``company`` or shared, if given):
        marked orderable and sellable, themselves and their model active."""
        domain = [
            ("car_portal_orderable", "=", True),
            ("sale_ok", "=", True),
            ("active", "=", True),
            ("product_tmpl_id.active", "=", True),
        ]
        if company is not None:
            domain.append(("company_id", "in", [company.id, False]))
        return domain

    def _car_portal_is_orderable(self, company):
        """Whether this variant may be ordered by a dealer of ``company`` now
        (the domain above, read on a record already in memory)."""
        self.ensure_one()
        return bool(
            self.active
            and self.product_tmpl_id.active
            and self.car_portal_orderable
            and self.sale_ok
            and self.company_id in (company, company.browse())
        )

    # Available to promise: the one definition (the suggestions, the review
    # form, the allocation board and the stock check read it here).

    def _car_portal_atp(self, company, except_orders=None):
        """``{product id: (ATP, stock read on)}`` of these variants for
        ``company``: the last stock read (``car.portal.stock.level``) minus
        what is promised, i.e. the supplied quantities of orders in the
        approval process and of approved orders still promised
        (``car.portal.order._car_portal_promised_domain``), leaving out what
        ``except_orders`` hold (the stock check of an order). Variants whose
        stock was never read are left out. Two queries, whatever the number
        of variants and lines."""
        levels = (
            self.env["car.portal.stock.level"]
            .sudo()
            .search_fetch(
                [("company_id", "=", company.id), ("product_id", "in", self.ids)],
                ["product_id", "quantity", "read_at"],
            )
        )
        if not levels:
            return {}
        promised = levels.product_id._car_portal_promised(company, except_orders)
        return {
            level.product_id.id: (
                level.quantity - promised.get(level.product_id.id, 0.0),
                level.read_at,
            )
            for level in levels
        }

    def _car_portal_promised(self, company, except_orders=None):
        """``{product id: quantity}`` of these variants that orders of
        ``company`` hold (besides ``except_orders``): supplied on orders in the
        approval process and on approved orders still promised
        (``car.portal.order._car_portal_promised_domain``). One query."""
        domain = [
            ("company_id", "=", company.id),
            ("product_id", "in", self.ids),
            "|",
            ("state", "=", "process"),
            (
                "order_id",
                "any",
                self.env["car.portal.order"]._car_portal_promised_domain(),
            ),
        ]
        if except_orders:
            domain.append(("order_id", "not in", except_orders.ids))
        groups = (
            self.env["car.portal.order.line"]
            .sudo()
            ._read_group(domain, ["product_id"], ["supplied_qty:sum"])
        )
        return {product.id: quantity for product, quantity in groups}

    # What a dealer reads of a product at order entry: its availability band,
    # the stock's age and the dealer's quota left (the portal's order form,
    # its product search and the order page read it here).

    def _car_portal_band_labels(self):
        return {
            "in_stock": self.env._("In stock"),
            "limited": self.env._("Limited"),
            "on_request": self.env._("On request"),
            "unknown": self.env._("Stock not known yet"),
        }

    def _car_portal_availability(self, company, dealer):
        """``{product id: dict}`` of these variants as ``dealer`` (a commercial
        partner) of ``company`` reads them at order entry, texts in the
        reader's language and digits:

        * ``band`` (``in_stock``, ``limited``, ``on_request``, or ``unknown``
          when the stock was never read), its ``label`` and ``badge`` class;
        * ``age``: when the stock was read ("Stock read 3 hours ago");
        * ``qty``: the quantity available to promise, only when the company
          shows exact figures to dealers (empty otherwise);
        * ``quota_left`` (text), ``quota_left_qty`` and ``quota_key`` (the
          quota's id): the dealer's quota left this period, when one covers
          the product.

        A constant number of queries, whatever the number of variants."""
        atp = self._car_portal_atp(company)
        quotas = self.env["car.portal.quota"]._remaining_for_products(
            self, company, dealer
        )
        labels = self._car_portal_band_labels()
        now = fields.Datetime.now()
        result = {}
        for product in self:
            band, age, qty = "unknown", "", ""
            if product.id in atp:
                band, age, qty = self._car_portal_stock_texts(
                    company, *atp[product.id], now
                )
            entry = {
                "band": band,
                "label": labels[band],
                "badge": BAND_BADGES[band],
                "age": age,
                "qty": qty,
                "quota_left": "",
                "quota_left_qty": None,
                "quota_key": None,
            }
            if product.id in quotas:
                quota, left = quotas[product.id]
                entry.update(
                    quota_left=self.env._(
                        "Your quota left this period: %(left)s",
                        left=localize_number(format_quantity(left), self.env.lang),
                    ),
                    quota_left_qty=left,
                    quota_key=quota.id,
                )
            result[product.id] = entry
        return result

    @api.model
    def _car_portal_stock_texts(self, company, available, read_at, now):
        """``(band, age, exact figure)`` of a stock read at ``read_at`` with
        ``available`` to promise; the figure only when the company shows it."""
        lang = self.env.lang
        ago = min(read_at - now, timedelta(seconds=-1))
        age = self.env._(
            "Stock read %(age)s",
            age=localize_number(
                format_timedelta(
                    ago, add_direction=True, locale=babel_locale_parse(lang)
                ),
                lang,
            ),
        )
        qty = ""
        if company.car_portal_show_stock_figures:
            qty = self.env._(
                "%(qty)s available",
                qty=localize_number(format_quantity(max(available, 0.0)), lang),
            )
        return company._car_portal_band(available), age, qty

    @api.model
    def _car_portal_over_quota(self, company, dealer, quantities, remaining=None):
        """The keys of ``quantities`` (``[(key, product, qty)]``, e.g. the
        lines of an order) over the quota ``dealer`` has left this period: all
        the lines a quota covers are marked when together they ask more than
        it has left. A mark, never a refusal: the expert decides.

        ``remaining``: ``{product id: (quota id, left)}`` when the caller has
        read it already (``_car_portal_availability``'s ``quota_key`` and
        ``quota_left_qty``); read here otherwise."""
        if remaining is None:
            products = self.browse(list({product.id for _k, product, _q in quantities}))
            remaining = {
                product_id: (quota.id, left)
                for product_id, (quota, left) in self.env["car.portal.quota"]
                ._remaining_for_products(products, company, dealer)
                .items()
            }
        keys, asked, left = defaultdict(list), defaultdict(float), {}
        for key, product, qty in quantities:
            if product.id in remaining:
                quota_id, left[quota_id] = remaining[product.id]
                keys[quota_id].append(key)
                asked[quota_id] += qty
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        return {
            key
            for quota_id, quota_keys in keys.items()
            if float_compare(asked[quota_id], left[quota_id], precision_digits=digits)
            > 0
            for key in quota_keys
        }
