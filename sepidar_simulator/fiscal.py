"""Fiscal years (سال مالی) of the simulated company.

Iranian companies keep their books by Solar Hijri year (1 Farvardin, about
21 March, to the end of Esfand). Sepidar stores each fiscal year with Gregorian
start and end dates (DB ``FMK.FiscalYear``: ``StartDate``, ``EndDate``,
``Status``) and refuses documents dated outside an open one (sepidar-api.md 11;
the exact message is an open question, 14 #8). No API exposes fiscal years, so
they live in the dataset only (key ``fiscal_years``).
"""

from datetime import date, datetime, timedelta

# Years where the 33-year leap cycle of the Solar Hijri calendar restarts
# (the "breaks" of the jalaali algorithm, Borkowski 1996), valid 1178-3177 SH.
_BREAKS = (
    -61,
    9,
    38,
    199,
    426,
    686,
    756,
    818,
    1111,
    1181,
    1210,
    1635,
    2060,
    2097,
    2192,
    2262,
    2324,
    2394,
    2456,
    3178,
)


def nowruz(year):
    """Gregorian date of 1 Farvardin of Solar Hijri ``year`` (1405: 2026-03-21)."""
    if not _BREAKS[0] <= year < _BREAKS[-1]:
        raise ValueError(f"Solar Hijri year out of range: {year}")
    leap_j, previous, jump = -14, _BREAKS[0], 0
    for brk in _BREAKS[1:]:
        jump = brk - previous
        if year < brk:
            break
        leap_j += jump // 33 * 8 + jump % 33 // 4
        previous = brk
    n = year - previous
    leap_j += n // 33 * 8 + (n % 33 + 3) // 4
    if jump % 33 == 4 and jump - n == 4:
        leap_j += 1
    gregorian = year + 621
    leap_g = gregorian // 4 - (gregorian // 100 + 1) * 3 // 4 - 150
    return date(gregorian, 3, 1) + timedelta(days=19 + leap_j - leap_g)


def solar_year(day):
    """Solar Hijri year holding the Gregorian ``day``."""
    year = day.year - 621
    return year if day >= nowruz(year) else year - 1


def fiscal_year(year, closed):
    """Dataset row of the fiscal year that is Solar Hijri ``year``."""
    return {
        "FiscalYearID": year,
        "Title": str(year),
        "StartDate": _format(nowruz(year)),
        "EndDate": _format(nowruz(year + 1) - timedelta(days=1)),
        "IsClosed": closed,
    }


def default_fiscal_years(today=None):
    """The year of ``today`` open, the one before closed (as after a year-end)."""
    current = solar_year(today or date.today())
    return [fiscal_year(current - 1, True), fiscal_year(current, False)]


def find(fiscal_years, day):
    """The dataset row of the fiscal year holding ``day``, or ``None``."""
    for row in fiscal_years:
        if _parse(row["StartDate"]) <= day <= _parse(row["EndDate"]):
            return row
    return None


def _format(day):
    return f"{day.isoformat()}T00:00:00"


def _parse(text):
    return datetime.fromisoformat(str(text)[:19]).date()
