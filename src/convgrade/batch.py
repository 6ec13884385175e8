"""``course batch DIR``: grade a whole class, in parallel and resumably.

DIR holds one folder or notebook per student. A few long-lived grading processes (forked from the batch, with
the graders imported; the sandbox's zygote, which imports numpy and torch, starts once in each) take
submissions one at a time and send each report back; the batch files it in the gradebook at once, in one
transaction. Killed at any moment (even ``kill -9``: the grading processes die with it) and run again, it skips
every submission whose row is final for the same content hash, course version and selection, and grades the
rest. A submission that cannot be graded gets a row that says why; it never stops the batch. Where the
submissions are graded is a ``Pool``: ``Local`` processes here, or a Dask cluster (``cluster.Dask``).
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Iterator, Protocol, TextIO

from . import config as course_mod
from .answers import ANSWERS
from .config import ConfigError, Course
from .digest import content_hash, files
from .gradebook import Gradebook, Row, graded_row, now
from .parallel import die_with
from .report.table import points
from .results import Report
from .runner import grade
from .sandbox import IsolationError, close_zygotes


class Ungradable(Exception):
    """The submission cannot be graded at all; the message says why."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    digest: str  # "" when unreadable
    problem: str = ""  # why it cannot be graded ("" when it can)


@dataclass(frozen=True)
class Summary:
    total: int
    unchanged: int  # final rows for the same content: not regraded
    graded: int
    ungradable: int
    crashed: int


# -- what a submission is ------------------------------------------------------------------------------
def problem(path: Path, course: Course, only: list[str] | None) -> str:
    """Why ``path`` cannot be graded at all; "" when it can."""
    if path.suffix == ".ipynb" and path.is_file():
        try:
            if not isinstance(json.loads(path.read_bytes()), dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            return f"{path.name} is not a readable notebook ({str(e)[:100]})"
        return ""
    if not path.is_dir():
        return f"{path.name} is not a folder or a notebook (.ipynb); hand in a folder laid out like exercises/"
    found = [rel for rel, _ in files(path)]
    if not found:
        return "the folder is empty"
    if any(rel.endswith(".ipynb") for rel in found):
        return ""
    chosen = course.select(only)
    wanted = list(dict.fromkeys(e.path for e in chosen if not e.is_question))
    answers = {f"{ANSWERS}/{e.assignment}.toml" for e in chosen if e.is_question}
    if not (set(wanted) | answers) & set(found):
        files_ = f"{', '.join(wanted[:3])}{', ...' if len(wanted) > 3 else ''}"
        if not answers:
            return f"none of the lesson files ({files_}) is in the folder; lay it out like exercises/"
        return (f"none of the lesson files or answers files ({', '.join(filter(None, (files_, *sorted(answers))))}) "
                "is in the folder; lay it out like exercises/, answers in answers/<assignment>.toml")
    return ""


def find(folder: Path, course: Course, only: list[str] | None, exclude: tuple[Path, ...] = ()) -> list[Submission]:
    """One submission per folder or file in ``folder`` (hidden ones and ``exclude`` left out)."""
    if not folder.is_dir():
        raise ConfigError(f"{folder}: not a folder; give the folder that holds one folder or notebook per student")
    skip = {p.resolve().with_name(p.name + end) for p in exclude for end in ("", "-wal", "-shm", "-journal", ".tmp")}
    out, names = [], set()
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.resolve() in skip:
            continue
        student = entry.stem if entry.suffix == ".ipynb" and entry.stem not in names else entry.name
        names.add(student)
        try:
            out.append(Submission(student, entry, content_hash(entry), problem(entry, course, only)))
        except OSError as e:
            out.append(Submission(student, entry, "", f"unreadable ({e.strerror}: {e.filename})"))
    return out


def grade_path(course: Course, path: Path, only: list[str] | None = None, figures: bool = False,
               student: str | None = None, jobs: int = 1) -> tuple[Report, list[str]]:
    """Grade a folder laid out like exercises/, a notebook or a folder of notebooks, as ``course grade`` does:
    the report, and what was said about notebooks that belong to no lesson. ``student`` chooses the variant of
    the questions (see ``convgrade.answers``); ``jobs`` > 1 grades lessons at once (``convgrade.parallel``):
    only ``course grade`` asks for it, never a batch, a Dask task or nbgrader, which grade one submission per
    process already."""
    if not (path.suffix == ".ipynb" or (path.is_dir() and any(path.glob("**/*.ipynb")))):
        return grade(course, path, only, figures=figures, student=student, jobs=jobs), []
    from .submission import prepare  # imports nbformat, which takes seconds: only when there are notebooks

    prepared = prepare(path)
    try:
        broken, notes = {}, []
        if path.suffix == ".ipynb":
            if prepared.errors:
                raise Ungradable(next(iter(prepared.errors.values())))
            only = only or prepared.lessons
        for nb, message in prepared.errors.items():
            lesson = next((ls for ls in course.lessons if ls.rsplit(".", 1)[-1] == Path(nb).stem), None)
            if lesson is None:
                notes.append(message)
            else:
                broken[lesson] = message
        if path.is_dir() and (path / ANSWERS).is_dir():  # answers files beside the notebooks
            shutil.copytree(path / ANSWERS, prepared.folder / ANSWERS, dirs_exist_ok=True)
        return grade(course, prepared.folder, only, broken, figures=figures, student=student, jobs=jobs), notes
    finally:
        prepared.close()


# -- the batch -----------------------------------------------------------------------------------------
class Pool(Protocol):
    """Where submissions are graded: ``grade`` yields (submission, reply) as each is done, in any order."""

    def plan(self, n: int) -> str: ...

    def grade(self, course: Course, only: list[str] | None, todo: list[Submission]
              ) -> Iterator[tuple[Submission, dict]]: ...


@dataclass(frozen=True)
class Local:
    """``jobs`` grading processes on this machine."""

    jobs: int

    def plan(self, n: int) -> str:
        return f"with {min(self.jobs, n)} processes"

    def grade(self, course: Course, only: list[str] | None, todo: list[Submission]
              ) -> Iterator[tuple[Submission, dict]]:
        return _parallel(course.root, only, todo, self.jobs)


def run(course: Course, folder: Path, book: Gradebook, *, pool: Pool, only: list[str] | None = None,
        exclude: tuple[Path, ...] = (), stream: TextIO = sys.stderr) -> Summary:
    subs = find(folder, course, only, exclude)
    scope = ",".join(e.id for e in course.select(only))
    rows = {r.student: r for r in book.rows()}
    todo, unchanged, ungradable = [], 0, 0
    for sub in subs:
        row = rows.get(sub.student)
        if row and row.final and (row.digest, row.version, row.scope) == (sub.digest, course.version, scope):
            unchanged += 1
        elif sub.problem:
            book.put(Row(sub.student, str(sub.path), sub.digest, course.version, scope, "ungradable",
                         reason=sub.problem, graded_at=now()))
            ungradable += 1
        else:
            todo.append(sub)
    plan = f"{len(todo)} to grade {pool.plan(len(todo))}" if todo else "nothing to grade"
    print(f"course batch: {len(subs)} submissions in {folder}: {unchanged} unchanged since the last run, "
          f"{ungradable} cannot be graded, {plan}", file=stream)
    progress, graded, crashed = Progress(len(todo), stream), 0, 0
    for sub, reply in pool.grade(course, only, todo):
        row = _row(sub, reply, course, scope)
        book.put(row)
        graded, ungradable, crashed = (graded + (row.kind == "graded"), ungradable + (row.kind == "ungradable"),
                                       crashed + (row.kind == "crashed"))
        progress.step(f"{sub.student}: " + (f"{points(row.score)}/{points(row.max_score)}" if row.kind == "graded"
                                            else row.kind))
    return Summary(len(subs), unchanged, graded, ungradable, crashed)


def _row(sub: Submission, reply: dict, course: Course, scope: str) -> Row:
    if "report" in reply:
        data = {**reply["report"], "course_id": course.id, "course_version": course.version,
                "student": sub.student, "submission_sha256": sub.digest}
        return graded_row(sub.student, str(sub.path), sub.digest, data)
    kind = "ungradable" if "problem" in reply else "crashed"
    return Row(sub.student, str(sub.path), sub.digest, course.version, scope, kind,
               reason=reply.get("problem") or reply.get("crash", "unknown"), graded_at=now())


def _parallel(root: Path, only: list[str] | None, todo: list[Submission], jobs: int
              ) -> Iterator[tuple[Submission, dict]]:
    """(submission, reply) as each is graded, by ``jobs`` grading processes fed one submission at a time."""
    # Forked (on Linux): the graders are imported already, so a grading process starts in milliseconds, not half
    # a second. This process has no threads and no zygote (grading processes start their own) to copy.
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    pending = list(reversed(todo))
    procs: dict[Connection, mp.Process] = {}
    busy: dict[Connection, Submission] = {}

    def start() -> Connection:
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(theirs, str(root), only, os.getpid()), daemon=True,
                           name="course-batch")
        proc.start()
        theirs.close()
        procs[mine] = proc
        return mine

    def feed(conn: Connection) -> None:
        if pending:
            busy[conn] = pending.pop()
            conn.send((busy[conn].student, str(busy[conn].path)))

    finished = False
    try:
        for _ in range(min(jobs, len(todo))):
            feed(start())
        while busy:
            for conn in wait(list(busy)):
                sub = busy.pop(conn)
                try:
                    reply = conn.recv()
                except (EOFError, OSError):  # the grading process died: the next submission gets a new one
                    proc = procs.pop(conn)
                    proc.join()
                    reply = {"crash": f"the grading process ended with exit status {proc.exitcode}"}
                    conn = start() if pending else None
                if "config_error" in reply:
                    raise ConfigError(reply["config_error"])
                if conn is not None:
                    feed(conn)
                yield sub, reply
        finished = True
    finally:
        for conn, proc in procs.items():
            if not finished:
                proc.kill()
                continue
            try:
                conn.send(None)
            except OSError:  # it has ended already
                pass
        for proc in procs.values():
            proc.join()


def _serve(conn: Connection, root: str, only: list[str] | None, parent: int) -> None:
    """A grading process: grade each (student, path) received and send back the JSON report, or why not."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    os.setsid()  # a scheduling group of its own: with autogroup on, --jobs N then really gets N CPUs' share
    die_with(parent)
    course = course_mod.load(Path(root))
    while (task := conn.recv()) is not None:
        conn.send(grade_reply(course, Path(task[1]), only, task[0]))
    close_zygotes()  # a forked process leaves by os._exit, without atexit: end the zygote here


def grade_reply(course: Course, path: Path, only: list[str] | None, student: str | None = None) -> dict:
    """Grade one submission as a grading process does: ``report`` (the JSON report), or ``problem`` (it cannot
    be graded), ``crash`` (a bug in the graders: retried by the next run) or ``config_error`` (stop the batch)."""
    try:
        report, _ = grade_path(course, path, only, student=student)
        return {"report": report.to_json()}
    except Ungradable as e:
        return {"problem": str(e)}
    except (ConfigError, IsolationError) as e:  # the batch stops: nothing is graded at another level
        return {"config_error": str(e)}
    except Exception as e:  # noqa: BLE001 - a bug in the graders: recorded as crashed, retried next run
        return {"crash": f"{type(e).__name__}: {str(e)[:300]}"}


class Progress:
    """``[#####---------------] 5/20  3.1/min  ETA 4:50  alice: 47/50`` on stderr, one line per result
    (rewritten in place on a terminal)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.start = time.monotonic()
        self.tty = stream.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        elapsed = max(time.monotonic() - self.start, 1e-9)
        rate = self.done / elapsed  # per second
        eta = int((self.total - self.done) / rate)
        bar = "#" * (20 * self.done // self.total)
        speed = f"{rate:.2f}/s" if rate >= 1 else f"{rate * 60:.1f}/min"
        line = (f"[{bar:-<20}] {self.done}/{self.total}  {speed}  ETA {eta // 3600}:{eta // 60 % 60:02d}:"
                f"{eta % 60:02d}  {label}")
        end = "\n" if not self.tty or self.done == self.total else ""
        self.stream.write(("\r\x1b[K" if self.tty else "") + line + end)
        self.stream.flush()
