# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Numbers as people type them in Iran.

Persian keyboards type Persian digits (``۰``-``۹``, U+06F0-U+06F9), Arabic
keyboards Arabic-Indic digits (``٠``-``٩``, U+0660-U+0669); text copied from a
right-to-left page often carries invisible direction marks. These helpers turn
such input into plain ASCII numbers. They know nothing of Odoo and do not
translate anything: callers map the problems they report to their own messages.

Other addons import them as ``odoo.addons.car_portal_orders.tools.digits``.
"""

import re

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

ARABIC_DECIMAL_SEPARATOR = "\u066b"  # ٫
ARABIC_THOUSANDS_SEPARATOR = "\u066c"  # ٬
ARABIC_COMMA = "\u060c"  # ،

_DIGITS = str.maketrans(
    {
        **{char: str(value) for value, char in enumerate(PERSIAN_DIGITS)},
        **{char: str(value) for value, char in enumerate(ARABIC_INDIC_DIGITS)},
    }
)

# Marks that change nothing to a number but end up in copied text: zero-width
# (non-)joiners, direction marks and embeddings, byte-order mark, tatweel.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\ufeff\u0640",
    )
)
_SEPARATORS = str.maketrans(
    {
        ARABIC_DECIMAL_SEPARATOR: ".",
        # Persian handwriting and many Iranian forms write 1.5 as 1/5.
        "/": ".",
        ARABIC_THOUSANDS_SEPARATOR: ",",
        ARABIC_COMMA: ",",
        "\u2212": "-",  # minus sign
        "\u2010": "-",  # hyphen
        "\u2013": "-",  # en dash
        "\uff0b": "+",  # full-width plus
        "\uff0d": "-",  # full-width hyphen-minus
    }
)
_WHOLE = re.compile(r"(?P<sign>[+-]?)(?P<digits>\d{1,3}(?:,\d{3})+|\d+)")
_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?\.\d*")
# A longer number is a typing accident (or an attack), never a quantity.
MAX_DIGITS = 15


def to_ascii_digits(text):
    """``text`` with Persian and Arabic-Indic digits replaced by ASCII ones."""
    return (text or "").translate(_DIGITS)


def normalize_number(text):
    """ASCII digits, ``.`` as decimal and ``,`` as thousands separator.

    Invisible marks are dropped, surrounding blanks stripped and inner runs of
    blanks (a thousands separator for some) turned into ``,``.
    """
    text = to_ascii_digits(text).translate(_INVISIBLE).translate(_SEPARATORS)
    return re.sub(r"\s+", ",", text.strip())


def parse_whole_number(text):
    """Read a whole number typed by a person.

    Returns ``(value, problem)``: ``value`` is an ``int`` (possibly zero or
    negative) when ``problem`` is ``None``; otherwise ``value`` is ``None`` and
    ``problem`` is one of:

    * ``"empty"``: nothing but blanks;
    * ``"fraction"``: a decimal number (``1.5``, ``۱٫۵``, ``12.0``);
    * ``"too_large"``: more than ``MAX_DIGITS`` digits;
    * ``"invalid"``: anything else (letters, misplaced separators, ``1,5``).
    """
    normalized = normalize_number(text)
    if not normalized:
        return None, "empty"
    match = _WHOLE.fullmatch(normalized)
    if not match:
        if _DECIMAL.fullmatch(normalized) and re.search(r"\d", normalized):
            return None, "fraction"
        return None, "invalid"
    digits = match["digits"].replace(",", "").lstrip("0") or "0"
    if len(digits) > MAX_DIGITS:
        return None, "too_large"
    value = int(digits)
    return (-value if match["sign"] == "-" else value), None


def format_quantity(value):
    """A quantity for people: ``12`` or ``1,250``; decimals only if there are."""
    value = value or 0.0
    rounded = round(value)
    if abs(value - rounded) < 1e-6:
        return f"{rounded:,}"
    return f"{value:,.2f}"


_TO_PERSIAN = str.maketrans(
    {
        **{str(value): char for value, char in enumerate(PERSIAN_DIGITS)},
        ",": ARABIC_THOUSANDS_SEPARATOR,
        ".": ARABIC_DECIMAL_SEPARATOR,
    }
)


def localize_number(text, lang_code):
    """A formatted ASCII number (``1,250.5``) as a reader of ``lang_code`` writes
    it: Persian digits and separators (``۱٬۲۵۰٫۵``) for Persian, unchanged
    otherwise."""
    if (lang_code or "").startswith("fa"):
        return str(text).translate(_TO_PERSIAN)
    return str(text)
