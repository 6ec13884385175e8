"""The standard checks of a torch module exercise, declared in one call: ``add_module_checks(TinyNet, cases)``."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...checks import CheckFailed, Exercise
from ...expect import expect_array, expect_shape
from .figure import layer_figure
from .modules import (TORCH, Layout, ModuleCase, expect_count, expect_layout, layout_of, reference_forward,
                      reference_grad_norms, reference_layout, student_forward, student_layout)
from .reference import drawn, reference_module


def add_module_checks(ex: Exercise, cases: Any, *, points: dict[str, float] | None = None,
                      max_examples: int | None = None, examples: tuple = ()) -> None:
    """The standard checks of a torch module exercise: count, layout, output shape, outputs in eval and
    train mode with the reference's weights, and a gradient for every parameter."""
    name = ex.name
    if TORCH not in ex.needs:
        ex.needs = (*ex.needs, TORCH)
    pts = {"count": 1, "layout": 1, "shape": 1, "eval": 2, "train": 1, "grads": 1, **(points or {})}
    kw = {"given": cases, "max_examples": max_examples, "examples": examples}

    def layouts(case: ModuleCase, st: Any, ref: Any) -> tuple[Layout, Layout]:
        return student_layout(st, name, case), reference_layout(ref, name, case)

    @ex.check("number of parameters", pts["count"], **kw)
    def _(case, st, ref):
        got, expected = layouts(case, st, ref)
        expect_count(got, expected.count, name)

    @ex.check("parameter shapes in registration order", pts["layout"], **kw)
    def _(case, st, ref):
        expect_layout(*layouts(case, st, ref))

    def compare(case: ModuleCase, st: Any, ref: Any, mode: str) -> None:
        expect_layout(*layouts(case, st, ref))
        reference = reference_module(ref, name, case)
        expected = reference_forward(reference, case, mode)
        got = student_forward(st, name, case, drawn(reference), mode=mode)["output"]
        expect_array(got, expected, name="output", rtol=1e-7, atol=1e-9)

    @ex.check("output shape", pts["shape"], **kw)
    def _(case, st, ref):
        expected = reference_forward(reference_module(ref, name, case), case).shape
        expect_shape(student_forward(st, name, case, None)["output"], expected, name="output")

    @ex.check("outputs equal the reference's (eval mode, same weights)", pts["eval"], **kw)
    def _(case, st, ref):
        compare(case, st, ref, "eval")

    @ex.check("outputs equal the reference's (train mode, same weights)", pts["train"], **kw)
    def _(case, st, ref):
        compare(case, st, ref, "train")

    @ex.check("every parameter receives a gradient", pts["grads"], **kw)
    def _(case, st, ref):
        expect_layout(*layouts(case, st, ref))
        reference = reference_module(ref, name, case)
        out_shape = reference_forward(reference, case, "train").shape
        grad_output = np.random.default_rng(1).standard_normal(out_shape)
        expected = reference_grad_norms(reference, case, grad_output)
        got = student_forward(st, name, case, drawn(reference), mode="train", grads=True, grad_output=grad_output)
        names = [n for n, _, _ in layout_of(reference).params]
        grads = got["grads"] if isinstance(got["grads"], list) else []
        # only where the reference's own gradient is non-zero (a ReLU can switch a small layer off entirely)
        missing = [names[i] for i, g in enumerate(grads) if expected[i] > 0 and not (isinstance(g, float) and g > 0)]
        if len(grads) != len(names) or missing:
            raise CheckFailed("some parameters receive no gradient",
                              [f"no gradient reaches: {', '.join(missing[:5])}",
                               "is every layer used in forward, without .detach() or torch.no_grad()?"])

    if ex.figure is None:  # the HTML report's layer table
        ex.figure = layer_figure(name, cases)
