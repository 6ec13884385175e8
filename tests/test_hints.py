"""What the last grade of a course version learnt (``hints``): what each exercise's workers preload, so that the next
grade's fork server starts importing torch while the grading process imports its checks (``sandbox.warm``), and how
long each exercise took, so that ``--jobs`` processes take the longest lessons first (``parallel.spread``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from convgrade import config as course_mod
from convgrade import drawcache, hints, parallel
from convgrade.extra.torch import TORCH
from convgrade.lesson import Lesson
from convgrade.runner import grade

from conftest import ROOT

COURSE = course_mod.load(ROOT)


def test_a_grade_remembers_what_each_exercise_preloads(monkeypatch, tmp_path):
    monkeypatch.setenv(drawcache.ENV, str(tmp_path))
    ids = ["week1.padding.zero_pad", "week1.convnet.LeNet5"]
    assert hints.expected(ROOT, ids) == ((), ())  # nothing graded yet
    grade(COURSE, ROOT / "exercises", ids)  # the stubs: quick, and they need what the reference needs
    assert hints.expected(ROOT, ["week1.padding.zero_pad"]) == ((), ())  # numpy alone: the fork server has it
    assert hints.expected(ROOT, ids) == (("torch",), (str(TORCH.path.resolve()),))  # and torch's operations
    assert hints.expected(ROOT, ["week1.convnet.train_digits"]) == ((), ())  # not graded yet: no hint


def test_a_corrupt_or_missing_cache_gives_no_hint_and_is_made_again(monkeypatch, tmp_path):
    monkeypatch.setenv(drawcache.ENV, str(tmp_path))
    lenet = {"week1.convnet.LeNet5": (("numpy", "torch"), ("ops.py",))}
    hints.remember(ROOT, lenet)
    [kept] = (tmp_path / "hints").iterdir()
    kept.write_bytes(b"not a pickle")
    assert hints.expected(ROOT, ["week1.convnet.LeNet5"]) == ((), ())
    hints.remember(ROOT, lenet)
    assert hints.expected(ROOT, ["week1.convnet.LeNet5"]) == (("torch",), ("ops.py",))
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    hints.remember(ROOT, lenet)  # no cache: nothing kept, no error
    assert hints.expected(ROOT, ["week1.convnet.LeNet5"]) == ((), ())


def test_course_grade_is_the_same_with_its_fork_server_warmed(tmp_path):
    """The second `course grade` of a lesson with models warms its fork server with torch (the first remembered
    it); the report is the first's, byte for byte."""
    env = {**os.environ, drawcache.ENV: str(tmp_path)}
    args = [sys.executable, "-m", "convgrade.cli", "grade", "reference", "--only", "week1.convnet.LeNet5",
            "--json", "-"]
    first, second = (subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
                     for _ in range(2))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert json.loads(first.stdout)["score"] == 5
    assert first.stdout == second.stdout


def test_a_grade_in_several_processes_times_each_exercise_and_the_next_takes_the_longest_first(monkeypatch, tmp_path):
    monkeypatch.setenv(drawcache.ENV, str(tmp_path))
    monkeypatch.setattr(parallel, "START", 0)  # two cheap lessons: spread anyway
    lessons = ["week1.padding", "week2.efficientnet"]
    ids = [cfg.id for cfg in COURSE.select(lessons)]
    assert hints.timed(ROOT, ids) == {}
    grade(COURSE, ROOT / "reference", lessons, jobs=2)
    seconds = hints.timed(ROOT, ids)
    assert sorted(seconds) == sorted(ids) and all(s > 0 for s in seconds.values())  # each, whichever process
    assert hints.timed(ROOT, ids[:1]) == {ids[0]: seconds[ids[0]]}

    exercises = [(cfg, Lesson(COURSE, cfg.lesson).exercise(cfg)) for cfg in COURSE.select(lessons)]
    assert parallel.spread(exercises, 2) == lessons  # the static estimate: padding draws more examples
    slow = {i: 9.0 for i in ids if i.startswith("week2.efficientnet.")}
    hints.clock(ROOT, "week2.efficientnet", slow)  # as if it had taken seconds: first next time
    assert parallel.spread(exercises, 2, hints.timed(ROOT, ids)) == lessons[::-1]
    hints.clock(ROOT, "week2.efficientnet", dict.fromkeys(slow, 0.001))  # a quick grade (a stub) halves it
    assert set(hints.timed(ROOT, slow).values()) == {4.5}
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    hints.clock(ROOT, "week2.efficientnet", slow)  # no cache: nothing kept, no error
    assert hints.timed(ROOT, ids) == {}
