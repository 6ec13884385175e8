"""Graders for lessons 2.8-2.9: depthwise_conv_forward, depthwise_separable_forward, separable_cost,
DepthwiseSeparableConv, InvertedResidual."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
import torch
from hypothesis import strategies as st

from convgrade import (add_worked_example, CheckFailed, Exercise, expect_array, expect_equal, expect_shape,
                       expect_tuple, expect_unchanged, fmt_value, kind_of)
from convgrade.extra.torch import (ModuleCase, add_module_checks, expect_count, expect_layout, reference_forward,
                                   reference_layout, reference_module, Reference, student_forward, student_layout)
from convgrade.extra.numpy import arrays
from ..cases import ordered, output_size, side


# numpy cases -----------------------------------------------------------------------------------------------

class _Conv:
    """What the depthwise and the separable cases share: hparameters, the argument tuple, the output shape."""

    ARGS: ClassVar[tuple[str, ...]]  # the array arguments in signature order; hparameters comes last

    @property
    def hparameters(self) -> dict:
        return ordered({"stride": self.stride, "pad": self.pad}, self.reverse_keys)

    def args(self, **new: Any) -> tuple:
        """The call's arguments, with some replaced (``A_prev=...``, ``hparameters=...``)."""
        return (*(new.get(k, getattr(self, k)) for k in self.ARGS), new.get("hparameters", self.hparameters))

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        m, n_H, n_W, _ = self.A_prev.shape
        f, n_C = getattr(self, self.ARGS[1]).shape[0], getattr(self, self.ARGS[-1]).shape[-1]
        return (m, output_size(n_H, f, self.pad, self.stride), output_size(n_W, f, self.pad, self.stride), n_C)


@dataclass(frozen=True)
class DepthwiseCase(_Conv):
    ARGS: ClassVar = ("A_prev", "W", "b")
    A_prev: np.ndarray  # (m, n_H_prev, n_W_prev, n_C)
    W: np.ndarray  # (f, f, n_C)
    b: np.ndarray  # (1, 1, 1, n_C)
    stride: int
    pad: int
    reverse_keys: bool = field(default=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class DepthwisePair(DepthwiseCase):
    """b = 0 and a second input and filter bank, for linearity."""

    A_prev2: np.ndarray
    W2: np.ndarray


@dataclass(frozen=True)
class SeparableCase(_Conv):
    ARGS: ClassVar = ("A_prev", "W_dw", "b_dw", "W_pw", "b_pw")
    A_prev: np.ndarray  # (m, n_H_prev, n_W_prev, n_C)
    W_dw: np.ndarray  # (f, f, n_C)
    b_dw: np.ndarray  # (1, 1, 1, n_C)
    W_pw: np.ndarray  # (1, 1, n_C, n_C_out)
    b_pw: np.ndarray  # (1, 1, 1, n_C_out)
    stride: int
    pad: int
    reverse_keys: bool = field(default=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class SeparablePair(SeparableCase):
    """Zero biases and a second input, for linearity."""

    A_prev2: np.ndarray


@st.composite
def _depthwise_cases(draw, *, kind: str = "ints", min_c: int = 1, max_c: int = 3) -> DepthwiseCase:
    """Values are drawn at the largest shapes first and then cut to the sizes drawn, so that shrinking a size
    leaves the other values where they were (hypothesis then finds much smaller failing inputs, much faster)."""
    A, W, b = (draw(arrays(shape, kind=kind)) for shape in ((2, 5, 5, max_c), (3, 3, max_c), (1, 1, 1, max_c)))
    f, pad, stride = draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(1, 3))
    m, n_C = draw(st.integers(1, 2)), draw(st.integers(min_c, max_c))
    n_H, n_W = draw(side(f, pad, max_side=5)), draw(side(f, pad, max_side=5))
    return DepthwiseCase(A[:m, :n_H, :n_W, :n_C].copy(), W[:f, :f, :n_C].copy(), b[..., :n_C].copy(), stride, pad,
                         draw(st.booleans()))


@st.composite
def _depthwise_pairs(draw) -> DepthwisePair:
    case = draw(_depthwise_cases())
    return DepthwisePair(**{**vars(case), "b": np.zeros_like(case.b)}, A_prev2=draw(arrays(case.A_prev.shape)),
                         W2=draw(arrays(case.W.shape)))


@st.composite
def _separable_cases(draw) -> SeparableCase:
    W_pw, b_pw = draw(arrays((1, 1, 3, 3))), draw(arrays((1, 1, 1, 3)))  # cut to (n_C, n_C_out) like A_prev
    dw = draw(_depthwise_cases())
    n_C, n_C_out = dw.W.shape[2], draw(st.integers(1, 3))
    return SeparableCase(dw.A_prev, dw.W, dw.b, W_pw[:, :, :n_C, :n_C_out].copy(), b_pw[..., :n_C_out].copy(),
                         dw.stride, dw.pad, dw.reverse_keys)


@st.composite
def _separable_pairs(draw) -> SeparablePair:
    case = draw(_separable_cases())
    return SeparablePair(**{**vars(case), "b_dw": np.zeros_like(case.b_dw), "b_pw": np.zeros_like(case.b_pw)},
                         A_prev2=draw(arrays(case.A_prev.shape)))


def _non_square(case: _Conv) -> _Conv:
    """The same case with `stride` zero columns appended when the output would be square, so mixing up H and W shows."""
    if case.out_shape[1] != case.out_shape[2]:
        return case
    return replace(case, A_prev=np.pad(case.A_prev, ((0, 0), (0, 0), (0, case.stride), (0, 0))))


# numpy checks shared by depthwise_conv_forward and depthwise_separable_forward ------------------------------

def _alone(Z: Any) -> Any:
    if isinstance(Z, (tuple, list)):
        raise CheckFailed(f"returned {kind_of(Z)}, expected the array Z alone", ["there is no cache here: return Z"],
                          kind="type")
    return Z


def _Z(fn: Any, case: _Conv, **new: Any) -> Any:
    """``fn(*args)``, the case's arguments with some replaced; it must return the array Z alone (no cache)."""
    return _alone(fn(*case.args(**new)))


def _add_numpy_checks(ex: Exercise, cases: Any, pairs: Any, *, linear: str, linear_hint: str) -> None:
    name = ex.name

    @ex.check("output shape (non-square inputs)", 1, given=cases.map(_non_square),
              hint="n_H = floor((n_H_prev + 2*pad - f) / stride) + 1 from the height (axis 1), n_W the same from the "
                   "width (axis 2)")
    def _(case, st, ref):
        expect_shape(_Z(getattr(st, name), case), case.out_shape, name="Z")

    @ex.check("values", 3, given=cases)
    def _(case, st, ref):
        expect_array(_Z(getattr(st, name), case), getattr(ref, name)(*case.args()), name="Z")

    @ex.check("hparameters with the keys in either order", 1, given=cases,
              hint='read them by name, hparameters["stride"] and hparameters["pad"]: the course builds the dict pad '
                   'first')
    def _(case, st, ref):
        for reverse in (False, True):
            hp = ordered({"stride": case.stride, "pad": case.pad}, reverse)
            expect_array(_Z(getattr(st, name), case, hparameters=hp), getattr(ref, name)(*case.args(hparameters=hp)),
                         name=f"Z for hparameters={hp}")

    @ex.check(linear, 1, given=pairs, hint=linear_hint)
    def _(case, st, ref):
        fn, A, A2 = getattr(st, name), case.A_prev, case.A_prev2
        Z = _Z(fn, case)
        expect_array(_Z(fn, case, A_prev=A + A2), Z + _Z(fn, case, A_prev=A2), name="Z(A_prev + A_prev2)")
        expect_array(_Z(fn, case, A_prev=-A), 0.0 - Z, name="Z(-A_prev)")  # 0.0 - Z: no -0.0 printed
        if isinstance(case, DepthwisePair):
            expect_array(_Z(fn, case, W=case.W + case.W2), Z + _Z(fn, case, W=case.W2), name="Z(W + W2)")

    @ex.check("leaves its inputs unchanged", 1, given=cases)
    def _(case, st, ref):
        args = case.args()
        Z, after = getattr(st.with_args, name)(*args)
        expect_shape(_alone(Z), case.out_shape, name="Z")
        expect_unchanged(list(args), after, (*case.ARGS, "hparameters"))


# depthwise_conv_forward ------------------------------------------------------------------------------------

def _torch_depthwise(case: DepthwiseCase) -> np.ndarray:
    """The expected Z from torch's grouped convolution (one group per channel), in float64."""
    n_C = case.W.shape[2]
    x = torch.from_numpy(case.A_prev).permute(0, 3, 1, 2)  # (m, n_C, n_H_prev, n_W_prev)
    w = torch.from_numpy(case.W).permute(2, 0, 1).unsqueeze(1)  # (n_C, 1, f, f)
    Z = torch.nn.functional.conv2d(x, w, torch.from_numpy(case.b).reshape(n_C), stride=case.stride,
                                   padding=case.pad, groups=n_C)
    return Z.permute(0, 2, 3, 1).numpy()  # (m, n_H, n_W, n_C)


depthwise_conv_forward = Exercise("depthwise_conv_forward", hint="Z[i, h, w, c] = sum(A_pad[i, h*s:h*s+f, w*s:w*s+f, "
                                                                 "c] * W[:, :, c]) + b[..., c]: channel c meets "
                                                                 "filter c only, no sum over channels")
_add_numpy_checks(depthwise_conv_forward, _depthwise_cases(), _depthwise_pairs(),
                  linear="linear in A_prev and in W (b = 0)",
                  linear_hint="with b = 0, Z(A1 + A2) = Z(A1) + Z(A2) and Z(-A) = -Z(A), the same in W: only sums of "
                              "products, no activation")


@depthwise_conv_forward.check("equals torch's grouped convolution (conv2d with groups=n_C, float64)", 1,
                              given=_depthwise_cases(kind="floats"))
def _(case, st, ref):
    expect_array(_Z(st.depthwise_conv_forward, case), _torch_depthwise(case), name="Z")


@depthwise_conv_forward.check("channels are independent (each channel alone; permuted channels)", 1,
                              given=_depthwise_cases(min_c=2),
                              hint="output channel c depends on input channel c, W[:, :, c] and b[..., c] only: "
                                   "filter each channel on its own, and do not sum over the channels")
def _(case, st, ref):
    fn, A, W, b = st.depthwise_conv_forward, case.A_prev, case.W, case.b
    Z = expect_shape(_Z(fn, case), case.out_shape, name="Z")
    for c in range(A.shape[3]):
        one = _Z(fn, case, A_prev=A[..., c:c + 1], W=W[..., c:c + 1], b=b[..., c:c + 1])
        expect_array(Z[..., c:c + 1], one, name=f"Z[..., {c}:{c + 1}] (all channels in; expected: channel {c} alone)")
    perm = np.arange(A.shape[3])[::-1]
    expect_array(_Z(fn, case, A_prev=A[..., perm], W=W[..., perm], b=b[..., perm]), Z[..., perm],
                 name="Z with the channels in reverse order (expected: Z[..., ::-1])")


# depthwise_separable_forward -------------------------------------------------------------------------------

depthwise_separable_forward = Exercise("depthwise_separable_forward",
                                       hint="Z = depthwise_conv_forward(A_prev, W_dw, b_dw, hparameters) @ W_pw[0, 0] "
                                            "+ b_pw: the stride and pad belong to the depthwise step, and nothing "
                                            "happens between the two steps")
_add_numpy_checks(depthwise_separable_forward, _separable_cases(), _separable_pairs(),
                  linear="linear in A_prev when both biases are 0 (no activation between the steps)",
                  linear_hint="depthwise and pointwise are both linear, so with zero biases Z(A1 + A2) = Z(A1) + Z(A2) "
                              "and Z(-A) = -Z(A); a ReLU between the steps breaks that")


# separable_cost --------------------------------------------------------------------------------------------

@st.composite
def _cost_args(draw) -> dict:
    return {"n_out": draw(st.integers(1, 64)), "f": draw(st.integers(1, 7)), "n_c": draw(st.integers(1, 512)),
            "n_c_out": draw(st.integers(1, 512))}


def _call(args: dict) -> str:
    return f"separable_cost({', '.join(str(v) for v in args.values())})"


separable_cost = Exercise("separable_cost", hint="normal = n_out² · f² · n_c · n_c_out; depthwise = n_out² · f² · n_c "
                                                 "(one f x f filter per input channel); pointwise = n_out² · n_c · "
                                                 "n_c_out (1 x 1 filters: no f²)")


@separable_cost.check("the lecture's example: separable_cost(4, 3, 3, 5) == (2160, 432, 240)", 1)
def _(st, ref):
    expect_equal(st.separable_cost(4, 3, 3, 5), (2160, 432, 240), name="separable_cost(4, 3, 3, 5)")


@separable_cost.check("any arguments: exact ints", 2, given=_cost_args())
def _(args, st, ref):
    expect_equal(st.separable_cost(**args), ref.separable_cost(**args), name=_call(args))


@separable_cost.check("(depthwise + pointwise) / normal == 1/n_c_out + 1/f²", 1, given=_cost_args())
def _(args, st, ref):
    costs = expect_tuple(st.separable_cost(**args), ("normal", "depthwise", "pointwise"))
    if not all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) and c > 0 for c in costs):
        raise CheckFailed(f"{_call(args)} returned {fmt_value(costs)}, expected three positive ints", kind="type")
    normal, depthwise, pointwise = (int(c) for c in costs)
    got, expected = Fraction(depthwise + pointwise, normal), 1 / Fraction(args["n_c_out"]) + Fraction(1, args["f"] ** 2)
    if got != expected:
        raise CheckFailed("the cost ratio is wrong", [f"(depthwise + pointwise) / normal = {got}, expected "
                                                      f"1/n_c_out + 1/f² = {expected}"])


# torch blocks ----------------------------------------------------------------------------------------------

_EXAMPLES = 10  # per torch check: each example builds modules on both sides


@dataclass(frozen=True)
class BlockCase(ModuleCase):
    scale: float = 1.0  # the input is scale times a standard normal batch

    @property
    def x(self) -> np.ndarray:
        return self.scale * super().x  # (N, C, H, W)


@st.composite
def _block_cases(draw, *, v2: bool, ratios: tuple[int, ...] = (1, 2, 3, 6), scale: float = 1.0) -> BlockCase:
    """Constructor arguments and an input batch; odd sides for stride 2, and at least two values per channel
    after the stride (batch norm in train mode needs them)."""
    stride, c_in = draw(st.sampled_from((1, 2))), draw(st.integers(1, 6))
    c_out = c_in if draw(st.booleans()) else draw(st.integers(1, 6))
    sides = st.integers(1, 6) if stride == 1 else st.integers(0, 3).map(lambda k: 2 * k + 1)
    H, W = draw(sides), draw(sides)
    area = ((H - 1) // stride + 1) * ((W - 1) // stride + 1)
    N = draw(st.integers(1 if area > 1 else 2, 3))
    args = (c_in, c_out, stride, draw(st.sampled_from(ratios))) if v2 else (c_in, c_out)
    kwargs = {} if v2 or stride == 1 else {"stride": stride}
    return BlockCase(args, (N, c_in, H, W), kwargs, draw(st.integers(0, 999)), scale)


def _run(st: Any, ref: Any, name: str, case: ModuleCase, reference: Reference | torch.nn.Module) -> np.ndarray:
    """The student's output in eval mode with ``reference``'s weights, after checking that they line up."""
    expect_layout(student_layout(st, name, case), reference_layout(ref, name, case))
    return student_forward(st, name, case, reference)["output"]


def _add_large_input_check(ex: Exercise, *, hint: str) -> None:
    @ex.check("outputs equal the reference's on large inputs (x * 30, eval mode)", 1,
              given=_block_cases(v2=ex.name == "InvertedResidual", scale=30.0), max_examples=_EXAMPLES, hint=hint)
    def _(case, st, ref):
        reference = reference_module(ref, ex.name, case)
        expect_array(_run(st, ref, ex.name, case, reference), reference_forward(reference, case), name="output",
                     rtol=1e-7, atol=1e-9)


DepthwiseSeparableConv = Exercise("DepthwiseSeparableConv", hint="3x3 conv with groups=in_channels, padding=1, the "
                                                                 "stride, bias=False -> BN -> ReLU -> 1x1 conv "
                                                                 "(bias=False) -> BN -> ReLU")
add_module_checks(DepthwiseSeparableConv, _block_cases(v2=False))
_add_large_input_check(DepthwiseSeparableConv, hint="MobileNet v1 uses nn.ReLU, not clipped at 6 (ReLU6 is v2's)")


InvertedResidual = Exercise("InvertedResidual", hint="[1x1 expand -> BN -> ReLU6 unless expand_ratio == 1] -> 3x3 "
                                                     "depthwise (groups=hidden, padding=1, the stride) -> BN -> ReLU6 "
                                                     "-> 1x1 project -> BN (linear: no activation), + x only when "
                                                     "stride == 1 and in_channels == out_channels")
add_module_checks(InvertedResidual, _block_cases(v2=True))
_add_large_input_check(InvertedResidual, hint="the expand and depthwise stages end in nn.ReLU6 (min(max(x, 0), 6)); "
                                              "the projection has no activation")


@InvertedResidual.check("expand_ratio == 1 has no expansion layer (parameter count)", 1,
                        given=_block_cases(v2=True, ratios=(1,)), max_examples=_EXAMPLES,
                        hint="with expand_ratio == 1 the block starts at the depthwise conv: no 1x1 expand, no BN, "
                             "no ReLU6 before it")
def _(case, st, ref):
    expect_count(student_layout(st, "InvertedResidual", case), reference_layout(ref, "InvertedResidual", case).count,
                 "InvertedResidual")


@InvertedResidual.check("adds the input only when stride == 1 and in_channels == out_channels (last BN zeroed)", 1,
                        given=_block_cases(v2=True), max_examples=_EXAMPLES,
                        examples=[BlockCase((2, 2, 2, 1), (1, 2, 3, 3))],  # stride 2, in == out
                        hint="with the projection's BN weight and bias at 0 the main path gives 0, so the block must "
                             "return x when stride == 1 and in_channels == out_channels, and 0 otherwise")
def _(case, st, ref):
    reference = reference_module(ref, "InvertedResidual", case).module  # built: its weights are changed
    last_bn = [m for m in reference.modules() if isinstance(m, torch.nn.BatchNorm2d)][-1]
    with torch.no_grad():
        last_bn.weight.zero_()
        last_bn.bias.zero_()
    c_in, c_out, stride, _ = case.args
    x, out_shape = case.x, reference_forward(reference, case).shape
    expected = x if stride == 1 and c_in == c_out else np.zeros(out_shape)
    expect_array(_run(st, ref, "InvertedResidual", case, reference), expected, name="output")


@InvertedResidual.check("a stride other than 1 or 2 raises ValueError", 1,
                        hint='check it first in __init__: if stride not in (1, 2): raise ValueError(...)')
def _(st, ref):
    for stride in (3, 0):
        args = (4, 4, stride, 6)
        try:
            student_layout(st, "InvertedResidual", ModuleCase(args, (1, 4, 5, 5)))
        except CheckFailed as failed:
            if failed.raised == "ValueError":
                continue
            raise
        raise CheckFailed(f"InvertedResidual{args} was built, expected it to raise ValueError")


def _worked(depthwise_only: bool) -> dict:
    rng = np.random.RandomState(1)
    args = {"A_prev": rng.randn(2, 5, 6, 3), "W" if depthwise_only else "W_dw": rng.randn(3, 3, 3),
            "b" if depthwise_only else "b_dw": rng.randn(1, 1, 1, 3)}
    if not depthwise_only:
        args.update(W_pw=rng.randn(1, 1, 3, 4), b_pw=rng.randn(1, 1, 1, 4))
    return {**args, "hparameters": {"pad": 1, "stride": 2}}


add_worked_example(depthwise_conv_forward, "a worked example (RandomState(1), 3 channels, pad 1, stride 2)",
                   lambda: _worked(True), name="Z")
add_worked_example(depthwise_separable_forward, "a worked example (RandomState(1), 3 -> 4 channels, pad 1, stride 2)",
                   lambda: _worked(False), name="Z")


@DepthwiseSeparableConv.check("MobileNet's first block, 32 -> 64 channels: 2,528 parameters", points=1)
def _(st, ref):
    expect_count(student_layout(st, "DepthwiseSeparableConv", ModuleCase((32, 64), (1, 32, 8, 8))), 2528,
                 "DepthwiseSeparableConv")
