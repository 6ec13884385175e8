"""Graders for lesson 1.4: zero_pad, conv_output_size, same_padding."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from convgrade import (add_worked_example, Exercise, expect_array, expect_equal, expect_raises, expect_shape,
                       expect_unchanged)
from ..cases import PadCase, pad_cases

zero_pad = Exercise("zero_pad", hint="np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))) pads only H and W")


@zero_pad.check("output shape", points=1, given=pad_cases())
def _(case, st, ref):
    m, n_H, n_W, n_C = case.X.shape
    expect_shape(st.zero_pad(case.X, case.pad), (m, n_H + 2 * case.pad, n_W + 2 * case.pad, n_C), name="X_pad")


@zero_pad.check("values", points=2, given=pad_cases())
def _(case, st, ref):
    expect_array(st.zero_pad(case.X, case.pad), ref.zero_pad(case.X, case.pad), name="X_pad", check_dtype=False)


@zero_pad.check("keeps the dtype and leaves X unchanged", points=1, given=pad_cases(),
                examples=[PadCase(np.arange(18.0).reshape(1, 3, 3, 2), 2)])
def _(case, st, ref):
    X_pad, (X_after, _) = st.with_args.zero_pad(case.X, case.pad)
    expect_array(X_pad, ref.zero_pad(case.X, case.pad), name="X_pad")
    expect_unchanged([case.X], [X_after], ("X",))


@st.composite
def _size_args(draw):
    f, pad, stride = draw(st.integers(1, 7)), draw(st.integers(0, 3)), draw(st.integers(1, 4))
    return {"n": draw(st.integers(max(1, f - 2 * pad), 40)), "f": f, "pad": pad, "stride": stride}


conv_output_size = Exercise("conv_output_size", hint="n_out = floor((n + 2*pad - f) / stride) + 1")


@conv_output_size.check("the course's sizes (6 * 3 -> 4; 7 * 3 stride 2 -> 3; 6 * 3 pad 1 -> 6)", points=1)
def _(st, ref):
    for args in ({"n": 6, "f": 3}, {"n": 7, "f": 3, "pad": 0, "stride": 2}, {"n": 6, "f": 3, "pad": 1}):
        call = ", ".join(f"{k}={v}" for k, v in args.items())
        expect_equal(st.conv_output_size(**args), ref.conv_output_size(**args), name=f"conv_output_size({call})")


@conv_output_size.check("any size, pad and stride", points=3, given=_size_args())
def _(args, st, ref):
    expect_equal(st.conv_output_size(args["n"], args["f"], pad=args["pad"], stride=args["stride"]),
                 ref.conv_output_size(**args), name="n_out")


same_padding = Exercise("same_padding", hint="a stride-1 'same' convolution needs p = (f - 1) / 2, a whole number "
                                              "only for odd f")


@same_padding.check("odd filter sizes", points=2, given=st.integers(0, 20).map(lambda k: 2 * k + 1))
def _(f, st, ref):
    expect_equal(st.same_padding(f), ref.same_padding(f), name=f"same_padding({f})")


@same_padding.check("even filter sizes raise ValueError", points=1, given=st.integers(1, 20).map(lambda k: 2 * k))
def _(f, st, ref):
    expect_raises(lambda: st.same_padding(f), "ValueError", what=f"same_padding({f})",
                  hint="no whole number of rows keeps the size for an even f: raise ValueError(...)")


add_worked_example(zero_pad, "the course's example: np.random.seed(1); x = np.random.randn(4, 3, 3, 2); pad 3",
                   lambda: {"X": np.random.RandomState(1).randn(4, 3, 3, 2), "pad": 3}, name="X_pad")


@same_padding.check("the course's sizes: f = 1, 3, 5, 7 and an even f = 4", points=1)
def _(st, ref):
    for f in (1, 3, 5, 7):
        expect_equal(st.same_padding(f), ref.same_padding(f), name=f"same_padding({f})")
    expect_raises(lambda: st.same_padding(4), "ValueError", what="same_padding(4)",
                  hint="no whole number of rows keeps the size for an even f: raise ValueError(...)")
