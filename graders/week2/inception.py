"""Graders for lessons 2.6-2.7: bottleneck_cost, InceptionModule."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from convgrade import CheckFailed, Exercise, expect_array, expect_equal, expect_shape, fmt_index
from convgrade.extra.torch import (ModuleCase, add_module_checks, layout_of, expect_count, expect_layout,
                                   reference_forward, reference_module, student_forward, student_layout)

# bottleneck_cost -------------------------------------------------------------------------------------------

@st.composite
def _cost_args(draw) -> dict:
    """f >= 2: with f = 1 and all sizes 1, the wrong counts of the catalogue coincide and cannot be told apart."""
    in_shape = (draw(st.integers(1, 64)), draw(st.integers(1, 64)), draw(st.integers(1, 512)))
    return {"in_shape": in_shape, "out_channels": draw(st.integers(1, 512)), "f": draw(st.integers(2, 7)),
            "bottleneck_channels": draw(st.integers(1, 512))}


bottleneck_cost = Exercise("bottleneck_cost", hint="direct = n_H*n_W*out_channels * f*f*n_C; with_bottleneck = "
                                                    "n_H*n_W*bottleneck_channels * n_C (the 1x1 conv) + "
                                                    "n_H*n_W*out_channels * f*f*bottleneck_channels (the f x f conv)")


@bottleneck_cost.check("the lecture's numbers: 28x28x192 -> 32 channels by 5x5, through 16: "
                       "120,422,400 vs 12,443,648", points=1)
def _(st, ref):
    expect_equal(st.bottleneck_cost((28, 28, 192), 32, 5, 16), (120_422_400, 12_443_648),
                 name="bottleneck_cost((28, 28, 192), 32, 5, 16)")


@bottleneck_cost.check("any shape, filter size and bottleneck", points=2, given=_cost_args())
def _(args, st, ref):
    expect_equal(st.bottleneck_cost(**args), ref.bottleneck_cost(**args), name="(direct, with_bottleneck)")


# InceptionModule -------------------------------------------------------------------------------------------

NAME = "InceptionModule"
BRANCHES = ("1x1", "3x3", "5x5", "pool")


@st.composite
def _cases(draw, *, channels: tuple[int, int] = (1, 4), sides: tuple[int, int] = (1, 7),
           equal_branches: bool = False) -> ModuleCase:
    """Channel counts and odd sides in the given ranges, a batch of 1-2; with ``equal_branches``
    c1 = c3 = c5 = pool_proj."""
    c = st.integers(*channels)
    in_channels, c3_reduce, c5_reduce = draw(c), draw(c), draw(c)
    if equal_branches:
        c1 = c3 = c5 = pool_proj = draw(c)
    else:
        c1, c3, c5, pool_proj = draw(c), draw(c), draw(c), draw(c)
    side = st.integers(sides[0] // 2, sides[1] // 2).map(lambda k: 2 * k + 1)
    shape = (draw(st.integers(1, 2)), in_channels, draw(side), draw(side))
    return ModuleCase((in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj), shape,
                      input_seed=draw(st.integers(0, 2**16)))


InceptionModule = Exercise(NAME, hint="branches 1x1 | 1x1 -> 3x3 padding 1 | 1x1 -> 5x5 padding 2 | max-pool 3x3 "
                                      "stride 1 padding 1 -> 1x1, each conv with a bias and a ReLU; torch.cat(..., "
                                      "dim=1) in that order (torch's 'tensor number 2' is the 5x5 branch), so H and "
                                      "W are kept and there are c1 + c3 + c5 + pool_proj channels")
# wide enough that no conv has all its ReLUs off on every pixel (the gradient check would take it for unused)
add_module_checks(InceptionModule, _cases(channels=(4, 6), sides=(3, 7)))


@InceptionModule.check("branches concatenated in the order 1x1, 3x3, 5x5, pool", points=1,
                       given=_cases(equal_branches=True),
                       hint="torch.cat([branch1(x), branch3(x), branch5(x), branch_pool(x)], dim=1)")
def _(case, st, ref):
    reference = reference_module(ref, NAME, case)
    expect_layout(student_layout(st, NAME, case), layout_of(reference))
    expected = reference_forward(reference, case)
    got = expect_shape(student_forward(st, NAME, case, reference)["output"], expected.shape, name="output")
    k = case.args[1]  # every branch has k channels
    blocks = [expected[:, i * k:(i + 1) * k] for i in range(4)]
    for i, block in enumerate(blocks):
        mine = got[:, i * k:(i + 1) * k]
        if np.allclose(mine, block, rtol=1e-7, atol=1e-9):
            continue
        found = [j for j, other in enumerate(blocks) if other.any() and np.allclose(mine, other, rtol=1e-7, atol=1e-9)]
        if not found:
            expect_array(got, expected, name="output", rtol=1e-7, atol=1e-9)
        raise CheckFailed("the branches are concatenated in the wrong order",
                          [f"output channels {i * k}:{(i + 1) * k} hold the {BRANCHES[found[0]]} branch, expected the "
                           f"{BRANCHES[i]} branch"])


@InceptionModule.check("a ReLU after every conv: no negative outputs", points=1, given=_cases(),
                       hint="each branch ends with a conv, and every conv is followed by a ReLU, so the module's "
                            "output is never negative")
def _(case, st, ref):
    out = student_forward(st, NAME, case, None)["output"]  # with its own weights: their last bits vary by CPU
    if (out < 0).any():
        first = tuple(int(i) for i in np.argwhere(out < 0)[0])
        raise CheckFailed("output has negative values", [f"output{fmt_index(first)} < 0, {_channel(case, first[1])}"])


def _channel(case: ModuleCase, c: int) -> str:
    """Which branch output channel ``c`` belongs to."""
    _, c1, _, c3, _, c5, pool_proj = case.args
    ends = np.cumsum([c1, c3, c5, pool_proj])
    if c >= ends[-1]:
        return f"beyond the c1 + c3 + c5 + pool_proj = {ends[-1]} channels expected"
    return f"a channel of the {BRANCHES[int(np.searchsorted(ends, c, side='right'))]} branch"


_GOOGLENET_3A = ModuleCase((192, 64, 96, 128, 16, 32, 32), (1, 192, 28, 28))


@InceptionModule.check("GoogLeNet's module 3a: 163,696 parameters, (1, 192, 28, 28) -> (1, 256, 28, 28)", points=1)
def _(st, ref):
    try:
        expect_count(student_layout(st, NAME, _GOOGLENET_3A), 163_696, NAME)
        expect_shape(student_forward(st, NAME, _GOOGLENET_3A, None)["output"], (1, 256, 28, 28), name="output")
    except CheckFailed as failed:  # show the module's arguments
        failed.case, failed.explicit = _GOOGLENET_3A, True
        raise
