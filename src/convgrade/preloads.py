"""What each exercise's workers preload (numpy, torch...), remembered per course version, so that the next grade's
fork server starts loading it at once.

A grade's fork server is started before the grading process imports its checks (``sandbox.prestart``), but what it
must preload is only known once they are imported: for a lesson with models that meant importing torch in the
grading process (its checks) and then, one after the other, in the fork server. The first grade of a course version
remembers each exercise's preload beside the recorded draws (``drawcache``: same folder, same version key, same
``CONVGRADE_CACHE``); a later grade reads what its selection needs and has the fork server import it
(``sandbox.warm``) while it imports the checks itself, on the other CPU. What is remembered only ever hints: the
sandbox's configuration still comes from the checks, and a fork server warmed with a module the configuration does
not name is not used (``sandbox._take_spare``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from . import drawcache

FORMAT = "convgrade-preloads/1"
KEY = ("preloads",)  # one file per course version: {exercise id: [module, ...]}


def _store(root: Path) -> drawcache.Store | None:
    found = drawcache.folder_of(root, "preloads")
    return None if found is None else drawcache.Store(*found, FORMAT)


def _known(store: drawcache.Store) -> dict[str, list[str]]:
    found = store.read(KEY)
    return found if type(found) is dict else {}


def expected(root: Path, ids: Iterable[str]) -> tuple[str, ...]:
    """The modules besides numpy that the workers of exercises ``ids`` preloaded when last graded (this course
    version); none for an exercise not graded yet."""
    store = _store(root)
    if store is None:
        return ()
    known = _known(store)
    return tuple(sorted({m for i in ids for m in known.get(i, ()) if m != "numpy"}))


def remember(root: Path, preloads: dict[str, tuple[str, ...]]) -> None:
    """Keep what the workers of these exercises (id -> modules) preload, beside what is known of the others."""
    store = _store(root)
    if store is None:
        return
    known = _known(store)
    merged = {**known, **{i: sorted(m) for i, m in preloads.items()}}
    if merged != known:
        store.keep(KEY, merged)
