"""Read and validate ``course.toml``, the one registry of the course.

Every error names the file, the entry and the fix, e.g.
``course.toml: exercise 'hw1.vectors.normalize': points = -2, expected a positive number``.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .points import DECIMALS, add, is_exact

FILENAME = "course.toml"
ID = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){2,}$", re.IGNORECASE)
UNITS = {"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "kb": 10**3, "mb": 10**6, "gb": 10**9}
LIMIT_KEYS = ("time_limit", "call_timeout", "memory", "max_examples")
KINDS = ("code", "question")
DEFAULT_LIMITS = {"time_limit": 60.0, "call_timeout": 20.0, "memory": 4 << 30, "max_examples": 20}


class ConfigError(Exception):
    """An error in the instructor's input; the message says where and how to fix it."""


@dataclass(frozen=True)
class ExerciseConfig:
    """One exercise as course.toml declares it (its checks are a ``checks.Exercise`` in the graders)."""

    id: str
    title: str
    points: float
    time_limit: float  # seconds the student's code may run, summed over the exercise
    call_timeout: float  # seconds for one call
    memory: int  # address-space limit of the worker, bytes
    max_examples: int  # hypothesis examples per property check
    kind: str = "code"  # "code" (a function or class the student writes) or "question" (see convgrade.questions)

    @property
    def lesson(self) -> str:
        """``hw1.vectors`` for ``hw1.vectors.normalize``."""
        return self.id.rsplit(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.rsplit(".", 1)[1]

    @property
    def assignment(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def is_question(self) -> bool:
        return self.kind == "question"

    @property
    def path(self) -> str:
        """The lesson file, relative to a tree root: ``hw1/vectors.py``."""
        return self.lesson.replace(".", "/") + ".py"


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    id: str
    version: str
    seed: int
    assignments: dict[str, str]  # id -> title
    exercises: tuple[ExerciseConfig, ...]

    @property
    def max_score(self) -> float:
        return add(e.points for e in self.exercises)

    @property
    def lessons(self) -> list[str]:
        return list(dict.fromkeys(e.lesson for e in self.exercises))

    def select(self, only: list[str] | None) -> list[ExerciseConfig]:
        """The exercises named by ids or lesson/assignment prefixes (all when ``only`` is empty)."""
        if not only:
            return list(self.exercises)
        chosen = []
        for key in only:
            hits = [e for e in self.exercises if e.id == key or e.id.startswith(key + ".")]
            if not hits:
                raise ConfigError(f"--only {key}: no such exercise or lesson (see `course list`)")
            chosen += hits
        return [e for e in self.exercises if e in chosen]


def find_root(start: Path) -> Path:
    """The nearest folder holding course.toml, from ``start`` upward."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / FILENAME).is_file():
            return folder
    raise ConfigError(f"no {FILENAME} in {start} or any folder above it; run inside a course or pass --course DIR")


def parse_bytes(value: Any, where: str) -> int:
    if type(value) is int and value > 0:
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*", str(value), re.IGNORECASE)
    if type(value) is str and m:
        return int(float(m[1]) * UNITS[(m[2] or "").lower()])
    raise ConfigError(f"{FILENAME}: {where}: memory = {value!r}, expected a size such as \"4 GiB\" or a number of bytes")


def load(root: Path) -> Course:
    path = Path(root) / FILENAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; a course folder needs a {FILENAME}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{FILENAME}: not valid TOML ({e}); fix the syntax at that line") from None
    return _course(Path(root).resolve(), data)


def _table(data: dict, key: str, where: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{FILENAME}: [{key}] must be a table{where}")
    return value


def _unknown(table: dict, known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{FILENAME}: {where}: unknown key {key!r}; expected one of {', '.join(known)}")


def _course(root: Path, data: dict) -> Course:
    _unknown(data, ("course", "limits", "assignments", "exercises"), "top level")
    head = _table(data, "course", "")
    _unknown(head, ("name", "id", "version", "seed"), "[course]")
    for key in ("name", "id"):
        if not isinstance(head.get(key), str) or not head[key].strip():
            raise ConfigError(f"{FILENAME}: [course]: {key} is missing; add {key} = \"...\"")
    seed = head.get("seed", 0)
    if type(seed) is not int or seed < 0:
        raise ConfigError(f"{FILENAME}: [course]: seed = {seed!r}, expected a non-negative integer")
    defaults = _limits(_table(data, "limits", ""), dict(DEFAULT_LIMITS), "[limits]")
    assignments = {}
    for aid, table in _table(data, "assignments", "").items():
        where = f"assignment {aid!r}"
        if not isinstance(table, dict) or not isinstance(table.get("title"), str):
            raise ConfigError(f"{FILENAME}: {where}: title is missing; add title = \"...\"")
        _unknown(table, ("title",), where)
        assignments[aid] = table["title"]
    exercises = tuple(_exercise(eid, t, defaults, assignments) for eid, t in _table(data, "exercises", "").items())
    if not exercises:
        raise ConfigError(f"{FILENAME}: no exercises; add an [exercises.\"<assignment>.<lesson>.<name>\"] table")
    kinds: dict[str, set[str]] = {}
    for e in exercises:
        kinds.setdefault(e.lesson, set()).add(e.kind)
    mixed = [lesson for lesson, k in kinds.items() if len(k) > 1]
    if mixed:
        raise ConfigError(f"{FILENAME}: lesson {mixed[0]!r} mixes questions and code exercises; put the questions "
                          "in a lesson file of their own (e.g. quiz/areas.py)")
    return Course(root, head["name"], head["id"], str(head.get("version", "1")), seed, assignments, exercises)


def _limits(table: dict, base: dict, where: str) -> dict:
    out = dict(base)
    for key in LIMIT_KEYS:
        if key not in table:
            continue
        value = table[key]
        if key == "memory":
            out[key] = parse_bytes(value, where)
        elif key == "max_examples":
            if type(value) is not int or value < 1:
                raise ConfigError(f"{FILENAME}: {where}: max_examples = {value!r}, expected a positive integer")
            out[key] = value
        else:
            if type(value) not in (int, float) or value <= 0:
                raise ConfigError(f"{FILENAME}: {where}: {key} = {value!r}, expected a positive number of seconds")
            out[key] = float(value)
    return out


def _exercise(eid: str, table: Any, defaults: dict, assignments: dict) -> ExerciseConfig:
    where = f"exercise {eid!r}"
    if not ID.match(eid):
        raise ConfigError(f"{FILENAME}: {where}: expected an id like \"hw1.vectors.normalize\""
                          " (<path under exercises/ with dots>.<name>)")
    if not isinstance(table, dict):
        raise ConfigError(f"{FILENAME}: {where}: must be a table with title and points")
    _unknown(table, ("title", "points", "kind", *LIMIT_KEYS), where)
    kind = table.get("kind", "code")
    if kind not in KINDS:
        raise ConfigError(f"{FILENAME}: {where}: kind = {kind!r}, expected one of {', '.join(map(repr, KINDS))}")
    if eid.split(".")[0] not in assignments:
        raise ConfigError(f"{FILENAME}: {where}: no assignment {eid.split('.')[0]!r}; "
                          f"add [assignments.{eid.split('.')[0]}] with a title")
    if not isinstance(table.get("title"), str):
        raise ConfigError(f"{FILENAME}: {where}: title is missing; add title = \"...\"")
    points = table.get("points")
    if points is None:
        raise ConfigError(f"{FILENAME}: {where}: points is missing; add points = <a positive number>")
    if type(points) not in (int, float) or not math.isfinite(points) or points <= 0:
        raise ConfigError(f"{FILENAME}: {where}: points = {points!r}, expected a positive number")
    if not is_exact(points):
        raise ConfigError(f"{FILENAME}: {where}: points = {points!r} has more than {DECIMALS} decimals; "
                          f"round it (points are shown with at most {DECIMALS} decimals)")
    limits = _limits(table, defaults, where)
    return ExerciseConfig(eid, table["title"], float(points), **limits, kind=kind)
