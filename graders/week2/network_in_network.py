"""Graders for lesson 2.5: conv1x1_forward, conv_multiplications."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from convgrade import add_worked_example, Exercise, expect_array, expect_equal, expect_shape, expect_unchanged
from convgrade.extra.numpy import arrays


@dataclass(frozen=True)
class Conv1x1Case:
    A_prev: np.ndarray  # (m, n_H, n_W, n_C_prev)
    W: np.ndarray  # (1, 1, n_C_prev, n_C)
    b: np.ndarray  # (1, 1, 1, n_C)

    @property
    def args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.A_prev, self.W, self.b

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (*self.A_prev.shape[:3], self.W.shape[3])


@st.composite
def _cases(draw, *, kind: str = "ints", keep_channels: bool = False) -> Conv1x1Case:
    m, n_H, n_W, n_C_prev = (draw(st.integers(1, k)) for k in (2, 4, 4, 4))
    n_C = n_C_prev if keep_channels else draw(st.integers(1, 4))
    return Conv1x1Case(draw(arrays((m, n_H, n_W, n_C_prev), kind=kind)), draw(arrays((1, 1, n_C_prev, n_C), kind=kind)),
                       draw(arrays((1, 1, 1, n_C), kind=kind)))


def _fully_connected(case: Conv1x1Case) -> np.ndarray:
    """One fully connected layer x @ W[0, 0] + b applied to the channel vector x of every pixel."""
    n_C_prev, n_C = case.W.shape[2:]
    pixels = case.A_prev.reshape(-1, n_C_prev)  # (m*n_H*n_W, n_C_prev), one row per pixel
    return (pixels @ case.W[0, 0] + case.b.reshape(1, n_C)).reshape(case.out_shape)


# the docstring's example: two pixels [0, 1, 2] and [3, 4, 5], one filter summing the channels, b = 0.5
_DOCSTRING = Conv1x1Case(np.arange(6.0).reshape(1, 1, 2, 3), np.ones((1, 1, 3, 1)), np.full((1, 1, 1, 1), 0.5))

conv1x1_forward = Exercise("conv1x1_forward", hint="Z = A_prev @ W[0, 0] + b: W[0, 0] is (n_C_prev, n_C) and @ "
                                                    "contracts A_prev's last axis (the channels) with its rows")


@conv1x1_forward.check("output shape (m, n_H, n_W, n_C)", points=1, given=_cases())
def _(case, st, ref):
    expect_shape(st.conv1x1_forward(*case.args), case.out_shape, name="Z")


@conv1x1_forward.check("values", points=2, given=_cases())
def _(case, st, ref):
    expect_array(st.conv1x1_forward(*case.args), ref.conv1x1_forward(*case.args), name="Z")


@conv1x1_forward.check("a fully connected layer at every pixel (random floats)", points=1,
                       given=_cases(kind="floats"), examples=[_DOCSTRING])
def _(case, st, ref):
    expect_array(st.conv1x1_forward(*case.args), _fully_connected(case), name="Z")


@conv1x1_forward.check("n_C = n_C_prev (the lecture's 28x28x192 -> 28x28x192)", points=1,
                       given=_cases(keep_channels=True),
                       hint="Z[i, h, w, c] = sum over k of A_prev[i, h, w, k] * W[0, 0, k, c] + b[0, 0, 0, c]: "
                            "the input channel k indexes W[0, 0]'s rows, so W[0, 0] is used as it is, not transposed")
def _(case, st, ref):
    expect_array(st.conv1x1_forward(*case.args), _fully_connected(case), name="Z")


@conv1x1_forward.check("leaves its inputs unchanged", points=1, given=_cases())
def _(case, st, ref):
    Z, after = st.with_args.conv1x1_forward(*case.args)
    expect_shape(Z, case.out_shape, name="Z")
    expect_unchanged(list(case.args), after, ("A_prev", "W", "b"))


# conv_multiplications --------------------------------------------------------------------------------------

@st.composite
def _cost_args(draw) -> dict:
    out_shape = (draw(st.integers(1, 64)), draw(st.integers(1, 64)), draw(st.integers(1, 512)))
    return {"out_shape": out_shape, "f": draw(st.integers(1, 11)), "n_c_prev": draw(st.integers(1, 512))}


conv_multiplications = Exercise("conv_multiplications", hint="each of the n_H * n_W * n_C output values costs one "
                                                              "f x f x n_c_prev filter: f * f * n_c_prev "
                                                              "multiplications")


@conv_multiplications.check("the lecture's numbers: 5x5 on 28x28x192 -> 28x28x32 is 120,422,400; "
                            "1x1 -> 28x28x16 is 2,408,448", points=1)
def _(st, ref):
    for args, expected in (((28, 28, 32), 5, 192), 120_422_400), (((28, 28, 16), 1, 192), 2_408_448):
        expect_equal(st.conv_multiplications(*args), expected, name=f"conv_multiplications{args}")


@conv_multiplications.check("any output shape, f and n_c_prev", points=2, given=_cost_args())
def _(args, st, ref):
    expect_equal(st.conv_multiplications(**args), ref.conv_multiplications(**args), name="multiplications")


add_worked_example(conv1x1_forward, "a worked example: 2 images of 2x3 pixels, 4 channels in, 2 out",
                   lambda: {"A_prev": np.arange(48.0).reshape(2, 2, 3, 4) / 10,
                            "W": np.arange(8.0).reshape(1, 1, 4, 2) - 3, "b": np.array([[[[0.5, -1.0]]]])})
