"""Graders for softmax, one_hot and cross_entropy.

Scores are small integers stored as float64 (``convgrade.extra.numpy.arrays``), so a failing example stays
readable; "large" inputs add 1000 to every score, which a softmax without its max-subtraction cannot survive.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from convgrade import (CheckFailed, Exercise, add_worked_example, expect_array, expect_scalar, expect_shape,
                       expect_unchanged, fixed_input, fmt_number)
from convgrade.extra.numpy import arrays

LARGE = 1000.0  # exp(LARGE) overflows float64


@dataclass(frozen=True)
class Scores:
    z: np.ndarray  # (..., n)


@dataclass(frozen=True)
class Labels:
    y: np.ndarray  # (m,) int64, in 0 .. n-1
    n: int


@dataclass(frozen=True)
class Batch:
    logits: np.ndarray  # (m, n)
    y: np.ndarray  # (m,) int64, in 0 .. n-1


@st.composite
def scores(draw, *, max_dims: int = 3, max_side: int = 4) -> Scores:
    """A score array of 1 to ``max_dims`` axes, each of 1 to ``max_side`` entries."""
    shape = tuple(draw(st.integers(1, max_side)) for _ in range(draw(st.integers(1, max_dims))))
    return Scores(draw(arrays(shape)))


def _labels(draw, m: int, n: int) -> np.ndarray:
    return np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)


@st.composite
def labels(draw, *, max_m: int = 5, max_n: int = 5) -> Labels:
    n = draw(st.integers(1, max_n))
    return Labels(_labels(draw, draw(st.integers(1, max_m)), n), n)


@st.composite
def batches(draw, *, max_m: int = 4, max_n: int = 4) -> Batch:
    m, n = draw(st.integers(1, max_m)), draw(st.integers(1, max_n))
    return Batch(draw(arrays((m, n))), _labels(draw, m, n))


def _finite(got: Any, what: str) -> None:
    """A softmax that overflowed shows nan or inf; say why rather than print the numbers."""
    if not isinstance(got, (np.ndarray, float, np.floating)):
        return  # not a float: the comparison after this says what it is
    bad = int(np.size(got) - np.isfinite(got).sum())
    if bad:
        count = [f"{bad} of {np.size(got)} values are nan or inf"] if np.ndim(got) else []
        raise CheckFailed(f"{what} is nan or inf when the scores are near {LARGE:g}",
                          [*count, f"np.exp({LARGE:g}) overflows to inf, and inf / inf is nan"])


# softmax -----------------------------------------------------------------------------------------------------

softmax = Exercise("softmax", hint="e = np.exp(z - z.max(axis=-1, keepdims=True)); p = e / e.sum(axis=-1, "
                                   "keepdims=True): over the last axis, keeping it for broadcasting")

add_worked_example(softmax, "the docstring's example: [[0, 0], [0, log 3]] -> [[0.5, 0.5], [0.25, 0.75]]",
                   lambda: {"z": np.array([[0.0, 0.0], [0.0, np.log(3.0)]])}, name="p")


@softmax.check("output shape", 1, given=scores())
def _(case, st, ref):
    expect_shape(st.softmax(case.z), case.z.shape, name="p")


@softmax.check("values", 2, given=scores())
def _(case, st, ref):
    expect_array(st.softmax(case.z), ref.softmax(case.z), name="p")


@softmax.check("every row sums to 1", 1, given=scores())
def _(case, st, ref):
    p = expect_shape(st.softmax(case.z), case.z.shape, name="p")
    sums = p.sum(axis=-1)
    if not np.allclose(sums, 1.0):
        index = np.unravel_index(int(np.argmax(np.abs(sums - 1.0))), sums.shape)
        raise CheckFailed("a row of p does not sum to 1",
                          [f"the row at {index} sums to {fmt_number(float(sums[index]))}"])


@softmax.check(f"large scores: softmax(z + {LARGE:g}) equals softmax(z)", 2, given=scores(),
               hint="subtract each row's maximum before np.exp: the largest exponent is then exp(0) = 1")
def _(case, st, ref):
    p = expect_shape(st.softmax(case.z + LARGE), case.z.shape, name="p")
    _finite(p, "p")
    expect_array(p, ref.softmax(case.z), name="p")


@softmax.check("leaves z unchanged", 1, given=scores())
def _(case, st, ref):
    p, (z_after,) = st.with_args.softmax(case.z)
    expect_shape(p, case.z.shape, name="p")
    expect_unchanged([case.z], [z_after], ("z",))


# one_hot -----------------------------------------------------------------------------------------------------

one_hot = Exercise("one_hot", hint="Y = np.zeros((m, n)); Y[np.arange(m), y] = 1 sets one entry per row "
                                   "(Y[:, y] would set whole columns)")

add_worked_example(one_hot, "the docstring's example: one_hot([2, 0], 4) -> [[0, 0, 1, 0], [1, 0, 0, 0]]",
                   lambda: {"y": np.array([2, 0]), "n": 4}, name="Y")


@one_hot.check("output shape (m, n)", 1, given=labels())
def _(case, st, ref):
    expect_shape(st.one_hot(case.y, case.n), (len(case.y), case.n), name="Y")


@one_hot.check("values and dtype", 2, given=labels())
def _(case, st, ref):
    expect_array(st.one_hot(case.y, case.n), ref.one_hot(case.y, case.n), name="Y")


@one_hot.check("leaves y unchanged", 1, given=labels())
def _(case, st, ref):
    Y, (y_after, _) = st.with_args.one_hot(case.y, case.n)
    expect_shape(Y, (len(case.y), case.n), name="Y")
    expect_unchanged([case.y], [y_after], ("y",))


# cross_entropy -----------------------------------------------------------------------------------------------

cross_entropy = Exercise("cross_entropy", hint="log p = z - c - log(sum(exp(z - c))) with c the row's maximum; "
                                               "L = -mean of log p[i, y[i]] over the m rows")


@cross_entropy.check("the docstring's example: 0.4904146265", 1)
def _(st, ref):
    logits, y = np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), np.array([0, 1])
    with fixed_input("logits = [[0, 0], [0, log 3]], y = [0, 1]"):
        expect_scalar(st.cross_entropy(logits, y), ref.cross_entropy(logits, y), name="L")


@cross_entropy.check("values", 2, given=batches())
def _(case, st, ref):
    expect_scalar(st.cross_entropy(case.logits, case.y), ref.cross_entropy(case.logits, case.y), name="L")


@cross_entropy.check("the mean over the batch: the same batch twice gives the same loss", 1, given=batches(),
                     hint="divide the sum of -log p[i, y[i]] by m (np.mean), so the loss does not grow with the batch")
def _(case, st, ref):
    twice = (np.concatenate([case.logits, case.logits]), np.concatenate([case.y, case.y]))
    expect_scalar(st.cross_entropy(*twice), ref.cross_entropy(case.logits, case.y), name="L of the batch twice")


@cross_entropy.check(f"large scores: cross_entropy(logits + {LARGE:g}, y) equals cross_entropy(logits, y)", 2,
                     given=batches(), hint="subtract each row's maximum before np.exp, and take the log of the "
                                           "sum, not of each exponential's quotient")
def _(case, st, ref):
    L = st.cross_entropy(case.logits + LARGE, case.y)
    _finite(L, "L")
    expect_scalar(L, ref.cross_entropy(case.logits, case.y), name="L")


@cross_entropy.check("leaves logits and y unchanged", 1, given=batches())
def _(case, st, ref):
    L, after = st.with_args.cross_entropy(case.logits, case.y)
    expect_scalar(L, ref.cross_entropy(case.logits, case.y), name="L")
    expect_unchanged([case.logits, case.y], after, ("logits", "y"))
