"""Behaviour switches and fault knobs of the simulator.

All of them can be given at start (keyword arguments / CLI flags) and changed while
running (``POST /__sim__/config``). Faults are drawn from a seeded RNG, the same three
draws for every API request, so a run with the same seed and the same sequence of
requests injects the same faults.

The simulator is strict by default: where sepidar-api.md does not say whether a
real Sepidar refuses something doubtful, it does, and a knob relaxes that rule
(``check_*``, ``require_*``, ``refuse_*``; true = strict).
"""

import dataclasses
import random
from typing import NamedTuple

VERSION_POLICIES = ("exact", "range")


def _knob(default, help_text):
    return dataclasses.field(default=default, metadata={"help": help_text})


@dataclasses.dataclass
class Knobs:
    """Simulator settings; each field's ``help`` metadata explains it."""

    latency_ms: float = _knob(0.0, "delay added to every API request")
    error_rate: float = _knob(
        0.0, "fraction of API requests answered 500 before doing anything"
    )
    timeout_rate: float = _knob(
        0.0,
        "fraction of API requests that first sleep timeout_sleep_ms, then run "
        "anyway (a slow server that commits after the client gave up)",
    )
    timeout_sleep_ms: float = _knob(
        35000.0, "sleep of timeout_rate; make it exceed the client's read timeout"
    )
    commit_then_drop_rate: float = _knob(
        0.0,
        "fraction of successful document writes whose connection is closed "
        "without an answer after the commit",
    )
    token_expiry_every_n_calls: int = _knob(
        0, "every n-th token check revokes the token (401 re-login); 0 = never"
    )
    token_ttl_s: float = _knob(
        0.0, "token lifetime in seconds; 0 = until revoked, as the PDF describes"
    )
    generation_version: int = _knob(110, "API level of the server")
    min_generation_version: int = _knob(
        101, "lowest GenerationVersion accepted by the 'range' policy"
    )
    version_policy: str = _knob(
        "exact",
        "'exact': any other GenerationVersion is 412 (PDF); "
        "'range': min_generation_version..generation_version accepted",
    )
    enforce_unique_arbitrary_code: bool = _knob(
        True, "401 on a reused ArbitraryCode (PDF); false = lenient servers"
    )
    unique_quotation_guid: bool = _knob(
        False,
        "refuse duplicate quotation GUIDs; Sepidar's schema has no unique index "
        "there, so duplicates are accepted (and counted) by default",
    )
    duplicate_guid_status: int = _knob(
        400,
        "answer to a duplicate GUID (undocumented): 400 business error or 500 "
        "with the SQL unique-index text",
    )
    validate_totals: bool = _knob(
        True, "refuse documents whose totals differ from the sum of their lines"
    )
    rsa_key_bits: int = _knob(512, "RSA key size made at registration (real: 512)")
    quantity_endpoint: bool = _knob(
        True,
        "serve GET /api/Items/Inventories/Quantity/{itemId} (newer servers; the "
        "level that added it is unknown); false: the routing 404 of a server "
        "without it",
    )
    # -- strict rules (true = refuse, as the strictest real server would) -------
    check_fiscal_year: bool = _knob(
        True,
        "refuse a quotation dated outside an open fiscal year (also a Solar Hijri "
        "date such as 1405-09-11 sent as if Gregorian); false: only dates before "
        "1753 fail, with SQL Server's 500",
    )
    check_expiration_date: bool = _knob(
        True, "refuse a quotation whose ExpirationDate is before its Date"
    )
    check_currency_rate: bool = _knob(
        True, "refuse a quotation Rate other than 1 on the main currency (or <= 0)"
    )
    check_line_amounts: bool = _knob(
        True,
        "refuse negative line Tax, Duty, Addition or Discount, and a line "
        "Discount above its Price",
    )
    check_secondary_quantity: bool = _knob(
        True, "refuse a SecondaryQuantity on an item without a secondary unit"
    )
    check_legal_last_name: bool = _knob(
        True, "refuse a LastName on a legal-person customer (CustomerType 2)"
    )
    check_closed_quotation: bool = _knob(
        True, "refuse an invoice based on a closed (خاتمه) quotation"
    )
    check_credit_ceiling: bool = _knob(
        True,
        "refuse an invoice above the credit left to a customer that has a "
        "credit ceiling (set with POST /__sim__/credit)",
    )
    customers_down: bool = _knob(
        False,
        "answer 500 to customer reads (GET /api/Customers...): the credit "
        "cannot be read while documents still post",
    )
    require_json_content_type: bool = _knob(
        True,
        "answer 415 to a body that is not application/json (or text/json), as "
        "ASP.NET Web API does; false: read it as JSON anyway (a deviation)",
    )
    refuse_numeric_strings: bool = _knob(
        True,
        'refuse numbers and booleans sent as JSON strings ("1000"); Json.NET '
        "would convert them (false: accepted, a deviation)",
    )
    require_amount_fields: bool = _knob(
        True,
        "refuse omitted numbers the PDF marks required (header Tax, Duty, "
        "Addition, line amounts, refs...); false: they bind to 0 like a .NET "
        "double",
    )

    def update(self, values):
        """Apply ``{name: value}`` from keyword arguments or JSON, with checks."""
        known = {field.name: field for field in dataclasses.fields(self)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(unknown)}")
        for name, value in values.items():
            setattr(self, name, coerce(type(known[name].default), value))
        self.check()
        return self

    def check(self):
        for name in ("error_rate", "timeout_rate", "commit_then_drop_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.version_policy not in VERSION_POLICIES:
            raise ValueError(f"version_policy must be one of {VERSION_POLICIES}")
        if self.duplicate_guid_status not in (400, 500):
            raise ValueError("duplicate_guid_status must be 400 or 500")
        if self.rsa_key_bits < 512:
            raise ValueError("rsa_key_bits must be at least 512")

    def as_dict(self):
        return dataclasses.asdict(self)


def coerce(kind, value):
    """Convert a CLI/JSON value to the knob's type (``"true"``, ``"0.5"``...)."""
    if kind is bool and isinstance(value, str):
        if value.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise ValueError(f"not a boolean: {value!r}")
        return value.lower() in ("1", "true", "yes", "on")
    return kind(value)


class Faults(NamedTuple):
    """Faults chosen for one API request."""

    error: bool
    timeout: bool
    drop: bool


def draw_faults(rng: random.Random, knobs: Knobs):
    """Always three draws, whatever the rates, to keep seeded runs aligned."""
    error, timeout, drop = rng.random(), rng.random(), rng.random()
    return Faults(
        error < knobs.error_rate,
        timeout < knobs.timeout_rate,
        drop < knobs.commit_then_drop_rate,
    )
