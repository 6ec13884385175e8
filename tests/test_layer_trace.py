"""The feedback line that names the first layer whose output shape is not the reference's (convgrade.extra.torch),
and the optional worker request it rests on, which must never change a grade."""
from __future__ import annotations

import time
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

from convgrade.selftest import feedback_lines

from conftest import ROOT, grade_one, write_submission
from convgrade.student import OPTIONAL_TIMEOUT
from convgrade.extra.torch import ModuleCase, first_shape_difference, student_trace
from convgrade.extra.torch import ops as torch_ops

CASE = ModuleCase((), (2, 3, 8, 8))


class Reference(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.relu, self.pool = nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.relu(self.conv(x))), 1))


class SameShapes(nn.Module):
    """The same shapes by other means: F.relu instead of an nn.ReLU, an nn.Flatten layer of its own."""

    def __init__(self):
        super().__init__()
        self.conv, self.pool, self.flat = nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2), nn.Flatten()
        self.fc = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        return self.fc(self.flat(self.pool(F.relu(self.conv(x)))))


class NoPadding(Reference):
    def __init__(self):
        super().__init__()
        self.conv, self.fc = nn.Conv2d(3, 4, 3), nn.Linear(4 * 3 * 3, 5)


class Worker:
    """``st`` as the grader sees it, with the worker's trace operation run here."""

    def __init__(self, cls, reply=None):
        self.cls, self.reply = cls, reply

    def try_request(self, op, name, **payload):
        assert op == "module_trace"
        if self.reply is not None:
            return self.reply
        module = torch_ops.build(self.cls, payload["args"], payload["kwargs"], "meta", payload["seed"])
        return {"value": torch_ops.trace(module, payload["input_shape"])}


REF = SimpleNamespace(Net=Reference)


def test_a_layer_that_changes_the_shape_differently_is_named():
    assert first_shape_difference(Worker(NoPadding), REF, "Net", CASE) == [
        "the first layer whose output shape differs from the reference's: your conv (Conv2d) gives (2, 4, 6, 6), "
        "the reference's conv (Conv2d) gives (2, 4, 8, 8)"]


def test_activations_and_flatten_as_functions_or_layers_line_up():
    assert first_shape_difference(Worker(SameShapes), REF, "Net", CASE) == []
    assert first_shape_difference(Worker(Reference), REF, "Net", CASE) == []


def test_a_malformed_trace_from_the_worker_adds_nothing():
    for reply in (None, {"value": {"layers": [["conv", "Conv2d", "not a shape"]]}}, {"value": 3}, {}):
        st = Worker(Reference, reply=reply if reply is not None else {"value": None})
        assert student_trace(st, "Net", CASE) is None
        assert first_shape_difference(st, REF, "Net", CASE) == []


class Mismatched(Reference):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)  # 36 features then reach a Linear(64, 5)


def test_trace_reports_where_a_forward_pass_stops():
    traced = torch_ops.trace(torch_ops.build(Mismatched, [], {}, "meta", 0), [2, 3, 8, 8])
    assert [step[:2] for step in traced["layers"]] == [["conv", "Conv2d"], ["relu", "ReLU"], ["pool", "MaxPool2d"]]
    assert traced["error"].startswith("RuntimeError")


HANGS_ON_META = '''

class _Hangs(IdentityBlock):
    """Right shapes, wrong values; on the meta device (the trace), it never returns."""

    def forward(self, x):
        while x.device.type == "meta":
            pass
        return 2 * super().forward(x)


IdentityBlock = _Hangs
'''


def test_an_optional_request_that_hangs_changes_no_grade(course, tmp_path):
    source = (ROOT / "reference" / "week2" / "resnet.py").read_text() + HANGS_ON_META
    start = time.monotonic()
    result = grade_one(course, write_submission(tmp_path, {"week2/resnet.py": source}), "week2.resnet.IdentityBlock")
    lines = feedback_lines(result)
    assert result.status in ("partial", "failed"), "\n".join(lines)
    assert "IdentityBlock: output has wrong values" in lines
    assert not any("time limit" in line or "first layer whose output shape" in line for line in lines)
    # each failing check asked for the trace once, waited OPTIONAL_TIMEOUT for it, and went on
    cfg = next(e for e in course.exercises if e.id == "week2.resnet.IdentityBlock")
    assert min(cfg.call_timeout, OPTIONAL_TIMEOUT) <= time.monotonic() - start < 60


def test_the_layer_table_shows_the_students_output_shapes(course, tmp_path):
    from convgrade.mistakes import as_submission, catalogue
    from convgrade.extra.torch import layers
    from convgrade.lesson import load_file
    from convgrade.runner import grade

    mistakes = catalogue(load_file(ROOT / "graders" / "mistakes" / "week2" / "resnet.py", "_trace_test_mistakes"))
    m = next(m for m in mistakes if m.impl.__name__ == "IdentityBlockNoPadding")  # the middle conv shrinks
    source = as_submission((ROOT / "reference" / "week2" / "resnet.py").read_text(), m)
    report = grade(course, write_submission(tmp_path, {"week2/resnet.py": source}), ["week2.resnet.IdentityBlock"],
                   figures=True)
    table = report.exercises[0].figures["layers"]
    mine, theirs = table.student, table.reference
    assert [r.output is not None for r in mine[:3]] == [True, True, True]  # measured, as the reference's are
    middle = next(i for i, r in enumerate(theirs) if r.name == "main.3")
    assert all(a < b for a, b in zip(mine[middle].output[2:], theirs[middle].output[2:]))  # unpadded: smaller
    assert layers.first_difference(mine, theirs) == middle
    assert table.html().count("<th>output shape</th>") == 2
