"""Grading ``torch.nn.Module`` exercises (opt-in): build the student's module in the sandbox, count and compare
its parameters, run it with the reference's weights, trace its layers, and show both in the HTML report."""
from __future__ import annotations

from .layers import LayerTable
from .modules import (TORCH, LayerRow, Layout, ModuleCase, add_module_checks, expect_count, expect_layout,
                      first_shape_difference, layer_figure, layer_rows, layout_of, reference_forward,
                      reference_grad_norms, reference_layout, reference_module,
                      student_forward, student_layout, student_trace)

__all__ = ["TORCH", "LayerRow", "LayerTable", "Layout", "ModuleCase", "add_module_checks", "expect_count", "expect_layout",
           "first_shape_difference", "layer_figure", "layer_rows", "layout_of", "reference_forward",
           "reference_grad_norms", "reference_layout", "reference_module",
           "student_forward", "student_layout", "student_trace"]
