/** @odoo-module **/
// Copyright 2026 car-portal
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The order form shows each line's availability as soon as the product and
// its colour are chosen, and marks the lines over the dealer's quota as the
// quantities are typed. The stock and the quota come from
// tests/test_portal_availability.py (Test SUV: Pearl 2, Graphite 30 in stock;
// a quota of 4 for the model).

import { registry } from "@web/core/registry";

const row = (index) => `.o_car_portal_order_form tr[data-index='${index}']`;
const over = (index) => `${row(index)} .o_car_portal_over_quota:not(.d-none)`;
const notOver = (index) => `${row(index)} .o_car_portal_over_quota.d-none:not(:visible)`;

registry.category("web_tour.tours").add("car_portal_availability_tour", {
    url: "/my/car-orders/new",
    steps: () => [
        {
            content: "The order form is ready",
            trigger: ".o_car_portal_order_form.o_car_portal_ready",
        },
        {
            content: "Search the SUV",
            trigger: `${row(0)} .o_car_portal_product_input`,
            run: "edit Test SUV",
        },
        {
            content: "Pick it",
            trigger: `${row(0)} .o_car_portal_product_option:contains(Test SUV)`,
            run: "click",
        },
        {
            content: "No colour chosen yet: no band",
            trigger: `${row(0)} .o_car_portal_availability_info:not(:has(.o_car_portal_band)):not(:visible)`,
        },
        {
            content: "Pearl",
            trigger: `${row(0)} select.o_car_portal_colour:has(option:contains(Pearl))`,
            run: "selectByLabel Pearl",
        },
        {
            content: "Pearl is limited, with the quota left",
            trigger: `${row(0)} .o_car_portal_band[data-band=limited]`,
        },
        {
            content: "The quota left is shown",
            trigger: `${row(0)} .o_car_portal_quota_left:contains(Your quota left this period: 4)`,
        },
        {
            content: "Graphite",
            trigger: `${row(0)} select.o_car_portal_colour`,
            run: "selectByLabel Graphite",
        },
        {
            content: "Graphite is in stock",
            trigger: `${row(0)} .o_car_portal_band[data-band=in_stock]`,
        },
        {
            content: "Five, in Persian digits: over the quota of 4",
            trigger: `${row(0)} .o_car_portal_qty`,
            run: "edit ۵",
        },
        {
            content: "The line is marked",
            trigger: over(0),
        },
        {
            content: "Three",
            trigger: `${row(0)} .o_car_portal_qty`,
            run: "edit 3",
        },
        {
            content: "No mark any more",
            trigger: notOver(0),
        },
        {
            content: "A second line of the same model",
            trigger: `${row(1)} .o_car_portal_product_input`,
            run: "edit Test SUV",
        },
        {
            content: "Pick it",
            trigger: `${row(1)} .o_car_portal_product_option:contains(Test SUV)`,
            run: "click",
        },
        {
            content: "Pearl",
            trigger: `${row(1)} select.o_car_portal_colour:has(option:contains(Pearl))`,
            run: "selectByLabel Pearl",
        },
        {
            content: "Two more: 3 + 2 on a quota of 4",
            trigger: `${row(1)} .o_car_portal_qty`,
            run: "edit 2",
        },
        {
            content: "Both lines are marked",
            trigger: `${over(0)}, ${over(1)}`,
        },
        {
            content: "Remove the second line",
            trigger: `${row(1)} .o_car_portal_remove_line`,
            run: "click",
        },
        {
            content: "The first line is within the quota again",
            trigger: notOver(0),
        },
    ],
});
