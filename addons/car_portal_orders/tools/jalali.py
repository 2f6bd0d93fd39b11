# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Jalali (Solar Hijri) dates for Persian readers, with ``jdatetime``.

Dates are stored Gregorian; these helpers only change how they are shown and
read. They know nothing of Odoo: :func:`format_jalali` and :func:`parse_jalali`
take and return plain ``date``/``datetime`` objects.
"""

import datetime
import re

import jdatetime

from .digits import PERSIAN_DIGITS, to_ascii_digits

_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
_JALALI_DATE = re.compile(
    r"^\s*(\d{3,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$"
)
# Jalali years run about 621 behind Gregorian ones: a year from 1700 on is
# Gregorian whoever types it (a browser's date picker sends 2026-11-30).
FIRST_GREGORIAN_YEAR = 1700


def to_persian_digits(text):
    """``"1405/09/07"`` → ``"۱۴۰۵/۰۹/۰۷"``."""
    return str(text).translate(_TO_PERSIAN)


def format_jalali(value, with_time=False, persian_digits=True):
    """A Gregorian ``date``/``datetime`` written as a Jalali date (and time).

    ``datetime`` values must already be in the reader's time zone.
    """
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        jalali = jdatetime.datetime.fromgregorian(datetime=value)
        text = jalali.strftime("%Y/%m/%d %H:%M" if with_time else "%Y/%m/%d")
    else:
        text = jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
    return to_persian_digits(text) if persian_digits else text


def parse_jalali(text):
    """The Gregorian ``date`` of a typed Jalali date such as ``۱۴۰۵/۰۹/۰۷``.

    Accepts Persian, Arabic-Indic or ASCII digits and ``/``, ``-`` or ``.`` as
    separators. Raises ``ValueError`` for anything else or an impossible day.
    """
    match = _JALALI_DATE.match(to_ascii_digits(text or ""))
    if not match:
        raise ValueError(f"not a Jalali date: {text!r}")
    year, month, day = (int(part) for part in match.groups())
    return jdatetime.date(year, month, day).togregorian()


def parse_user_date(text, jalali=False):
    """The Gregorian ``date`` a user typed as year/month/day.

    Persian readers (``jalali=True``) type Jalali dates such as ``۱۴۰۵/۰۹/۰۷``;
    a year from 1700 on is read as Gregorian for everybody (``2026-11-28``).
    Persian, Arabic-Indic or ASCII digits; ``/``, ``-`` or ``.`` between the
    parts. Raises ``ValueError`` for anything else or an impossible day.
    """
    match = _JALALI_DATE.match(to_ascii_digits(text or ""))
    if not match:
        raise ValueError(f"not a date: {text!r}")
    year, month, day = (int(part) for part in match.groups())
    if year >= FIRST_GREGORIAN_YEAR:
        return datetime.date(year, month, day)
    if not jalali:
        raise ValueError(f"not a Gregorian date: {text!r}")
    return jdatetime.date(year, month, day).togregorian()


def month_start(day, jalali=False):
    """The first day of ``day``'s month, and of the next month: Jalali months
    (1 Azar is 22 November) or Gregorian ones."""
    if jalali:
        current = jdatetime.date.fromgregorian(date=day)
        start = jdatetime.date(current.year, current.month, 1)
        if current.month == 12:
            following = jdatetime.date(current.year + 1, 1, 1)
        else:
            following = jdatetime.date(current.year, current.month + 1, 1)
        return start.togregorian(), following.togregorian()
    start = day.replace(day=1)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)
