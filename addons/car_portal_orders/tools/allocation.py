# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fair-share allocation of a short supply: the suggested supplied quantities.

Plain Python, no Odoo: :func:`allocate` takes the open claims on one product
and the quantity available to promise (ATP) and returns a whole number of
units per claim. The rules, in order:

1. No claim gets more than it requested, nor more than the dealer's remaining
   quota when one is set (``quota=None``: no quota).
2. Claims are served by priority tier, highest first (the caller decides what
   a priority means, e.g. orders paid cash first); a tier is served in full
   while the ATP lasts.
3. When a tier asks for more than the ATP left, the ATP left is shared in
   proportion to each claim's weight (the remaining quota; the request when no
   quota is set), never above a claim's cap (water-filling: what a capped claim
   cannot take goes to the others), then rounded to whole units by the
   largest remainder; equal remainders go to the oldest claim.

Everything is computed with exact fractions, and ties are broken on
``(age, key)``, so the result does not depend on the order of the claims.
"""

import math
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Claim:
    """One open line asking for units of a product.

    ``key`` identifies the line (its id); ``age`` sorts older claims first
    (the order's submission date, say); ``priority``: higher is served first.
    """

    key: object
    requested: float
    quota: float | None = None
    priority: int = 0
    age: object = 0

    @property
    def cap(self):
        """The most this claim may get: its request, within the quota."""
        cap = _whole(self.requested)
        if self.quota is not None:
            cap = min(cap, _whole(self.quota))
        return max(cap, 0)

    @property
    def weight(self):
        """Its share's weight: the remaining quota, else the request."""
        return Fraction(self.cap if self.quota is None else max(_whole(self.quota), 0))


def _whole(quantity):
    """Whole units of a quantity (a fraction of a unit is not promised)."""
    return math.floor(quantity + 1e-9)


def allocate(claims, atp):
    """``{claim.key: units}`` for ``claims`` sharing ``atp`` units.

    Never more in total than ``atp`` (nor less than 0); see the module's
    docstring for the rules.
    """
    left = max(_whole(atp), 0)
    result = {claim.key: 0 for claim in claims}
    for priority in sorted({claim.priority for claim in claims}, reverse=True):
        tier = sorted(
            (c for c in claims if c.priority == priority and c.cap > 0),
            key=lambda c: (c.age, c.key),
        )
        demand = sum(claim.cap for claim in tier)
        if demand <= left:
            shares = {claim.key: claim.cap for claim in tier}
        else:
            shares = _fair_shares(tier, left)
        result.update(shares)
        left -= sum(shares.values())
        if left <= 0:
            break
    return result


def _fair_shares(tier, units):
    """Share ``units`` (less than the tier's demand) among ``tier`` (sorted
    oldest first): exact proportional shares capped by water-filling, then
    whole units by the largest remainder."""
    exact = _water_fill(tier, units)
    shares = {claim.key: math.floor(exact[claim.key]) for claim in tier}
    extra = units - sum(shares.values())
    # Largest remainder first; on a tie the oldest claim (tier's order).
    ranked = sorted(
        (c for c in tier if exact[c.key] > shares[c.key]),
        key=lambda c: -(exact[c.key] - shares[c.key]),
    )
    for claim in ranked[:extra]:
        shares[claim.key] += 1
    return shares


def _water_fill(tier, units):
    """Exact shares proportional to the weights, none above its cap, summing
    to ``units``: claims whose proportional share would pass their cap get the
    cap, the rest is shared again among the others."""
    exact = {}
    open_claims = [c for c in tier if c.weight > 0]
    left = Fraction(units)
    while open_claims:
        total = sum(claim.weight for claim in open_claims)
        capped = [c for c in open_claims if left * c.weight / total >= c.cap]
        if not capped:
            for claim in open_claims:
                exact[claim.key] = left * claim.weight / total
            break
        for claim in capped:
            exact[claim.key] = Fraction(claim.cap)
            left -= claim.cap
        open_claims = [c for c in open_claims if c not in capped]
    for claim in tier:
        exact.setdefault(claim.key, Fraction(0))
    return exact
