"""``course grade --jobs N``: lessons graded in spawned processes give the report one process gives, byte for
byte; a process that dies loses nothing; a batch, a Dask task or nbgrader never grades in parallel inside."""
from __future__ import annotations

import functools
import json
import multiprocessing as mp
import os
import signal
import time

import pytest

from conftest import ROOT
from convgrade import config as course_mod, parallel, runner
from convgrade.batch import grade_reply
from convgrade.cli import main
from convgrade.lesson import Lesson

# two numpy lessons and a quiz (graded in the grading process): cheap, and every status shows up
LESSONS = ["week1.padding", "week2.efficientnet", "quiz1.sizes"]
DOOMED = "week1.padding"
GRADE_LESSON = runner.grade_lesson


COURSE = course_mod.load(ROOT)


@functools.cache
def report_text(submission: str, jobs: int) -> str:
    return json.dumps(runner.grade(COURSE, ROOT / submission, LESSONS, jobs=jobs).to_json(), indent=2)


@pytest.fixture
def spread(monkeypatch) -> list[int]:
    """LESSONS are too cheap to be worth a process each: here they are spread anyway; how many went."""
    monkeypatch.setattr(parallel, "START", 0)
    went, grade = [], parallel.grade
    monkeypatch.setattr(parallel, "grade", lambda course, work, lessons, *rest: went.append(len(lessons))
                        or grade(course, work, lessons, *rest))
    return went


@pytest.mark.parametrize("submission", ["reference", "exercises", "examples/partial"])
def test_the_report_is_the_same_whatever_the_number_of_processes(submission, spread):
    one = report_text(submission, 1)
    assert report_text(submission, 2) == one and spread == [2]
    assert json.loads(one)["exercises"][0]["id"] == "week1.padding.zero_pad"  # catalogue order


def dying(course, work, lesson):
    """``runner.grade_lesson``, except that a spawned process grading DOOMED dies as the test asks."""
    how = os.environ["CONVGRADE_TEST_DEATH"]
    if lesson == DOOMED and mp.parent_process() is not None:
        if how == "raise":
            raise RuntimeError("a bug in a grader")
        os.kill(os.getpid(), signal.SIGKILL if how == "kill" else signal.SIGSEGV)
    return GRADE_LESSON(course, work, lesson)


@pytest.mark.parametrize("how", ["kill", "segfault", "raise"])
def test_a_process_that_dies_loses_nothing(how, course, monkeypatch, capfd, spread):
    monkeypatch.setenv("CONVGRADE_TEST_DEATH", how)
    monkeypatch.setattr(parallel._Pool, "take", lambda pool: None)  # every lesson to the spawned process
    monkeypatch.setattr(runner, "grade_lesson", dying)  # pickled by name: the spawned processes import this file
    report = runner.grade(course, ROOT / "examples/partial", LESSONS, jobs=2)
    assert json.dumps(report.to_json(), indent=2) == report_text("examples/partial", 1) and spread == [2]
    said = capfd.readouterr().err
    cause = {"kill": "killed by SIGKILL", "segfault": "killed by SIGSEGV", "raise": "RuntimeError: a bug in a grader"}
    assert f"course: the process grading {DOOMED} stopped ({cause[how]}); graded it again here" in said


def test_this_process_takes_the_costliest_lesson_at_once(course, monkeypatch):
    """The spawned processes take lessons once they have started: the first, costliest, is this process's own."""
    monkeypatch.setattr(parallel, "START", 0)
    took, take, order, grade = [], parallel._Pool.take, [], parallel.grade
    monkeypatch.setattr(parallel._Pool, "take", lambda pool: took.append(take(pool)) or took[-1])
    monkeypatch.setattr(parallel, "grade", lambda course, work, lessons, *rest: order.append(lessons)
                        or grade(course, work, lessons, *rest))
    runner.grade(course, ROOT / "reference", LESSONS, jobs=2)
    assert len(order) == 1 and took[0] == order[0][0]


def slow_start(conn, *args):
    """``parallel._serve`` in a process that takes a minute to start."""
    time.sleep(60)
    parallel._serve(conn, *args)


def test_a_process_still_starting_when_every_lesson_is_graded_is_not_waited_for(course, monkeypatch, capfd, spread):
    monkeypatch.setattr(parallel, "_serve", slow_start)  # pickled by name: the spawned process imports this file
    start = time.monotonic()
    report = runner.grade(course, ROOT / "examples/partial", LESSONS, jobs=2)
    assert time.monotonic() - start < 50  # it was ended, not waited for (a hang detector, not a speed target)
    assert json.dumps(report.to_json(), indent=2) == report_text("examples/partial", 1) and spread == [2]
    assert "stopped" not in capfd.readouterr().err  # it held no lesson: nothing lost, nothing said


def refuse(*args, **kwargs):
    raise AssertionError("graded in parallel")


def test_batch_and_dask_tasks_grade_in_one_process(course, monkeypatch):
    """A batch's grading processes and Dask tasks call ``grade_reply``: one submission, one process."""
    monkeypatch.setattr(parallel, "grade", refuse)
    reply = grade_reply(course, ROOT / "reference", LESSONS)
    assert "report" in reply, reply
    assert reply["report"]["score"] == reply["report"]["max_score"]


def test_one_lesson_is_graded_here_whatever_jobs_says(course, monkeypatch):
    monkeypatch.setattr(parallel, "grade", refuse)  # children would cost their start-up and save nothing
    report = runner.grade(course, ROOT / "reference", ["week1.padding", "quiz1.sizes"], jobs=4)
    assert report.score == report.max_score


def test_the_costliest_lessons_go_first_and_small_selections_stay_here(course):
    """The static estimate puts every lesson that builds torch models before the numpy ones, whatever the
    machine measured last time (nothing is measured); two cheap lessons are not worth a second process."""
    exercises = [(cfg, Lesson(course, cfg.lesson).exercise(cfg)) for cfg in course.exercises if not cfg.is_question]
    order = parallel.spread(exercises, 2)
    torch_lessons = {cfg.lesson for cfg, spec in exercises if parallel.cost(cfg, spec) >= parallel.HEAVY}
    assert set(order[:len(torch_lessons)]) == torch_lessons == {
        "week1.convnet", "week2.classic", "week2.resnet", "week2.inception", "week2.mobilenet"}
    assert sorted(order) == sorted(course.lessons[:12]) and parallel.spread(exercises, 1) == []
    assert parallel.spread([(cfg, spec) for cfg, spec in exercises if cfg.lesson in LESSONS], 2) == []


def test_jobs_must_be_positive(capsys):
    assert main(["--course", str(ROOT), "grade", "reference", "--jobs", "0"]) == 2
    assert "course: --jobs 0: expected a positive number of processes" in capsys.readouterr().err
