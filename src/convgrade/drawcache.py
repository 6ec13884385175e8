"""Recorded draws: the cases hypothesis feeds each property check, recorded once per course version.

Derandomized, seeded and without a database, hypothesis feeds a check whose body passes every case the same
cases in the same order whatever the code being graded: they follow from the strategy, the seed and the count.
So the runner records them once (the check's own hypothesis test, with a body that only keeps each case), then
calls the check's body on them directly while the code passes, and hands over to hypothesis (its search and
shrinking) at the first failure (``checkrun.run_check``).

One file per check, ``<cache>/draws/<key>.pickle``; ``<cache>`` is ``$CONVGRADE_CACHE``, else
``$XDG_CACHE_HOME/convgrade`` or ``~/.cache/convgrade``, and ``CONVGRADE_CACHE=off`` turns the cache off. The key
hashes all that can change the draws: the course's content (``digest.course_hash``), the engine, hypothesis,
numpy and Python versions, the exercise, the check, its seed and count. A file that cannot be read is recorded
again; a folder that cannot be written means grading without the cache, never a failed grade; two graders at
once each replace a file whole (a file of their own, then ``os.replace``).

Pickle is the grader's own format for its own files, written from hypothesis's draws, never from anything a
student sends. At the namespace levels a worker cannot see the folder; at the process level it runs as the
grader's user and could already rewrite graders/ itself.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import hypothesis
import numpy as np

from .digest import course_hash, engine_version
from .lesson import course_key

ENV = "CONVGRADE_CACHE"
OFF = "off"  # CONVGRADE_CACHE=off: grade without the cache
FORMAT = "convgrade-draws/1"
PROTOCOL = 5

Key = tuple[str, str, int, int]  # exercise id, check name, hypothesis seed, number of examples
Case = tuple[bytes, Any]  # a case as recorded (pickled) and as the body gets it (a fresh copy)


def cache_root() -> Path | None:
    """The cache folder the environment names; None when it is turned off."""
    given = os.environ.get(ENV, "")
    if given == OFF:
        return None
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "convgrade"


def version(root: Path) -> str:
    """A hash of everything besides the check itself that the draws follow from, and of the course's import name:
    a recorded case of a course-local class names its module, which follows from the course folder's path, so
    two copies of a course (a CI runner, a worktree) keep files of their own instead of overwriting each other's."""
    parts = (FORMAT, course_hash(root), course_key(root), engine_version(), hypothesis.__version__, np.__version__,
             sys.version)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def blob(case: Any) -> bytes | None:
    """``case`` pickled; None when it cannot be (then its check is graded by hypothesis alone)."""
    try:
        return pickle.dumps(case, protocol=PROTOCOL)
    except Exception:  # noqa: BLE001 - e.g. a lambda or a local class in a case
        return None


MISSING = object()  # ``Store.read``: no file holds the key (or none that can be read)


@dataclass(frozen=True)
class Store:
    """One course version's files (``version``) of one kind (``format``) in ``folder``, one file per key."""

    folder: Path
    version: str
    format: str

    def path(self, key: tuple) -> Path:
        return self.folder / f"{hashlib.sha256(repr((self.version, key)).encode()).hexdigest()[:40]}.pickle"

    def read(self, key: tuple) -> Any:
        """What the file of ``key`` holds, or ``MISSING`` when it is missing, unreadable, corrupt or stale."""
        try:
            found = pickle.loads(self.path(key).read_bytes())
            if found["format"] == self.format and found["key"] == (self.version, key):
                return found["value"]
        except Exception:  # noqa: BLE001 - missing, unreadable, corrupt or stale: made again by the caller
            pass
        return MISSING

    def keep(self, key: tuple, value: Any) -> None:
        write(self.path(key), {"format": self.format, "key": (self.version, key), "value": value})


class Draws(Store):
    """The recorded draws of one course version, one file per check."""

    def __init__(self, folder: Path, version: str) -> None:
        super().__init__(folder, version, FORMAT)

    def cases(self, key: Key, record: Callable[[], list[bytes | None]]) -> list[Case] | None:
        """The check's cases, in the order hypothesis draws them; ``record`` makes them when no file holds
        them. None when they cannot be recorded (a case that does not come back from pickle the same)."""
        found = self.read(key)
        if found is not MISSING:
            return _decoded(found)
        blobs = record()
        cases = _decoded(blobs) if all(b is not None for b in blobs) else None
        self.keep(key, None if cases is None else blobs)
        return cases


def _decoded(blobs: list[bytes] | None) -> list[Case] | None:
    """Each case with a fresh copy of it; None unless every copy pickles back to the same bytes."""
    if blobs is None:
        return None
    cases = []
    for b in blobs:
        try:
            case = pickle.loads(b)
        except Exception:  # noqa: BLE001 - e.g. a class that moved: hypothesis grades the check
            return None
        if blob(case) != b:
            return None
        cases.append((b, case))
    return cases


def write(path: Path, body: dict) -> None:
    """Replace ``path`` whole, or leave it: a cache that cannot be written is no reason to fail a grade."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(body, f, protocol=PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def for_course(root: Path) -> Draws | None:
    """The draws of the course at ``root``, in the cache the environment names; None when there is none."""
    found = folder_of(root, "draws")
    return None if found is None else Draws(*found)


def folder_of(root: Path, name: str) -> tuple[Path, str] | None:
    """The cache's folder ``name`` (``draws``, ``answers``: see ``refcache``) and the version of the course at
    ``root``; None when the cache is off or the folder cannot be written."""
    folder = cache_root()
    return None if folder is None else _usable(Path(root).resolve(), folder / name)


@functools.cache
def _usable(root: Path, folder: Path) -> tuple[Path, str] | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return (folder, version(root)) if os.access(folder, os.W_OK | os.X_OK) else None
