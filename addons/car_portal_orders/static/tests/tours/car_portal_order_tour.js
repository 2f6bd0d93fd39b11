/** @odoo-module **/
// Copyright 2026 car-portal
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// A dealer creates a two-line order on the portal and submits it. The products
// and the payment term come from tests/test_portal_tour.py.

import { registry } from "@web/core/registry";

const row = (index) => `.o_car_portal_order_form tr[data-index='${index}']`;

registry.category("web_tour.tours").add("car_portal_order_tour", {
    url: "/my/car-orders/new",
    steps: () => [
        {
            content: "The order form is ready",
            trigger: ".o_car_portal_order_form.o_car_portal_ready",
        },
        {
            content: "Search a vehicle by name",
            trigger: `${row(0)} .o_car_portal_product_input`,
            run: "edit Tour Sedan",
        },
        {
            content: "Pick it",
            trigger: `${row(0)} .o_car_portal_product_option:contains(Tour Sedan)`,
            run: "click",
        },
        {
            content: "Only its colours are offered: choose Graphite",
            trigger: `${row(0)} select.o_car_portal_colour:has(option:contains(Graphite)):not(:has(option:contains(Crimson)))`,
            run: "selectByLabel Graphite",
        },
        {
            content: "Quantity typed with Persian digits",
            trigger: `${row(0)} .o_car_portal_qty`,
            run: "edit ۲",
        },
        {
            content: "Search a part by its code",
            trigger: `${row(1)} .o_car_portal_product_input`,
            run: "edit TP-100",
        },
        {
            content: "Pick it",
            trigger: `${row(1)} .o_car_portal_product_option:contains(Tour Brake Pad)`,
            run: "click",
        },
        {
            content: "Quantity of the part",
            trigger: `${row(1)} .o_car_portal_qty`,
            run: "edit 12",
        },
        {
            content: "Payment term",
            trigger: "select[name=payment_term_id]",
            run: "selectByLabel Tour Credit 30",
        },
        {
            content: "Notes",
            trigger: "textarea[name=dealer_note]",
            run: "edit Tour order, deliver to the showroom",
        },
        {
            content: "Submit the order",
            trigger: "button.o_car_portal_submit",
            run: "click",
        },
        {
            content: "The order page says it is with the expert",
            trigger: ".o_car_portal_order_page .o_car_portal_state[data-state=review]",
        },
        {
            content: "and confirms the submission",
            trigger: ".o_car_portal_flash:contains(submitted)",
        },
        {
            content: "The chatter to write to the expert is loaded",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
        },
    ],
});
