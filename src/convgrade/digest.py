"""Content hashes: of a submission's files, of a course's content, of the installed engine.

Two things hashed alike hold the same bytes under the same relative paths; ``batch`` keys its gradebook rows by a
submission's hash, ``cluster`` refuses a worker whose engine or course differs, ``drawcache`` keys recorded draws.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from pathlib import Path

from .sandbox import COPY_IGNORE

PARTS = ("course.toml", "reference", "graders")  # what a course's content hash covers


def files(path: Path) -> list[tuple[str, Path]]:
    """The submission's regular files (relative path, path), as the sandbox would copy them."""
    if not path.is_dir():
        return [(path.name, path)]
    top, out = os.path.realpath(path), []
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not COPY_IGNORE(folder, [d]))
        for name in sorted(names):
            full = os.path.realpath(os.path.join(folder, name))
            if not COPY_IGNORE(folder, [name]) and full.startswith(top + os.sep) and os.path.isfile(full):
                rel = os.path.relpath(os.path.join(folder, name), top).replace(os.sep, "/")  # as on Linux
                out.append((rel, Path(full)))
    return out


def content_hash(path: Path) -> str:
    """sha256 over a folder's files (a submission, a course's part): their relative paths, sizes and bytes."""
    h = hashlib.sha256()
    for rel, full in files(path):
        data = full.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def course_hash(root: Path) -> str:
    """sha256 over course.toml, reference/ and graders/ (their files' relative paths and bytes)."""
    h = hashlib.sha256()
    for part in PARTS:
        if (root / part).exists():
            h.update(f"{part}\0{content_hash(root / part)}\0".encode())
    return h.hexdigest()


@functools.cache
def engine_version() -> str:
    """The installed engine's version and a hash of its source: two installs grade alike only if both agree."""
    try:
        version = importlib.metadata.version("convgrade")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}+{content_hash(Path(__file__).resolve().parent)[:12]}"
