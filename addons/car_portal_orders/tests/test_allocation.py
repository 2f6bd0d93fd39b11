# Copyright 2026 car-portal
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fair-share allocation (tools/allocation.py), by its properties.

Property-based with hypothesis: whatever the claims and the ATP, the sum never
exceeds the ATP, no claim gets more than its request or quota, a larger quota
never gets less, the result does not depend on the order the claims are read
in; plus worked examples of the rounding and the priority tiers.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests.common import BaseCase

from ..tools.allocation import Claim, allocate


@st.composite
def claims_and_atp(draw, max_claims=12):
    count = draw(st.integers(min_value=0, max_value=max_claims))
    claims = [
        Claim(
            key=key,
            requested=draw(st.integers(min_value=1, max_value=40)),
            quota=draw(st.none() | st.integers(min_value=0, max_value=60)),
            priority=draw(st.integers(min_value=0, max_value=2)),
            age=draw(st.integers(min_value=0, max_value=5)),
        )
        for key in range(count)
    ]
    atp = draw(st.integers(min_value=-5, max_value=300))
    return claims, atp


PROPERTY = settings(max_examples=300, deadline=None, database=None)


class TestAllocationProperties(BaseCase):
    @PROPERTY
    @given(claims_and_atp())
    def test_sum_never_exceeds_atp(self, case):
        claims, atp = case
        result = allocate(claims, atp)
        self.assertLessEqual(sum(result.values()), max(atp, 0))
        self.assertEqual(set(result), {claim.key for claim in claims})

    @PROPERTY
    @given(claims_and_atp())
    def test_no_line_above_request_or_quota(self, case):
        claims, atp = case
        result = allocate(claims, atp)
        for claim in claims:
            self.assertGreaterEqual(result[claim.key], 0)
            self.assertLessEqual(result[claim.key], claim.requested)
            if claim.quota is not None:
                self.assertLessEqual(result[claim.key], claim.quota)

    @PROPERTY
    @given(claims_and_atp())
    def test_nothing_left_unpromised_while_asked(self, case):
        # Either every claim gets its cap or the whole ATP is handed out.
        claims, atp = case
        result = allocate(claims, atp)
        if any(result[c.key] < c.cap for c in claims):
            self.assertEqual(sum(result.values()), max(atp, 0))

    @PROPERTY
    @given(claims_and_atp(), st.data())
    def test_larger_quota_never_gets_less(self, case, data):
        claims, atp = case
        small = data.draw(st.integers(1, 60))
        large = small + data.draw(st.integers(1, 30))
        requested = data.draw(st.integers(1, 40))
        priority = data.draw(st.integers(0, 2))
        # Same request and priority; the larger quota is even the younger.
        a = Claim(-1, requested, quota=large, priority=priority, age=9)
        b = Claim(-2, requested, quota=small, priority=priority, age=0)
        result = allocate([*claims, a, b], atp)
        self.assertGreaterEqual(result[a.key], result[b.key])

    @PROPERTY
    @given(claims_and_atp(), st.randoms(use_true_random=False))
    def test_independent_of_input_order(self, case, rnd):
        claims, atp = case
        shuffled = list(claims)
        rnd.shuffle(shuffled)
        self.assertEqual(allocate(claims, atp), allocate(shuffled, atp))


class TestAllocationExamples(BaseCase):
    def test_proportional_to_remaining_quota(self):
        # 10 units, quotas 10/20/30 (weights 1:2:3), everybody asks for 10:
        # exact shares 1.67 / 3.33 / 5 -> 2 / 3 / 5 by the largest remainder.
        claims = [
            Claim("d1", 10, quota=10, age=1),
            Claim("d2", 10, quota=20, age=2),
            Claim("d3", 10, quota=30, age=3),
        ]
        self.assertEqual(allocate(claims, 10), {"d1": 2, "d2": 3, "d3": 5})

    def test_ties_go_to_the_oldest_order(self):
        claims = [Claim(key, 5, quota=5, age=age) for key, age in (("x", 2), ("y", 1))]
        self.assertEqual(allocate(claims, 3), {"x": 1, "y": 2})
        claims = [Claim(k, 5, age=age) for k, age in (("p", 7), ("q", 3), ("r", 5))]
        self.assertEqual(allocate(claims, 4), {"p": 1, "q": 2, "r": 1})

    def test_capped_share_goes_to_the_others(self):
        # d1's share by quota (6 of 12) is above its request of 2: the other
        # two share the rest.
        claims = [
            Claim("d1", 2, quota=60, age=1),
            Claim("d2", 20, quota=30, age=2),
            Claim("d3", 20, quota=30, age=3),
        ]
        self.assertEqual(allocate(claims, 12), {"d1": 2, "d2": 5, "d3": 5})

    def test_priority_tier_served_first(self):
        cash = Claim("cash", 8, quota=10, priority=1, age=5)
        credit = Claim("credit", 8, quota=50, priority=0, age=1)
        self.assertEqual(allocate([credit, cash], 10), {"cash": 8, "credit": 2})
        self.assertEqual(allocate([credit, cash], 5), {"cash": 5, "credit": 0})

    def test_enough_for_everyone_and_no_quota_left(self):
        claims = [Claim("a", 3, quota=None), Claim("b", 4, quota=0), Claim("c", 2.5)]
        self.assertEqual(allocate(claims, 100), {"a": 3, "b": 0, "c": 2})
        self.assertEqual(allocate(claims, -3), {"a": 0, "b": 0, "c": 0})
