"""The reference's remembered answers (``refcache``): with them warm, the grading process builds no reference
model, and the report is the one grading without them gives, byte for byte, cold, warm, off or corrupt."""
from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from convgrade import config as course_mod
from convgrade import drawcache, parallel, refcache
from convgrade.extra.torch import reference as torch_reference
from convgrade.runner import grade

from conftest import ROOT, write_submission

COURSE = course_mod.load(ROOT)
LESSONS = ["week2.inception", "week2.network_in_network"]  # models: layouts, outputs, gradients, traces, graphs


def _graded(monkeypatch: pytest.MonkeyPatch, submission: str, cache: str | Path, only: list[str] = LESSONS) -> str:
    monkeypatch.setenv(drawcache.ENV, str(cache))
    return json.dumps(grade(COURSE, ROOT / submission, only).to_json())  # ROOT / an absolute path: that path


def _builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reference modules built from now on (spying on ``reference.built``)."""
    made: list[str] = []
    build = torch_reference.built

    def spy(ref, name, case, device="cpu"):
        made.append(f"{name} on {device}")
        return build(ref, name, case, device)

    monkeypatch.setattr(torch_reference, "built", spy)
    return made


@pytest.fixture(scope="module")
def padded(tmp_path_factory) -> str:
    """A submission whose InceptionModule pads its 5x5 conv by 1: feedback from the reference's trace and graph."""
    source = (ROOT / "reference/week2/inception.py").read_text()
    assert source.count("5, padding=2)") == 1
    folder = write_submission(tmp_path_factory.mktemp("padded"),
                              {"week2/inception.py": source.replace("5, padding=2)", "5, padding=1)")})
    return str(folder)


def _corrupt(files: list[Path]) -> None:
    for i, f in enumerate(files):
        f.write_bytes(b"not a pickle" if i % 2 else f.read_bytes()[: len(f.read_bytes()) // 2])


# One test per submission, which grades it off, cold and warm once and asks all of these of those gradings (each
# grading of these models costs seconds): the reports are the same; cold, the reference and the padded submission
# build reference models (on cpu and on meta), warm, none; the reference's answers, corrupted, are computed again
# and written whole; an unwritable cache grades the reference without it.
@pytest.mark.parametrize("submission", ["reference", "exercises", "examples/partial", "padded"])
def test_reports_are_identical_without_the_answers_cold_and_warm(submission, tmp_path, monkeypatch, request):
    path = request.getfixturevalue("padded") if submission == "padded" else submission
    cache = tmp_path / "cache"
    off = _graded(monkeypatch, path, drawcache.OFF)
    made = _builds(monkeypatch)
    cold = _graded(monkeypatch, path, cache)
    answers, built = sorted((cache / "answers").iterdir()), made.copy()
    made.clear()
    warm = _graded(monkeypatch, path, cache)
    assert cold == off and warm == off
    if submission in ("reference", "padded"):  # a warm cache builds no reference model
        assert any(m.endswith("on cpu") for m in built) and any(m.endswith("on meta") for m in built)
        assert made == []
    if submission == "reference":
        assert len(answers) > 10  # layouts, outputs, gradients, weight plans
        _corrupt(answers)
        assert _graded(monkeypatch, path, cache) == off
        assert made  # computed again, and written whole
        made.clear()
        assert _graded(monkeypatch, path, cache) == off and made == []
        (tmp_path / "file").write_text("not a folder")
        assert _graded(monkeypatch, path, tmp_path / "file" / "cache") == off  # unwritable: graded without it
    if submission == "padded":  # the diagnosis read the reference's trace and graph from the cache
        assert "the first layer whose output shape differs from the reference's" in warm
        assert "your forward pass, layer by layer, against the reference's" in warm


def test_only_the_lessons_own_reference_is_remembered(tmp_path, monkeypatch):
    """A stand-in for the reference (a release's Recorder, a bundle's Replay, anything else) is always asked."""
    monkeypatch.setenv(drawcache.ENV, str(tmp_path))
    reference, other, calls = types.ModuleType("reference"), types.ModuleType("other"), []

    def answer(value: int):
        return lambda: calls.append(value) or value

    with refcache.answering(ROOT, "week2.inception", reference):
        assert [refcache.remember(reference, ("k",), answer(1)) for _ in range(2)] == [1, 1]
        assert [refcache.remember(other, ("k",), answer(2)) for _ in range(2)] == [2, 2]
    assert refcache.remember(reference, ("k",), answer(3)) == 3  # outside a grade: nothing is remembered
    assert calls == [1, 2, 2, 3]
    assert len(list((tmp_path / "answers").iterdir())) == 1


# -- the schedule: a lesson holding a large model is graded alone, so the tree's peak memory stays one model's ---
SMALL = ["week1.padding", "week2.efficientnet", "quiz1.sizes"]


def test_only_the_largest_model_is_graded_alone():
    from convgrade.lesson import Lesson

    exercises = [(cfg, Lesson(COURSE, cfg.lesson).exercise(cfg)) for cfg in COURSE.exercises if not cfg.is_question]
    assert parallel.alone(exercises) == {"week2.classic"}


def test_a_lesson_graded_alone_is_graded_here_after_the_others(monkeypatch):
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    one = json.dumps(grade(COURSE, ROOT / "reference", SMALL, jobs=1).to_json())
    monkeypatch.setattr(parallel, "START", 0)  # worth two processes
    monkeypatch.setattr(parallel, "alone", lambda todo: {"week2.efficientnet"})
    went, hand, take = [], parallel._Pool._hand, parallel._Pool.take

    def handing(pool, conn):
        went.append(pool.todo[0] if pool.todo else None)
        return hand(pool, conn)

    def taking(pool):
        went.append(pool.todo[0] if pool.todo else None)
        return take(pool)

    monkeypatch.setattr(parallel._Pool, "_hand", handing)  # to a spawned process
    monkeypatch.setattr(parallel._Pool, "take", taking)  # to this one, while the others run
    assert json.dumps(grade(COURSE, ROOT / "reference", SMALL, jobs=2).to_json()) == one
    assert "week1.padding" in went and "week2.efficientnet" not in went


def test_the_grading_process_gives_back_its_freed_memory_before_a_large_model(monkeypatch):
    calls, give_back = [], parallel.give_back_memory
    monkeypatch.setattr(parallel, "give_back_memory", lambda: calls.append(1))
    grade(COURSE, ROOT / "exercises", ["week2.classic.param_count", "week2.classic.VGG16"], jobs=1)
    assert calls == [1]  # before VGG16 (memory 1100 MiB, over parallel.ALONE), not before param_count
    give_back()  # the real one, wherever the tests run: nothing to see, nothing raised


def test_lessons_that_hold_much_are_graded_here_one_after_another(monkeypatch):
    """A ResNet's lesson and a training one are never graded at once, in two processes: both go to this one."""
    from convgrade.lesson import Lesson

    exercises = [(cfg, Lesson(COURSE, cfg.lesson).exercise(cfg)) for cfg in COURSE.exercises if not cfg.is_question]
    assert parallel.big(exercises) == {"week1.convnet", "week2.resnet"}
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    one = json.dumps(grade(COURSE, ROOT / "reference", SMALL, jobs=1).to_json())
    monkeypatch.setattr(parallel, "START", 0)  # worth two processes
    monkeypatch.setattr(parallel, "big", lambda todo: {"week1.padding", "week2.efficientnet"})
    handed, hand = [], parallel._Pool._hand
    monkeypatch.setattr(parallel._Pool, "_hand", lambda pool, conn: handed.append(list(pool.todo)) or hand(pool, conn))
    assert json.dumps(grade(COURSE, ROOT / "reference", SMALL, jobs=2).to_json()) == one
    assert handed == []  # nothing left for another process: none was started
