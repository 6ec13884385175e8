"""Recorded draws (``drawcache``): grading with them, cold or warm, gives the report grading without them gives,
byte for byte, and the cases they hold are the ones hypothesis feeds the reference's checks in a real run."""
from __future__ import annotations

import json
import multiprocessing
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import assume
from hypothesis.strategies import integers as st_integers

from convgrade import config as course_mod
from convgrade import checkrun, drawcache
from convgrade.checks import Check, CheckFailed
from convgrade.config import ExerciseConfig
from convgrade.drawcache import Draws, blob
from convgrade.lesson import Lesson
from convgrade.runner import grade

from conftest import ROOT, write_submission

COURSE = course_mod.load(ROOT)
LESSONS = ["week1.edges", "week1.pooling", "week2.efficientnet"]  # explicit examples, photographs, floats
KEY = ("hw1.vectors.normalize", "values", 7, 3)


def _graded(monkeypatch: pytest.MonkeyPatch, submission: Path, only: list[str], cache: str | Path) -> str:
    monkeypatch.setenv(drawcache.ENV, str(cache))
    return json.dumps(grade(COURSE, submission, only).to_json())


@pytest.mark.parametrize("submission", ["reference", "exercises", "examples/partial"])
def test_reports_are_identical_without_the_cache_cold_and_warm(submission, tmp_path, monkeypatch):
    path = ROOT / submission
    off = _graded(monkeypatch, path, LESSONS, drawcache.OFF)
    assert not list(tmp_path.iterdir())
    cold = _graded(monkeypatch, path, LESSONS, tmp_path)
    assert len(list((tmp_path / "draws").iterdir())) > 10  # one file per property check
    warm = _graded(monkeypatch, path, LESSONS, tmp_path)
    assert cold == off and warm == off
    if submission == "examples/partial":  # failures found from the cache are hypothesis's, shrunk
        assert "smallest failing input: image.shape=(1, 2), vertical.shape=(1, 2)" in warm


def _late_failures(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """Where each replay of recorded cases first failed (spying on the runner)."""
    found: list[int | None] = []
    first = checkrun._first_failure

    def spy(body, cases):
        failure = first(body, cases)
        found.append(None if failure is None else failure[0])
        return failure

    monkeypatch.setattr(checkrun, "_first_failure", spy)
    return found


WRONG_FOR_STRIDE_3 = '''

def conv_output_size(n, f, pad=0, stride=1):
    out = (n + 2 * pad - f) // stride + 1
    return out - 1 if stride >= 3 else out
'''


def test_a_late_failure_is_shrunk_as_without_the_cache(tmp_path, monkeypatch):
    """The first cases pass (replayed, then skipped when hypothesis draws them again); the failure is shrunk."""
    source = (ROOT / "reference" / "week1" / "padding.py").read_text() + WRONG_FOR_STRIDE_3
    submission = write_submission(tmp_path / "late", {"week1/padding.py": source})
    only = ["week1.padding.conv_output_size"]
    off = _graded(monkeypatch, submission, only, drawcache.OFF)
    failing = _late_failures(monkeypatch)
    cold = _graded(monkeypatch, submission, only, tmp_path / "cache")
    warm = _graded(monkeypatch, submission, only, tmp_path / "cache")
    assert cold == off and warm == off
    assert failing and all(i is not None and i > 0 for i in failing), failing
    assert "smallest failing input: n=1, f=1, pad=0, stride=3" in warm


COUNTING = '''
_calls = [0]


def conv_output_size(n, f, pad=0, stride=1):
    _calls[0] += 1
    out = (n + 2 * pad - f) // stride + 1
    return out + 1 if _calls[0] == 5 else out
'''


def test_code_that_fails_only_once_is_not_deterministic_either_way(tmp_path, monkeypatch):
    """Call 5 is wrong (the second generated case): hypothesis cannot make it fail again, nor can the cache."""
    source = (ROOT / "reference" / "week1" / "padding.py").read_text() + COUNTING
    submission = write_submission(tmp_path / "counting", {"week1/padding.py": source})
    only = ["week1.padding.conv_output_size"]
    off = _graded(monkeypatch, submission, only, drawcache.OFF)
    warm = [_graded(monkeypatch, submission, only, tmp_path / "cache") for _ in range(2)]
    assert warm == [off, off]
    assert "gave different results for the same input" in off


def test_an_unwritable_cache_grades_without_it(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv(drawcache.ENV, str(tmp_path / "file" / "cache"))
    assert drawcache.for_course(ROOT) is None
    only = ["week2.efficientnet"]
    assert (_graded(monkeypatch, ROOT / "reference", only, tmp_path / "file" / "cache")
            == _graded(monkeypatch, ROOT / "reference", only, drawcache.OFF))


def test_the_cache_is_off_or_where_the_environment_says(tmp_path, monkeypatch):
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    assert drawcache.cache_root() is None and drawcache.for_course(ROOT) is None
    monkeypatch.delenv(drawcache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert drawcache.cache_root() == tmp_path / "convgrade"
    monkeypatch.setenv(drawcache.ENV, str(tmp_path / "mine"))
    assert drawcache.for_course(ROOT).folder == tmp_path / "mine" / "draws"


def _recording(blobs: list[bytes | None], calls: list[int]):
    def record() -> list[bytes | None]:
        calls.append(1)
        return blobs

    return record


def test_a_stale_key_is_not_used(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    for part in ("course.toml", "graders", "reference"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, course / part)
    before = drawcache.version(course)
    with open(course / "graders" / "cases.py", "a") as f:
        f.write("\n# an edit\n")
    after = drawcache.version(course)
    assert before != after
    calls: list[int] = []
    assert [c for _, c in Draws(tmp_path, before).cases(KEY, _recording([blob(1), blob(2)], calls))] == [1, 2]
    assert [c for _, c in Draws(tmp_path, after).cases(KEY, _recording([blob(3)], calls))] == [3]
    assert [c for _, c in Draws(tmp_path, before).cases(KEY[:3] + (4,), _recording([blob(4)], calls))] == [4]
    assert len(calls) == 3  # the other version and the other count were recorded afresh


def test_a_corrupt_or_foreign_file_is_recorded_again(tmp_path):
    draws, calls = Draws(tmp_path, "v1"), []
    for junk in (b"", b"\x80\x05garbage", pickle.dumps({"format": drawcache.FORMAT, "key": "another"})):
        draws.path(KEY).write_bytes(junk)
        assert [c for _, c in draws.cases(KEY, _recording([blob((1, 2))], calls))] == [(1, 2)]
    assert len(calls) == 3
    assert [c for _, c in draws.cases(KEY, _recording([], calls))] == [(1, 2)]  # now read from the file
    assert len(calls) == 3


def test_cases_that_cannot_be_pickled_leave_the_check_to_hypothesis(tmp_path):
    draws, calls = Draws(tmp_path, "v1"), []
    assert draws.cases(KEY, _recording([blob(1), blob(lambda: 0)], calls)) is None
    assert draws.cases(KEY, _recording([blob(1)], calls)) is None  # remembered: not recorded again
    assert len(calls) == 1


def _write_many(folder: str, n: int, tag: int) -> None:
    draws = Draws(Path(folder), "v1")
    for i in range(n):
        draws.keep(KEY, [blob(bytes([tag]) * 200_000), blob(i)])


def test_two_writers_at_once_leave_a_whole_file(tmp_path):
    draws = Draws(tmp_path, "v1")
    ctx = multiprocessing.get_context("fork")
    writers = [ctx.Process(target=_write_many, args=(str(tmp_path), 30, tag)) for tag in (1, 2)]
    for w in writers:
        w.start()
    seen = 0
    while any(w.is_alive() for w in writers):
        if draws.path(KEY).exists():
            cases = draws.cases(KEY, _recording([], []))  # never a torn file: a whole one, or nothing yet
            assert cases is not None and len(cases) == 2 and set(cases[0][1]) <= {1, 2}
            seen += 1
    for w in writers:
        w.join()
        assert w.exitcode == 0
    assert seen and [p.name for p in tmp_path.iterdir()] == [draws.path(KEY).name]  # no temporary file left


def _spied(lesson: Lesson, fed: dict[tuple[str, str], list[bytes | None]]):
    """``lesson.exercise``, with every generated check's body noting each case it is fed, as it is fed."""
    exercise = lesson.exercise

    def spied(cfg: ExerciseConfig):
        spec = exercise(cfg)

        def wrap(check: Check) -> Check:
            if check.given is None:
                return check
            seen = fed.setdefault((cfg.id, check.name), [])

            def body(case, st, ref):
                seen.append(blob(case))
                check.body(case, st, ref)

            return replace(check, body=body)

        return replace(spec, checks=[wrap(c) for c in spec.checks])

    return spied


GENERATED = sorted({e.lesson for e in COURSE.exercises if not e.is_question})


@pytest.mark.parametrize("lesson", GENERATED)
def test_recorded_draws_are_what_hypothesis_feeds_the_reference(lesson, tmp_path, monkeypatch):
    """The claim the cache rests on, for every property check of the course: a real run (the reference's body
    doing its real work) is fed exactly the recorded cases, then the worked examples."""
    monkeypatch.setenv(drawcache.ENV, drawcache.OFF)
    monkeypatch.setattr(checkrun, "_passing_once", lambda body: body)  # every case hypothesis draws reaches the body
    fed: dict[tuple[str, str], list[bytes | None]] = {}

    def make(course, name):
        made = Lesson(course, name)
        made.exercise = _spied(made, fed)
        return made

    report = grade(COURSE, ROOT / "reference", [lesson], make_lesson=make)
    assert report.score == report.max_score
    draws = Draws(tmp_path, "v1")
    checked = 0
    for cfg in COURSE.select([lesson]):
        if cfg.is_question:
            continue
        for check in Lesson(COURSE, lesson).exercise(cfg).checks:
            if check.given is None:
                continue
            n, seed = checkrun.example_count(check, cfg), checkrun.check_seed(COURSE.seed, cfg.id, check.name)
            recorded = draws.cases((cfg.id, check.name, seed, n), lambda: checkrun._record(check, n, seed))
            assert recorded is not None, f"{cfg.id}: {check.name}: cases that pickle cannot hold"
            explicit = [blob(case) for case in reversed(check.examples)]
            assert fed[cfg.id, check.name] == [b for b, _ in recorded] + explicit, f"{cfg.id}: {check.name}"
            checked += 1
    assert checked


class _Context:
    """What ``run_check`` asks of the grading state, for bodies that call no student code."""

    st = None
    calls: list = []
    explain = None

    def begin_example(self) -> None:
        pass


def _run(body, tmp_path: Path | None, given=st_integers(0, 1000)) -> object:
    check = Check("values", 1, body, given)
    cfg = ExerciseConfig("hw1.numbers.f", "f", 1, 10, 10, 1 << 30, 50)
    draws = None if tmp_path is None else Draws(tmp_path, "v1")
    failed = checkrun.run_check(check, cfg, _Context(), None, 1, draws)
    return None if failed is None else (failed.what, failed.case)


def test_a_body_that_rejects_cases_passes_with_the_cache_as_without(tmp_path):
    """``assume`` in a body makes hypothesis draw other cases than the recording: the check still passes."""
    def body(case, st, ref):
        assume(case % 3 == 0)

    assert _run(body, None) is None
    assert _run(body, tmp_path) is None and _run(body, tmp_path) is None


def test_a_failure_is_shrunk_to_the_same_case_from_the_cache(tmp_path):
    """The same smallest case; the passing cases before the failure are run once (only the failing one twice)."""
    calls: list[int] = []

    def body(case, st, ref):
        calls.append(case)
        if case >= 321:
            raise CheckFailed("too big")

    assert _run(body, None) == ("too big", 321)
    off, calls[:] = list(calls), []
    assert _run(body, tmp_path) == ("too big", 321)
    calls.clear()
    assert _run(body, tmp_path) == ("too big", 321)
    first = next(i for i, c in enumerate(off) if c >= 321)
    assert first > 0 and calls == off[:first + 1] + off[first:]


def test_two_copies_of_a_course_keep_draws_of_their_own(tmp_path):
    """A recorded case of a course-local class names the course's import name, which follows from the folder's
    path: copies with the same content at two paths (CI runners, worktrees) must not share, and so overwrite,
    each other's files."""
    copies = [tmp_path / "a", tmp_path / "b"]
    for copy in copies:
        copy.mkdir()
        shutil.copy(ROOT / "course.toml", copy)
        for tree in ("reference", "graders"):
            shutil.copytree(ROOT / tree, copy / tree, ignore=shutil.ignore_patterns("__pycache__"))
    assert drawcache.version(copies[0]) != drawcache.version(copies[1])
    assert drawcache.version(copies[0]) == drawcache.version(copies[0])
