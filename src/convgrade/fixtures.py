"""Recorded answers of the reference, so that a student bundle grades its public checks without reference/.

``course release`` grades the reference folder on the public checks with ``ref`` wrapped in a ``Recorder``:
every call a check body makes on ``ref`` is kept as (name, args, kwargs, value). In the bundle, ``Replay``
stands in for ``ref`` and returns the recorded values in order, checking that each call has the recorded
arguments. One file per lesson, ``fixtures/hw1/vectors.npz``, read with ``np.load(allow_pickle=False)``:

    header   uint8 array: the JSON header of a codec frame (see sandbox/codec.py), whose body is
             {"format": "convgrade-fixtures/1", "course": id, "version": v, "lesson": "hw1.vectors",
              "checks": {exercise name: {check name: [call, ...]}}}
             call = {"op": "call" or "get", "name", "key", "args", "kwargs", "value", "raised"}
    a0, a1…  the frame's arrays, in order, each under its own key

Only plain data can be recorded: a value must come back from the codec unchanged (numbers, strings, None,
ndarrays, and tuples, lists and dicts of them). Arguments are matched by ``key``, a hash of their encoding,
so arguments that are not data (say, a torch model) match by type name.
"""
from __future__ import annotations

import builtins
import copy
import hashlib
import json
import os
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .checks import Check, CheckFailed, Exercise
from .config import ConfigError, Course, ExerciseConfig
from .feedback import kind_of
from .lesson import Lesson
from .sandbox import codec

FORMAT = "convgrade-fixtures/1"
_HLEN = struct.Struct("<I")


def fixture_path(root: Path, lesson: str) -> Path:
    return root / "fixtures" / Path(*lesson.split(".")).with_suffix(".npz")


def save(path: Path, body: Any) -> None:
    """Write ``body`` (plain data) as an .npz: the codec's JSON header, then each array under its own key."""
    frame = memoryview(codec.encode(body))[codec.PREFIX_SIZE:]
    (hlen,) = _HLEN.unpack_from(frame)
    header = bytes(frame[_HLEN.size:_HLEN.size + hlen])
    arrays, offset = {}, _HLEN.size + hlen
    for i, spec in enumerate(json.loads(header)["arrays"]):
        dtype = np.dtype(spec["dtype"])
        n = dtype.itemsize * int(np.prod(spec["shape"], dtype=np.int64))
        arrays[f"a{i}"] = np.frombuffer(frame[offset:offset + n], dtype=dtype).reshape(spec["shape"])
        offset += n
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, header=np.frombuffer(header, dtype=np.uint8), **arrays)
    os.replace(tmp, path)


def load(path: Path) -> Any:
    """The body ``save`` wrote; ConfigError naming the file when it is not one."""
    try:
        with np.load(path, allow_pickle=False) as z:
            header = z["header"].tobytes()
            specs = json.loads(header)["arrays"]
            arrays = [z[f"a{i}"] for i in range(len(specs))]
        for a, spec in zip(arrays, specs):
            if a.dtype.str != spec["dtype"] or list(a.shape) != spec["shape"]:
                raise ValueError(f"array of {a.dtype.str} {a.shape} where the header says {spec}")
        return codec.decode(_HLEN.pack(len(header)) + header + b"".join(a.tobytes() for a in arrays))
    except (OSError, ValueError, KeyError, TypeError) as e:  # CodecError is a ValueError
        raise ConfigError(f"{path}: not a fixtures file ({str(e)[:200]}); rebuild the bundle with "
                          "`course release`") from None


def identical(a: Any, b: Any) -> bool:
    """Equal values of the same types (dtype and key order too); NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(map(identical, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    return bool(a == b) or (a != a and b != b)


def call_key(name: str, args: tuple, kwargs: dict) -> str:
    return hashlib.sha256(codec.encode({"name": name, "args": list(args), "kwargs": kwargs})).hexdigest()[:32]


def show_call(name: str, args: Any, kwargs: Any) -> str:
    """``ref.f(array of shape (2, 3), pad=1)``: what a call was, short."""
    def short(v: Any) -> str:
        if isinstance(v, np.ndarray):
            return f"array of shape {v.shape}" if v.size > 6 else repr(v.tolist())
        text = repr(v)
        return text if len(text) <= 60 else text[:57] + "..."

    parts = [short(a) for a in args] + [f"{k}={short(v)}" for k, v in dict(kwargs).items()]
    return f"ref.{name}({', '.join(parts)})"


class Recorder:
    """Stands for the reference module and records each call made on it (``course release``)."""

    def __init__(self, module: Any, calls: list[dict], where: str) -> None:
        object.__setattr__(self, "_rec", (module, calls, where))

    def __getattr__(self, name: str) -> Any:
        module, calls, where = self._rec
        value = getattr(module, name)
        if not callable(value):
            calls.append(_entry("get", name, value=_plain(value, f"ref.{name}", where)))
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            key, shown = call_key(name, args, kwargs), show_call(name, args, kwargs)
            args_now, kwargs_now = _snapshot([list(args), kwargs])
            try:
                result = value(*args, **kwargs)
            except Exception as e:
                if type(e).__module__ != "builtins":
                    raise ConfigError(f"{where}: {shown} raised {type(e).__name__}; fixtures replay built-in "
                                      "exceptions only (ValueError, ...)") from None
                calls.append(_entry("call", name, args_now, kwargs_now, key=key, raised=[type(e).__name__, str(e)]))
                raise
            calls.append(_entry("call", name, args_now, kwargs_now, _plain(result, shown, where), key=key))
            return result

        return call


def _entry(op: str, name: str, args: list = (), kwargs: dict | None = None, value: Any = None, *, key: str = "",
           raised: list | None = None) -> dict:
    return {"op": op, "name": name, "key": key, "args": list(args), "kwargs": dict(kwargs or {}), "value": value,
            "raised": raised}


def _roundtrip(value: Any) -> Any:
    return codec.decode(codec.encode(value)[codec.PREFIX_SIZE:])


def _snapshot(value: Any) -> Any:
    """The arguments as plain data, now (a check may change them later); objects become their description."""
    def walk(v: Any) -> Any:
        if isinstance(v, (tuple, list)):
            return type(v)(map(walk, v))
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return repr(v) if isinstance(v, codec.Opaque) else v.array if isinstance(v, codec.TensorData) else v

    return walk(_roundtrip(value))


def _plain(value: Any, what: str, where: str) -> Any:
    if not identical(_roundtrip(value), value):
        raise ConfigError(f"{where}: {what} returned {kind_of(value)}, which fixtures cannot hold (only numbers, "
                          "strings, None, ndarrays, and tuples, lists and dicts of them); make the check hidden "
                          "(public=False), or have it ask the reference for plain data")
    return value


class Mismatch(Exception):
    """The check asked the reference for something the fixtures do not hold."""


class Replay:
    """Stands for the reference module in a student bundle: the recorded answers, in order."""

    def __init__(self, calls: list[dict], source: str) -> None:
        object.__setattr__(self, "_rep", (list(calls), source))

    def _next(self, name: str, args: tuple, kwargs: dict) -> dict:
        calls, source = self._rep
        asked = show_call(name, args, kwargs)
        if not calls:
            raise Mismatch([f"the check asked for {asked}", f"{source} holds no further answer"])
        entry = calls[0]
        if entry["op"] != "call" or entry["name"] != name or entry["key"] != call_key(name, args, kwargs):
            raise Mismatch([f"the check asked for {asked}",
                            f"{source} holds the answer to {show_call(entry['name'], entry['args'], entry['kwargs'])}"])
        del calls[0]
        return entry

    def __getattr__(self, name: str) -> Any:
        calls, _ = self._rep
        if calls and calls[0]["op"] == "get" and calls[0]["name"] == name:
            return copy.deepcopy(calls.pop(0)["value"])

        def call(*args: Any, **kwargs: Any) -> Any:
            entry = self._next(name, args, kwargs)
            if entry["raised"] is not None:
                kind, message = entry["raised"]
                cls = getattr(builtins, kind, None)
                raise (cls if isinstance(cls, type) and issubclass(cls, Exception) else RuntimeError)(message)
            return copy.deepcopy(entry["value"])

        return call


def _where(cfg: ExerciseConfig, check: Check) -> str:
    return f"graders/{cfg.path}: exercise {cfg.id!r}, check {check.name!r}"


def _bound(spec: Exercise, cfg: ExerciseConfig, make_ref: Callable[[Check], Any]) -> Exercise:
    """A copy of ``spec`` whose public checks get their ``ref`` from ``make_ref`` (hidden ones are unchanged)."""
    def bind(check: Check) -> Check:
        if check.given is not None:
            raise ConfigError(f"{_where(cfg, check)}: a public check cannot draw inputs with given= (a student's "
                              "failure changes what it draws, so no recording fits); give it fixed inputs, or "
                              "make it hidden (public=False)")

        def body(st: Any, _ref: Any) -> None:
            try:
                check.body(st, make_ref(check))
            except Mismatch as e:
                raise CheckFailed("this check cannot be replayed from the recorded answers", e.args[0],
                                  kind="fixture", hint="the fixtures may be out of date, or the check fed your "
                                                       "output to the reference: ask your instructor") from None

        return replace(check, body=body)

    return replace(spec, checks=[bind(c) if c.public else c for c in spec.checks])


class RecordingLesson(Lesson):
    """The reference, behind a ``Recorder`` in each public check (``course release``)."""

    def __init__(self, course: Course, lesson: str) -> None:
        super().__init__(course, lesson)
        self.course, self.lesson = course, lesson
        self.recorded: dict[str, dict[str, list[dict]]] = {}

    def exercise(self, cfg: ExerciseConfig) -> Exercise:
        spec = super().exercise(cfg)
        checks = self.recorded.setdefault(cfg.name, {})

        def make(check: Check) -> Recorder:
            checks[check.name] = []
            return Recorder(self.reference, checks[check.name], _where(cfg, check))

        return _bound(spec, cfg, make)

    def save(self, root: Path) -> Path:
        path = fixture_path(root, self.lesson)
        save(path, {"format": FORMAT, "course": self.course.id, "version": self.course.version,
                    "lesson": self.lesson, "checks": self.recorded})
        return path


class ReplayLesson(Lesson):
    """The recorded answers in place of the reference (a student bundle: ``mode`` fixtures)."""

    def __init__(self, course: Course, lesson: str) -> None:
        super().__init__(course, lesson)
        path = fixture_path(course.root, lesson)
        self.source = path.relative_to(course.root).as_posix()
        self.recorded: dict | None = _read(path, self.source, course, lesson) if path.is_file() else None

    def exercise(self, cfg: ExerciseConfig) -> Exercise:
        spec = self.spec(cfg)
        if self.recorded is None:
            raise ConfigError(f"{self.source}: missing; a course folder without reference/ grades from fixtures: "
                              "rebuild the bundle with `course release`, or grade in the instructor's checkout")
        checks = self.recorded.get(cfg.name, {})
        bound = _bound(spec, cfg, lambda check: Replay(checks[check.name], self.source))
        for check in spec.checks:
            if check.public and check.name not in checks:
                raise ConfigError(f"{self.source}: no recording of check {check.name!r} of {cfg.id!r}; the "
                                  f"fixtures are older than graders/{cfg.path}: rebuild with `course release`")
        return bound


def _read(path: Path, source: str, course: Course, lesson: str) -> dict:
    body = load(path)
    if not (isinstance(body, dict) and body.get("format") == FORMAT and isinstance(body.get("checks"), dict)):
        raise ConfigError(f"{source}: not a {FORMAT} file; rebuild the bundle with `course release`")
    if (body.get("course"), body.get("version"), body.get("lesson")) != (course.id, course.version, lesson):
        raise ConfigError(f"{source}: recorded for course {body.get('course')!r} version {body.get('version')!r}, "
                          f"lesson {body.get('lesson')!r}, but course.toml says {course.id!r} version "
                          f"{course.version!r}: rebuild the bundle with `course release`")
    return body["checks"]
