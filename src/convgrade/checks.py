"""Declaring checks: a grader module holds one ``Exercise`` per function, named like it.

    normalize = Exercise("normalize", hint="y = x / np.linalg.norm(x)")

    @normalize.check("output shape", points=2, given=vectors())
    def _(case, st, ref):
        y, _ = expect_tuple(st.normalize(case.x), ("y", "norm"))
        expect_shape(y, case.x.shape, name="y")

``st`` calls the student's code in the sandbox, ``ref`` is the reference module; both are used the same way.
A check body raises ``CheckFailed`` (through the ``expect_*`` helpers) or returns.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from hypothesis.strategies import SearchStrategy

Body = Callable[..., None]


class CheckFailed(Exception):
    """One check failed; ``what`` is the headline, ``details`` the lines under it (got/expected...)."""

    def __init__(self, what: str, details: list[str] | tuple[str, ...] = (), *, kind: str = "values",
                 hint: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.details = list(details)
        self.kind = kind  # unimplemented, raised, type, shape, dtype, values, mutated
        self.hint = hint
        self.case: Any = None  # the (shrunk) input the runner found
        self.explicit = False  # True when the case is one of the course's worked examples
        self.calls: list = []  # the student's calls during that example, for the diagnosis
        self.raised = ""  # the exception type's name when the student's code raised
        self.traceback = ""  # the student's own traceback when their code raised
        self.output = ""  # what their code printed
        self.arrays: dict | None = None  # {"name", "got", "expected"} when arrays differ (for the HTML report)
        self.explain: Any = None  # (reference module) -> more detail lines, for the failure that is reported


@dataclass(frozen=True)
class Check:
    name: str
    points: float
    body: Body
    given: SearchStrategy | None = None  # None: the body takes (st, ref) and runs once
    examples: tuple = ()  # explicit cases (the course's worked examples), tried after the generated ones
    max_examples: int | None = None  # at most this many (course.toml's count is the default and the ceiling)
    hint: str | None = None
    public: bool = True  # public: shown in the open (notebooks) and replayed from fixtures (student bundle)


@dataclass
class Exercise:
    """The checks of one exercise; ``name`` is the function or class the student writes."""

    name: str
    hint: str | None = None
    checks: list[Check] = field(default_factory=list)
    # figure(st, ref) -> {name: figure}: what the HTML report shows (see report.figures.Figure), made while the
    # sandbox is up
    figure: Callable[..., dict] | None = None
    needs: tuple = ()  # WorkerOps: the worker operations (and modules to preload) its checks use
    memory: int = 0  # MiB its checks may hold at once beyond the sandbox's own (a large model): see parallel.ALONE

    def check(self, name: str, points: float = 1, *, given: SearchStrategy | None = None, examples: tuple = (),
              max_examples: int | None = None, hint: str | None = None,
              public: bool | None = None) -> Callable[[Body], Body]:
        """Declare a check; it is public (the course's fixed examples) unless it draws inputs with ``given``."""
        if points <= 0:
            raise ValueError(f"check {name!r} of {self.name}: points={points} must be positive")
        if examples and given is None:
            raise ValueError(f"check {name!r} of {self.name}: examples= needs given= (a check without given "
                             "runs its body once; put the worked example in the body)")
        if any(c.name == name for c in self.checks):
            raise ValueError(f"check {name!r} of {self.name} is declared twice")

        def add(body: Body) -> Body:
            self.checks.append(Check(name, points, body, given, tuple(examples), max_examples,
                                     hint if hint is not None else self.hint,
                                     given is None if public is None else public))
            return body

        return add

    @property
    def total(self) -> float:
        return sum(c.points for c in self.checks)


def worked(case: Any, body: Callable[[Any], None]) -> None:
    """Run ``body(case)`` on one of the course's worked examples, so that a failure shows that input."""
    try:
        body(case)
    except CheckFailed as failed:
        failed.case, failed.explicit = case, True
        raise


@contextmanager
def fixed_input(text: str) -> Iterator[None]:
    """Name the fixed input of a check without ``given`` in its failure ("input: ...")."""
    try:
        yield
    except CheckFailed as failed:
        failed.details.insert(0, f"input: {text}")
        raise
