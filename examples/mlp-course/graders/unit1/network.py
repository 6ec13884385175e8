"""Graders for TinyMLP: the standard torch-module checks on random sizes, and the docstring's example."""
from __future__ import annotations

from hypothesis import strategies as st

from convgrade import CheckFailed, Exercise, expect_shape
from convgrade.extra.torch import ModuleCase, add_module_checks, expect_count, student_forward, student_layout

TinyMLP = Exercise("TinyMLP", hint="self.hidden = nn.Linear(d_in, hidden); self.out = nn.Linear(hidden, d_out); "
                                   "forward: out(relu(hidden(x))), with no activation after the last layer")


@st.composite
def mlp_cases(draw) -> ModuleCase:
    d_in, hidden, d_out = draw(st.integers(1, 6)), draw(st.integers(1, 8)), draw(st.integers(1, 4))
    return ModuleCase((d_in, hidden, d_out), (draw(st.integers(1, 3)), d_in), input_seed=draw(st.integers(0, 2**16)))


add_module_checks(TinyMLP, mlp_cases())


@TinyMLP.check("the docstring's example: TinyMLP(4, 8, 3) has 67 parameters and maps (2, 4) to (2, 3)", 1)
def _(st, ref):
    case = ModuleCase((4, 8, 3), (2, 4))
    try:
        expect_count(student_layout(st, "TinyMLP", case), 67, "TinyMLP")
        expect_shape(student_forward(st, "TinyMLP", case, None)["output"], (2, 3), name="output")
    except CheckFailed as failed:
        failed.case, failed.explicit = case, True
        raise
