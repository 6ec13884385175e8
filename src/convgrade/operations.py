"""Worker operations: trusted code that runs in the sandbox's worker on the student's objects.

The engine's worker knows two operations, ``call`` (the student's function on given arguments) and ``ping``. A
lesson that needs more (build the student's torch module and run it with the reference's weights, call their
function on a model built in the worker) declares a ``WorkerOps`` on its exercises:

    MODEL_OPS = WorkerOps(Path(__file__).parent / "worker_ops.py", preload=("torch",), replayable=("call_on_module",))
    count_weights = Exercise("count_weights", needs=(MODEL_OPS,))

The file defines ``op_<name>(target, req) -> value`` functions (``target`` is the student's object named by
``req["name"]``) and imports nothing from convgrade: the sandbox's fork server reads it before any student code
runs, so a worker has it in memory but cannot read it from disk. A check asks for it with
``st.request("<name>", "<student's object>", **payload)``. Operations listed in ``replayable`` are rerun with
each catalogued mistake (in the grading process) to name the student's mistake.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

from .lesson import load_file

PREFIX = "op_"
CORE = ("call", "ping")  # the worker's own operations


@dataclass(frozen=True)
class WorkerOps:
    path: Path  # a Python file of op_<name>(target, req) functions, importing nothing from convgrade
    preload: tuple[str, ...] = ()  # modules the fork server imports once (e.g. "torch")
    replayable: tuple[str, ...] = ()  # operations a catalogued mistake can be replayed on


def requirements(needs: Iterable[WorkerOps]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(modules to preload, operation files) for a sandbox serving exercises with these needs; numpy always."""
    needs = list(needs)
    preload = ("numpy", *sorted({m for ops in needs for m in ops.preload} - {"numpy"}))
    return preload, tuple(sorted({str(Path(ops.path).resolve()) for ops in needs}))


def module(path: Path | str) -> ModuleType:
    """The operation file, imported here (the trusted side) to replay a catalogued mistake."""
    path = Path(path).resolve()
    loaded = load_file(path, f"_convgrade_ops_{abs(hash(str(path))):x}")
    if loaded is None:
        raise FileNotFoundError(f"{path}: worker operations file not found")
    return loaded


def operation(path: Path | str, op: str) -> Callable[[Any, dict], Any]:
    fn = getattr(module(path), PREFIX + op, None)
    if not callable(fn):
        raise LookupError(f"{path}: no function {PREFIX}{op}")
    return fn


def names(needs: Iterable[WorkerOps]) -> set[str]:
    """Every operation the worker offers to exercises with these needs."""
    return {*CORE, *(k[len(PREFIX):] for ops in needs for k, v in vars(module(ops.path)).items()
                     if k.startswith(PREFIX) and callable(v))}
