"""The security corpus and what grading it needs: a small course, attack submissions, a census of processes.

Each file in ``corpus/`` is one attack: Python appended to the reference ``week1/padding.py`` (so a
``zero_pad`` it defines replaces the reference's, and module-level code runs at import), or to the lesson file
of the exercise it names, with its expected outcome in its docstring:

    exercise: week1.convnet.LeNet5     the exercise attacked (default week1.padding.zero_pad; another one is
                                       graded alone: the torch lessons are slow to grade whole)
    status: failed                     the attacked exercise's status
    passes: output shape               a check that rightly passes (repeatable; by default none does: it scores 0)
    feedback: X_pad is None            words its feedback must contain (repeatable)
    when: import                       the attack runs at import, so it may take the lesson's other exercises
                                       down with it (default: call; then they keep full marks)
    level: namespaces                  only the namespaces level can stop it (skipped at the process level)
    symlink: reference/week1/padding.py   week1/padding.py is a symlink to this file of the course

``MARKER`` in the source becomes a name unique to the run (processes it starts carry it), ``PORT`` the
port of a listener on the grading machine's loopback.
"""
from __future__ import annotations

import ast
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from convgrade import config as course_mod
from convgrade.sandbox import UID_BASE, UID_RANGE
from conftest import ISOLATION, LEVELS  # noqa: F401

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = HERE / "corpus"
TIME_LIMIT, CALL_TIMEOUT = 3, 2
PADDING = ("week1.padding.zero_pad", "week1.padding.conv_output_size", "week1.padding.same_padding")
ZERO_PAD = PADDING[0]
MODULE_TARGETS = ("week1.convnet.LeNet5",)  # torch exercises in the attack course


@dataclass(frozen=True)
class Attack:
    name: str
    source: str
    status: str
    feedback: tuple[str, ...]
    when: str = "call"
    level: str = "any"
    symlink: str | None = None
    passes: tuple[str, ...] = ()
    exercise: str = ZERO_PAD

    def __str__(self) -> str:
        return self.name

    @property
    def lesson_file(self) -> str:
        """The file the attack is appended to, e.g. ``week1/padding.py``."""
        return self.exercise.rsplit(".", 1)[0].replace(".", "/") + ".py"


def load_corpus() -> list[Attack]:
    attacks = []
    for path in sorted(CORPUS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        fields: dict[str, list[str]] = {}
        for line in (ast.get_docstring(ast.parse(source)) or "").splitlines():
            key, sep, value = line.partition(": ")
            if sep and key in ("status", "passes", "feedback", "when", "level", "symlink", "exercise"):
                fields.setdefault(key, []).append(value.strip())
        if "status" not in fields:
            raise ValueError(f"{path.name}: the docstring names no expected status")
        attacks.append(Attack(path.stem, source, fields["status"][0], tuple(fields.get("feedback", ())),
                              fields.get("when", ["call"])[0], fields.get("level", ["any"])[0],
                              fields.get("symlink", [None])[0], tuple(fields.get("passes", ())),
                              fields.get("exercise", [ZERO_PAD])[0]))
    return attacks


PROBE_HELPERS = '''
import os, socket


def reachable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def writable(path):
    try:
        with open(path, "a"):
            return True
    except OSError:
        return False
'''  # the start of a probe: code that reports, from inside a worker, what it can reach


def bystander() -> str:
    """A lesson graded beside the attacked one: convolution once its grader exists, else pooling."""
    return "week1.convolution" if (ROOT / "graders" / "week1" / "convolution.py").is_file() else "week1.pooling"


def write_course(folder: Path, lessons: list[str]) -> Path:
    """A course folder with short limits, the selected exercises of the real course.toml, and symlinks to
    the real reference and graders (lesson files are loaded by path from the course folder)."""
    import tomllib

    real = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
    lines = ['[course]', 'name = "Security corpus"', 'id = "security"', 'seed = 20261128', '',
             '[limits]', f'time_limit = {TIME_LIMIT}', f'call_timeout = {CALL_TIMEOUT}', 'memory = "1 GiB"',
             'max_examples = 5', '', '[assignments.week1]', 'title = "Week 1"', '']
    for eid, table in real["exercises"].items():
        if any(eid == lesson or eid.startswith(lesson + ".") for lesson in lessons):
            lines += [f'[exercises."{eid}"]', f'title = "{table["title"]}"', f'points = {table["points"]}', '']
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.toml").write_text("\n".join(lines), encoding="utf-8")
    for name in ("reference", "graders"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def reference_submission(folder: Path, extra: str = "") -> Path:
    """The reference's week 1 lesson files, with ``extra`` appended to week1/padding.py."""
    (folder / "week1").mkdir(parents=True)
    for lesson in (ROOT / "reference" / "week1").glob("*.py"):
        (folder / "week1" / lesson.name).write_text(lesson.read_text(encoding="utf-8"), encoding="utf-8")
    padding = folder / "week1" / "padding.py"
    padding.write_text(padding.read_text(encoding="utf-8") + "\n\n" + extra, encoding="utf-8")
    return folder


def write_submission(folder: Path, course: Path, attack: Attack, marker: str, port: int) -> Path:
    """The reference's lesson files, with the attack in its lesson file (week1/padding.py by default)."""
    reference_submission(folder)
    target = folder / attack.lesson_file
    if attack.symlink:
        target.unlink()
        target.symlink_to(course / attack.symlink)
    else:
        source = attack.source.replace("MARKER", marker).replace("PORT", str(port))
        target.write_text(target.read_text(encoding="utf-8") + "\n\n" + source, encoding="utf-8")
    return folder


# -- fixtures (imported by the test modules: a conftest.py here would shadow tests/conftest.py) ---------
@pytest.fixture(scope="session")
def attack_course(tmp_path_factory) -> course_mod.Course:
    lessons = ["week1.padding", bystander(), *MODULE_TARGETS]
    return course_mod.load(write_course(tmp_path_factory.mktemp("course"), lessons))


@pytest.fixture(scope="session")
def port() -> int:
    """A TCP listener on the grading machine's loopback: no worker may reach it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def new_marker() -> str:
    return "cg" + secrets.token_hex(4)  # a process name (at most 15 characters)


# -- the census of processes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    uid: int
    comm: str
    cmdline: str


def processes() -> dict[int, Proc]:
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                head, tail = f.read().rsplit(b")", 1)
            with open(f"/proc/{name}/status", "rb") as f:
                uid = int(next(line for line in f if line.startswith(b"Uid:")).split()[1])
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration, ValueError):
            continue
        comm = head.split(b"(", 1)[1].decode(errors="replace")
        found[int(name)] = Proc(int(name), int(tail.split()[1]), uid, comm, cmdline)
    return found


def _ancestors(procs: dict[int, Proc], pid: int) -> list[int]:
    chain = []
    while pid in procs and pid not in chain:
        chain.append(pid)
        pid = procs[pid].ppid
    return chain


TRACKER = "from multiprocessing.resource_tracker import main"


def leftovers(marker: str) -> list[str]:
    """Processes that should not exist after grading: below this process but not a zygote (nor multiprocessing's
    resource tracker, which a parallel grade earlier in this test process started as its own child), with a
    worker's uid but below no zygote, or carrying the attack's marker anywhere."""
    procs = processes()
    me = os.getpid()
    helpers = {p.pid for p in procs.values() if p.ppid == me and ("zygote.py" in p.cmdline or TRACKER in p.cmdline)}
    any_zygote = {p.pid for p in procs.values() if "zygote.py" in p.cmdline}
    bad = []
    for p in procs.values():
        chain = _ancestors(procs, p.pid)
        mine = me in chain[1:] and p.pid not in helpers
        stray_uid = UID_BASE <= p.uid < UID_BASE + UID_RANGE and not any_zygote & set(chain[1:])
        if mine or stray_uid or p.comm == marker:
            bad.append(f"pid {p.pid} ({p.comm}, uid {p.uid}, parent {p.ppid}): {p.cmdline[:80]}")
    return bad
