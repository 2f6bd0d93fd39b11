import { registry } from "@web/core/registry";

// An expert types a supplied quantity with Persian digits in the order form.
registry.category("web_tour.tours").add("car_portal_backend_digits_tour", {
    steps: () => [
        {
            trigger: ".o_field_one2many .o_data_row:first-child td[name=supplied_qty]",
            run: "click",
        },
        {
            trigger: ".o_data_row.o_selected_row td[name=supplied_qty] input",
            run: "edit ۳",
        },
        {
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_data_row:first-child td[name=supplied_qty]:contains(3.00)",
        },
    ],
});
