"""This course's own worker operation (see ``convgrade.operations``): ``param_count`` is called on small models
that the worker builds from a spec. Read by the sandbox's fork server; imports nothing from convgrade."""
from __future__ import annotations

from typing import Any

import torch

LAYERS = {
    "conv2d": lambda i, o, k, bias=True: torch.nn.Conv2d(i, o, k, bias=bias),
    "linear": lambda i, o, bias=True: torch.nn.Linear(i, o, bias=bias),
    "batchnorm2d": lambda n: torch.nn.BatchNorm2d(n),
    "relu": lambda: torch.nn.ReLU(),
}


def from_spec(spec: list) -> torch.nn.Module:
    """A ``Sequential`` on the meta device from ``[[kind, *args], ...]``; ``["frozen"]`` freezes the layer before."""
    layers: list[torch.nn.Module] = []
    with torch.device("meta"):
        for kind, *args in spec:
            if kind == "frozen":
                layers[-1].requires_grad_(False)
            else:
                layers.append(LAYERS[kind](*args))
    return torch.nn.Sequential(*layers)


def op_call_on_module(fn: Any, req: dict) -> Any:
    """The student's ``fn(model)`` on a model built here from the grader's spec."""
    return fn(from_spec(req["spec"]))
