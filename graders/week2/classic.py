"""Graders for lesson 2.2: AlexNet, VGG16 and param_count.

The input size of both networks is fixed by their plan (227 and 224), so a forward pass is expensive
(VGG16 in float64: 1.1 GB of weights): counts and shapes of parameters are checked on the meta
device over random num_classes, outputs on one image only, with weights both sides draw from a seed.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from hypothesis import strategies as st

from convgrade import Exercise, expect_array, expect_equal, fixed_input as _input, WorkerOps
from convgrade.extra.torch import (TORCH, ModuleCase, Seeded, drawn, expect_count, expect_layout, reference_forward,
                                  reference_layout, reference_module, student_forward, student_layout)

from ..worker_ops import from_spec

PLAN_HINT = ("n_out = floor((n + 2p - f) / s) + 1 at every conv and pool; "
             "the last linear layer has num_classes outputs")

AlexNet = Exercise("AlexNet", needs=(TORCH,), hint=PLAN_HINT + "; 227 -> 55 -> 27 -> 27 -> 13 -> 13 -> 6, so 256*6*6 = 9216 "
                                               "features reach the first linear layer")
# memory: its worker holds 138 M weights in float64 (1.1 GB), so the lesson is graded when no other is (parallel.py)
VGG16 = Exercise("VGG16", needs=(TORCH,), memory=1100, hint=PLAN_HINT + "; 3x3 convs with padding 1 keep the size, each 2x2 max-pool halves it: "
                                           "224 -> 112 -> 56 -> 28 -> 14 -> 7, so 512*7*7 = 25088 features")


def _net_case(size: int, num_classes: int | None = None) -> ModuleCase:
    return ModuleCase((), (1, 3, size, size), {} if num_classes is None else {"num_classes": num_classes})


def _layouts(st, ref, name: str, case: ModuleCase):
    return student_layout(st, name, case), reference_layout(ref, name, case)



def _expected(ref, name: str, case: ModuleCase, mode: str) -> tuple[np.ndarray, Seeded | torch.nn.Module]:
    """The reference's output, and its weights as ``student_forward`` sends them: a plan the worker draws them
    from again (nothing large crosses). The reference is gone when this returns, so the grader's copy (VGG16 in
    float64: 1.1 GB) and the worker's never coexist."""
    reference = reference_module(ref, name, case)
    expected, weights = reference_forward(reference, case, mode), drawn(reference)
    del reference
    gc.collect()
    return expected, weights


def _compare(st, ref, name: str, size: int, mode: str) -> None:
    """Outputs on one image, both modules holding the weights drawn from the seed (see seeded_weights). One fixed
    case, no hypothesis: a failing example would be run twice."""
    case = _net_case(size, 10)
    with _input(f"x.shape={case.input_shape}, num_classes=10"):
        expect_layout(*_layouts(st, ref, name, case))
        expected, weights = _expected(ref, name, case, mode)
        got = student_forward(st, name, case, weights, mode=mode)["output"]
        expect_array(got, expected, name="output", rtol=1e-7, atol=1e-9)


def _add_classic_checks(ex: Exercise, size: int, published: int) -> None:
    """Counts and layout on meta for random num_classes (plus the published count), outputs on one image."""
    name = ex.name
    classes = st.integers(1, 1000).map(lambda k: _net_case(size, k))

    @ex.check(f"{published:,} parameters at num_classes=1000 (the published figure)", 1)
    def _(st, ref):
        with _input(f"{name}() (num_classes=1000)"):
            expect_count(student_layout(st, name, _net_case(size)), published, name)

    @ex.check("number of parameters for any num_classes", 1, given=classes, max_examples=5)
    def _(case, st, ref):
        got, expected = _layouts(st, ref, name, case)
        expect_count(got, expected.count, name)

    @ex.check("parameter shapes in registration order", 1, given=classes, max_examples=3)
    def _(case, st, ref):
        expect_layout(*_layouts(st, ref, name, case))

    @ex.check("outputs equal the reference's (eval mode, same weights)", 2, public=False)
    def _(st, ref):
        _compare(st, ref, name, size, "eval")


_add_classic_checks(AlexNet, 227, 62_378_344)
_add_classic_checks(VGG16, 224, 138_357_544)


@AlexNet.check("outputs equal the reference's in train mode too (no dropout)", 1, public=False,
               hint="the course's AlexNet has no dropout: train and eval mode compute the same")
def _(st, ref):
    _compare(st, ref, "AlexNet", 227, "train")


@dataclass(frozen=True)
class ModelCase:
    """A small model for param_count: ``model`` is how it reads, ``spec`` how the worker builds it (on meta)."""

    model: str
    spec: list = field(repr=False)


_NAMES = {"linear": "Linear", "conv2d": "Conv2d", "batchnorm2d": "BatchNorm2d"}
_SIZES = {"linear": (5, 5), "conv2d": (4, 4, 3), "batchnorm2d": (5,)}  # bounds of (in, out[, kernel]) / (channels,)


def model_case(layers: list[list], frozen: tuple[int, ...] = ()) -> ModelCase:
    """``layers`` as worker_ops.from_spec reads them (``[kind, *sizes, bias]``); the layers at ``frozen`` are frozen."""
    def show(i: int, kind: str, *args) -> str:
        sizes = [str(a) for a in args if type(a) is int] + ["bias=False"] * (args[-1] is False)
        return f"{_NAMES[kind]}({', '.join(sizes)})" + " [frozen]" * (i in frozen)

    spec = [item for i, layer in enumerate(layers) for item in ([layer, ["frozen"]] if i in frozen else [layer])]
    return ModelCase(f"Sequential({', '.join(show(i, *layer) for i, layer in enumerate(layers))})", spec)


@st.composite
def _layer(draw, kinds: tuple[str, ...]) -> list:
    kind = draw(st.sampled_from(kinds))
    sizes = [draw(st.integers(1, k)) for k in _SIZES[kind]]
    return [kind, *sizes] + ([] if kind == "batchnorm2d" else [draw(st.booleans())])


@st.composite
def _models(draw, *, kinds: tuple[str, ...] = ("linear", "conv2d"), frozen: bool = False) -> ModelCase:
    layers = draw(st.lists(_layer(kinds), min_size=1, max_size=3))
    chosen = draw(st.sets(st.integers(0, len(layers) - 1), min_size=1)) if frozen else set()
    return model_case(layers, tuple(sorted(chosen)))


# the course's own worker operation: param_count is called on a model the worker builds from a spec
MODEL_OPS = WorkerOps(Path(__file__).parents[1] / "worker_ops.py", preload=("torch",), replayable=("call_on_module",))

param_count = Exercise("param_count", needs=(MODEL_OPS,), hint="model.parameters() yields every weight and bias tensor: add up their "
                                           "sizes (p.numel()) where p.requires_grad; the models are built on the "
                                           "meta device, so use shapes, not values")


def _count(case: ModelCase, st, ref, name: str = "param_count(model)") -> None:
    expect_equal(st.request("call_on_module", "param_count", spec=case.spec)["value"],
                 ref.param_count(from_spec(case.spec)),
                 name=name)


param_count.check("weights and biases of conv and linear layers", 1, given=_models())(_count)
param_count.check("frozen parameters (requires_grad=False) are not counted", 1, given=_models(frozen=True),
                  hint="skip parameters whose requires_grad is False: training does not update them")(_count)
param_count.check("BatchNorm's running statistics (buffers) are not counted", 1,
                  given=_models(kinds=("conv2d", "batchnorm2d", "linear")),
                  hint="model.parameters() holds what training updates; running_mean and running_var are buffers, "
                       "and state_dict() holds both")(_count)


@param_count.check("the docstring's Linear(3, 2) and AlexNet's first linear layer", 1)
def _(st, ref):
    for case in (model_case([["linear", 3, 2, True]]), model_case([["linear", 9216, 4096, True]])):
        _count(case, st, ref, name=f"param_count({case.model})")
