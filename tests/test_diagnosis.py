"""The feedback names mistakes: the architecture diff of torch modules (extra/torch/diff.py) on its own, and the
share of catalogued mistakes whose feedback names them (scripts/diagnosis.py measures it for docs/diagnosis.md)."""
from __future__ import annotations

import importlib.util
import sys
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


def test_the_feedback_names_most_catalogued_mistakes():
    spec = importlib.util.spec_from_file_location("diagnosis", ROOT / "scripts" / "diagnosis.py")
    script = importlib.util.module_from_spec(spec)
    sys.modules["diagnosis"] = script
    spec.loader.exec_module(script)
    outcomes = script.measure(ROOT, ["week2.resnet.IdentityBlock"])
    assert outcomes and all(o.caught for o in outcomes)
    named = sum(o.named for o in outcomes) / len(outcomes)
    assert named >= 0.85, script.table(outcomes, None)
