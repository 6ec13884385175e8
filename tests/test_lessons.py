"""The meta-tests every exercise gets, from `course selftest`: the reference scores full marks, the untouched stub
scores zero as "unimplemented", every catalogued mistake is caught with the feedback written beside it, the public
checks replay from fixtures, and grading twice gives the same report. One pytest test per probe."""
from __future__ import annotations

import atexit

import pytest

from convgrade import config as course_mod
from convgrade import selftest
from convgrade.config import ExerciseConfig
from convgrade.results import ExerciseResult

from conftest import ROOT


class Selftest(selftest.Selftest):
    """``course selftest``'s probes, where an exercise's determinism probe takes its first mistake probe's grading
    (when this process made it) as the first of the two gradings of that submission it compares: one grading less
    per exercise, the same comparison of two real gradings (conftest.work_units runs the two probes together)."""

    def __init__(self, course: course_mod.Course) -> None:
        super().__init__(course)
        self._first: dict[tuple[str, str], ExerciseResult] = {}  # (exercise, source): its mistake probe's grading

    def _grade_source(self, cfg: ExerciseConfig, source: str, tag: str) -> ExerciseResult:
        key = (cfg.id, source)
        if tag == "again0" and key in self._first:
            return self._first.pop(key)
        result = super()._grade_source(cfg, source, tag)
        if tag == self._mistakes(cfg)[0].impl.__name__:
            self._first[key] = result
        return result


COURSE = course_mod.load(ROOT)
SELFTEST = Selftest(COURSE)
atexit.register(SELFTEST.close)
PROBES = SELFTEST.plan()
# The reference, stub and fixtures probes read what SELFTEST grades once per lesson (the reference, the stubs, the
# released bundle): under xdist, a lesson's go to one worker together (conftest.work_units), which grades them once.


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_selftest_probe(probe):
    finding = SELFTEST.run(probe)
    assert finding.ok, finding.detail


def test_every_exercise_has_three_mistakes():
    counts = {e.id: 0 for e in COURSE.exercises}
    for p in PROBES:
        counts[p.exercise] += p.kind == "mistake"
    questions = {e.id for e in COURSE.exercises if e.is_question}
    assert not [i for i, n in counts.items() if n < 3 and i not in questions], \
        "exercises with fewer than three catalogued mistakes"
    # a question has fewer likely wrong answers than a function has wrong implementations: one at least
    assert not [i for i, n in counts.items() if n < 1], "questions without a catalogued wrong answer"
