"""Grading torch modules, one protocol for every lesson.

The student's module is built and run in the worker; only parameter names/shapes and arrays cross.
The reference is built here (trusted), on the meta device, then filled with weights drawn from a seed, its
batch-norm statistics and affine parameters made non-trivial; the worker draws the same weights into the
student's module in registration order (or is sent them, once a check has changed them), so both compute the
same function exactly when the student's architecture is right. All in float64, one torch thread.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...checks import CheckFailed
from ...feedback import kind_of
from ...sandbox.codec import TensorData
from ...operations import WorkerOps
from .diff import read_ops
from .diff import feedback as diff_feedback
from .ops import MAX_TRACE, graph, in_strips, trace
from .ops import info as _info
from .reference import SEED, Reference, Seeded, array_key, drawn

# the worker operations every torch exercise uses (module_info, module_forward, ...), torch preloaded in the worker
TORCH = WorkerOps(Path(__file__).with_name("ops.py"), preload=("torch",), replayable=("module_forward",))


@dataclass(frozen=True)
class ModuleCase:
    """Constructor arguments and an input batch (made from ``input_seed``, so it need not be drawn value by value)."""

    args: tuple
    input_shape: tuple[int, ...]
    kwargs: dict = field(default_factory=dict)
    input_seed: int = field(default=0, repr=False)

    @property
    def x(self) -> np.ndarray:
        return np.random.default_rng(self.input_seed).standard_normal(self.input_shape)  # (N, C, H, W)


@dataclass(frozen=True)
class Layout:
    """A module's parameters ``(name, shape, trainable)`` that its forward pass uses, in registration order, the
    ones it registers but never uses, its buffers and its leaf layers."""

    params: tuple[tuple[str, tuple[int, ...], bool], ...]
    buffers: tuple[tuple[str, tuple[int, ...]], ...]
    layers: tuple[tuple[str, str], ...]
    unused: tuple[tuple[str, tuple[int, ...], bool], ...] = ()

    @property
    def count(self) -> int:
        return sum(int(np.prod(s)) for _, s, trainable in self.params if trainable)

    def unused_lines(self) -> list[str]:
        """What a count or a layout that differs from the reference's owes to parameters forward never uses."""
        if not self.unused:
            return []
        name, shape, _ = self.unused[0]
        return [f"{sum(int(np.prod(s)) for _, s, _ in self.unused):,} parameters are registered but never used by "
                f"forward (the first: {name} {shape}); they are not counted"]


    def without(self, unused: set[str]) -> Layout:
        """The layout with the parameters named in ``unused`` moved to ``unused``."""
        return replace(self, params=tuple(p for p in self.params if p[0] not in unused),
                       unused=tuple(p for p in self.params if p[0] in unused))


def _layout(data: Any) -> Layout:
    """Strictly read the worker's description of a module."""
    try:
        params = tuple((str(n), tuple(int(k) for k in s), g is True) for n, s, g in data["params"])
        buffers = tuple((str(n), tuple(int(k) for k in s)) for n, s in data["buffers"])
        layers = tuple((str(n), str(t)) for n, t in data["layers"])
    except (TypeError, ValueError, KeyError):
        raise CheckFailed("the worker sent a malformed module description", kind="type") from None
    return Layout(params, buffers, layers)


def layout_of(module: Reference | torch.nn.Module) -> Layout:
    """The parameters, buffers and leaf layers of a module built here (the trusted side)."""
    if isinstance(module, Reference):
        return module.answer(("layout",), layout_of, meta=True)
    return _layout(_info(module))


def reference_layout(ref: Any, name: str, case: ModuleCase) -> Layout:
    """The reference module's parameters and layers, from its structure on the meta device (costs no memory)."""
    return layout_of(Reference(ref, name, case))


def student_layout(st: Any, name: str, case: ModuleCase) -> Layout:
    _explain_with_trace(st, name, case)
    body = st.request("module_info", name, args=list(case.args), kwargs=case.kwargs, seed=SEED)
    layout = _layout(body["value"])
    return layout.without(_unused(st, name, case, layout))


def _unused(st: Any, name: str, case: ModuleCase, layout: Layout) -> set[str]:
    """The parameters that forward never uses (see ops.used), asked once per exercise and set of parameter
    names (a forward pass on meta is not free: a 25 M-parameter network takes 0.3 s). When the worker cannot tell (forward
    fails or hangs on meta), none: the checks that run forward say what is wrong."""
    names = tuple(n for n, _, _ in layout.params)
    body = st.try_request_once(("module_usage", name, names), "module_usage", name, args=list(case.args),
                               kwargs=case.kwargs, seed=SEED, input_shape=list(case.input_shape))
    value = body.get("value") if isinstance(body, dict) else None
    return set(names) - {n for n in value if type(n) is str} if type(value) is list else set()


Step = tuple[str, str, tuple[int, ...], bool]  # a layer that ran: name, type, output shape, has parameters


def student_trace(st: Any, name: str, case: ModuleCase) -> list[Step] | None:
    """The layers of the student's module as they run on ``case``'s input shape (on the meta device: see
    ops.trace), or None when the module cannot be built or the worker's reply is malformed."""
    body = st.try_request("module_trace", name, args=list(case.args), kwargs=case.kwargs, seed=SEED,
                          input_shape=list(case.input_shape))
    try:
        return [(str(n)[:100], str(t)[:100], tuple(int(k) for k in shape), weighted is True)
                for n, t, shape, weighted in body["value"]["layers"][:MAX_TRACE]]
    except (TypeError, ValueError, KeyError):
        return None


def first_shape_difference(st: Any, ref: Any, name: str, case: ModuleCase) -> list[str]:
    """A line naming the first layer, in the order they run, whose output shape is not the reference's there.
    Layers without parameters that keep the number of values (activations, dropout, flatten) are passed over on
    both sides, so that an nn.ReLU on one side and F.relu on the other line up."""
    if getattr(ref, name, None) is None:  # a student bundle: no reference module to trace
        return []
    try:
        expected = Reference(ref, name, case).answer(
            ("trace",), lambda module: trace(module, list(case.input_shape))["layers"], meta=True)
    except Exception:  # noqa: BLE001 - arguments the reference rejects (a check that expects an error)
        return []
    got = student_trace(st, name, case)
    for (gn, gt, gs), (en, et, es) in zip(_shaping(got or [], case), _shaping(expected, case)):
        if gs != es:
            return [f"the first layer whose output shape differs from the reference's: your {gn} ({gt}) gives "
                    f"{gs}, the reference's {en} ({et}) gives {es}"]
    return []


def _shaping(steps: list, case: ModuleCase) -> list[tuple[str, str, tuple[int, ...]]]:
    """The steps of layers with parameters, and of those without that change the number of values."""
    kept, size = [], int(np.prod(case.input_shape))
    for n, t, shape, weighted in steps:
        if weighted or int(np.prod(shape)) != size:
            kept.append((n, t, tuple(shape)))
        size = int(np.prod(shape))
    return kept


def _explain_with_trace(st: Any, name: str, case: ModuleCase) -> None:
    """If this example fails, its feedback names the first layer whose output shape is wrong and the first
    differences between the operations of the student's forward pass and the reference's."""
    st.explain_failures(lambda ref: [*first_shape_difference(st, ref, name, case),
                                     *architecture_difference(st, ref, name, case)])


def operations(st: Any, ref: Any, name: str, case: ModuleCase) -> tuple[list, list, bool] | None:
    """The operations of the student's forward pass and of the reference's on ``case``'s input shape (see
    ops.graph), and whether the student's stopped on an error; None when either is unknown (no reference in a
    student bundle, a module that cannot be built or traced: an optional request, its failure changes nothing)."""
    if getattr(ref, name, None) is None:
        return None
    try:
        theirs = read_ops(Reference(ref, name, case).answer(
            ("graph",), lambda module: graph(module, list(case.input_shape)), meta=True))
    except Exception:  # noqa: BLE001 - arguments the reference rejects (a check that expects an error)
        return None
    key = ("module_graph", name, repr((case.args, case.kwargs, case.input_shape)))
    body = st.try_request_once(key, "module_graph", name, args=list(case.args), kwargs=case.kwargs, seed=SEED,
                               input_shape=list(case.input_shape))
    value = body.get("value") if isinstance(body, dict) else None
    mine = read_ops(value)
    if mine is None or theirs is None:
        return None
    return mine, theirs, value.get("error") is not None


def architecture_difference(st: Any, ref: Any, name: str, case: ModuleCase) -> list[str]:
    """The first differences between the student's forward pass and the reference's, layer by layer."""
    found = operations(st, ref, name, case)
    if found is None:
        return []
    mine, theirs, stopped = found
    return diff_feedback(mine, theirs, stopped=stopped)


def expect_count(got: Layout, expected: int, name: str) -> None:
    if got.count != expected:
        raise CheckFailed(f"has {got.count:,} trainable parameters, expected {expected:,}", got.unused_lines(),
                          kind="values")


def expect_layout(got: Layout, expected: Layout) -> None:
    """Same parameter shapes in the same order; names may differ. Names the first mismatch."""
    for i, ((gn, gs, _), (en, es, _)) in enumerate(zip(got.params, expected.params), start=1):
        if gs != es:
            raise CheckFailed("its parameters do not line up with the reference's",
                              [f"parameter {i} ({gn}) has shape {gs}, expected {es} (the reference's {en})",
                               *got.unused_lines(), "register layers in __init__ in the order forward applies them"],
                              kind="shape")
    if len(got.params) != len(expected.params):
        more = len(got.params) > len(expected.params)
        first = (got.params[len(expected.params):] if more else expected.params[len(got.params):])[0]
        details = [f"first {'extra' if more else 'missing'} one: {first[0]} {first[1]}", *got.unused_lines()]
        if len(first[1]) == 1:  # a bias (or a norm's vector)
            details.append("a convolution followed by BatchNorm has bias=False; every other conv/linear has a bias")
        raise CheckFailed(f"has {len(got.params)} parameter tensors, expected {len(expected.params)}", details,
                          kind="shape")


def student_forward(st: Any, name: str, case: ModuleCase, reference: Reference | torch.nn.Module | Seeded | None,
                    *, mode: str = "eval", grads: bool = False, grad_output: np.ndarray | None = None) -> dict:
    """Run the student's module on ``case.x`` with the weights a ``Seeded`` plan draws (nothing large crosses; a
    ``Reference`` is sent as its plan, see ``drawn``), or a reference module's (its arrays are sent), or its own when
    ``reference`` is None; the decoded reply."""
    _explain_with_trace(st, name, case)
    if isinstance(reference, Reference):
        reference = drawn(reference)
    module = reference if isinstance(reference, torch.nn.Module) else None
    params = None if module is None else [p.detach().numpy() for p in module.parameters()]
    buffers = None if module is None else [b.detach().numpy() for b in module.buffers()]
    fill = reference.request() if isinstance(reference, Seeded) else None
    body = st.request("module_forward", name, args=list(case.args), kwargs=case.kwargs, seed=SEED, params=params,
                      buffers=buffers, fill=fill, input=case.x, mode=mode, grads=grads, grad_output=grad_output)
    value = body["value"]
    out = value.get("output") if isinstance(value, dict) else None
    if not isinstance(out, TensorData):
        raise CheckFailed(f"forward returned {kind_of(out)}, expected a torch.Tensor", kind="type")
    return {"output": out.array, "grads": value.get("grads"), "input_grad": value.get("input_grad")}


def reference_forward(reference: Reference | torch.nn.Module, case: ModuleCase, mode: str = "eval") -> np.ndarray:
    """The reference's output on ``case.x`` (a train-mode pass moves batch norm's statistics: a ``Reference`` is
    built again after one)."""
    if isinstance(reference, Reference):
        return reference.answer_on_input(("forward", mode), lambda m: reference_forward(m, case, mode),
                                         changes=mode == "train")
    reference.train(mode == "train")
    with torch.no_grad(), in_strips():
        return reference(torch.from_numpy(case.x)).numpy()


def reference_grad_norms(reference: Reference | torch.nn.Module, case: ModuleCase,
                         grad_output: np.ndarray) -> list[float]:
    """The norm of each parameter's gradient, ``grad_output`` sent back from the reference's output on ``case.x``
    in train mode."""
    if isinstance(reference, Reference):
        return reference.answer_on_input(("grads", array_key(grad_output)),
                                         lambda m: reference_grad_norms(m, case, grad_output), changes=True)
    reference.train()
    reference.zero_grad()
    with in_strips():
        reference(torch.from_numpy(case.x)).backward(torch.from_numpy(grad_output))
    return [0.0 if p.grad is None else float(p.grad.norm()) for p in reference.parameters()]
