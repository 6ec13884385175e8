"""The feedback names mistakes: the architecture diff of torch modules (extra/torch/diff.py) on its own, and the share
of held-out mistakes (tests/heldout/, never shown to the graders) whose feedback names them rightly (scripts/diagnosis.py
measures it, and the share of catalogued ones named, for docs/diagnosis.md; test_lessons asserts the latter for a
torch module's catalogue, from the selftest's gradings)."""
from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import runpy
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from convgrade.extra.torch import diff, ops

ROOT = Path(__file__).resolve().parent.parent


def graph(module: nn.Module, shape: list[int]) -> list[diff.Op]:
    found = diff.read_ops(ops.graph(ops.apply(module, lambda t: t.to("meta")), shape))
    assert found is not None
    return found


class Block(nn.Module):
    def __init__(self, pool: type = nn.MaxPool2d, bn: bool = True, relu_first: bool = False) -> None:
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(2, 2, 3, padding=1, bias=False), *[nn.BatchNorm2d(2)] * bn, nn.ReLU(),
                                  nn.Conv2d(2, 2, 1, bias=False), nn.BatchNorm2d(2))
        self.pool, self.relu_first = pool(2, stride=2), relu_first

    def forward(self, x):
        y = self.main(x)
        y = torch.relu(y) if self.relu_first else y
        return self.pool(torch.relu(y + x))


def lines(mine: nn.Module, theirs: nn.Module) -> list[str]:
    return diff.differences(graph(mine, [1, 2, 4, 4]), graph(theirs, [1, 2, 4, 4]))


def test_the_same_architecture_has_no_difference():
    assert lines(Block(), Block()) == []


def test_a_functional_relu_is_an_nn_relu():
    assert [op.kind for op in graph(Block(), [1, 2, 4, 4])] == [
        "conv", "batchnorm", "relu", "conv", "batchnorm", "add", "relu", "max_pool"]


def test_average_instead_of_max_pooling_is_named():
    assert lines(Block(pool=nn.AvgPool2d), Block()) == [
        "layer 8 (pool): yours is AvgPool2d(2, stride 2), the reference's is MaxPool2d(2, stride 2)"]


def test_a_missing_layer_shifts_nothing_after_it():
    assert lines(Block(bn=False), Block()) == [
        "after layer 1 (main.0), the reference has BatchNorm2d(2) (its layer 2); yours has none"]


def test_relu_before_the_add():
    assert lines(Block(relu_first=True), Block()) == [
        "layer 6 (relu): yours applies ReLU before the add (your layer 7); the reference adds first, then applies ReLU"]


def test_the_hyperparameters_are_read_past_a_hostile_class():
    class Sneaky(nn.Conv2d):
        def __getattribute__(self, name):
            if name in ("stride", "kernel_size"):
                return (1, 1)
            return super().__getattribute__(name)

    net = nn.Sequential(Sneaky(1, 1, 3, stride=2))
    assert graph(net, [1, 1, 5, 5])[0].get("stride") == (2, 2)


def test_a_module_that_fails_on_meta_gives_no_operations_past_the_error():
    class Broken(nn.Module):
        def forward(self, x):
            return torch.ones(3, device="cpu") + x

    assert ops.graph(Broken(), [1, 3])["error"] is not None


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("diagnosis", ROOT / "scripts" / "diagnosis.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["diagnosis"] = module
    spec.loader.exec_module(module)
    return module


def test_each_held_out_mistake_is_one_function_of_its_exercise_and_not_in_the_catalogue(script):
    held_out = script.held_out(ROOT)
    assert len(held_out) >= 40 and len({h.exercise for h in held_out}) >= 15
    pasted = {ast.dump(node) for path in (ROOT / "graders" / "mistakes").rglob("*.py")
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.FunctionDef)
              for node in [ast.Module(node.body, [])]}
    references: dict[str, dict] = {}
    for h in held_out:
        lesson, name = h.exercise.rsplit(".", 1)
        if lesson not in references:
            references[lesson] = runpy.run_path(str(ROOT / "reference" / (lesson.replace(".", "/") + ".py")))
        assert inspect.signature(h.mistake.impl) == inspect.signature(references[lesson][name]), h.exercise
        body = ast.parse(textwrap.dedent(inspect.getsource(h.mistake.impl))).body[0].body
        if len(body) > 1:  # a one-line slip (return np.argmax(x)) has one way to be written
            assert ast.dump(ast.Module(body, [])) not in pasted, f"{h.mistake.impl.__name__} is in the catalogue"
        re.compile(h.named_by)


# The held-out mistakes whose feedback does not name them rightly, when last measured (docs/diagnosis.md): a
# change to the catalogue or the diagnosis that names fewer fails below, lesson by lesson (the lessons run apart).
NOT_NAMED_RIGHTLY = {
    "week1.backprop.conv_backward:conv_backward_minus_pad_loop", "week1.backprop.pool_backward:pool_backward_sizes_from_input",
    "week1.convolution.conv_single_step:conv_single_step_float_b", "week1.convolution.conv_forward:conv_forward_channel_c",
    "week1.convolution.conv_layer_forward:conv_layer_forward_relu_of_tuple",
    "week2.mobilenet.depthwise_conv_forward:depthwise_conv_forward_pad_batch",
    "week2.resnet.residual_forward:residual_forward_add_into_a", "week1.padding.conv_output_size:conv_output_size_ceil"}
HELD_OUT_LESSONS = sorted({p.stem.replace("_", ".", 1) for p in (ROOT / "tests" / "heldout").glob("*_*.py")})


def test_the_share_named_rightly_is_at_least_the_goal(script):
    held_out = script.held_out(ROOT)
    assert NOT_NAMED_RIGHTLY <= {f"{h.exercise}:{h.mistake.impl.__name__}" for h in held_out}
    assert 1 - len(NOT_NAMED_RIGHTLY) / len(held_out) >= 0.85


@pytest.mark.parametrize("lesson", HELD_OUT_LESSONS)
def test_every_held_out_mistake_is_caught_and_named_as_before(script, lesson):
    graded = script.measure(ROOT, [lesson], with_catalogue=False).held_out
    assert graded and not [g.outcome.probe.name for g in graded if not g.outcome.caught]
    unnamed = {g.outcome.probe.name for g in graded if not g.right}
    assert unnamed <= NOT_NAMED_RIGHTLY, "\n".join(script.table(graded, rightly=True))
