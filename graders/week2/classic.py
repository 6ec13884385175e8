"""Graders for lesson 2.2: AlexNet, VGG16 and param_count.

The input size of both networks is fixed by their plan (227 and 224), so a forward pass is expensive
(VGG16 in float64: about a gigabyte of weights): counts and shapes of parameters are checked on the meta
device over random num_classes, outputs on one small batch only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from graders.checks import CheckFailed, Exercise
from graders.expect import expect_array, expect_equal, expect_shape
from graders.modules import (ModuleCase, _layout, expect_count, expect_layout, reference_forward, reference_module,
                             student_forward, student_layout)
from graders.sandbox.torch_ops import info

try:  # pending engine helper: runs a student's function on a torch module the worker builds from a spec
    from graders.modules import spec_module, student_call_on_module
except ImportError:
    spec_module = student_call_on_module = None

PLAN_HINT = ("n_out = floor((n + 2p - f) / s) + 1 at every conv and pool; "
             "the last linear layer has num_classes outputs")

AlexNet = Exercise("AlexNet", hint=PLAN_HINT + "; 227 -> 55 -> 27 -> 27 -> 13 -> 13 -> 6, so 256*6*6 = 9216 "
                                               "features reach the first linear layer")
VGG16 = Exercise("VGG16", hint=PLAN_HINT + "; 3x3 convs with padding 1 keep the size, each 2x2 max-pool halves it: "
                                           "224 -> 112 -> 56 -> 28 -> 14 -> 7, so 512*7*7 = 25088 features")


def _net_case(size: int, num_classes: int | None = None, n: int = 1) -> ModuleCase:
    return ModuleCase((), (n, 3, size, size), {} if num_classes is None else {"num_classes": num_classes})


def _layouts(st, ref, name: str, case: ModuleCase):
    return student_layout(st, name, case), _layout(info(reference_module(ref, name, case, "meta")))


def _compare(st, ref, name: str, case: ModuleCase, mode: str) -> None:
    expect_layout(*_layouts(st, ref, name, case))
    reference = reference_module(ref, name, case)
    expected = reference_forward(reference, case, mode)
    expect_array(student_forward(st, name, case, reference, mode=mode)["output"], expected, name="output",
                 rtol=1e-7, atol=1e-9)


def _add_classic_checks(ex: Exercise, size: int, published: int) -> None:
    """Counts and layout on meta for random num_classes (plus the published count), outputs on one image."""
    name = ex.name
    classes = st.integers(1, 1000).map(lambda k: _net_case(size, k))

    @ex.check(f"number of parameters ({published:,} at num_classes=1000)", 1, given=classes, max_examples=5,
              examples=[_net_case(size)])
    def _(case, st, ref):
        got, expected = _layouts(st, ref, name, case)
        expect_count(got, expected.count, name)

    @ex.check("parameter shapes in registration order", 1, given=classes, max_examples=3)
    def _(case, st, ref):
        expect_layout(*_layouts(st, ref, name, case))

    @ex.check("outputs equal the reference's (eval mode, same weights)", 2, given=st.just(_net_case(size, 10)),
              max_examples=1)
    def _(case, st, ref):
        _compare(st, ref, name, case, "eval")


_add_classic_checks(AlexNet, 227, 62_378_344)
_add_classic_checks(VGG16, 224, 138_357_544)


@AlexNet.check("output shape (N, num_classes)", 1, given=st.just(_net_case(227, 7, n=2)), max_examples=1)
def _(case, st, ref):
    expect_shape(student_forward(st, "AlexNet", case, None)["output"], (2, 7), name="output")


@AlexNet.check("outputs equal the reference's in train mode too (no dropout)", 1, given=st.just(_net_case(227, 10)),
               max_examples=1, hint="the course's AlexNet has no dropout: train and eval mode compute the same")
def _(case, st, ref):
    _compare(st, ref, "AlexNet", case, "train")


@dataclass(frozen=True)
class ModelCase:
    """A small ``nn.Sequential`` for param_count: ``model`` is how it reads, ``spec`` how the worker builds it."""

    model: str
    spec: dict = field(repr=False)


_LAYERS = {
    "Linear": st.tuples(st.integers(1, 5), st.integers(1, 5)),
    "Conv2d": st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)),
    "BatchNorm2d": st.tuples(st.integers(1, 5)),
}


@st.composite
def _layer(draw, kinds: tuple[str, ...]) -> tuple[str, tuple, dict]:
    kind = draw(st.sampled_from(kinds))
    kwargs = {} if kind == "BatchNorm2d" else {"bias": draw(st.booleans())}
    return kind, draw(_LAYERS[kind]), kwargs


def model_case(layers: list, frozen: tuple[int, ...] = (), device: str = "cpu") -> ModelCase:
    def show(i: int, kind: str, args: tuple, kwargs: dict) -> str:
        text = f"{kind}({', '.join([*map(str, args), *(f'{k}={v}' for k, v in kwargs.items() if not v)])})"
        return text + " [frozen]" * (i in frozen)

    text = f"Sequential({', '.join(show(i, *layer) for i, layer in enumerate(layers))})"
    spec = {"layers": [list(layer) for layer in layers], "frozen": list(frozen), "device": device}
    return ModelCase(text + (f" on {device}" if device != "cpu" else ""), spec)


@st.composite
def _models(draw, *, kinds: tuple[str, ...] = ("Linear", "Conv2d"), frozen: bool = False) -> ModelCase:
    layers = draw(st.lists(_layer(kinds), min_size=1, max_size=3))
    chosen = draw(st.sets(st.integers(0, len(layers) - 1), min_size=1)) if frozen else set()
    return model_case(layers, tuple(sorted(chosen)))


param_count = Exercise("param_count", hint="sum(p.numel() for p in model.parameters() if p.requires_grad)")


def _count(case: ModelCase, st, ref, name: str = "param_count(model)") -> None:
    if student_call_on_module is None:
        raise CheckFailed("cannot be graded yet: the engine lacks graders.modules.student_call_on_module",
                          kind="raised")
    expect_equal(student_call_on_module(st, "param_count", case.spec), ref.param_count(spec_module(case.spec)),
                 name=name)


param_count.check("weights and biases of conv and linear layers", 1, given=_models())(_count)
param_count.check("frozen parameters (requires_grad=False) are not counted", 1, given=_models(frozen=True),
                  hint="skip parameters whose requires_grad is False")(_count)
param_count.check("BatchNorm's running statistics (buffers) are not counted", 1,
                  given=_models(kinds=("Conv2d", "BatchNorm2d", "Linear")),
                  hint="model.parameters() holds what training updates; running_mean and running_var are buffers")(_count)


@param_count.check("the docstring's Linear(3, 2) and AlexNet's first linear layer on the meta device", 1,
                   hint="count with p.numel(): it needs no values, so it works on meta too")
def _(st, ref):
    for case in (model_case([("Linear", (3, 2), {})]), model_case([("Linear", (9216, 4096), {})], device="meta")):
        _count(case, st, ref, name=f"param_count({case.model})")
