"""Running one check on its cases: fed the recorded draws directly while the code passes (``drawcache``), and
handed to hypothesis, which searches and shrinks, from the first case that fails.

Deterministic by construction: hypothesis is seeded per check from course.toml's seed and the check's id, uses
no example database and no deadline, and draws none of the "local" constants it would find in the modules
imported so far; so a passing check is fed the same cases in the same order whatever the code graded.
"""
from __future__ import annotations

import contextlib
import warnings
import zlib
from types import ModuleType
from typing import Callable, Iterator

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.errors import Flaky
from hypothesis.internal.entropy import deterministic_PRNG  # what hypothesis runs each case in

from . import drawcache
from .checks import Check, CheckFailed
from .config import ExerciseConfig
from .student import Context

PROFILE = "grading"


def _no_local_constants() -> None:
    """Hypothesis (6.13x on) sometimes draws a constant found in the source of the "local" modules imported so far
    (outside site-packages: the course's graders, an editable engine...), so its draws would depend on which lessons
    this process loaded before, on how the engine is installed and on what a Dask worker imported. Grades must not:
    draw from hypothesis's own constants only (hypothesis is pinned; this is its ``providers._get_local_constants``)."""
    from hypothesis.internal.conjecture import providers

    empty = providers.Constants()
    providers._get_local_constants = lambda: empty


_no_local_constants()
settings.register_profile(
    PROFILE, derandomize=True, database=None, deadline=None, print_blob=False, report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
)
GENERATED = (Phase.generate, Phase.shrink)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings on the grader's stderr from check bodies (e.g. a library's UserWarning)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def check_seed(course_seed: int, exercise_id: str, check: str) -> int:
    return (course_seed * 1_000_003 + zlib.crc32(f"{exercise_id}:{check}".encode())) % (2**32)


def example_count(check: Check, cfg: ExerciseConfig) -> int:
    """course.toml sets the count; a check may only ask for fewer (e.g. one that builds a large model twice)."""
    return min(check.max_examples, cfg.max_examples) if check.max_examples else cfg.max_examples


def run_check(check: Check, cfg: ExerciseConfig, ctx: Context, ref: ModuleType, course_seed: int,
              draws: drawcache.Draws | None = None) -> CheckFailed | None:
    """None when the check passes; the failure (for the smallest failing input) otherwise.

    With ``draws``, the body first gets the recorded cases directly; hypothesis searches and shrinks only once one
    of them fails, and draws those same cases first (``drawcache``)."""
    if check.given is None:
        ctx.begin_example()
        try:
            with _quiet():
                check.body(ctx.st, ref)
        except CheckFailed as failed:
            failed.calls, failed.explain = list(ctx.calls), ctx.explain
            return explained(failed, ref)
        return None

    def body(case: object) -> None:
        ctx.begin_example()
        try:
            with _quiet():
                check.body(case, ctx.st, ref)
        except CheckFailed as failed:
            failed.case, failed.calls, failed.explain = case, list(ctx.calls), ctx.explain
            raise

    n = example_count(check, cfg)
    test_seed = check_seed(course_seed, cfg.id, check.name)
    cases = draws.cases((cfg.id, check.name, test_seed, n), lambda: _record(check, n, test_seed)) if draws else None
    try:
        failure = None if cases is None else _first_failure(body, cases)
        if cases is None or failure is not None:
            once = _passing_once(body)
            _hypothesis(check, once if failure is None else _skipping(once, cases, failure[0]), n, test_seed)()
            if failure is not None and isinstance(failure[1], CheckFailed):
                return _flaky()  # a recorded case failed, then passed when hypothesis ran it again
    except CheckFailed as failed:
        return explained(failed, ref)
    except Flaky:
        return _flaky()
    for case in reversed(check.examples):  # the order hypothesis's explicit phase takes them in
        try:
            _direct(body, case)
        except CheckFailed as failed:
            failed.explicit = True
            return explained(failed, ref)
    return None


def _hypothesis(check: Check, body: Callable[[object], None], n: int, test_seed: int) -> Callable[[], None]:
    """The check's hypothesis test: ``body`` on ``n`` cases drawn from its strategy, shrinking a failure."""
    test = given(check.given)(body)
    test = settings(settings.get_profile(PROFILE), max_examples=n, phases=GENERATED)(test)
    return seed(test_seed)(test)


def _record(check: Check, n: int, test_seed: int) -> list[bytes | None]:
    """The cases the check's hypothesis test draws when its body passes them all, pickled as they come."""
    cases: list[bytes | None] = []
    try:
        _hypothesis(check, lambda case: cases.append(drawcache.blob(case)), n, test_seed)()
    except Exception:  # noqa: BLE001 - e.g. a strategy that cannot draw: hypothesis alone says so, as it did
        return [None]
    return cases


def _direct(body: Callable[[object], None], case: object) -> None:
    """``body(case)`` as hypothesis runs it, without its engine: the global PRNGs (random, numpy) seeded."""
    with deterministic_PRNG():
        body(case)


def _first_failure(body: Callable[[object], None], cases: list[drawcache.Case]) -> tuple[int, Exception] | None:
    """The first recorded case the body fails on, by index, and what it raised; None when it passes them all.
    ``Fatal`` goes through, as it goes through hypothesis: at once, unshrunk."""
    for i, (_, case) in enumerate(cases):
        try:
            _direct(body, case)
        except Exception as e:  # noqa: BLE001 - hypothesis decides what this failure is, as without the cache
            return i, e
    return None


def _skipping(body: Callable[[object], None], cases: list[drawcache.Case], failing: int) -> Callable[[object], None]:
    """``body`` for hypothesis's run after the recorded case ``failing`` failed: the cases before it, drawn again
    in the same order, passed already and are not run again; from the first other case on, every case runs."""
    passed = [b for b, _ in cases[:failing]]
    at = 0

    def test(case: object) -> None:
        nonlocal at
        if at < len(passed) and drawcache.blob(case) == passed[at]:
            at += 1
            return
        at = len(passed)
        body(case)

    return test


def _passing_once(body: Callable[[object], None]) -> Callable[[object], None]:
    """``body`` for hypothesis's search and shrinking, run once per case that passes: shrinking draws many cases
    equal to one it ran already (other choices, the same values: e.g. values drawn where a smaller size cuts them
    off), about a third of them passing. A case that passed passes again, as ``_skipping`` assumes too (the worker
    starts every call from the same random state); a failing case runs again, so that hypothesis still tells a
    failure that does not repeat (``_flaky``)."""
    passed: set[bytes] = set()

    def test(case: object) -> None:
        key = drawcache.blob(case)
        if key is not None and key in passed:
            return
        body(case)
        if key is not None:
            passed.add(key)

    return test


def _flaky() -> CheckFailed:
    return CheckFailed("gave different results for the same input",
                       ["the function must be deterministic: no randomness, no state kept between calls"])


def explained(failed: CheckFailed, ref: ModuleType) -> CheckFailed:
    """The failure with the lines its example asked for (``st.explain_failures``), unless it is unimplemented."""
    if failed.explain is not None and failed.kind != "unimplemented":
        try:
            failed.details = [*failed.details, *failed.explain(ref)]
        except Exception:  # noqa: BLE001 - e.g. arguments the reference rejects: the lines are extra, nothing more
            pass
    return failed
