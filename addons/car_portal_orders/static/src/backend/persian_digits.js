/**
 * Persian (۰-۹) and Arabic-Indic (٠-٩) digits typed in the backend's numeric
 * fields become ASCII digits as they are typed.
 *
 * Odoo's number parsers only read ASCII digits, and an Iranian keyboard layout
 * types Persian ones: without this, "۱۲" in a quantity is refused as invalid.
 * The listener runs in the capture phase, before the field's own handlers, so
 * the field parses the converted text.
 */
const NUMERIC_FIELDS = [
    ".o_field_float",
    ".o_field_integer",
    ".o_field_monetary",
    ".o_field_float_time",
    ".o_field_percentage",
].join(",");

const DIGITS = new Map([
    ..."۰۱۲۳۴۵۶۷۸۹".split("").map((digit, value) => [digit, String(value)]),
    ..."٠١٢٣٤٥٦٧٨٩".split("").map((digit, value) => [digit, String(value)]),
    ["٫", "."], // Arabic decimal separator
    ["٬", ","], // Arabic thousands separator
]);

export function toAsciiDigits(text) {
    return Array.from(text, (char) => DIGITS.get(char) ?? char).join("");
}

function onInput(ev) {
    const input = ev.target;
    if (!(input instanceof HTMLInputElement) || !input.closest(NUMERIC_FIELDS)) {
        return;
    }
    const converted = toAsciiDigits(input.value);
    if (converted !== input.value) {
        const caret = input.selectionStart;
        input.value = converted;
        input.setSelectionRange(caret, caret);
    }
}

document.addEventListener("input", onInput, { capture: true });
