"""The meta-tests every exercise gets: the reference scores full marks, the untouched stub scores zero as
"unimplemented", and every catalogued mistake is caught with the feedback written beside it."""
from __future__ import annotations

import pytest

from convgrade.mistakes import as_submission
from convgrade.lesson import Lesson
from convgrade.runner import grade

from conftest import ROOT, feedback_lines, grade_one, write_submission
from convgrade import config as course_mod

COURSE = course_mod.load(ROOT)
MISTAKES = [(e, m) for lesson in COURSE.lessons for m in Lesson(COURSE, lesson).mistakes
            for e in COURSE.exercises if e.lesson == lesson and e.name == m.target]


_reports: dict = {}


def lesson_result(tree: str, exercise_id: str):
    """Grade a tree lesson by lesson (one lesson's failure leaves the others' tests alone), once per process."""
    lesson = exercise_id.rsplit(".", 1)[0]
    if (tree, lesson) not in _reports:
        _reports[tree, lesson] = grade(COURSE, ROOT / tree, [lesson])
    return next(r for r in _reports[tree, lesson].exercises if r.id == exercise_id)


@pytest.mark.parametrize("exercise", [e.id for e in COURSE.exercises])
def test_reference_scores_full_marks(exercise):
    result = lesson_result("reference", exercise)
    failures = "\n".join(c.feedback for c in result.checks if not c.passed)
    assert (result.status, result.score) == ("passed", result.max_score), failures or result.feedback


@pytest.mark.parametrize("exercise", [e.id for e in COURSE.exercises])
def test_stub_scores_zero_as_unimplemented(exercise):
    result = lesson_result("exercises", exercise)
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
