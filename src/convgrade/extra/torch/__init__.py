"""Grading ``torch.nn.Module`` exercises (opt-in): build the student's module in the sandbox, count and compare
its parameters, run it with the reference's weights, trace its layers, diff its operations against the reference's,
and show both in the HTML report."""
from __future__ import annotations

from .checks import add_module_checks
from .figure import layer_figure
from .layers import LayerRow, LayerTable, layer_rows
from .modules import (TORCH, Layout, ModuleCase, Seeded, drawn, expect_count, expect_layout, first_shape_difference,
                      layout_of, reference_forward, reference_grad_norms, reference_layout, reference_module,
                      seeded_weights, student_forward, student_layout, student_trace)

__all__ = ["TORCH", "LayerRow", "LayerTable", "Layout", "ModuleCase", "Seeded", "add_module_checks", "drawn",
           "expect_count", "expect_layout", "first_shape_difference", "layer_figure", "layer_rows", "layout_of",
           "reference_forward", "reference_grad_norms", "reference_layout", "reference_module", "seeded_weights",
           "student_forward", "student_layout", "student_trace"]
