"""Questions: exercises answered with a value, one variant per student, graded without running student code.

A question mirrors a code exercise across the three trees:

    exercises/quiz/areas.py   def rectangle_area(w, h): '''A {w} by {h} rectangle: its area? (the prompt)'''; raise ...
    reference/quiz/areas.py   the same function, computing the answer from the parameters (trusted side only)
    graders/quiz/areas.py     rectangle_area = Question("rectangle_area", draw=..., compare=Exact(), worked=...)

``draw(rng)`` builds a valid variant's parameters from a ``random.Random`` (valid by construction: no filtering);
the variant's seed comes from the course seed, the question's id and the student's id (``variant_seed``).
The student's answer is read strictly from TOML (``answers/<assignment>.toml``), never evaluated.
"""
from __future__ import annotations

import hashlib
import inspect
import math
import random
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable


class AnswerError(ValueError):
    """An answer that cannot be read as the kind the question asks for; the message says what was expected."""


def _whole(raw: Any) -> int:
    if type(raw) is int:
        return raw
    if type(raw) is float and raw.is_integer():
        raise AnswerError(f"{raw!r} is a decimal number; write the whole number without a decimal point: "
                          f"{int(raw)}")
    raise AnswerError(f"{raw!r} is not a whole number; write it as digits, e.g. 42 (no quotes)")


@dataclass(frozen=True)
class Exact:
    """A whole number, compared exactly."""

    def parse(self, raw: Any) -> int:
        return _whole(raw)

    def equal(self, got: Any, expected: Any) -> bool:
        return got == expected

    def describe(self) -> str:
        return "a whole number, e.g. 42"


@dataclass(frozen=True)
class Tuple:
    """A fixed number of whole numbers (a shape), compared exactly: ``[7, 7, 40]`` in TOML."""

    length: int
    names: tuple[str, ...] = ()  # what each number is, e.g. ("n_H", "n_W", "n_C"), for the quiz

    def parse(self, raw: Any) -> tuple[int, ...]:
        if not isinstance(raw, list):
            raise AnswerError(f"{raw!r} is not a list; write {self.length} whole numbers in brackets, "
                              f"e.g. {list(range(1, self.length + 1))}")
        if len(raw) != self.length:
            raise AnswerError(f"{raw!r} has {len(raw)} numbers; expected {self.length}"
                              + (f" ({', '.join(self.names)})" if self.names else ""))
        return tuple(_whole(x) for x in raw)

    def equal(self, got: Any, expected: Any) -> bool:
        return tuple(got) == tuple(expected)

    def describe(self) -> str:
        inside = ", ".join(self.names) if self.names else ", ".join(["..."] * self.length)
        return f"a list of {self.length} whole numbers [{inside}]"


@dataclass(frozen=True)
class Close:
    """A real number within a stated relative tolerance (``rel=0.01``: 1 %)."""

    rel: float

    def parse(self, raw: Any) -> float:
        if type(raw) not in (int, float) or not math.isfinite(raw):
            raise AnswerError(f"{raw!r} is not a number; write it as digits, e.g. 1.25 (no quotes)")
        return float(raw)

    def equal(self, got: Any, expected: Any) -> bool:
        return math.isclose(got, expected, rel_tol=self.rel)

    def describe(self) -> str:
        return f"a number, within {self.rel * 100:g} % of the exact value"


@dataclass(frozen=True)
class Choice:
    """One of several choices, written as its text (compared without surrounding spaces or case)."""

    choices: tuple[str, ...]

    def parse(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise AnswerError(f"{raw!r} is not one of the choices; write one of {', '.join(map(repr, self.choices))}"
                              " in quotes")
        for c in self.choices:
            if raw.strip().lower() == c.lower():
                return c
        raise AnswerError(f"{raw!r} is not one of the choices {', '.join(map(repr, self.choices))}")

    def equal(self, got: Any, expected: Any) -> bool:
        return got == expected

    def describe(self) -> str:
        return "one of " + ", ".join(f'"{c}"' for c in self.choices)


Comparison = Exact | Tuple | Close | Choice


class Question:
    """A question declared in ``graders/``: how to draw a variant, how answers compare, the worked computation.

    ``worked(**params)`` returns the lines of the computation with the variant's numbers (shown when the
    answer is wrong); ``hint`` is a short reminder of the rule."""

    def __init__(self, name: str, *, draw: Callable[[random.Random], dict[str, Any]],
                 compare: Comparison = Exact(), worked: Callable[..., list[str]] | None = None,
                 hint: str = "") -> None:
        if not callable(draw):
            raise TypeError(f"Question({name!r}): draw must be a function of a random.Random, got {draw!r}")
        self.name, self.draw, self.compare, self.worked, self.hint = name, draw, compare, worked, hint

    def __repr__(self) -> str:
        return f"Question({self.name!r})"


@dataclass(frozen=True)
class Variant:
    """One student's version of a question: the seed it was drawn from and its parameters."""

    student: str
    seed: int
    params: dict[str, Any]

    def to_json(self) -> dict:
        return {"student": self.student, "seed": self.seed, "params": self.params}


def variant_seed(course_seed: int, question_id: str, student: str) -> int:
    """A 32-bit seed from the course seed, the question and the student (the same on every machine)."""
    digest = hashlib.sha256(f"{course_seed}\0{question_id}\0{student}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def variant(question: Question, question_id: str, course_seed: int, student: str) -> Variant:
    seed = variant_seed(course_seed, question_id, student)
    params = question.draw(random.Random(seed))
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise TypeError(f"{question_id}: draw must return a dict of parameters by name, got {params!r}")
    return Variant(student, seed, params)


def answer(reference: ModuleType, question: Question, v: Variant) -> Any:
    """The reference's answer to the variant (trusted side), in the form the comparison reads."""
    value = getattr(reference, question.name)(**v.params)
    return tuple(value) if isinstance(question.compare, Tuple) else value


def prompt(stub: Callable, v: Variant) -> str:
    """The question's text for the variant: the stub's docstring with its parameters filled in."""
    return (inspect.getdoc(stub) or "").format(**v.params)


def show(x: Any) -> str:
    """An answer as the answers file writes it."""
    if isinstance(x, tuple):
        return "[" + ", ".join(map(show, x)) + "]"
    if isinstance(x, str):
        return f'"{x}"'
    if isinstance(x, float):
        return repr(float(format(x, ".10g")))
    return str(x)


def params_line(v: Variant) -> str:
    return ", ".join(f"{k}={show(x)}" for k, x in v.params.items())
