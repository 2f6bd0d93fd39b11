/** @odoo-module **/
// Copyright 2026 car-portal
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Dealer order form (/my/car-orders/new, /my/car-orders/<id>/edit): product
// search by name or code, colour list limited to the chosen model's variants,
// each line's availability (band, stock age, quota left) shown as soon as the
// product changes and lines over the quota marked as the quantities are
// typed, lines added and removed in place, one submission per click. The
// server checks everything again; without this script the form still works
// (the product is then found from what was typed).

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { debounce } from "@web/core/utils/timing";
import { _t } from "@web/core/l10n/translation";

publicWidget.registry.CarPortalOrderForm = publicWidget.Widget.extend({
    selector: ".o_car_portal_order_form",
    events: {
        "input .o_car_portal_product_input": "_onProductInput",
        "keydown .o_car_portal_product_input": "_onProductKeydown",
        "focusout .o_car_portal_product": "_onProductFocusout",
        "mousedown .o_car_portal_product_option": "_onOptionMousedown",
        "click .o_car_portal_add_line": "_onAddLine",
        "click .o_car_portal_remove_line": "_onRemoveLine",
        "change .o_car_portal_colour": "_onColourChange",
        "input .o_car_portal_qty": "_markOverQuota",
        submit: "_onSubmit",
    },

    start() {
        this._search = debounce(this._search.bind(this), 250);
        this.rowsEl = this.el.querySelector(".o_car_portal_line_rows");
        this.templateEl = document.querySelector(".o_car_portal_line_template");
        this.nextIndex = this.rowsEl.querySelectorAll(".o_car_portal_line").length;
        this.el.querySelectorAll(".o_car_portal_remove_line").forEach((el) => {
            el.classList.remove("d-none");
        });
        this.el.classList.add("o_car_portal_ready");
        return this._super(...arguments);
    },

    // Product search ----------------------------------------------------------

    _row(el) {
        return el.closest(".o_car_portal_line");
    },

    _onProductInput(ev) {
        const row = this._row(ev.currentTarget);
        // The dealer types another product: forget the one picked before.
        row.querySelector(".o_car_portal_product_tmpl").value = "";
        this._setColours(row, []);
        this._search(row, ev.currentTarget.value);
    },

    async _search(row, term) {
        const results = row.querySelector(".o_car_portal_product_results");
        if (!term.trim()) {
            results.classList.remove("show");
            return;
        }
        const products = await rpc("/my/car-orders/products", { term });
        const input = row.querySelector(".o_car_portal_product_input");
        if (input.value !== term) {
            return; // an answer to an older search
        }
        results.replaceChildren();
        if (!products.length) {
            const empty = document.createElement("span");
            empty.className = "dropdown-item-text text-muted o_car_portal_no_product";
            empty.textContent = _t("No orderable product found.");
            results.append(empty);
        }
        for (const product of products) {
            const option = document.createElement("a");
            option.href = "#";
            option.setAttribute("role", "option");
            option.className = "dropdown-item o_car_portal_product_option";
            option.dataset.product = JSON.stringify(product);
            option.textContent = product.label;
            if (product.kind) {
                const kind = document.createElement("small");
                kind.className = "text-muted ms-2";
                kind.textContent = product.kind;
                option.append(kind);
            }
            results.append(option);
        }
        results.classList.add("show");
    },

    _pick(row, product) {
        row.querySelector(".o_car_portal_product_input").value = product.label;
        row.querySelector(".o_car_portal_product_tmpl").value = product.id;
        row.querySelector(".o_car_portal_product_results").classList.remove("show");
        this._setColours(row, product.variants);
        const qty = row.querySelector(".o_car_portal_qty");
        const colour = row.querySelector(".o_car_portal_colour");
        (product.variants.length > 1 ? colour : qty).focus();
    },

    _setColours(row, variants) {
        const select = row.querySelector(".o_car_portal_colour");
        select.replaceChildren();
        if (variants.length !== 1) {
            const placeholder = document.createElement("option");
            placeholder.value = "";
            placeholder.textContent = variants.length ? _t("Choose a colour") : "—";
            select.append(placeholder);
        }
        for (const variant of variants) {
            const option = document.createElement("option");
            option.value = variant.id;
            option.textContent = variant.label;
            option.dataset.availability = JSON.stringify(variant.availability || {});
            select.append(option);
        }
        if (variants.length === 1) {
            select.value = String(variants[0].id);
        }
        this._showAvailability(row);
    },

    // Availability and quota ------------------------------------------------------

    _availability(row) {
        // What the server said of the chosen colour (texts already translated).
        const option = row.querySelector(".o_car_portal_colour")?.selectedOptions[0];
        return option && option.dataset.availability
            ? JSON.parse(option.dataset.availability)
            : {};
    },

    _onColourChange(ev) {
        this._showAvailability(this._row(ev.currentTarget));
    },

    _showAvailability(row) {
        const info = row.querySelector(".o_car_portal_availability_info");
        const availability = this._availability(row);
        info.replaceChildren();
        if (availability.band) {
            const badge = document.createElement("span");
            badge.className = `badge ${availability.badge} o_car_portal_band`;
            badge.dataset.band = availability.band;
            badge.textContent = availability.label;
            info.append(badge);
            if (availability.qty) {
                const qty = document.createElement("span");
                qty.className = "ms-1 o_car_portal_stock_qty";
                qty.textContent = availability.qty;
                info.append(qty);
            }
            for (const [key, className] of [
                ["age", "text-muted o_car_portal_stock_age"],
                ["quota_left", "o_car_portal_quota_left"],
            ]) {
                if (availability[key]) {
                    const line = document.createElement("div");
                    line.className = className;
                    line.textContent = availability[key];
                    info.append(line);
                }
            }
        }
        this._markOverQuota();
    },

    _quantity(text) {
        // A whole quantity typed in ASCII, Persian or Arabic-Indic digits, or
        // null: the server reads it the same way (tools/digits.py).
        const ascii = (text || "")
            .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
            .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
            .replace(/[,\u066c\u060c\s]/g, "");
        return /^\d{1,9}$/.test(ascii) ? parseInt(ascii, 10) : null;
    },

    _markOverQuota() {
        // All the lines a quota covers are marked when together they ask more
        // than it has left (product.product._car_portal_over_quota).
        const rows = [...this.rowsEl.querySelectorAll(".o_car_portal_line")];
        const asked = {};
        const byRow = rows.map((row) => {
            const availability = this._availability(row);
            const qty = this._quantity(row.querySelector(".o_car_portal_qty").value);
            const key = availability.quota_key;
            if (key && qty) {
                asked[key] = (asked[key] || 0) + qty;
            }
            return key && qty ? availability : null;
        });
        rows.forEach((row, index) => {
            const availability = byRow[index];
            const over =
                !!availability &&
                asked[availability.quota_key] > availability.quota_left_qty + 1e-6;
            row.querySelector(".o_car_portal_over_quota").classList.toggle("d-none", !over);
        });
    },

    _onOptionMousedown(ev) {
        // mousedown, not click: it comes before the input loses the focus.
        ev.preventDefault();
        const option = ev.currentTarget;
        this._pick(this._row(option), JSON.parse(option.dataset.product));
    },

    _onProductKeydown(ev) {
        const row = this._row(ev.currentTarget);
        const results = row.querySelector(".o_car_portal_product_results");
        const options = [...results.querySelectorAll(".o_car_portal_product_option")];
        const active = results.querySelector(".o_car_portal_product_option.active");
        let index = options.indexOf(active);
        if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
            ev.preventDefault();
            if (!options.length) {
                return;
            }
            index = ev.key === "ArrowDown" ? index + 1 : index - 1;
            index = (index + options.length) % options.length;
            options.forEach((el, i) => el.classList.toggle("active", i === index));
        } else if (ev.key === "Enter") {
            if (results.classList.contains("show") && options.length) {
                ev.preventDefault();
                const option = active || options[0];
                this._pick(row, JSON.parse(option.dataset.product));
            }
        } else if (ev.key === "Escape") {
            results.classList.remove("show");
        }
    },

    _onProductFocusout(ev) {
        const row = this._row(ev.currentTarget);
        if (!row.contains(ev.relatedTarget)) {
            row.querySelector(".o_car_portal_product_results").classList.remove("show");
        }
    },

    // Lines ---------------------------------------------------------------------

    _onAddLine(ev) {
        ev.preventDefault();
        const html = this.templateEl.innerHTML.replaceAll("__index__", this.nextIndex++);
        this.rowsEl.insertAdjacentHTML("beforeend", html);
        const row = this.rowsEl.lastElementChild;
        row.querySelector(".o_car_portal_remove_line").classList.remove("d-none");
        row.querySelector(".o_car_portal_product_input").focus();
    },

    _onRemoveLine(ev) {
        ev.preventDefault();
        this._row(ev.currentTarget).remove();
        if (!this.rowsEl.querySelector(".o_car_portal_line")) {
            this._onAddLine(ev);
        }
        this._markOverQuota();
    },

    // One submission per click ------------------------------------------------------

    _onSubmit(ev) {
        if (this.el.dataset.submitted) {
            ev.preventDefault();
            return;
        }
        this.el.dataset.submitted = "1";
        // Disable after the browser took the clicked button's value.
        setTimeout(() => {
            this.el.querySelectorAll("button[type=submit]").forEach((button) => {
                button.classList.add("disabled");
            });
        });
    },
});

publicWidget.registry.CarPortalOnce = publicWidget.Widget.extend({
    selector: "form.o_car_portal_once",
    events: { submit: "_onSubmit" },

    _onSubmit(ev) {
        if (this.el.dataset.submitted) {
            ev.preventDefault();
            return;
        }
        this.el.dataset.submitted = "1";
        setTimeout(() => this.el.querySelector("button[type=submit]").classList.add("disabled"));
    },
});
