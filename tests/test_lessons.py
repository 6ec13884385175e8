"""The meta-tests every exercise gets: the reference scores full marks, the untouched stub scores zero as
"unimplemented", and every catalogued mistake is caught with the feedback written beside it."""
from __future__ import annotations

import pytest

from graders.mistakes import as_submission
from graders.runner import Lesson, grade

from conftest import ROOT, feedback_lines, grade_one, write_submission
from graders import course as course_mod

COURSE = course_mod.load(ROOT)
MISTAKES = [(e, m) for lesson in COURSE.lessons for m in Lesson(COURSE, lesson).mistakes
            for e in COURSE.exercises if e.lesson == lesson and e.name == m.target]


@pytest.fixture(scope="module")
def reference_report(course):
    return grade(course, ROOT / "reference")


@pytest.fixture(scope="module")
def stub_report(course):
    return grade(course, ROOT / "exercises")


@pytest.mark.parametrize("exercise", [e.id for e in COURSE.exercises])
def test_reference_scores_full_marks(reference_report, exercise):
    result = next(r for r in reference_report.exercises if r.id == exercise)
    failures = "\n".join(c.feedback for c in result.checks if not c.passed)
    assert (result.status, result.score) == ("passed", result.max_score), failures or result.feedback


@pytest.mark.parametrize("exercise", [e.id for e in COURSE.exercises])
def test_stub_scores_zero_as_unimplemented(stub_report, exercise):
    result = next(r for r in stub_report.exercises if r.id == exercise)
    assert (result.status, result.score) == ("unimplemented", 0.0), result.feedback
    assert result.feedback.startswith("not implemented yet")


def test_every_exercise_has_three_mistakes():
    counts = {e.id: 0 for e in COURSE.exercises}
    for e, _ in MISTAKES:
        counts[e.id] += 1
    assert not [i for i, n in counts.items() if n < 3], "exercises with fewer than three catalogued mistakes"


@pytest.mark.parametrize("exercise,m", MISTAKES, ids=[f"{e.id}:{m.impl.__name__}" for e, m in MISTAKES])
def test_mistake_is_caught_with_its_feedback(course, tmp_path, exercise, m):
    source = as_submission((ROOT / "reference" / exercise.path).read_text(), m)
    result = grade_one(course, write_submission(tmp_path, {exercise.path: source}), exercise.id)
    lines = feedback_lines(result)
    assert result.score < result.max_score, f"{m.impl.__name__} got full marks"
    missing = [want for want in m.feedback if want not in lines]
    assert not missing, "feedback lacks:\n" + "\n".join(missing) + "\n--- feedback was:\n" + "\n".join(lines)
    if m.diagnose:
        assert f"looks like {m.description}" in lines, "\n".join(lines)
