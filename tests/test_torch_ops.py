"""The worker's own traversal of a module (convgrade.sandbox.torch_ops): it finds what torch's base class finds,
whatever the module's class says about itself, and which parameters forward uses."""
from __future__ import annotations

import importlib

import pytest
import torch
from torch import nn

from convgrade.extra.torch import ops as torch_ops

MODULES = [("week1.convnet", "LeNet5", ()), ("week2.classic", "AlexNet", ()), ("week2.classic", "VGG16", ()),
           ("week2.resnet", "IdentityBlock", (4, (2, 2, 4), 3)), ("week2.resnet", "ConvolutionalBlock", (4, (2, 2, 8), 3)),
           ("week2.resnet", "ResNet50", ()), ("week2.inception", "InceptionModule", (4, 1, 2, 3, 1, 2, 1)),
           ("week2.mobilenet", "DepthwiseSeparableConv", (4, 8)), ("week2.mobilenet", "InvertedResidual", (4, 4, 1, 6))]


def reference(lesson: str, name: str, args: tuple) -> nn.Module:
    cls = getattr(importlib.import_module(f"reference.{lesson}"), name)
    return torch_ops.build(cls, list(args), {}, "meta", 0)


@pytest.mark.parametrize("lesson,name,args", MODULES, ids=[m[1] for m in MODULES])
def test_the_traversal_finds_what_torch_finds(lesson, name, args):
    module = reference(lesson, name, args)
    assert [(n, id(m)) for n, m in torch_ops.tree(module)] == [(n, id(m)) for n, m in module.named_modules()]
    assert [(n, id(p)) for n, p in torch_ops.tensors(module)] == [(n, id(p)) for n, p in module.named_parameters()]
    assert [(n, id(b)) for n, b in torch_ops.tensors(module, "_buffers")] == \
        [(n, id(b)) for n, b in module.named_buffers()]


class Shared(nn.Module):
    """A layer registered twice and a parameter held by two modules: each is listed once, where torch lists it."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = nn.Sequential(nn.Linear(2, 3), self.a)
        self.c = nn.Linear(2, 2)
        self.c.weight = self.a.weight

    def forward(self, x):
        return self.c(self.b[1](self.a(x)))


def test_a_shared_layer_or_parameter_is_listed_once_like_torch_does_and_stays_shared_when_moved():
    module = Shared()
    assert [n for n, _ in torch_ops.tensors(module)] == [n for n, _ in module.named_parameters()]
    torch_ops.to_float64(module)
    assert module.c.weight is module.a.weight and module.b[1] is module.a
    assert {p.dtype for p in module.parameters()} == {torch.float64}


class Liar(nn.Module):
    """Says it is LeNet-5 by every method it can override; its only parameters are a Linear(1, 1)."""

    def __init__(self):
        super().__init__()
        self.tiny = nn.Linear(1, 1)
        self.other = [reference("week1.convnet", "LeNet5", ())]

    def forward(self, x):
        return self.tiny(x.mean((1, 2, 3))[:, None])

    def named_parameters(self, *args, **kwargs):
        return self.other[0].named_parameters(*args, **kwargs)

    def named_modules(self, *args, **kwargs):
        return self.other[0].named_modules(*args, **kwargs)

    def children(self):
        return self.other[0].children()

    def train(self, mode=True):
        return self


def test_a_module_is_measured_not_asked():
    module = torch_ops.build(Liar, [], {}, "meta", 0)
    assert torch_ops.info(module) == {"params": [["tiny.weight", [1, 1], True], ["tiny.bias", [1], True]],
                                      "buffers": [], "layers": [["tiny", "Linear"]]}
    assert torch_ops.set_mode(module, False).tiny.training is False and module.training is False


class Unused(nn.Module):
    """Registers a layer it never runs, another whose output it throws away, and a frozen one it uses."""

    def __init__(self):
        super().__init__()
        self.used, self.idle, self.discarded = nn.Linear(4, 3), nn.Linear(4, 3), nn.Linear(4, 3)
        self.frozen = nn.Linear(3, 2).requires_grad_(False)

    def forward(self, x):
        self.discarded(x)
        return self.frozen(self.used(x))


def test_used_names_the_parameters_that_the_output_depends_on():
    module = torch_ops.build(Unused, [], {}, "meta", 0)
    assert torch_ops.used(module, [2, 4]) == ["used.weight", "used.bias", "frozen.weight", "frozen.bias"]
    assert torch_ops.used(torch_ops.build(Unused, [], {}, "meta", 0), [2, 5]) is None  # forward fails: unknown
