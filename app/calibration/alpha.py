"""Krippendorff's alpha for nominal data, from the coincidence matrix, in exact fractions.

Each unit is the list of values the coders gave it (missing values left out). A unit with fewer than
two values cannot be paired and drops out. With o_ck the coincidences of values c and k (each ordered
pair of values from different coders in a unit with m values counts 1/(m-1)), n_c = sum_k o_ck and
n = sum_c n_c:

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k

Alpha is undefined (None) when nothing can be paired or when every pairable value is the same
(no expected disagreement).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from fractions import Fraction


def coincidences(units: Iterable[Iterable[Hashable]]) -> dict[tuple[Hashable, Hashable], Fraction]:
    """The coincidence matrix {(c, k): o_ck} of the pairable units."""
    matrix: dict[tuple[Hashable, Hashable], Fraction] = {}
    for unit in units:
        values = Counter(unit)
        m = sum(values.values())
        if m < 2:
            continue
        for c, count_c in values.items():
            for k, count_k in values.items():
                pairs = count_c * (count_k - 1) if c == k else count_c * count_k
                if pairs:
                    matrix[(c, k)] = matrix.get((c, k), Fraction(0)) + Fraction(pairs, m - 1)
    return matrix


def nominal_alpha(units: Iterable[Iterable[Hashable]]) -> Fraction | None:
    """Krippendorff's alpha (nominal) of the units' values, or None when it is undefined."""
    matrix = coincidences(units)
    totals: Counter = Counter()
    for (c, _k), o in matrix.items():
        totals[c] += o
    n = sum(totals.values(), Fraction(0))
    if n < 2:
        return None
    observed = sum((o for (c, k), o in matrix.items() if c != k), Fraction(0))
    expected = sum((totals[c] * totals[k] for c in totals for k in totals if c != k), Fraction(0))
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected
