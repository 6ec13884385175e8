"""Graders for lessons 2.3-2.4: residual_forward (numpy), IdentityBlock, ConvolutionalBlock, ResNet50 (torch).

Blocks are checked on tiny random configurations; ResNet50 on small images (33 to 48 pixels: the last stage
still sees 2x2, so the global average pool matters). Residual identities: a block whose last BatchNorm
has scale and shift 0 must pass relu(x) through.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from convgrade import CheckFailed, Exercise, expect_array, expect_shape, expect_unchanged, fixed_input as _input
from convgrade.extra.torch import (ModuleCase, add_module_checks, layout_of, expect_count, expect_layout,
                                   reference_module, student_forward, student_layout)
from convgrade.extra.numpy import arrays



def _docstring_example(ex: Exercise, case: ModuleCase, out_shape: tuple[int, ...], count: int | None = None) -> None:
    """The stub's worked example, with the module's own initialisation: output shape (and parameter count)."""
    call = f"{ex.name}({', '.join([*map(repr, case.args), *(f'{k}={v}' for k, v in case.kwargs.items())])})"

    @ex.check(f"the docstring's example: {call} maps {case.input_shape} to {out_shape}", 1)
    def _(st, ref):
        with _input(f"{call} on x.shape={case.input_shape}"):
            if count is not None:
                expect_count(student_layout(st, ex.name, case), count, ex.name)
            expect_shape(student_forward(st, ex.name, case, None)["output"], out_shape, name="output")


@dataclass(frozen=True)
class ResidualCase:
    a: np.ndarray  # (n, m)
    W1: np.ndarray  # (n1, n)
    b1: np.ndarray  # (n1, 1)
    W2: np.ndarray  # (n, n1)
    b2: np.ndarray  # (n, 1)

    @property
    def args(self) -> tuple:
        return self.a, self.W1, self.b1, self.W2, self.b2


@st.composite
def residual_cases(draw, *, zero_weights: bool = False) -> ResidualCase:
    n, n1, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    shapes = [(n1, n), (n1, 1), (n, n1), (n, 1)]
    weights = [np.zeros(s) for s in shapes] if zero_weights else [draw(arrays(s)) for s in shapes]
    return ResidualCase(draw(arrays((n, m))), *weights)


residual_forward = Exercise("residual_forward", hint="a1 = relu(W1 @ a + b1); out = relu(W2 @ a1 + b2 + a): "
                                                      "the skip adds a before the last ReLU")


@residual_forward.check("the docstring's example: a = [[2, -1]] gives [[0.5, 0]]", 1)
def _(st, ref):
    args = (np.array([[2.0, -1.0]]), np.array([[1.0]]), np.array([[0.0]]), np.array([[-1.0]]), np.array([[0.5]]))
    with _input("a = [[2, -1]], W1 = [[1]], b1 = [[0]], W2 = [[-1]], b2 = [[0.5]]"):
        expect_array(st.residual_forward(*args), ref.residual_forward(*args), name="out")


@residual_forward.check("output shape (n, m)", 1, given=residual_cases())
def _(case, st, ref):
    expect_shape(st.residual_forward(*case.args), case.a.shape, name="out")


@residual_forward.check("values", 2, given=residual_cases())
def _(case, st, ref):
    expect_array(st.residual_forward(*case.args), ref.residual_forward(*case.args), name="out")


@residual_forward.check("zero weights and biases pass relu(a) through", 1, given=residual_cases(zero_weights=True),
                        hint="with W1, b1, W2, b2 all 0, z2 = 0 and out = relu(0 + a): the block is the identity "
                             "on relu(a)")
def _(case, st, ref):
    expect_array(st.residual_forward(*case.args), np.maximum(case.a, 0), name="out")


@residual_forward.check("leaves its inputs unchanged", 1, given=residual_cases())
def _(case, st, ref):
    out, after = st.with_args.residual_forward(*case.args)
    expect_shape(out, case.a.shape, name="out")
    expect_unchanged(list(case.args), after, ("a", "W1", "b1", "W2", "b2"))


@st.composite
def _batch(draw, *, max_side: int, out=lambda n: n) -> tuple[int, int, int]:
    """(N, H, W) such that train-mode batch norm sees more than one value per channel at the output size."""
    H, W = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return draw(st.integers(1 if out(H) * out(W) > 1 else 2, 2)), H, W


@st.composite
def identity_cases(draw) -> ModuleCase:
    C, F1, F2, f = (draw(st.integers(1, k)) for k in (4, 3, 3, 4))
    N, H, W = draw(_batch(max_side=5))
    return ModuleCase((C, (F1, F2, C), f), (N, C, H, W))


@st.composite
def convolutional_cases(draw) -> ModuleCase:
    C, F1, F2, F3, f, s = (draw(st.integers(1, k)) for k in (4, 3, 3, 4, 4, 3))
    N, H, W = draw(_batch(max_side=7, out=lambda n: (n - 1) // s + 1))
    return ModuleCase((C, (F1, F2, F3), f), (N, C, H, W), {"stride": s})


def _batchnorms(module: torch.nn.Module) -> list[torch.nn.BatchNorm2d]:
    return [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)]


def _identity(st, name: str, case: ModuleCase, reference: torch.nn.Module, expected: np.ndarray) -> None:
    """Run the student's block with the reference's weights, its main path's last BatchNorm zeroed (the reference's
    BatchNorms in order: main path 1, 2, 3, then the shortcut's)."""
    expect_layout(student_layout(st, name, case), layout_of(reference))
    with torch.no_grad():
        _batchnorms(reference)[2].weight.zero_()
        _batchnorms(reference)[2].bias.zero_()
    expect_array(student_forward(st, name, case, reference)["output"], expected, name="output")


IdentityBlock = Exercise("IdentityBlock", hint="1x1 -> BN -> ReLU -> fxf 'same' -> BN -> ReLU -> 1x1 -> BN, then "
                                               "relu(main(x) + x); a conv followed by BN has bias=False")
_docstring_example(IdentityBlock, ModuleCase((256, (64, 64, 256), 3), (2, 256, 5, 7)), (2, 256, 5, 7), count=70_400)
add_module_checks(IdentityBlock, identity_cases())


@IdentityBlock.check("raises ValueError when filters[2] != channels", 1)
def _(st, ref):
    case = ModuleCase((4, (2, 2, 3), 3), (1, 4, 3, 3))
    try:
        student_layout(st, "IdentityBlock", case)
    except CheckFailed as failed:
        if failed.raised == "ValueError":
            return
        raise
    raise CheckFailed("IdentityBlock(4, (2, 2, 3), 3) did not raise ValueError",
                      ["x (4 channels) cannot be added to the main path's output (3 channels)"],
                      hint="check filters[2] == channels in __init__ and raise ValueError(...) otherwise")


@IdentityBlock.check("with the last BatchNorm's scale and shift zeroed, the block is relu(x)", 2,
                     given=identity_cases(), max_examples=10,
                     hint="main(x) is then 0, so relu(main(x) + x) = relu(x): add x before the final ReLU, and "
                          "apply no other ReLU after the last BN")
def _(case, st, ref):
    _identity(st, "IdentityBlock", case, reference_module(ref, "IdentityBlock", case).module, np.maximum(case.x, 0))


ConvolutionalBlock = Exercise("ConvolutionalBlock", hint="the main path of IdentityBlock with the stride on its first "
                                                         "1x1 conv, the shortcut 1x1 conv (stride s) -> BN, then "
                                                         "relu(main(x) + shortcut(x)); H_out = floor((H - 1) / s) + 1")
_docstring_example(ConvolutionalBlock, ModuleCase((64, (64, 64, 256), 3), (1, 64, 7, 8), {"stride": 2}),
                   (1, 256, 4, 4))
add_module_checks(ConvolutionalBlock, convolutional_cases())


@st.composite
def _square_convolutional_cases(draw) -> ModuleCase:
    """in_channels == F3, so that the shortcut can be made the identity."""
    case = draw(convolutional_cases())
    C, (F1, F2, _), f = case.args
    return ModuleCase((C, (F1, F2, C), f), case.input_shape, case.kwargs)


@ConvolutionalBlock.check("with the main path's last BatchNorm zeroed and an identity shortcut, the block is "
                          "relu(x[:, :, ::s, ::s])", 2, given=_square_convolutional_cases(), max_examples=10,
                          hint="main(x) is then 0 and the shortcut keeps rows and columns 0, s, 2s, ... "
                               "(H_out = floor((H - 1) / s) + 1); add before the final ReLU")
def _(case, st, ref):
    reference = reference_module(ref, "ConvolutionalBlock", case).module  # built: its weights are changed
    conv = [m for m in reference.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    bn = _batchnorms(reference)[-1]
    with torch.no_grad():
        conv.weight.copy_(torch.eye(conv.in_channels, dtype=torch.float64)[:, :, None, None])
        bn.running_mean.zero_()
        bn.running_var.fill_(1 - bn.eps)  # x / sqrt(var + eps) = x
        bn.weight.fill_(1)
        bn.bias.zero_()
    s = case.kwargs["stride"]
    _identity(st, "ConvolutionalBlock", case, reference, np.maximum(case.x[:, :, ::s, ::s], 0))


@st.composite
def resnet_cases(draw) -> ModuleCase:
    N, H, W = draw(st.integers(1, 2)), draw(st.integers(33, 48)), draw(st.integers(33, 48))
    return ModuleCase((), (N, 3, H, W), {"num_classes": draw(st.integers(2, 10))})


# memory: its worker holds about 460 MiB at once (weights and a float64 forward and backward at 224x224): not graded
# beside another lesson that holds as much (parallel.BIG)
ResNet50 = Exercise("ResNet50", memory=460, hint="stem 7x7/2 pad 3 -> BN -> ReLU -> max-pool 3/2 pad 1; stages of 3, 4, 6, 3 "
                                     "blocks, the first of each a ConvolutionalBlock (stride 1 in stage 1, else 2); "
                                     "global average pool over H and W; linear")


@ResNet50.check("25,557,032 parameters at num_classes=1000, like the published model", 1)
def _(st, ref):
    with _input("ResNet50() (num_classes=1000)"):
        expect_count(student_layout(st, "ResNet50", ModuleCase((), (1, 3, 32, 32))), 25_557_032, "ResNet50")


add_module_checks(ResNet50, resnet_cases())


@st.composite
def _any_size_cases(draw) -> ModuleCase:
    N, H, W = draw(st.integers(1, 3)), draw(st.integers(1, 64)), draw(st.integers(1, 64))
    return ModuleCase((), (N, 3, H, W), {"num_classes": draw(st.integers(1, 10))})


@ResNet50.check("any image size gives (N, num_classes) logits (global average pool)", 1, given=_any_size_cases(),
                max_examples=3, hint="average over all of H and W (x.mean(dim=(2, 3))), whatever their size: a fixed "
                                     "pooling window or a flatten only fits one input size")
def _(case, st, ref):
    N, k = case.input_shape[0], case.kwargs["num_classes"]
    expect_shape(student_forward(st, "ResNet50", case, None)["output"], (N, k), name="output")
