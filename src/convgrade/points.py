"""Points: decided exactly, once, and shown as they are.

Every number of points the engine reports is a whole number of units of 1/10,000 of a point (``DECIMALS``):

- a check's ``max_points``: the exercise's points (course.toml, at most 4 decimals) shared among *all* its checks
  in proportion to their weights, by the largest remainder: each exact share is rounded down to a unit, and the
  units left over go one each to the checks with the largest remainders (the first declared on a tie). So the
  shares add up to exactly the exercise's points, and a check is worth the same in every mode;
- a check's ``points``: its ``max_points`` when it passed, else 0;
- an exercise's ``score``: the sum of its checks' points (0 when it could not be graded); its ``max_score``:
  course.toml's points, or the sum of the ``max_points`` of the checks run (fixtures mode: the public ones);
- a report's ``score`` and ``max_score``: the sums over its exercises.

Sums are taken on whole units (``add``), never on floats. A record holds each number as the float nearest to it,
whose shortest repr (what JSON writes) is that number with at most 4 decimals, and ``text`` writes it for people
without trailing zeros. So every format shows the same numbers, an exercise's score never exceeds its max, the
shown parts add up to the shown totals, and ``--fail-under`` compares the score as shown.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Sequence

DECIMALS = 4
SCALE = 10**DECIMALS  # units per point


def exact(x: float) -> Fraction:
    """The decimal number ``x`` stands for (``0.1`` is one tenth, not the float nearest to it)."""
    return Fraction(str(x))


def units(x: float) -> int:
    """``x`` in whole units (to the nearest unit, ties to even, when it has more than 4 decimals)."""
    return round(exact(x) * SCALE)


def of_units(n: int) -> float:
    return n / SCALE  # correctly rounded: the float's shortest repr is the number itself


def is_exact(x: float) -> bool:
    """Whether ``x`` has at most ``DECIMALS`` decimals (a number of points that can be shown as it is)."""
    return (exact(x) * SCALE).denominator == 1


def add(values: Iterable[float]) -> float:
    """The sum of numbers of points, exactly (``0.1 + 0.2`` is ``0.3``)."""
    return of_units(sum(units(v) for v in values))


def shares(total: float, weights: Sequence[float]) -> list[float]:
    """``total`` shared in proportion to ``weights`` (positive), in units, adding up to exactly ``total``."""
    whole, parts = units(total), [exact(w) for w in weights]
    exact_shares = [whole * p / sum(parts) for p in parts]
    floors = [int(s) for s in exact_shares]  # shares are positive: int() rounds down
    order = sorted(range(len(parts)), key=lambda i: (-(exact_shares[i] - floors[i]), i))
    for i in order[:whole - sum(floors)]:
        floors[i] += 1
    return [of_units(n) for n in floors]


def text(x: float) -> str:
    """A number of points for people: ``0.9091``, ``1.5``, ``150`` (every decimal it has, no trailing zero)."""
    return f"{x:.{DECIMALS}f}".rstrip("0").rstrip(".")
