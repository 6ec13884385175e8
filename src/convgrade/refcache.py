"""The reference's answers, computed once per course version: a reference model's layout, its output on a case,
its gradients, its trace, whatever an extra asks to remember (``remember``).

The answers a check wants from the reference follow from the reference's code, the graders (the cases), the
engine and the libraries: the same for every submission. So the first grade computes them and keeps them, one
file per answer in ``<cache>/answers/``, beside the recorded draws (``drawcache``: same folder, same version key,
same ``CONVGRADE_CACHE``); a later grade reads them and never builds the model. A file that cannot be read is
computed again, a folder that cannot be written means computing each time, never a failed grade.

Only answers of the lesson's own reference are kept: the runner names it (``answering``), and ``remember``
computes without the cache for anything else (a ``Recorder`` during ``course release``, a student bundle's
``Replay``). The files hold what the grader computed from its reference, never anything a student sent.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from . import drawcache

FORMAT = "convgrade-answers/1"
T = TypeVar("T")


class Remembered(drawcache.Store):
    """The remembered answers of one course version, one file per answer."""

    def __init__(self, folder: Path, version: str) -> None:
        super().__init__(folder, version, FORMAT)

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        """The answer remembered under ``key``, else ``compute()``'s, then remembered (an exception is not)."""
        found = self.read(key)
        if found is not drawcache.MISSING:
            return found
        value = compute()
        self.keep(key, value)
        return value


@dataclass(frozen=True)
class _Active:
    answers: Remembered | None
    lesson: str
    reference: Any


_active: contextvars.ContextVar[_Active | None] = contextvars.ContextVar("convgrade_reference", default=None)


@contextlib.contextmanager
def answering(root: Path, lesson: str, reference: Any) -> Iterator[None]:
    """While grading ``lesson`` of the course at ``root``: ``reference`` (its reference module) is the one whose
    answers are remembered."""
    found = drawcache.folder_of(root, "answers")
    token = _active.set(_Active(None if found is None else Remembered(*found), lesson, reference))
    try:
        yield
    finally:
        _active.reset(token)


def remember(reference: Any, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, an answer of ``reference`` that follows from ``key`` alone (plain data whose ``repr`` is
    the same in every process), remembered when ``reference`` is the lesson's reference and the cache is on."""
    active = _active.get()
    if active is None or active.answers is None or reference is None or reference is not active.reference:
        return compute()
    return active.answers.get((active.lesson, *key), compute)
