"""What did the class get wrong? The gradebook's reports summed up per assignment, exercise, check and diagnosed
mistake, for ``course gradebook report``.

Built from the SQLite gradebook alone (no regrading): its rows are streamed one at a time and tallied in dicts
keyed by exercise, check and mistake, so memory grows with the course's catalogue, never with the class. No
student id is kept unless ``with_names`` (then at most ``NAMES`` per mistake).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError, Course
from .gradebook import Gradebook

SMALL_GROUP = 5  # fewer students than this sharing a mistake are shown as "< 5"
NAMES = 30  # with names: at most this many per mistake
TOP_CHECKS = 3  # the checks that fail most, per exercise
BINS = 11  # the histogram: 0-9 %, 10-19 %, ..., 90-99 %, 100 %
FULL, PARTIAL, FAILED, NOT_ATTEMPTED, BROKEN = "full marks", "partial", "failed", "not attempted", "error/timeout"
OUTCOMES = (FULL, PARTIAL, FAILED, NOT_ATTEMPTED, BROKEN)
OUTCOME = {"passed": FULL, "partial": PARTIAL, "failed": FAILED, "unimplemented": NOT_ATTEMPTED,
           "missing": NOT_ATTEMPTED, "error": BROKEN, "timeout": BROKEN}
INDENT = "  "  # feedback.failure_text's wording (a test keeps them in step; importing it would load numpy)
DIAGNOSIS = INDENT + "looks like "
STUDENT_BLOCKS = (INDENT + "traceback (your code):", INDENT + "your code printed:")
PATH = re.compile(r"(?:^|[\s\"'(=])(?:[A-Za-z]:)?[\\/~][^\s\"']*[\\/]|@[\w-]+\.\w")  # /home/x/, C:\x\, a@b.c


@dataclass(frozen=True)
class Histogram:
    assignment: str
    title: str
    max_score: float  # the assignment's points (of the exercises graded)
    bins: tuple[int, ...]  # students per BINS share of the points
    mean: float
    median: float

    @property
    def students(self) -> int:
        return sum(self.bins)


@dataclass(frozen=True)
class CheckStats:
    name: str
    failed: int
    attempted: int  # students who handed in the exercise and got a verdict on this check


@dataclass(frozen=True)
class ExerciseStats:
    id: str
    title: str
    max_score: float
    outcomes: dict[str, int]  # OUTCOMES -> students
    lost: float  # points the class lost here, all students together
    checks: tuple[CheckStats, ...]  # the most failed first, at most TOP_CHECKS

    @property
    def graded(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class MistakeStats:
    exercise: str
    description: str  # completes "looks like ..."
    students: int
    graded: int  # students graded on the exercise
    example: str  # one student's feedback for it, anonymised; "" for a small group
    names: tuple[str, ...] = ()  # with names only

    @property
    def function(self) -> str:
        return self.exercise.rsplit(".", 1)[-1]

    @property
    def small(self) -> bool:
        return self.students < SMALL_GROUP


@dataclass(frozen=True)
class ClassReport:
    course: str
    graded: int  # students with a graded row
    ungradable: int
    crashed: int
    fixtures: int  # graded rows with public checks only
    histograms: tuple[Histogram, ...]
    exercises: tuple[ExerciseStats, ...]  # the most points lost first
    mistakes: tuple[MistakeStats, ...]  # the most frequent first
    with_names: bool = False


def share(n: int, of: int) -> str:
    """A whole percentage, the same text in every format: ``38 %``."""
    return f"{round(100 * n / of)} %" if of else "–"


def students_text(m: MistakeStats, with_names: bool = False) -> str:
    """How many students made a mistake; a small group is "< 5" unless the page names students anyway."""
    if m.small and not with_names:
        return f"< {SMALL_GROUP} students"
    return f"{share(m.students, m.graded)} of the class ({m.students} of {m.graded})"


def anonymise(feedback: str) -> str:
    """A check's feedback without what the student wrote or printed, and without lines that hold a path."""
    out, skipping = [], False
    for line in feedback.splitlines():
        if line in STUDENT_BLOCKS:
            out.append(f"{line[:-1]} (left out)")
            skipping = True
        elif skipping and line.startswith(INDENT * 2):
            continue
        else:
            skipping = False
            if not PATH.search(line):
                out.append(line)
    return "\n".join(out)


def diagnoses(feedback: str) -> list[str]:
    """The "looks like ..." lines of a check's feedback (before the student's traceback and output)."""
    found: list[str] = []
    if DIAGNOSIS not in feedback:  # most feedback: no need to read it line by line
        return found
    for line in feedback.splitlines():
        if line in STUDENT_BLOCKS:
            break
        if line.startswith(DIAGNOSIS):
            found.append(line[len(DIAGNOSIS):].strip())
    return found


@dataclass
class _Exercise:
    title: str
    max_score: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    lost: float = 0.0
    checks: dict = field(default_factory=dict)  # name -> [failed, attempted]


@dataclass
class _Mistake:
    students: int = 0
    example: str = ""
    names: list = field(default_factory=list)


@dataclass
class _Tally:
    """The running sums while the rows stream by (mutable; ``ClassReport`` is what comes out)."""
    course: Course
    with_names: bool
    kinds: Counter = field(default_factory=Counter)
    fixtures: int = 0
    exercises: dict = field(default_factory=dict)  # id -> _Exercise
    scores: dict = field(default_factory=dict)  # assignment -> Counter {(score, max_score): students}
    mistakes: dict = field(default_factory=dict)  # (exercise, description) -> _Mistake

    def __post_init__(self) -> None:
        self.known = {e.id: e.assignment for e in self.course.exercises}

    def add(self, student: str, report: dict) -> None:
        assignment: dict[str, list[float]] = {}
        for e in report.get("exercises", []):
            eid, score, max_score = str(e["id"]), float(e["score"]), float(e["max_score"])
            stats = self.exercises.get(eid) or self.exercises.setdefault(eid, _Exercise(str(e.get("title", ""))))
            stats.max_score = max(stats.max_score, max_score)
            outcome = OUTCOME.get(e.get("status"), BROKEN)
            stats.outcomes[outcome] += 1
            stats.lost += max_score - score
            totals = assignment.setdefault(self.assignment_of(eid), [0.0, 0.0])
            totals[0] += score
            totals[1] += max_score
            if outcome in (FULL, PARTIAL, FAILED):  # attempted: the others' checks all fail, or never ran
                self._checks(stats, e.get("checks", []))
            if outcome in (PARTIAL, FAILED):
                self._mistakes(student, eid, e.get("checks", []))
        for aid, (score, max_score) in assignment.items():
            self.scores.setdefault(aid, Counter())[round(score, 4), round(max_score, 4)] += 1

    def assignment_of(self, exercise_id: str) -> str:
        return self.known.get(exercise_id, exercise_id.split(".", 1)[0])

    def _checks(self, stats: _Exercise, checks: list[dict]) -> None:
        for c in checks:
            counts = stats.checks.setdefault(str(c["name"]), [0, 0])
            counts[0] += not c["passed"]
            counts[1] += 1

    def _mistakes(self, student: str, eid: str, checks: list[dict]) -> None:
        seen: dict[str, str] = {}  # description -> the shortest feedback naming it (a student counts once)
        for c in checks:
            if c["passed"]:
                continue
            for description in diagnoses(c.get("feedback", "")):
                if description not in seen or len(c["feedback"]) < len(seen[description]):
                    seen[description] = c["feedback"]
        for description, text in seen.items():
            m = self.mistakes.setdefault((eid, description), _Mistake())
            m.students += 1
            if not m.example or len(text) < len(m.example):  # anonymised once, at the end
                m.example = text
            if self.with_names and len(m.names) < NAMES:
                m.names.append(student)

    def result(self) -> ClassReport:
        order = {e.id: i for i, e in enumerate(self.course.exercises)}
        exercises = sorted((self._exercise(eid, s) for eid, s in self.exercises.items()),
                           key=lambda x: (-x.lost, order.get(x.id, len(order)), x.id))
        graded = {x.id: x.graded for x in exercises}
        mistakes = [MistakeStats(eid, d, m.students, graded[eid], self._example(m), tuple(m.names))
                    for (eid, d), m in self.mistakes.items()]
        mistakes.sort(key=lambda m: (-m.students, order.get(m.exercise, len(order)), m.exercise, m.description))
        titles = self.course.assignments
        histograms = [_histogram(aid, titles.get(aid, aid), counts) for aid, counts in self.scores.items()]
        histograms.sort(key=lambda h: (list(titles).index(h.assignment) if h.assignment in titles else len(titles),
                                       h.assignment))
        return ClassReport(self.course.name, self.kinds["graded"], self.kinds["ungradable"], self.kinds["crashed"],
                           self.fixtures, tuple(histograms), tuple(exercises), tuple(mistakes), self.with_names)

    def _example(self, m: _Mistake) -> str:
        """The shortest feedback, anonymised; none for a small group (it might tell who) unless names are shown."""
        return anonymise(m.example) if self.with_names or m.students >= SMALL_GROUP else ""

    def _exercise(self, eid: str, s: _Exercise) -> ExerciseStats:
        checks = sorted(((name, failed, n) for name, (failed, n) in s.checks.items() if failed),
                        key=lambda c: -c[1])[:TOP_CHECKS]  # a stable sort: ties keep the checks' order
        return ExerciseStats(eid, s.title, s.max_score, {o: s.outcomes[o] for o in OUTCOMES}, round(s.lost, 4),
                             tuple(CheckStats(*c) for c in checks))


def _histogram(aid: str, title: str, counts: Counter) -> Histogram:
    bins = [0] * BINS
    total, n, most = 0.0, 0, 0.0
    for (score, max_score), k in counts.items():
        bins[_bin(score, max_score)] += k
        total += k * score
        n += k
        most = max(most, max_score)
    return Histogram(aid, title, most, tuple(bins), round(total / n, 2) if n else 0.0, _median(counts))


def _bin(score: float, max_score: float) -> int:
    if max_score <= 0 or score >= max_score - 1e-9:
        return BINS - 1
    return min(BINS - 2, int(10 * score / max_score + 1e-9))


def _median(counts: Counter) -> float:
    """The median score, from the count of each (score, max_score): no list of the class's scores."""
    scores = Counter()
    for (score, _), k in counts.items():
        scores[score] += k
    n, seen, below = sum(scores.values()), 0, None
    for score in sorted(scores):
        seen += scores[score]
        if n % 2 == 0 and below is None and seen >= n // 2:
            below = score
        if seen >= n // 2 + 1:
            return round((below + score) / 2 if n % 2 == 0 else score, 4)
    return 0.0


def build(path: Path, course: Course, with_names: bool = False) -> ClassReport:
    """The class report of the gradebook at ``path``; ConfigError when there is none."""
    if not Path(path).is_file():
        raise ConfigError(f"{path}: no such gradebook; run `course batch` or `course gradebook merge` first, or "
                          "give --out the gradebook's path")
    tally = _Tally(course, with_names)
    with Gradebook(Path(path), course) as book:
        for student, kind, mode, report in book.db.execute("SELECT student, kind, mode, report FROM results "
                                                           "ORDER BY student"):
            tally.kinds[kind] += 1
            if kind == "graded" and report:
                tally.fixtures += mode == "fixtures"
                try:
                    tally.add(student, json.loads(report))
                except (ValueError, KeyError, TypeError) as e:
                    raise ConfigError(f"{path}: the report of {student!r} is not a course-grade/1 report ({e}); "
                                      "grade that submission again with `course batch`") from None
    return tally.result()
