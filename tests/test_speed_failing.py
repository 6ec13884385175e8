"""Grading a failing exercise faster (issue 15) without changing its report: array strategies made once and reused,
a case that passed not run again while hypothesis shrinks, and the fork server loading what the whole lesson file
imports. Each is checked against grading without it, byte for byte."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convgrade import config as course_mod
from convgrade import checkrun, runner
from convgrade.checks import CheckFailed
from convgrade.extra import numpy as cg_numpy
from convgrade.extra.numpy import arrays, values
from convgrade.lesson import Lesson
from convgrade.mistakes import as_submission
from convgrade.operations import requirements
from convgrade.student import Context

from conftest import ROOT, write_submission

COURSE = course_mod.load(ROOT)


def test_array_strategies_are_made_once_per_set_of_arguments():
    assert arrays((2, 3)) is arrays((2, 3))
    assert arrays((2, 3), kind="floats", bound=2) is arrays((2, 3), kind="floats", bound=2)
    assert values(bound=4) is values(bound=4)
    assert arrays((2, 3)) is not arrays((2, 4))
    assert arrays((2, 3), bound=1) is not arrays((2, 3), bound=True)  # equal keys to a dict, not the same type
    assert arrays([2, 3]) is not arrays([2, 3])  # a list cannot be a key: made anew, still a strategy
    assert arrays((np.int64(2), 3)) is not arrays((np.int64(2), 3))


def _drawn(strategy: st.SearchStrategy) -> list[bytes]:
    """Every array a seeded, failing hypothesis test is fed, through its search and its shrinking."""
    seen: list[bytes] = []

    @seed(7)
    @settings(derandomize=True, database=None, max_examples=40, deadline=None)
    @given(strategy)
    def test(a: np.ndarray) -> None:
        seen.append(a.tobytes())
        assert a.sum() < 4

    with pytest.raises(AssertionError):
        test()
    return seen


@pytest.mark.parametrize("kind", ["ints", "floats"])
def test_a_reused_strategy_draws_what_a_new_one_draws(kind):
    fresh = hnp.arrays(np.float64, (2, 5, 3), elements=cg_numpy._values(kind=kind, bound=3))
    arrays((2, 5, 3), kind=kind).validate()  # used before, as in a grade
    reused = _drawn(arrays((2, 5, 3), kind=kind))
    assert reused == _drawn(fresh)
    assert len(set(reused)) > 5  # searched and shrunk


def test_a_case_that_passed_is_not_run_again_and_a_failing_one_is():
    ran: list[object] = []

    def body(case: object) -> None:
        ran.append(case)
        if case == "bad":
            raise CheckFailed("wrong")

    test = checkrun._passing_once(body)
    for case in ["ok", "ok", [1, 2], [1, 2], "ok"]:
        test(case)
    for _ in range(2):
        with pytest.raises(CheckFailed):
            test("bad")
    unpicklable = lambda: None  # noqa: E731 - a case pickle cannot key: run every time
    test(unpicklable)
    test(unpicklable)
    assert ran == ["ok", [1, 2], "bad", "bad", unpicklable, unpicklable]


def test_the_fork_server_loads_what_the_whole_lesson_file_needs():
    """A numpy exercise of a lesson that also has a module to write: its workers import torch with the student's
    file, so their fork server loads it (as grading the whole course does); a numpy-only lesson: numpy alone."""
    def preload(exercise_id: str) -> tuple[str, ...]:
        cfg = next(e for e in COURSE.exercises if e.id == exercise_id)
        lessons = {cfg.lesson: Lesson(COURSE, cfg.lesson)}
        assert not lessons[cfg.lesson].exercise(cfg).needs  # the exercise itself needs numpy only
        return requirements(runner._lesson_needs(COURSE, lessons, [cfg]))[0]

    assert "torch" in preload("week2.mobilenet.depthwise_conv_forward")
    assert preload("week1.convolution.conv_forward") == ("numpy",)


def _mistake_submission(folder: Path, exercise_id: str, mistake: str) -> Path:
    cfg = next(e for e in COURSE.exercises if e.id == exercise_id)
    m = next(m for m in Lesson(COURSE, cfg.lesson).mistakes if m.impl.__name__ == mistake)
    source = as_submission((ROOT / "reference" / cfg.path).read_text(encoding="utf-8"), m)
    return write_submission(folder, {cfg.path: source})


def _graded(monkeypatch: pytest.MonkeyPatch, submission: Path, exercise_id: str) -> tuple[str, int]:
    """The report's JSON, and how many examples the checks' bodies ran."""
    ran = [0]
    begin = Context.begin_example

    def counted(self: Context) -> None:
        ran[0] += 1
        begin(self)

    monkeypatch.setattr(Context, "begin_example", counted)
    report = runner.grade(COURSE, submission, [exercise_id])
    monkeypatch.setattr(Context, "begin_example", begin)
    return json.dumps(report.to_json(), sort_keys=True), ran[0]


@pytest.mark.parametrize("exercise_id, mistake", [("week1.convolution.conv_forward", "conv_forward_no_bias"),
                                                  ("week2.resnet.residual_forward", "residual_forward_no_skip")])
def test_a_failing_exercise_grades_as_without_the_shortcuts(exercise_id, mistake, tmp_path, monkeypatch):
    submission = _mistake_submission(tmp_path / "sub", exercise_id, mistake)
    fast, fast_ran = _graded(monkeypatch, submission, exercise_id)
    monkeypatch.setattr(checkrun, "_passing_once", lambda body: body)
    monkeypatch.setattr(cg_numpy, "_reused", lambda make, *args, **kw: make(*args, **kw))
    monkeypatch.setattr(runner, "_lesson_needs", lambda course, lessons, chosen: (
        need for cfg in chosen for need in lessons[cfg.lesson].spec(cfg).needs))
    slow, slow_ran = _graded(monkeypatch, submission, exercise_id)
    assert fast == slow
    assert json.loads(fast)["score"] < json.loads(fast)["max_score"]
    assert fast_ran < slow_ran  # the shortcut was taken: cases that passed were not run again
