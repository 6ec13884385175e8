"""What each exercise's workers preload, remembered per course version (``preloads``), so that the next grade's
fork server starts importing torch while the grading process imports its checks (``sandbox.warm``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from convgrade import config as course_mod
from convgrade import drawcache, preloads
from convgrade.runner import grade

from conftest import ROOT

COURSE = course_mod.load(ROOT)


def test_a_grade_remembers_what_each_exercise_preloads(monkeypatch, tmp_path):
    monkeypatch.setenv(drawcache.ENV, str(tmp_path))
    ids = ["week1.padding.zero_pad", "week1.convnet.LeNet5"]
    assert preloads.expected(ROOT, ids) == ()  # nothing graded yet
    grade(COURSE, ROOT / "exercises", ids)  # the stubs: quick, and they need what the reference needs
    assert preloads.expected(ROOT, ["week1.padding.zero_pad"]) == ()  # numpy alone: the fork server has it
    assert preloads.expected(ROOT, ids) == ("torch",)
    assert preloads.expected(ROOT, ["week1.convnet.train_digits"]) == ()  # not graded yet: no hint


def test_a_corrupt_or_missing_cache_gives_no_hint_and_is_made_again(monkeypatch, tmp_path):
    monkeypatch.setenv(drawcache.ENV, str(tmp_path))
    preloads.remember(ROOT, {"week1.convnet.LeNet5": ("numpy", "torch")})
    [kept] = (tmp_path / "preloads").iterdir()
    kept.write_bytes(b"not a pickle")
    assert preloads.expected(ROOT, ["week1.convnet.LeNet5"]) == ()
    preloads.remember(ROOT, {"week1.convnet.LeNet5": ("numpy", "torch")})
    assert preloads.expected(ROOT, ["week1.convnet.LeNet5"]) == ("torch",)
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    preloads.remember(ROOT, {"week1.convnet.LeNet5": ("numpy", "torch")})  # no cache: nothing kept, no error
    assert preloads.expected(ROOT, ["week1.convnet.LeNet5"]) == ()


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
