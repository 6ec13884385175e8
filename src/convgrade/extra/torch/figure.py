"""The HTML report's figure for a torch module exercise: the layer table (each leaf layer with its parameters and
output shape, the student's beside the reference's) and the operations table (``diff.OpsTable``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ...checks import CheckFailed
from .diff import OpsTable
from .layers import LayerTable, layer_rows
from .modules import (ModuleCase, layout_of, operations, reference_forward, student_forward, student_layout,
                      student_trace)
from .reference import reference_module

if TYPE_CHECKING:
    import torch


def reference_outputs(reference: torch.nn.Module, case: ModuleCase) -> dict[str, tuple[int, ...]]:
    """The output shape of each leaf layer of the reference on ``case.x`` (its first call, for a layer used twice)."""
    import torch  # here: a grader that imports this module pays for torch only when it draws the figure

    shapes: dict[str, tuple[int, ...]] = {}

    def hook(name: str) -> Any:
        def record(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor):
                shapes.setdefault(name, tuple(output.shape))
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in reference.named_modules() if n and not list(m.children())]
    try:
        reference_forward(reference, case)
    finally:
        for h in handles:
            h.remove()
    return shapes


def figure_case(cases: Any) -> ModuleCase:
    """A small, fixed configuration for the layer table: the simplest one whose integer arguments are all at
    least 2 and whose images at least 3x3 (so that channels, kernels and strides show in the shapes), else the
    simplest one."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    def ints(case: ModuleCase) -> list[int]:
        flat = [*case.args, *case.kwargs.values()]
        flat = [y for x in flat for y in (x if isinstance(x, tuple) else (x,))]
        return [x for x in flat if isinstance(x, int) and not isinstance(x, bool)]

    def varied(case: ModuleCase) -> bool:
        return all(x >= 2 for x in ints(case)) and all(n >= 3 for n in case.input_shape[2:])

    quick = settings(database=None, derandomize=True, max_examples=200, phases=(Phase.generate, Phase.shrink),
                     suppress_health_check=list(HealthCheck))
    for wanted in (varied, lambda c: True):
        try:
            return find(cases, wanted, settings=quick)
        except (NoSuchExample, Unsatisfiable):
            continue
    raise ValueError("the strategy builds no case")


def layer_figure(name: str, cases: Any) -> Callable[[Any, Any], dict | None]:
    """An ``Exercise.figure`` hook: the layer table of the student's module beside the reference's, on one
    configuration, with each layer's output shape on both sides."""
    def figure(st: Any, ref: Any) -> dict | None:
        if ref is None:  # a student bundle: recorded answers, no reference to build
            return None
        case = figure_case(cases)
        reference = reference_module(ref, name, case).module  # the figure is drawn once, for the HTML report
        expected = layer_rows(layout_of(reference), reference_outputs(reference, case))
        title = f"{name}{_call_args(case)} on an input of shape {case.input_shape}"
        reference_output = reference_forward(reference, case).shape
        student, student_output, note = None, None, ""
        try:
            outputs: dict[str, tuple[int, ...]] = {}
            for layer, _, shape, _ in student_trace(st, name, case) or []:
                outputs.setdefault(layer, shape)
            student = layer_rows(student_layout(st, name, case), outputs)
            student_output = student_forward(st, name, case, None)["output"].shape
        except CheckFailed as failed:
            note = f"your module: {failed.what}"
        figures: dict = {"layers": LayerTable(title, expected, reference_output, student, student_output, note)}
        found = operations(st, ref, name, case)
        if found is not None:
            figures["operations"] = OpsTable(title, tuple(found[0]), tuple(found[1]))
        return figures

    return figure


def _call_args(case: ModuleCase) -> str:
    return "(" + ", ".join([*map(repr, case.args), *(f"{k}={v!r}" for k, v in case.kwargs.items())]) + ")"
