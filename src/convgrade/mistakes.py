"""The catalogue of realistic wrong implementations, kept beside the graders.

``graders/mistakes/hw1/vectors.py`` mirrors the lesson file and holds functions (or classes) like

    @mistake("normalize", "x was divided by its sum, not its norm")
    def normalize_by_sum(x): ...

They serve twice: the meta-tests paste each one into the reference to make a wrong submission and check
the feedback, and the grader runs them (trusted code, in the grading process) on a failing input to name
the student's mistake when their output equals the mistake's.
"""
from __future__ import annotations

import ast
import copy
import inspect
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .sandbox import codec
from .sandbox.codec import TensorData


@dataclass(frozen=True)
class Mistake:
    target: str  # the exercise's function or class name
    description: str  # completes "looks like ..."
    impl: Callable
    feedback: tuple[str, ...] = ()  # lines the feedback must contain, word for word (checked by the meta-tests)
    diagnose: bool = True  # False: too broad to name (e.g. an always-zero output); the meta-tests still run it


def mistake(target: str, description: str, *, feedback: list[str] | tuple[str, ...] = (),
            diagnose: bool = True) -> Callable:
    """Mark a wrong implementation of ``target``; ``description`` completes "looks like ..."."""
    def mark(impl: Callable) -> Callable:
        impl.__mistake__ = Mistake(target, description, impl, tuple(feedback), diagnose)
        return impl

    return mark


def catalogue(module: ModuleType | None) -> list[Mistake]:
    """The mistakes in a catalogue module, in the order they are written."""
    if module is None:
        return []
    return [v.__mistake__ for v in vars(module).values() if "__mistake__" in getattr(v, "__dict__", {})]


@dataclass(frozen=True)
class Call:
    """One call of the student's code during a check: its name, the inputs sent and the value returned.
    For a module run (``request`` set), the value is the worker's reply and the request says how to rerun it."""

    name: str
    args: tuple
    kwargs: dict
    value: Any
    request: dict | None = None
    operations: str = ""  # for a worker operation: the file that defines it (see convgrade.operations)


def diagnose(mistakes: list[Mistake], calls: list[Call]) -> str | None:
    """The first catalogued mistake whose outputs equal the student's on every call it could explain."""
    for m in mistakes:
        relevant = [c for c in calls if c.name == m.target]
        if m.diagnose and relevant and all(_explains(m, c) for c in relevant):
            return m.description
    return None


def _explains(m: Mistake, call: Call) -> bool:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _same_output(m, call)


def _same_output(m: Mistake, call: Call) -> bool:
    try:
        if call.request is not None:  # a worker operation: rerun the same request with the mistake, here
            from .operations import operation

            value = operation(call.operations, call.request["op"])(m.impl, copy.deepcopy(call.request))
            out = codec.decode(codec.encode(value)[codec.PREFIX_SIZE:])  # as the worker's reply would carry it
        else:
            out = m.impl(*copy.deepcopy(call.args), **copy.deepcopy(call.kwargs))
    except Exception:  # noqa: BLE001 - a mistake that cannot run on this input does not explain it
        return False
    return matches(out, call.value)


def matches(a: Any, b: Any) -> bool:
    """Structural equality with a float tolerance: arrays (of the same dtype: a float32 submission is not
    explained by a float64 mistake of the same values), tuples, lists, dicts, numbers."""
    a, b = (x.array if isinstance(x, TensorData) else x for x in (a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or (a.shape, a.dtype) != (b.shape, b.dtype):
            return False
        if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
            return bool(np.allclose(a, b, rtol=1e-6, atol=1e-8, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(matches(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(matches(a[k], b[k]) for k in a)
    if isinstance(a, (float, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        return bool(np.isclose(float(a), float(b), rtol=1e-6, atol=1e-8, equal_nan=True))
    return type(a) is type(b) and a == b


def as_submission(reference_source: str, m: Mistake) -> str:
    """The reference lesson with the exercise replaced by the mistake: a realistic wrong submission.
    The mistake may use the catalogue's imports and its private (``_``) functions, classes and constants."""
    module = inspect.getmodule(m.impl)
    tree = ast.parse(inspect.getsource(module))
    keep: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not _imports_engine(node):
            keep.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_"):
            keep.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and all(
                isinstance(t, ast.Name) and t.id.startswith("_")
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            keep.append(node)  # private constants the mistakes share
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == m.impl.__name__)
    node.decorator_list = []
    node.name = m.target
    keep.append(node)
    return reference_source.rstrip() + "\n\n\n# --- catalogued mistake ---\n" + ast.unparse(ast.Module(keep, []))


def _imports_engine(node: ast.Import | ast.ImportFrom) -> bool:
    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
    return any(n.split(".")[0] in ("convgrade", "") for n in names) or getattr(node, "level", 0) > 0
