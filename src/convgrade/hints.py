"""What the last grade of a course version learnt about its exercises, for the next one: what each exercise's workers
preload (numpy, torch...) and which worker operation files they use, so that its fork server starts loading them at
once, and how long each exercise took to grade, so that ``--jobs`` processes take the longest lessons first.

A grade's fork server is started before the grading process imports its checks (``sandbox.prestart``), but what it
must preload is only known once they are imported: for a lesson with models that meant importing torch in the
grading process (its checks) and then, one after the other, in the fork server (torch, then its operations' warm-up,
which imports ``torch._dynamo``). The first grade of a course version remembers each exercise's preload and operation
files beside the recorded draws (``drawcache``: same folder, same version key, same ``CONVGRADE_CACHE``); a later
grade reads what its selection needs and has the fork server load it (``sandbox.warm``) while it imports the checks
itself, on the other CPU.

The static estimate of a lesson's cost (``parallel.cost``: examples drawn, models built) cannot see that one model is
trained for seconds while another is only counted; a grade in ``--jobs`` processes times each exercise it grades
(``clock``, from the first check to the last, the sandbox already up) and the next one orders its lessons by those
times (``timed``).

What is remembered only ever hints: the sandbox's configuration still comes from the checks, and a fork server
warmed with a module or an operation file the configuration does not name is not used (``sandbox._take_spare``); a time changes which
process grades a lesson, never its report (``parallel``: the report is assembled in catalogue order).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from . import drawcache

FORMAT = "convgrade-hints/1"
PRELOADS = ("preloads",)  # one file per course version: {exercise id: ([module, ...], [operation file, ...])}
SECONDS = "seconds"  # one file per lesson, (SECONDS, lesson): {exercise id: wall seconds its grading took}


def _store(root: Path) -> drawcache.Store | None:
    found = drawcache.folder_of(root, "hints")
    return None if found is None else drawcache.Store(*found, FORMAT)


def _dict(store: drawcache.Store, key: tuple) -> dict:
    found = store.read(key)
    return found if type(found) is dict else {}


def expected(root: Path, ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The modules besides numpy that the workers of exercises ``ids`` preloaded when last graded (this course
    version), and the operation files they used; nothing for an exercise not graded yet."""
    store = _store(root)
    if store is None:
        return (), ()
    remembered = _dict(store, PRELOADS)
    known = [_pair(remembered[i]) for i in ids if i in remembered]
    return (tuple(sorted({m for modules, _ in known for m in modules if m != "numpy"})),
            tuple(sorted({f for _, files in known for f in files})))


def _pair(found: object) -> tuple[list, list]:
    ok = type(found) is tuple and len(found) == 2 and all(type(x) is list for x in found)
    return found if ok else ([], [])  # type: ignore[return-value]


def remember(root: Path, preloads: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
    """Keep what the workers of these exercises (id -> (modules, operation files)) preload and use, beside what is
    known of the others."""
    store = _store(root)
    if store is None:
        return
    known = _dict(store, PRELOADS)
    merged = {**known, **{i: (sorted(m), sorted(f)) for i, (m, f) in preloads.items()}}
    if merged != known:
        store.keep(PRELOADS, merged)


def timed(root: Path, ids: Iterable[str]) -> dict[str, float]:
    """The seconds each of exercises ``ids`` took to grade when last timed (this course version); an exercise never
    timed is left out."""
    store = _store(root)
    if store is None:
        return {}
    wanted, found = set(ids), {}
    for lesson in dict.fromkeys(i.rsplit(".", 1)[0] for i in wanted):
        found.update({i: s for i, s in _dict(store, (SECONDS, lesson)).items() if i in wanted and type(s) is float})
    return found


def clock(root: Path, lesson: str, seconds: dict[str, float]) -> None:
    """Keep how long these exercises of ``lesson`` (id -> seconds) took, beside the lesson's others: the longer of
    this time and half the one kept, so that one quick grade (a stub is graded in no time) does not make the next
    full one start its longest lesson last. One lesson is graded by one process: two processes of a grade never
    write one file."""
    store = _store(root)
    if store is None or not seconds:
        return
    key = (SECONDS, lesson)
    kept = _dict(store, key)
    store.keep(key, {**kept, **{i: max(float(s), kept.get(i, 0.0) / 2) for i, s in seconds.items()}})
