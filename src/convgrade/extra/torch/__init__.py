"""Grading ``torch.nn.Module`` exercises (opt-in): build the student's module in the sandbox, count and compare
its parameters, run it with the reference's weights, trace its layers, diff its operations against the reference's,
and show both in the HTML report.

The names are imported on first use (PEP 562): a lesson's graders that import some of them pay only for the
modules that define those (and for torch only where those modules import it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import exports

if TYPE_CHECKING:
    from .checks import add_module_checks
    from .figure import layer_figure
    from .layers import LayerRow, LayerTable, layer_rows
    from .modules import (TORCH, Layout, ModuleCase, expect_count, expect_layout, first_shape_difference, layout_of,
                          reference_forward, reference_grad_norms, reference_layout, student_forward, student_layout,
                          student_trace)
    from .reference import Reference, Seeded, drawn, reference_module, seeded_weights

_WHERE = {  # each public name -> the module that defines it
    "add_module_checks": ".checks",
    "layer_figure": ".figure",
    **dict.fromkeys(("LayerRow", "LayerTable", "layer_rows"), ".layers"),
    **dict.fromkeys(("TORCH", "Layout", "ModuleCase", "expect_count", "expect_layout", "first_shape_difference",
                     "layout_of", "reference_forward", "reference_grad_norms", "reference_layout", "student_forward",
                     "student_layout", "student_trace"), ".modules"),
    **dict.fromkeys(("Reference", "Seeded", "drawn", "reference_module", "seeded_weights"), ".reference"),
}

__all__ = ["TORCH", "LayerRow", "LayerTable", "Layout", "ModuleCase", "Reference", "Seeded", "add_module_checks",
           "drawn", "expect_count", "expect_layout", "first_shape_difference", "layer_figure", "layer_rows",
           "layout_of", "reference_forward", "reference_grad_norms", "reference_layout", "reference_module",
           "seeded_weights", "student_forward", "student_layout", "student_trace"]


__getattr__, __dir__ = exports(__name__, globals(), _WHERE)
