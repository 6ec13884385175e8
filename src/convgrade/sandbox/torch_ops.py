"""The worker's torch operations: build a student's module, describe it, run it with given weights.

Loaded by the worker by path, like the codec; it imports nothing from ``graders``. Modules never cross
the process boundary: only their parameter names and shapes, and arrays in and out.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

torch.set_num_threads(1)


def build(cls: Any, args: list, kwargs: dict, device: str, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    try:
        with torch.device(device):
            module = cls(*args, **kwargs)
    except (NotImplementedError, TypeError, ValueError):
        raise
    except Exception:  # noqa: BLE001 - some code cannot be built on meta (e.g. tensors made on "cpu" explicitly)
        if device != "meta":
            raise
        module = cls(*args, **kwargs)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{getattr(cls, '__name__', cls)}(...) built a {type(module).__name__}, "
                        "expected a torch.nn.Module")
    return module


def info(module: torch.nn.Module) -> dict:
    return {
        "params": [[n, list(p.shape), bool(p.requires_grad)] for n, p in module.named_parameters()],
        "buffers": [[n, list(b.shape)] for n, b in module.named_buffers()],
        "layers": [[n, type(m).__name__] for n, m in module.named_modules() if n and not list(m.children())],
    }


MAX_TRACE = 1000  # layer runs reported by trace


def trace(module: torch.nn.Module, input_shape: list[int]) -> dict:
    """Run ``module`` (on the meta device: shapes only, no arithmetic) on an input of ``input_shape``: for each
    leaf layer in the order the layers ran (one used twice appears twice) its name, type, output shape and whether
    it has parameters of its own; and the error that stopped the run, if one did."""
    ran: list[list] = []

    def hook(name: str) -> Any:
        def record(layer: torch.nn.Module, inputs: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor) and len(ran) < MAX_TRACE:
                weighted = any(True for _ in layer.parameters(recurse=False))
                ran.append([name, type(layer).__name__, list(output.shape), weighted])
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in module.named_modules() if n and not list(m.children())]
    error = None
    try:
        with torch.no_grad():
            module.to(torch.float64)(torch.empty(input_shape, dtype=torch.float64, device="meta"))
    except Exception as e:  # noqa: BLE001 - where the run stopped is the point
        error = f"{type(e).__name__}: {e}"[:500]
    finally:
        for h in handles:
            h.remove()
    return {"layers": ran, "error": error}


def load_state(module: torch.nn.Module, params: list[np.ndarray], buffers: list[np.ndarray]) -> None:
    """Copy the given arrays into the parameters and buffers, in registration order."""
    targets = [("parameter", n, t) for n, t in module.named_parameters()]
    targets += [("buffer", n, t) for n, t in module.named_buffers()]
    if len(targets) != len(params) + len(buffers):
        raise ValueError(f"the module has {len(targets)} parameters and buffers, expected {len(params) + len(buffers)}")
    with torch.no_grad():
        for (kind, name, t), a in zip(targets, [*params, *buffers]):
            if tuple(t.shape) != a.shape:
                raise ValueError(f"{kind} {name} has shape {tuple(t.shape)}, expected {a.shape}")
            t.copy_(torch.from_numpy(a))


def forward(cls: Any, req: dict) -> dict:
    """Build on meta, materialise without initialising, load the given weights, run one forward (and backward).
    Without weights, build on the CPU with the module's own initialisation."""
    if req["params"] is None:
        module = build(cls, req["args"], req["kwargs"], "cpu", req["seed"]).to(torch.float64)
    else:
        module = build(cls, req["args"], req["kwargs"], "meta", req["seed"]).to_empty(device="cpu")
        module = module.to(torch.float64)
        load_state(module, req["params"], req["buffers"])
    module.train(req["mode"] == "train")
    x = torch.from_numpy(req["input"]).requires_grad_(req["grads"])
    with torch.set_grad_enabled(req["grads"]):
        out = module(x)
    reply: dict = {"output": out}
    if req["grads"] and isinstance(out, torch.Tensor) and out.requires_grad:
        out.backward(torch.from_numpy(req["grad_output"]))
        reply["grads"] = [None if p.grad is None else float(p.grad.norm()) for p in module.parameters()]
        reply["input_grad"] = x.grad
    return reply


def call_model(fn: Any, req: dict) -> dict:
    """Call ``fn`` (e.g. a training function) and run the model it returns on the grader's inputs."""
    value = fn(*req["args"], **req["kwargs"])
    model = value[req["index"]] if type(value) in (tuple, list) and len(value) > req["index"] else value
    if not isinstance(model, torch.nn.Module):
        return {"value": value, "output": None}
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(req["input"]).to(next(model.parameters()).dtype))
    rest = [v for i, v in enumerate(value) if i != req["index"]] if type(value) in (tuple, list) else []
    return {"value": rest, "output": out}


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


def call_on_module(fn: Any, req: dict) -> Any:
    """Call the student's ``fn(model)`` on a model built here from the grader's spec."""
    return fn(from_spec(req["spec"]))
