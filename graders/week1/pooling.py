"""Graders for lesson 1.9: pool_forward."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import numpy as np
from hypothesis import strategies as st

from convgrade import (CheckFailed, Exercise, expect_array, expect_equal, expect_raises, expect_shape, expect_tuple,
                       expect_type, expect_unchanged, fmt_index, fmt_number, kind_of)
from convgrade.extra.numpy import values
from ..cases import PoolCase, nonsquare_pool_cases, pool_cases

MODES = ("max", "average")
BAD_MODES = ("min", "avg", "MAX", "mean", "")
SLICE = "A_prev[i, h*stride:h*stride+f, w*stride:w*stride+f, c]"
VALUES_HINT = {"max": f"A[i, h, w, c] = np.max({SLICE}): one window of one channel",
               "average": f"A[i, h, w, c] = np.mean({SLICE}): the sum divided by f*f"}
COURSE_TEXT = 'np.random.seed(1); A_prev = np.random.randn(2, 5, 5, 3); hparameters = {"stride": 1, "f": 3}'
COURSE = PoolCase(np.random.RandomState(1).randn(2, 5, 5, 3), f=3, stride=1, reverse_keys=True)  # COURSE_TEXT


def _keys(cases, reverse: bool = False):
    """Cases with hparameters in one known key order (the feedback does not show the order)."""
    return cases.map(lambda case: replace(case, reverse_keys=reverse))


CASES = _keys(pool_cases(max_side=5))  # {"f": f, "stride": s}, as in the docstring
# values >= 1: a window's sum or max then differs from its mean, so the diagnosis can tell them apart
POSITIVE = CASES.map(lambda case: replace(case, A_prev=np.abs(case.A_prev) + 1))
# small: the shrinker would otherwise spend its time on elements that are then overwritten
CONSTANT = st.tuples(_keys(pool_cases(max_m=1, max_side=4, max_c=2)), values()).map(
    lambda t: replace(t[0], A_prev=np.full_like(t[0].A_prev, t[1])))


@contextmanager
def _explain(mode: str, hint: str | None = None):
    """Failures inside name the mode ('A has wrong values (mode="average")') and carry ``hint``."""
    try:
        yield
    except CheckFailed as failed:
        if failed.kind not in ("raised", "unimplemented"):  # their traceback already points at the line
            failed.what += f' (mode="{mode}")'
            failed.hint = failed.hint or hint
        raise


def _call(st, case: PoolCase, mode: str) -> np.ndarray:
    """The student's A for ``case``, checked to come as (A, cache) with A an ndarray."""
    with _explain(mode):
        A, _ = expect_tuple(st.pool_forward(case.A_prev, case.hparameters, mode=mode), ("A", "cache"))
        return expect_type(A, np.ndarray, "a numpy ndarray", name="A")


def _pool(st, case: PoolCase, mode: str, expected: np.ndarray | None = None, hint: str | None = None) -> np.ndarray:
    """The student's A for ``case``, of the right shape (and with the ``expected`` values, if given).

    A wrong shape keeps the exercise's hint (the size formula) in every check, so the report shows it once."""
    A = _call(st, case, mode)
    with _explain(mode):
        expect_shape(A, case.out_shape, name="A")
    with _explain(mode, hint):
        if expected is not None:
            expect_array(A, expected, name="A")
    return A


def _first(bad: np.ndarray) -> tuple[int, ...]:
    return tuple(int(k) for k in np.argwhere(bad)[0])


# the exercise's hint explains the sizes; checks of values give theirs with the failure (see _pool)
pool_forward = Exercise("pool_forward", hint="n_H = floor((n_H_prev - f) / stride) + 1 and n_W = floor((n_W_prev - f) "
                                             "/ stride) + 1 (no padding); H is axis 1 of A_prev, W is axis 2")


@pool_forward.check("the course's example", points=1)
def _(st, ref):
    for mode in MODES:
        try:
            _pool(st, COURSE, mode, ref.pool_forward(COURSE.A_prev, COURSE.hparameters, mode=mode)[0],
                  hint=VALUES_HINT[mode])
        except CheckFailed as failed:
            failed.details.insert(0, f"the course's example: {COURSE_TEXT}")
            raise


@pool_forward.check("returns (A, cache) with cache = (A_prev, hparameters)", points=1, given=CASES,
                    hint="return A, (A_prev, hparameters): pool_backward needs both (and (A_prev) without a comma "
                         "is not a tuple)")
def _(case, st, ref):
    _, cache = expect_tuple(st.pool_forward(case.A_prev, case.hparameters), ("A", "cache"))
    if type(cache) is not tuple or len(cache) != 2:
        raise CheckFailed(f"cache is {kind_of(cache)}, expected a tuple (A_prev, hparameters)", kind="type")
    expect_array(cache[0], case.A_prev, name="cache[0]", rtol=0, atol=0)
    expect_equal(cache[1], case.hparameters, name="cache[1]")


@pool_forward.check("output shape (H and W not confused)", points=1, given=_keys(nonsquare_pool_cases()))
def _(case, st, ref):
    for mode in MODES:
        _pool(st, case, mode)


@pool_forward.check("max-pool values", points=1, given=CASES)
def _(case, st, ref):
    _pool(st, case, "max", ref.pool_forward(case.A_prev, case.hparameters, mode="max")[0], hint=VALUES_HINT["max"])


@pool_forward.check("average-pool values", points=1, given=POSITIVE)
def _(case, st, ref):
    _pool(st, case, "average", ref.pool_forward(case.A_prev, case.hparameters, mode="average")[0],
          hint=VALUES_HINT["average"])


@pool_forward.check("max-pool >= average-pool", points=0.5, given=CASES)
def _(case, st, ref):
    A_max, A_avg = (_pool(st, case, mode) for mode in MODES)
    below = A_max < A_avg - 1e-9
    if below.any():
        i = _first(below)
        raise CheckFailed("max-pool gave less than average-pool",
                          [f'at A{fmt_index(i)}: {fmt_number(A_max[i])} (mode="max") < '
                           f'{fmt_number(A_avg[i])} (mode="average")',
                           f"below at {int(below.sum())} of {below.size} positions"],
                          hint="a window's mean is never above its maximum: average with np.mean, not np.sum")


@pool_forward.check("constant input gives the same constant", points=0.5, given=CONSTANT)
def _(case, st, ref):
    for mode in MODES:
        _pool(st, case, mode, np.full(case.out_shape, case.A_prev.flat[0]),
              hint="every window of a constant input holds only that constant: its max and its mean are it")


@pool_forward.check("channels pooled independently", points=0.5, given=CASES)
def _(case, st, ref):
    for mode in MODES:
        A = _pool(st, case, mode)
        for c in range(case.A_prev.shape[3]):
            alone = _pool(st, replace(case, A_prev=case.A_prev[..., c:c + 1]), mode)[..., 0]  # (m, n_H, n_W)
            bad = ~np.isclose(A[..., c], alone)
            if bad.any():
                i = _first(bad)
                raise CheckFailed(f'channel {c} of A depends on the other channels (mode="{mode}")',
                                  [f"A{fmt_index(i + (c,))} = {fmt_number(A[..., c][i])}, but pooling "
                                   f"A_prev[..., {c}:{c + 1}] alone gives {fmt_number(alone[i])}"],
                                  hint=f"pool one channel at a time: the window is {SLICE}, not A_prev[..., :]")


@pool_forward.check("an unknown mode raises ValueError", points=0.5,
                    hint='compare mode with "max" and "average" exactly; raise ValueError(...) for anything else')
def _(st, ref):
    case = PoolCase(np.arange(1.0, 17.0).reshape(1, 4, 4, 1), f=2, stride=2)
    for mode in BAD_MODES:
        expect_raises(lambda: st.pool_forward(case.A_prev, case.hparameters, mode=mode), "ValueError",
                      what=f"pool_forward(A_prev, {case.hparameters}, mode={mode!r})")


@pool_forward.check("hparameters keys in any order", points=0.5, given=CASES, examples=[COURSE],
                    hint='read f = hparameters["f"] and stride = hparameters["stride"] by name: a dict may list '
                         'its keys in any order')
def _(case, st, ref):
    for mode in MODES:
        runs = [(c.hparameters, _call(st, c, mode)) for c in (replace(case, reverse_keys=r) for r in (False, True))]
        (_, A1), (_, A2) = runs
        if A1.shape != A2.shape:
            shown = [f"hparameters = {hp} gives A.shape={A.shape}" for hp, A in runs]
        elif not np.allclose(A1, A2):
            i = _first(~np.isclose(A1, A2))
            shown = [f"hparameters = {hp} gives A{fmt_index(i)} = {fmt_number(A[i])}" for hp, A in runs]
        else:
            continue
        raise CheckFailed(f'A changes with the order of the keys in hparameters (mode="{mode}")', shown)


@pool_forward.check("leaves A_prev and hparameters unchanged", points=0.5, given=CASES,
                    hint="a slice such as A_prev[i, 0:2, 0:2, c] is a view of A_prev: read it, never assign into it or "
                         "update it in place (/=, +=); write the results into a new array A")
def _(case, st, ref):
    for mode in MODES:
        _, after = st.with_args.pool_forward(case.A_prev, case.hparameters, mode=mode)
        expect_unchanged([case.A_prev, case.hparameters], after, ("A_prev", "hparameters"))
