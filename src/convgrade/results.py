"""The records a grading run produces, and their JSON form (schema ``course-grade/1``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .points import add

SCHEMA = "course-grade/1"
STATUSES = ("passed", "partial", "failed", "unimplemented", "error", "timeout", "missing")


@dataclass(frozen=True)
class CheckResult:
    """Points here and below are whole numbers of 1/10,000 of a point, decided once (see ``points``)."""

    name: str
    passed: bool
    points: float
    max_points: float
    feedback: str = ""
    public: bool = True
    # for the HTML report, never in JSON: {"name", "got", "expected"} arrays of the smallest failing input
    artifacts: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    title: str
    score: float
    max_score: float
    status: str
    feedback: str
    checks: tuple[CheckResult, ...] = ()
    # for the HTML report, never in JSON: what the exercise's ``figure`` hook made (images, tables)
    figures: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    variant: dict[str, Any] | None = None  # a question's: {"student", "seed", "params"} (see convgrade.questions)


@dataclass(frozen=True)
class Report:
    course: str
    mode: str  # "reference" or "fixtures"
    isolation: str  # "namespaces", "user-namespaces" or "process"
    exercises: tuple[ExerciseResult, ...]

    @property
    def score(self) -> float:
        return add(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return add(e.max_score for e in self.exercises)

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "course": self.course,
            "score": self.score,
            "max_score": self.max_score,
            "mode": self.mode,
            "isolation": self.isolation,
            "exercises": [
                {
                    "id": e.id, "title": e.title, "score": e.score, "max_score": e.max_score, "status": e.status,
                    "feedback": e.feedback,
                    "checks": [{"name": c.name, "passed": c.passed, "points": c.points, "max_points": c.max_points,
                                "feedback": c.feedback, "public": c.public} for c in e.checks],
                    **({"variant": e.variant} if e.variant is not None else {}),
                }
                for e in self.exercises
            ],
        }
