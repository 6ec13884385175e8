"""Graders for lessons 1.5-1.7: conv_single_step, conv_forward, conv_layer_forward, conv_param_count."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from convgrade import (add_worked_example, ATOL, CheckFailed, Exercise, expect_array, expect_equal, expect_scalar,
                       expect_shape, expect_tuple, expect_type, expect_unchanged, fmt_index, fmt_number, kind_of,
                       RTOL, worked as _worked)
from convgrade.extra.numpy import arrays
from ..cases import ConvCase, conv_cases, conv_pairs, ordered



# conv_single_step ------------------------------------------------------------------------------------------

@st.composite
def _step_args(draw) -> dict:
    f, n_C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return {"a_slice_prev": draw(arrays((f, f, n_C))), "W": draw(arrays((f, f, n_C))), "b": draw(arrays((1, 1, 1)))}


def _number(Z: Any) -> Any:
    """A one-element array counts as its number here: the type has a check of its own."""
    return Z.item() if isinstance(Z, np.ndarray) and Z.size == 1 else Z


conv_single_step = Exercise("conv_single_step", hint="Z = np.sum(a_slice_prev * W) + b.item(): b is a (1, 1, 1) array "
                                                      "and b.item() the number it holds")


@conv_single_step.check("returns a float, not an array", points=1, given=_step_args())
def _(args, st, ref):
    Z = st.conv_single_step(**args)
    if isinstance(Z, np.ndarray):
        raise CheckFailed(f"Z is {kind_of(Z)}, expected a float",
                          ["adding the (1, 1, 1) array b keeps the sum an array: add the number b.item() instead"],
                          kind="type")
    if isinstance(Z, (bool, np.bool_)) or not isinstance(Z, (float, np.floating)):
        raise CheckFailed(f"Z is {kind_of(Z)}, expected a float", kind="type")


@conv_single_step.check("value", points=2, given=_step_args())
def _(args, st, ref):
    expect_scalar(_number(st.conv_single_step(**args)), ref.conv_single_step(**args), name="Z")


@conv_single_step.check("leaves its inputs unchanged", points=1, given=_step_args())
def _(args, st, ref):
    values = [args["a_slice_prev"], args["W"], args["b"]]
    Z, after = st.with_args.conv_single_step(*values)
    if isinstance(Z, (bool, np.bool_)) or not isinstance(_number(Z), (int, float, np.integer, np.floating)):
        raise CheckFailed(f"Z is {kind_of(Z)}, expected a float", kind="type")
    expect_unchanged(values, after, ("a_slice_prev", "W", "b"),
                     "multiply into a new array (a_slice_prev * W), not in place (a_slice_prev *= W)")


def _course_step() -> dict:
    rng = np.random.RandomState(1)  # the course's np.random.seed(1)
    return {"a_slice_prev": rng.randn(4, 4, 3), "W": rng.randn(4, 4, 3), "b": rng.randn(1, 1, 1)}


@conv_single_step.check("the course's example (seed 1, 4x4x3 slice) gives Z = -6.999089450680221", points=1)
def _(st, ref):
    _worked(_course_step(), lambda args: expect_scalar(_number(st.conv_single_step(**args)), -6.999089450680221,
                                                       name="Z", rtol=1e-9, atol=0))


# conv_forward ----------------------------------------------------------------------------------------------

_SMALL = {"max_side": 5, "max_c": 2}  # hypothesis shrinks big arrays slowly; these sizes still show every mistake


def _Z(conv: Callable, case: ConvCase, *, A_prev: np.ndarray | None = None, W: np.ndarray | None = None,
       hparameters: dict | None = None) -> Any:
    """Z of ``conv(A_prev, W, b, hparameters)``, the student's or the reference's; the case's arguments by default."""
    out = conv(case.A_prev if A_prev is None else A_prev, case.W if W is None else W, case.b,
               case.hparameters if hparameters is None else hparameters)
    return expect_type(expect_tuple(out, ("Z", "cache"))[0], np.ndarray, "a numpy ndarray", name="Z")


def _non_square(case: ConvCase) -> ConvCase:
    """The same case with one more column when n_H_prev == n_W_prev, so that swapping H and W shows."""
    A = case.A_prev
    return case if A.shape[1] != A.shape[2] else replace(case, A_prev=np.concatenate([A, A[:, :, :1]], axis=2))


def _identity(case: ConvCase) -> ConvCase:
    """W[0, 0] = I and b = 0: each output channel copies its input channel."""
    n_C = case.A_prev.shape[3]
    return replace(case, W=np.eye(n_C).reshape(1, 1, n_C, n_C), b=np.zeros((1, 1, 1, n_C)))


def _constant(case: ConvCase) -> ConvCase:
    """Each image and channel of A_prev holds one value everywhere."""
    A = case.A_prev
    return replace(case, A_prev=np.broadcast_to(A[:, :1, :1], A.shape).copy())


def _course_conv() -> ConvCase:
    rng = np.random.RandomState(1)  # the course's np.random.seed(1)
    A_prev, W, b = rng.randn(2, 5, 7, 4), rng.randn(3, 3, 4, 8), rng.randn(1, 1, 1, 8)
    return ConvCase(A_prev, W, b, stride=2, pad=1, reverse_keys=True)  # {"pad": 1, "stride": 2}, as in the course


conv_forward = Exercise("conv_forward", hint="Z[i, h, w, c] = sum(A_pad[i, h*s:h*s+f, w*s:w*s+f, :] * W[..., c]) "
                                              "+ b[..., c], A_pad = A_prev zero-padded by pad")


@conv_forward.check("returns (Z, cache) with cache = (A_prev, W, b, hparameters)", points=2,
                    given=conv_cases(**_SMALL),
                    hint="return Z, (A_prev, W, b, hparameters): the arguments as they came in, A_prev unpadded")
def _(case, st, ref):
    _, cache = expect_tuple(st.conv_forward(case.A_prev, case.W, case.b, case.hparameters), ("Z", "cache"))
    if type(cache) not in (tuple, list) or len(cache) != 4:
        raise CheckFailed(f"cache is {kind_of(cache)}, expected a tuple (A_prev, W, b, hparameters)", kind="type")
    for i, given in enumerate((case.A_prev, case.W, case.b)):
        expect_array(cache[i], given, name=f"cache[{i}]")
    expect_type(cache[3], dict, "the hparameters dict", name="cache[3]")
    expect_equal(cache[3], case.hparameters, name="cache[3]")


@conv_forward.check("output shape (non-square inputs)", points=3, given=conv_cases(**_SMALL).map(_non_square),
                    hint="n_H = floor((n_H_prev + 2*pad - f) / stride) + 1 from the height (axis 1), "
                         "n_W the same from the width (axis 2)")
def _(case, st, ref):
    expect_shape(_Z(st.conv_forward, case), case.out_shape, name="Z")


@conv_forward.check("values", points=5, given=conv_cases(**_SMALL))
def _(case, st, ref):
    expect_array(_Z(st.conv_forward, case), _Z(ref.conv_forward, case), name="Z")


@conv_forward.check("the same Z whatever the order of the hparameters keys", points=2,
                    given=conv_cases(**_SMALL).map(lambda case: replace(case, reverse_keys=False)),  # both are tried
                    hint='read them by name, hparameters["stride"] and hparameters["pad"]: the course builds the '
                         'dict pad first')
def _(case, st, ref):
    orders = [ordered({"stride": case.stride, "pad": case.pad}, reverse) for reverse in (False, True)]
    Z1, Z2 = (_Z(st.conv_forward, case, hparameters=hp) for hp in orders)
    if Z1.shape != Z2.shape:
        lines = [f"with hparameters={hp}: Z.shape={Z.shape}" for hp, Z in zip(orders, (Z1, Z2))]
    elif not np.allclose(Z1, Z2, rtol=RTOL, atol=ATOL):
        first = tuple(int(i) for i in np.argwhere(~np.isclose(Z1, Z2, rtol=RTOL, atol=ATOL))[0])
        lines = [f"with hparameters={hp}: Z{fmt_index(first)} = {fmt_number(Z[first])}"
                 for hp, Z in zip(orders, (Z1, Z2))]
    else:
        return
    raise CheckFailed("Z depends on the order of the keys in hparameters", lines)


@conv_forward.check("linear in A_prev and in W (b = 0)", points=2, given=conv_pairs(max_m=1, max_side=4, max_c=2),
                    hint="with b = 0, conv(A1 + A2) = conv(A1) + conv(A2) and conv(2 A) = 2 conv(A), the same in W: "
                         "only sums of products, nothing else")
def _(case, st, ref):
    A, A2, W, W2 = case.A_prev, case.A_prev2, case.W, case.W2
    Z = _Z(st.conv_forward, case)
    Z_A2 = expect_shape(_Z(st.conv_forward, case, A_prev=A2), Z.shape, name="Z(A_prev2)")
    expect_array(_Z(st.conv_forward, case, A_prev=A + A2), Z + Z_A2, name="Z(A_prev + A_prev2)")
    expect_array(_Z(st.conv_forward, case, A_prev=2 * A), 2 * Z, name="Z(2 A_prev)")
    Z_W2 = expect_shape(_Z(st.conv_forward, case, W=W2), Z.shape, name="Z(W2)")
    expect_array(_Z(st.conv_forward, case, W=W + W2), Z + Z_W2, name="Z(W + W2)")


@conv_forward.check("a 1x1 identity kernel returns the input", points=2,
                    given=conv_cases(f=1, pad=0, stride=1, **_SMALL).map(_identity),
                    hint="W[0, 0] is the identity and b = 0: output channel c must be input channel c, unchanged")
def _(case, st, ref):
    expect_array(_Z(st.conv_forward, case), case.A_prev, name="Z")


@conv_forward.check("constant input gives a spatially constant output (pad = 0)", points=1,
                    given=conv_cases(pad=0, **_SMALL).map(_constant),
                    hint="with pad = 0 every window of a constant image is the same, so each channel of Z is one "
                         "number repeated (expected: Z[i, 0, 0, c] everywhere)")
def _(case, st, ref):
    Z = expect_shape(_Z(st.conv_forward, case), case.out_shape, name="Z")
    expect_array(Z, np.broadcast_to(Z[:, :1, :1], Z.shape), name="Z")


@conv_forward.check("leaves its inputs unchanged", points=1, given=conv_cases(**_SMALL))
def _(case, st, ref):
    args = (case.A_prev, case.W, case.b, case.hparameters)
    out, after = st.with_args.conv_forward(*args)
    expect_shape(expect_tuple(out, ("Z", "cache"))[0], case.out_shape, name="Z")
    expect_unchanged(list(args), after, ("A_prev", "W", "b", "hparameters"))


@conv_forward.check("the course's example (seed 1, A_prev (2, 5, 7, 4), pad 1, stride 2) gives Z.mean() = "
                    "0.5511276474566768", points=2)
def _(st, ref):
    def body(case: ConvCase) -> None:
        Z = expect_shape(_Z(st.conv_forward, case), (2, 3, 4, 8), name="Z")
        expect_scalar(Z.mean(), 0.5511276474566768, name="Z.mean()", rtol=1e-9, atol=0)
        expect_array(Z, _Z(ref.conv_forward, case), name="Z", rtol=1e-9, atol=1e-12)  # a flipped kernel keeps the mean

    _worked(_course_conv(), body)


# conv_layer_forward ----------------------------------------------------------------------------------------

def _A(st, case: ConvCase) -> np.ndarray:
    return _expect_A(st.conv_layer_forward(case.A_prev, case.W, case.b, case.hparameters), case)


def _expect_A(A: Any, case: ConvCase) -> np.ndarray:
    if isinstance(A, (tuple, list)):
        raise CheckFailed(f"returned {kind_of(A)}, expected the array A alone",
                          ["unlike conv_forward, a layer returns its activation only, no cache"], kind="type")
    return expect_shape(A, case.out_shape, name="A")


conv_layer_forward = Exercise("conv_layer_forward", hint="A = np.maximum(Z, 0) with Z, _ = conv_forward(A_prev, W, "
                                                          "b, hparameters)")


@conv_layer_forward.check("returns the array A alone, of Z's shape", points=1, given=conv_cases(**_SMALL))
def _(case, st, ref):
    _A(st, case)


@conv_layer_forward.check("values", points=2, given=conv_cases(**_SMALL))
def _(case, st, ref):
    expect_array(_A(st, case), ref.conv_layer_forward(case.A_prev, case.W, case.b, case.hparameters), name="A")


@conv_layer_forward.check("no negative values (ReLU)", points=1, given=conv_cases(**_SMALL))
def _(case, st, ref):
    A = _A(st, case)
    if A.dtype.kind not in "biuf":
        raise CheckFailed(f"A has dtype {A.dtype}, expected float64", kind="dtype")
    if (A < 0).any():
        first = tuple(int(i) for i in np.argwhere(A < 0)[0])
        raise CheckFailed("A has negative values",
                          [f"A{fmt_index(first)} = {fmt_number(A[first])}; a ReLU is never negative"])


@conv_layer_forward.check("leaves its inputs unchanged", points=1, given=conv_cases(**_SMALL))
def _(case, st, ref):
    args = (case.A_prev, case.W, case.b, case.hparameters)
    A, after = st.with_args.conv_layer_forward(*args)
    _expect_A(A, case)
    expect_unchanged(list(args), after, ("A_prev", "W", "b", "hparameters"))


# conv_param_count ------------------------------------------------------------------------------------------

@st.composite
def _count_args(draw) -> dict:
    f, n_c_prev, n_filters = draw(st.integers(1, 11)), draw(st.integers(1, 512)), draw(st.integers(1, 512))
    return {"f": f, "n_c_prev": n_c_prev, "n_filters": n_filters}


conv_param_count = Exercise("conv_param_count", hint="(f * f * n_c_prev + 1) * n_filters: each filter has "
                                                      "f*f*n_c_prev weights and one bias")


@conv_param_count.check("10 filters of 3x3x3 -> 280, whatever the image size", points=1)
def _(st, ref):
    expect_equal(st.conv_param_count(3, 3, 10), 280, name="conv_param_count(3, 3, 10)")


@conv_param_count.check("any f, n_c_prev and n_filters", points=3, given=_count_args())
def _(args, st, ref):
    expect_equal(st.conv_param_count(**args), ref.conv_param_count(**args), name="count")


add_worked_example(conv_layer_forward, "the course's example (np.random.seed(1), pad 1, stride 2)",
                   lambda: dict(zip(("A_prev", "W", "b"), _course_arrays()), hparameters={"pad": 1, "stride": 2}),
                   name="A", rtol=1e-9, atol=1e-12)


def _course_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.RandomState(1)
    return rng.randn(2, 5, 7, 4), rng.randn(3, 3, 4, 8), rng.randn(1, 1, 1, 8)
