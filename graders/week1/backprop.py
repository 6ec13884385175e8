"""Graders for the backpropagation lesson: conv_backward, create_mask_from_window, distribute_value, pool_backward.

Gradients are checked against the reference and against central differences of L = sum(G * output),
computed here from forward passes written in this file (so a wrong reference would show too).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from convgrade import (ATOL, CheckFailed, Exercise, expect_array, expect_raises, expect_scalar, expect_shape,
                       expect_tuple, expect_type, expect_unchanged, fmt_index, fmt_number, RTOL, worked as _worked)
from convgrade.extra.numpy import arrays, values
from ..cases import ConvGradCase, PoolGradCase, conv_grad_cases, pool_grad_cases

# forward passes and central differences --------------------------------------------------------------------

H = 1e-3  # step of the central differences; the inputs' distinct values are at least 1 apart (no max switches)


def _windows(A: np.ndarray, f: int, stride: int) -> np.ndarray:
    """Every f x f window over H and W (axes -3, -2), stepped by the stride: (..., m, n_H, n_W, n_C, f, f)."""
    return sliding_window_view(A, (f, f), axis=(-3, -2))[..., ::stride, ::stride, :, :, :]


def _conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Z for A_prev (..., m, n_H_prev, n_W_prev, n_C_prev) and W (..., f, f, n_C_prev, n_C): leading axes broadcast."""
    A_pad = np.pad(A_prev, [(0, 0)] * (A_prev.ndim - 3) + [(pad, pad), (pad, pad), (0, 0)])
    Z = np.einsum("...mhwcij,...ijcn->...mhwn", _windows(A_pad, W.shape[-4], stride), W)  # (..., m, n_H, n_W, n_C)
    return Z + b


def _pool_forward(A_prev: np.ndarray, f: int, stride: int, mode: str) -> np.ndarray:
    windows = _windows(A_prev, f, stride)
    return windows.max(axis=(-2, -1)) if mode == "max" else windows.mean(axis=(-2, -1))  # (..., m, n_H, n_W, n_C)


def _numerical(L: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """(L(x + H e_k) - L(x - H e_k)) / 2H for every entry k of x, all at once: L maps a stack of x's to their costs."""
    steps = H * np.eye(x.size).reshape(x.size, *x.shape)  # (x.size, *x.shape), one entry moved in each
    return ((L(x + steps) - L(x - steps)) / (2 * H)).reshape(x.shape)


def _conv_numerical(case: ConvGradCase) -> tuple[np.ndarray, ...]:
    A, W, b, s, p = case.A_prev, case.W, case.b, case.stride, case.pad

    def L(Z: np.ndarray) -> np.ndarray:  # the cost of each Z in a stack
        return np.sum(case.dZ * Z, axis=(-4, -3, -2, -1))

    return (_numerical(lambda As: L(_conv_forward(As, W, b, s, p)), A),
            _numerical(lambda Ws: L(_conv_forward(A, Ws, b, s, p)), W),
            _numerical(lambda bs: L(_conv_forward(A, W, bs, s, p)), b))


def _pool_numerical(case: PoolGradCase) -> np.ndarray:
    return _numerical(lambda As: np.sum(case.dA * _pool_forward(As, case.f, case.stride, case.mode),
                                        axis=(-4, -3, -2, -1)), case.A_prev)


NUMERICAL = ("expected: the numerical gradient (L(x + h) - L(x - h)) / 2h of L = sum({g} * {out}), h = 1e-3, "
             "for every entry x")


def _against_numerical(got: np.ndarray, expected: np.ndarray, name: str, g: str, out: str) -> None:
    try:
        expect_array(got, expected, name=name, rtol=1e-5, atol=1e-6)
    except CheckFailed as failed:
        if failed.kind == "values":
            failed.what = f"{name} is not the gradient of L = sum({g} * {out})"
            failed.details.insert(0, NUMERICAL.format(g=g, out=out))
        raise


# shared check bodies ---------------------------------------------------------------------------------------


def _first(bad: np.ndarray) -> tuple[int, ...]:
    return tuple(int(k) for k in np.argwhere(bad)[0])


def _same_in_both_orders(case: Any, run: Callable[[Any], tuple], names: tuple[str, ...]) -> None:
    """``run(case)`` gives the same outputs ``names`` with the hparameters keys in either order."""
    outs = []
    for ordered_case in (replace(case, reverse_keys=r) for r in (False, True)):
        try:
            outs.append((ordered_case.hparameters, run(ordered_case)))
        except CheckFailed as failed:
            failed.details.insert(0, f"with hparameters={ordered_case.hparameters}")
            raise
    (_, first), (_, second) = outs
    for k, name in enumerate(names):
        a, b = first[k], second[k]
        if a.shape != b.shape:
            lines = [f"with hparameters={hp}: {name}.shape={o[k].shape}" for hp, o in outs]
        elif not np.allclose(a, b, rtol=RTOL, atol=ATOL):
            i = _first(~np.isclose(a, b, rtol=RTOL, atol=ATOL))
            lines = [f"with hparameters={hp}: {name}{fmt_index(i)} = {fmt_number(o[k][i])}" for hp, o in outs]
        else:
            continue
        raise CheckFailed(f"{name} depends on the order of the keys in hparameters", lines)


# conv_backward ---------------------------------------------------------------------------------------------

GRADS = ("dA_prev", "dW", "db")
CONV = {"max_side": 5, "max_c": 2, "reverse_keys": False}  # {"stride", "pad"}, as in the docstring


def _conv_outputs(st, case: ConvGradCase) -> tuple[np.ndarray, ...]:
    """The student's (dA_prev, dW, db), checked to be a tuple of three ndarrays."""
    out = expect_tuple(st.conv_backward(case.dZ, case.cache), GRADS)
    return tuple(expect_type(g, np.ndarray, "a numpy ndarray", name=n) for g, n in zip(out, GRADS))


def _conv_grads(st, case: ConvGradCase) -> tuple[np.ndarray, ...]:
    """The student's gradients, each of the shape of what it is the gradient of."""
    grads = _conv_outputs(st, case)
    for g, x, name in zip(grads, (case.A_prev, case.W, case.b), GRADS):
        expect_shape(g, x.shape, name=name)
    return grads


def _conv_values(st, ref, case: ConvGradCase, names: tuple[str, ...] = GRADS) -> None:
    """The gradients ``names`` (only those) against the reference's."""
    expected = ref.conv_backward(case.dZ, case.cache)
    for got, want, name in zip(_conv_outputs(st, case), expected, GRADS):
        if name in names:
            expect_array(got, want, name=name)


def _course_conv() -> ConvGradCase:
    rng = np.random.RandomState(1)  # the course's np.random.seed(1)
    A_prev, W, b = rng.randn(10, 4, 4, 3), rng.randn(2, 2, 3, 8), rng.randn(1, 1, 1, 8)
    Z = _conv_forward(A_prev, W, b, stride=2, pad=2)  # the course passes Z itself as dZ
    return ConvGradCase(A_prev=A_prev, W=W, b=b, stride=2, pad=2, reverse_keys=True, dZ=Z)  # {"pad": 2, "stride": 2}


COURSE_CONV_MEANS = {"dA_prev": 1.45243777754, "dW": 1.72699145831, "db": 7.83923256462}

conv_backward = Exercise("conv_backward", hint="for every i, h, w, c, with the window at rows h*stride:h*stride+f, "
                                                "columns w*stride:w*stride+f: dA_pad[i, window, :] += W[:, :, :, c] * "
                                                "dZ[i, h, w, c]; dW[:, :, :, c] += a_slice * dZ[i, h, w, c]; "
                                                "db[:, :, :, c] += dZ[i, h, w, c]")


@conv_backward.check("returns (dA_prev, dW, db) shaped like A_prev, W and b (non-square inputs)", points=2,
                     given=conv_grad_cases(nonsquare=True, **CONV),
                     hint="dA_prev is dA_pad without its pad rows and columns, dA_pad[:, pad:pad + n_H_prev, "
                          "pad:pad + n_W_prev, :]; dW starts as np.zeros(W.shape), db as np.zeros(b.shape)")
def _(case, st, ref):
    _conv_grads(st, case)


@conv_backward.check("dA_prev values", points=2, given=conv_grad_cases(**CONV),
                     hint="dA_pad[i, h*stride:h*stride+f, w*stride:w*stride+f, :] += W[:, :, :, c] * dZ[i, h, w, c] "
                          "for every c: the weights themselves, not flipped, added (+=) over all windows and channels")
def _(case, st, ref):
    _conv_values(st, ref, case, ("dA_prev",))


@conv_backward.check("dW values (summed over the batch)", points=2, given=conv_grad_cases(**CONV),
                     hint="dW[:, :, :, c] += a_slice * dZ[i, h, w, c] with a_slice the window of A_pad, summed over "
                          "every example i and position (h, w): set dW to zeros once, before the loop over i")
def _(case, st, ref):
    _conv_values(st, ref, case, ("dW",))


@conv_backward.check("db values", points=1, given=conv_grad_cases(**CONV),
                     hint="db[:, :, :, c] is the sum of dZ[..., c] over examples and positions: "
                          "np.sum(dZ, axis=(0, 1, 2)) reshaped to (1, 1, 1, n_C)")
def _(case, st, ref):
    _conv_values(st, ref, case, ("db",))


@conv_backward.check("pad = 0 (nothing to cut off)", points=1, given=conv_grad_cases(pad=0, **CONV))
def _(case, st, ref):
    try:
        _conv_values(st, ref, case)
    except CheckFailed as failed:
        if failed.kind == "shape":
            failed.hint = ("with pad = 0, dA_prev is dA_pad itself, and dA_pad[:, pad:-pad] is empty (-0 is 0): cut "
                           "with dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]")
        raise


@conv_backward.check("overlapping windows (stride < f) add up", points=1,
                     given=conv_grad_cases(overlapping=True, **CONV),
                     hint="dA_pad[i, h*stride:h*stride+f, w*stride:w*stride+f, :] += W[:, :, :, c] * dZ[i, h, w, c]: "
                          "when stride < f, neighbouring windows share pixels, and each adds its part (+=); none "
                          "replaces another's (=)")
def _(case, st, ref):
    _conv_values(st, ref, case, ("dA_prev",))


@conv_backward.check("agrees with a numerical gradient of sum(dZ * Z)", points=1,
                     given=conv_grad_cases(max_m=1, max_side=4, max_c=2, reverse_keys=False),
                     hint="an entry of the gradient says how much L = sum(dZ * Z) changes when that one input entry "
                          "moves: it collects dZ over every output position whose window reads that entry")
def _(case, st, ref):
    for got, want, name in zip(_conv_grads(st, case), _conv_numerical(case), GRADS):
        _against_numerical(got, want, name, "dZ", "Z")


@conv_backward.check("the course's example (seed 1, A_prev (10, 4, 4, 3), pad 2, stride 2, dZ = Z) gives dA_mean = "
                     "1.45243777754, dW_mean = 1.72699145831, db_mean = 7.83923256462", points=1)
def _(st, ref):
    def body(case: ConvGradCase) -> None:
        grads = _conv_grads(st, case)
        for got, name in zip(grads, GRADS):
            expect_scalar(got.mean(), COURSE_CONV_MEANS[name], name=f"{name}.mean()", rtol=1e-10, atol=0)
        for got, want, name in zip(grads, ref.conv_backward(case.dZ, case.cache), GRADS):
            expect_array(got, want, name=name, rtol=1e-9, atol=1e-12)

    _worked(_course_conv(), body)


@conv_backward.check("the same gradients whatever the order of the hparameters keys", points=0.5,
                     given=conv_grad_cases(**CONV), max_examples=10,
                     hint='read them by name, hparameters["stride"] and hparameters["pad"]: the course builds the '
                          'dict pad first')
def _(case, st, ref):
    _same_in_both_orders(case, lambda c: _conv_outputs(st, c), GRADS)


@conv_backward.check("leaves dZ and the cache unchanged", points=0.5, given=conv_grad_cases(**CONV),
                     max_examples=10,
                     hint="A_pad = np.pad(...) is a new array, but a slice of A_prev or dZ is a view: read it, "
                          "never assign into it or update it in place")
def _(case, st, ref):
    out, (dZ_after, cache_after) = st.with_args.conv_backward(case.dZ, case.cache)
    expect_tuple(out, GRADS)
    expect_unchanged([case.dZ, *case.cache], [dZ_after, *cache_after], ("dZ", "A_prev", "W", "b", "hparameters"))


# create_mask_from_window -----------------------------------------------------------------------------------

@st.composite
def _window(draw, *, ties: bool) -> dict:
    """One (f, f) window: distinct values, or values from {-1, 0, 1} so that maxima tie."""
    f = draw(st.integers(2 if ties else 1, 4))
    return {"x": draw(arrays((f, f), bound=1) if ties else arrays((f, f), bound=max(3, f * f), unique=True))}


def _mask(st, x: np.ndarray) -> np.ndarray:
    expected = x == np.max(x)
    return expect_array(st.create_mask_from_window(x), expected, name="mask", check_dtype=False)


create_mask_from_window = Exercise("create_mask_from_window", hint="mask = (x == np.max(x)): True wherever x holds "
                                                                    "its maximum, False elsewhere")


@create_mask_from_window.check("True at the maximum of x, False elsewhere", points=1, given=_window(ties=False))
def _(args, st, ref):
    _mask(st, args["x"])


@create_mask_from_window.check("tied maxima are all True (as in the course)", points=1, given=_window(ties=True),
                               hint="compare every entry with the maximum, x == np.max(x): np.argmax finds only the "
                                    "first of several equal maxima")
def _(args, st, ref):
    _mask(st, args["x"])


@create_mask_from_window.check("the course's example (seed 1, x of shape (2, 3)) gives [[True, False, False], "
                               "[False, False, False]]", points=0.5)
def _(st, ref):
    _worked({"x": np.random.RandomState(1).randn(2, 3)}, lambda args: _mask(st, args["x"]))


@create_mask_from_window.check("leaves x unchanged", points=0.5, given=_window(ties=True), max_examples=10)
def _(args, st, ref):
    _, after = st.with_args.create_mask_from_window(args["x"])
    expect_unchanged([args["x"]], after, ("x",))


# distribute_value ------------------------------------------------------------------------------------------

@st.composite
def _spread(draw) -> dict:
    return {"dz": draw(values(bound=4)), "shape": (draw(st.integers(1, 4)), draw(st.integers(1, 4)))}


def _spread_out(st, ref, args: dict) -> np.ndarray:
    return expect_array(st.distribute_value(**args), ref.distribute_value(**args), name="a")


distribute_value = Exercise("distribute_value", hint="a = np.ones(shape) * dz / (n_H * n_W): every entry of the "
                                                      "window gets the same share of dz")


@distribute_value.check("shape (n_H, n_W) and every entry dz / (n_H * n_W)", points=1, given=_spread())
def _(args, st, ref):
    _spread_out(st, ref, args)


@distribute_value.check("the entries add up to dz", points=0.5, given=_spread(),
                        hint="n_H * n_W entries of dz / (n_H * n_W) each add up to dz: divide by the number of "
                             "entries, (n_H * n_W) in parentheses")
def _(args, st, ref):
    a = expect_shape(st.distribute_value(**args), args["shape"], name="a")
    expect_scalar(float(np.sum(a)), args["dz"], name="a.sum()")


@distribute_value.check("the course's example: distribute_value(2, (2, 2)) = [[0.5, 0.5], [0.5, 0.5]]",
                        points=0.5, hint="2 spread over 2 * 2 entries is 2 / (2 * 2) = 0.5 each (with /: 2 // 4 "
                                                   "is 0)")
def _(st, ref):
    _worked({"dz": 2, "shape": (2, 2)}, lambda args: _spread_out(st, ref, args))


# pool_backward ---------------------------------------------------------------------------------------------

MODES = ("max", "average")
BAD_MODES = ("min", "avg", "MAX", "mean", "")
POOL = {"reverse_keys": False}  # {"f", "stride"}, as in the docstring
MAX_HINT = ("dA_prev[i, window, c] += (a_slice == np.max(a_slice)) * dA[i, h, w, c], with a_slice = "
            "A_prev[i, h*stride:h*stride+f, w*stride:w*stride+f, c]")
AVERAGE_HINT = ("dA_prev[i, window, c] += distribute_value(dA[i, h, w, c], (f, f)): each of the f*f inputs of a "
                "window gets dA[i, h, w, c] / (f * f)")


def _pool_output(st, case: PoolGradCase) -> np.ndarray:
    return expect_type(st.pool_backward(case.dA, case.cache, mode=case.mode), np.ndarray, "a numpy ndarray",
                       name="dA_prev")


def _pool_grad(st, case: PoolGradCase) -> np.ndarray:
    return expect_shape(_pool_output(st, case), case.A_prev.shape, name="dA_prev")


def _pool_values(st, ref, case: PoolGradCase) -> None:
    expect_array(_pool_grad(st, case), ref.pool_backward(case.dA, case.cache, mode=case.mode), name="dA_prev")


def _course_pool(mode: str) -> PoolGradCase:
    rng = np.random.RandomState(1)  # the course's np.random.seed(1)
    A_prev, dA = rng.randn(5, 5, 3, 2), rng.randn(5, 4, 2, 2)
    return PoolGradCase(A_prev=A_prev, f=2, stride=1, reverse_keys=True, dA=dA, mode=mode)  # {"stride": 1, "f": 2}


COURSE_POOL_ROW = {"max": [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]],
                   "average": [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]]}

pool_backward = Exercise("pool_backward", hint="for every window a_slice = A_prev[i, h*stride:h*stride+f, "
                                                "w*stride:w*stride+f, c]: max: dA_prev[i, window, c] += mask * "
                                                "dA[i, h, w, c]; average: += dA[i, h, w, c] / (f * f)")


@pool_backward.check("returns dA_prev shaped like A_prev (non-square inputs)", points=1,
                     given=pool_grad_cases(nonsquare=True, **POOL),
                     hint="dA_prev = np.zeros(A_prev.shape): the gradient has the shape of the pooling's input")
def _(case, st, ref):
    _pool_grad(st, case)


@pool_backward.check("max-pool values (no ties)", points=2, given=pool_grad_cases(mode="max", unique=True, **POOL),
                     hint=MAX_HINT)
def _(case, st, ref):
    _pool_values(st, ref, case)


@pool_backward.check("max-pool ties: every tied maximum gets the gradient (as in the course)", points=1,
                     given=pool_grad_cases(mode="max", max_f=3, **POOL),
                     hint="the mask is a_slice == np.max(a_slice), True at every tied maximum; np.argmax would "
                          "pick only the first")
def _(case, st, ref):
    _pool_values(st, ref, case)


@pool_backward.check("average-pool values", points=2, given=pool_grad_cases(mode="average", **POOL),
                     hint=AVERAGE_HINT)
def _(case, st, ref):
    _pool_values(st, ref, case)


@pool_backward.check("overlapping windows (stride < f) add up", points=1,
                     given=pool_grad_cases(overlapping=True, unique=True, **POOL),
                     hint="dA_prev[i, h*stride:h*stride+f, w*stride:w*stride+f, c] += the window's gradient: when "
                          "stride < f, neighbouring windows share pixels, and each adds its part (+=); none replaces "
                          "another's (=)")
def _(case, st, ref):
    _pool_values(st, ref, case)


@pool_backward.check("agrees with a numerical gradient of sum(dA * A)", points=1,
                     given=pool_grad_cases(unique=True, max_m=1, **POOL),
                     hint="an entry of dA_prev says how much L = sum(dA * A) changes when that one input entry "
                          "moves: for max, only where it is its window's maximum; for average, by 1/(f*f) per window")
def _(case, st, ref):
    _against_numerical(_pool_grad(st, case), _pool_numerical(case), "dA_prev", "dA", "A")


@pool_backward.check("the course's examples (seed 1, A_prev (5, 5, 3, 2), f 2, stride 1): dA_prev[1, 1] for "
                     'mode="max" and mode="average"', points=1)
def _(st, ref):
    def body(case: PoolGradCase) -> None:
        got = _pool_grad(st, case)
        expect_array(got[1, 1], np.array(COURSE_POOL_ROW[case.mode]), name="dA_prev[1, 1]", rtol=0, atol=1e-8)
        expect_array(got, ref.pool_backward(case.dA, case.cache, mode=case.mode), name="dA_prev", rtol=1e-9,
                     atol=1e-12)

    for mode in MODES:
        _worked(_course_pool(mode), body)


@pool_backward.check("the same dA_prev whatever the order of the hparameters keys", points=0.5,
                     given=pool_grad_cases(**POOL), max_examples=10,
                     hint='read them by name, hparameters["f"] and hparameters["stride"]: the course builds the dict '
                          'stride first')
def _(case, st, ref):
    _same_in_both_orders(case, lambda c: (_pool_output(st, c),), ("dA_prev",))


@pool_backward.check("an unknown mode raises ValueError", points=0.5,
                     hint='compare mode with "max" and "average" exactly; raise ValueError(...) for anything else')
def _(st, ref):
    case = PoolGradCase(A_prev=np.arange(1.0, 17.0).reshape(1, 4, 4, 1), f=2, stride=2, dA=np.ones((1, 2, 2, 1)),
                        mode="max")
    for mode in BAD_MODES:
        expect_raises(lambda: st.pool_backward(case.dA, case.cache, mode=mode), "ValueError",
                      what=f"pool_backward(dA, cache, mode={mode!r})")


@pool_backward.check("leaves dA and the cache unchanged", points=0.5, given=pool_grad_cases(**POOL),
                     max_examples=10,
                     hint="a_slice = A_prev[i, ...] is a view of A_prev: compare it with its max, never assign into "
                          "it; write the gradient into a new array dA_prev")
def _(case, st, ref):
    out, (dA_after, cache_after) = st.with_args.pool_backward(case.dA, case.cache, mode=case.mode)
    expect_type(out, np.ndarray, "a numpy ndarray", name="dA_prev")
    expect_unchanged([case.dA, *case.cache], [dA_after, *cache_after], ("dA", "A_prev", "hparameters"))
