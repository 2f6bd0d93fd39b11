/** @odoo-module **/
// Copyright 2026 car-portal
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The whole story on the database as scripts/serve builds it, walked by the
// demo logins (tests/as_shipped/test_as_shipped_story.py): a dealer orders on
// the portal, the expert reviews in the backend, each stage is approved from
// the approval board, the dealer reads the accounting number.
//
// The test passes what it knows (order number, products, users) through
// sessionStorage ("car_portal_as_shipped"). Each screen's visible text is
// sent back with console.log("car-portal-page-text ...") and checked for
// English by the test: these users read Persian.

import { registry } from "@web/core/registry";

const params = () => JSON.parse(sessionStorage.getItem("car_portal_as_shipped") || "{}");

/** The visible text of the page, including shadow roots (the portal's chatter)
 * and the placeholders of the visible inputs. */
function pageText() {
    const texts = [document.body.innerText];
    const roots = [document];
    for (const host of document.querySelectorAll("*")) {
        if (host.shadowRoot) {
            roots.push(host.shadowRoot);
            for (const child of host.shadowRoot.children) {
                texts.push(child.innerText || "");
            }
        }
    }
    for (const root of roots) {
        for (const input of root.querySelectorAll("input[placeholder], textarea[placeholder]")) {
            if (input.offsetParent !== null && input.type !== "hidden") {
                texts.push(input.placeholder);
            }
        }
    }
    return texts.join("\n");
}

/** A step that sends the page's text back to the test once ``trigger`` shows. */
function readPage(page, trigger) {
    return {
        content: `Read the screen: ${page}`,
        trigger,
        async run() {
            // Let what renders with the screen settle (counters, avatars).
            await new Promise((resolve) => setTimeout(resolve, 500));
            console.log("car-portal-page-text " + JSON.stringify({ page, text: pageText() }));
        },
    };
}

const row = (index) => `.o_car_portal_order_form tr[data-index='${index}']`;

// A dealer creates and submits an order: a vehicle in a colour and a part,
// quantities typed with Persian digits, a payment term.
registry.category("web_tour.tours").add("car_portal_as_shipped_dealer_order", {
    steps: () => {
        const p = params();
        return [
            readPage("portal: new order", ".o_car_portal_order_form.o_car_portal_ready"),
            {
                content: "Search the vehicle by name",
                trigger: `${row(0)} .o_car_portal_product_input`,
                run: `edit ${p.vehicle_query}`,
            },
            {
                content: "Pick it",
                trigger: `${row(0)} .o_car_portal_product_option:contains(${p.vehicle_name})`,
                run: "click",
            },
            readPage(
                "portal: new order, vehicle picked",
                `${row(0)} select.o_car_portal_colour:has(option:contains(${p.colour}))`
            ),
            {
                content: "Choose its colour",
                trigger: `${row(0)} select.o_car_portal_colour:has(option:contains(${p.colour}))`,
                run: `selectByLabel ${p.colour}`,
            },
            {
                content: "Quantity in Persian digits",
                trigger: `${row(0)} .o_car_portal_qty`,
                run: `edit ${p.vehicle_qty}`,
            },
            {
                content: "Search the part by its code",
                trigger: `${row(1)} .o_car_portal_product_input`,
                run: `edit ${p.part_code}`,
            },
            {
                content: "Pick it",
                trigger: `${row(1)} .o_car_portal_product_option:contains(${p.part_code})`,
                run: "click",
            },
            {
                content: "Quantity of the part in Persian digits",
                trigger: `${row(1)} .o_car_portal_qty`,
                run: `edit ${p.part_qty}`,
            },
            {
                content: "Payment term",
                trigger: "select[name=payment_term_id]",
                run: `selectByLabel ${p.term}`,
            },
            {
                content: "Notes",
                trigger: "textarea[name=dealer_note]",
                run: `edit ${p.note}`,
            },
            readPage("portal: new order, filled in", `${row(1)} .o_car_portal_qty`),
            {
                content: "Submit the order",
                trigger: "button.o_car_portal_submit",
                run: "click",
            },
            {
                content: "The order page: with the expert",
                trigger: ".o_car_portal_order_page .o_car_portal_state[data-state=review]",
            },
            readPage(
                "portal: order submitted",
                "#chatterRoot:shadow .o-mail-Composer-input"
            ),
        ];
    },
});

// The expert opens the order from Orders to Review, supplies less than
// requested on one line, writes an opinion and sends it on.
registry.category("web_tour.tours").add("car_portal_as_shipped_expert_review", {
    steps: () => {
        const p = params();
        return [
            readPage(
                "backend: Orders to Review",
                `.o_list_renderer .o_data_row:contains(${p.order})`
            ),
            {
                content: "Open the order",
                trigger: `.o_list_renderer .o_data_row:contains(${p.order}) td[name=name]`,
                run: "click",
            },
            readPage(
                "backend: order to review",
                `.o_form_view .o_field_widget[name=name]:contains(${p.order})`
            ),
            {
                content: "Edit the supplied quantity of the short line",
                trigger: `.o_field_one2many[name=line_ids] .o_data_row:contains(${p.short_code}) td[name=supplied_qty]`,
                run: "click",
            },
            {
                content: "Type it in Persian digits",
                trigger: `.o_data_row.o_selected_row td[name=supplied_qty] input`,
                run: `edit ${p.supplied}`,
            },
            {
                content: "Say why (asked when it differs from the suggestion)",
                trigger: `.o_data_row.o_selected_row td[name=expert_note] input`,
                run: `edit ${p.reason}`,
            },
            {
                content: "Open the opinion tab",
                trigger: ".o_notebook_headers a[name=opinion]",
                run: "click",
            },
            {
                content: "Write the opinion",
                trigger: ".o_field_html[name=expert_opinion] .odoo-editor-editable",
                run: `editor ${p.opinion}`,
            },
            readPage(
                "backend: order reviewed, before sending",
                ".o_field_html[name=expert_opinion] .odoo-editor-editable"
            ),
            {
                content: "Send it on (the form saves first)",
                trigger: ".o_form_statusbar button[name=action_send_to_process]",
                run: "click",
            },
            {
                content: "It is in the approval process",
                trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=process]",
            },
            readPage(
                "backend: order sent to approval",
                ".o_form_view .o_field_widget[name=stage_id]"
            ),
        ];
    },
});

// A stage's responsible approves from the approval board's card.
registry.category("web_tour.tours").add("car_portal_as_shipped_approve", {
    steps: () => {
        const p = params();
        const card = `.o_kanban_renderer .o_kanban_record:contains(${p.order})`;
        const steps = [readPage(`backend: Orders to Approve (${p.stage})`, card)];
        if (p.shortfall) {
            steps.push({
                content: "The card shows what the stock does not cover",
                trigger: `${card} .o_car_portal_shortfall`,
            });
        }
        steps.push(
            {
                content: "Approve from the card",
                trigger: `${card} button[name=action_approve]`,
                run: "click",
            },
            {
                content: "The card leaves the user's approvals",
                trigger: `.o_kanban_renderer:not(:has(${card} button[name=action_approve]))`,
            },
            readPage(`backend: Orders to Approve after approving (${p.stage})`, ".o_kanban_renderer")
        );
        return steps;
    },
});

// The dealer reads the order in the accounting, its document number and the
// notices of its way in the page's conversation.
registry.category("web_tour.tours").add("car_portal_as_shipped_dealer_accounting", {
    steps: () => {
        const p = params();
        return [
            {
                content: "Registered in accounting",
                trigger: "#car_order_sepidar .badge.text-bg-success",
            },
            {
                content: "with its document number",
                trigger: `#car_order_sepidar .o_car_portal_sepidar_number:contains(${p.number})`,
            },
            ...(p.notices || []).map((notice) => ({
                content: `The conversation holds the notice: ${notice}`,
                trigger: `#chatterRoot:shadow .o-mail-Message:contains(${notice})`,
            })),
            readPage("portal: order in accounting", "#chatterRoot:shadow .o-mail-Composer-input"),
        ];
    },
});
