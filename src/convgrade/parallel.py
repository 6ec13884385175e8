"""The lessons of one submission graded at once on the machine's CPUs (``course grade --jobs N``).

A lesson is the unit of work: its exercises share the lesson's graders and reference. The grading process and
``jobs`` - 1 fresh Python processes (spawned, never forked from a process that may hold threads), each with
sandboxes of its own, take lessons one at a time, the longest first (``cost``: the time the last grade of the course
version took, else a static estimate), each as soon as it is ready for one: the grading process at once, a spawned
one once it has started. The grading process assembles the report in catalogue order, so it is the same whatever
``jobs`` is and whichever process graded which lesson. A lesson whose exercise declares it holds a large model
(``Exercise.memory`` over ``ALONE``) is graded last, in the grading process, once the others are done and their
processes gone: two such lessons, or one beside another process's sandbox, would double the peak memory; lessons
whose exercise holds less but still much (``BIG``: a ResNet's forward and backward, a network trained) are graded one
after another by the grading process, the others beside them. A process that dies (killed, a segfault in a grader)
loses nothing: the lesson it held is graded again in the grading process. The processes are trusted (they run the
graders, never student code: that runs in their sandboxes' workers), so their results come back pickled.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable

from .checks import Exercise
from .config import Course, ExerciseConfig
from .results import ExerciseResult
from .sandbox import close_zygotes, prestart, warm

# The static estimate, in seconds, of an exercise never timed (``hints.timed``): an example drawn and checked, and
# the models of an exercise whose worker preloads more than numpy (torch: seconds, against milliseconds)
EXAMPLE = 0.002
HEAVY = 2.0
START = 0.6  # what a spawned grading process costs before it grades (python, numpy, hypothesis, its fork server)
# MiB: a lesson whose exercise holds more (a large network in float64: 1.1 GB) is graded alone; what a grading
# process, its sandbox and a small worker take (about 0.7 GB here) beside it would pass 1.5 GB
ALONE = 700
# MiB: lessons whose exercise holds more than this (and at most ALONE) are graded one after another, all by the
# grading process, while the others go to whichever process is free: two of them at once (a ResNet's forward and
# backward, a network being trained) beside two grading processes and their sandboxes would pass 1.5 GB
BIG = 100


@dataclass(frozen=True)
class Work:
    """What a grading process needs to grade any lesson of the selection (all of it picklable)."""

    submission: Path
    ids: tuple[str, ...]  # the code exercises to grade, in catalogue order
    mode: str  # "reference" or "fixtures" (see ``runner.course_mode``)
    figures: bool
    preload: tuple[str, ...]  # the graded lessons' (``runner._lesson_needs``): any process's sandbox is the same
    operations: tuple[str, ...]


Graded = tuple[dict[str, ExerciseResult], str]  # results by exercise id, the isolation level in force
Grader = Callable[[Course, Work, str], Graded]  # a lesson graded in this process (``runner.grade_lesson``)


def cpus() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def cost(cfg: ExerciseConfig, spec: Exercise, timed: dict[str, float] | None = None) -> float:
    """The seconds an exercise's grading is expected to take: as long as it took when last timed (``timed``, by
    exercise id), else a static estimate, ``EXAMPLE`` for each example its checks draw plus ``HEAVY`` when its worker
    preloads more than numpy. Both are hints for the schedule only: a check a submission fails takes longer."""
    if timed and cfg.id in timed:
        return timed[cfg.id]
    examples = sum(1 if c.given is None else min(c.max_examples or cfg.max_examples, cfg.max_examples)
                   for c in spec.checks)
    heavy = any(set(ops.preload) - {"numpy"} for ops in spec.needs)
    return EXAMPLE * examples + HEAVY * heavy


def give_back_memory() -> None:
    """Return the heap this process has freed to the system (glibc's ``malloc_trim``; a millisecond): grading a
    course leaves a grading process some 15 MB of freed heap it would otherwise hold beside a large model's worker.
    Nothing where the C library has no such call."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError, TypeError):  # not glibc (macOS, musl), or no C library by that name (Windows)
        pass


def alone(exercises: list[tuple[ExerciseConfig, Exercise]]) -> set[str]:
    """The lessons of these exercises graded alone (see ``ALONE``)."""
    return {cfg.lesson for cfg, spec in exercises if spec.memory > ALONE}


def big(exercises: list[tuple[ExerciseConfig, Exercise]]) -> set[str]:
    """The lessons of these exercises graded one after another by the grading process (see ``BIG``)."""
    return {cfg.lesson for cfg, spec in exercises if spec.memory > BIG} - alone(exercises)


def spread(exercises: list[tuple[ExerciseConfig, Exercise]], jobs: int,
           timed: dict[str, float] | None = None) -> list[str]:
    """The lessons of these exercises, costliest first (ties in catalogue order; ``cost``, with the times ``timed``),
    when grading them in ``jobs`` processes saves more than a process costs to start; none when one process should
    grade them all."""
    total: dict[str, float] = {}
    for cfg, spec in exercises:
        total[cfg.lesson] = total.get(cfg.lesson, 0) + cost(cfg, spec, timed)
    order = sorted(total, key=lambda lesson: -total[lesson])  # sorted is stable: catalogue order among ties
    shares = [0] * max(1, min(jobs, len(order)))
    for lesson in order:  # each to the process with the least so far, as the processes will pull them
        shares[shares.index(min(shares))] += total[lesson]
    return order if sum(shares) - max(shares) > START else []


def grade(course: Course, work: Work, lessons: list[str], jobs: int, grader: Grader,
          last: set[str] = frozenset(), mine: set[str] = frozenset()) -> Graded:
    """Every lesson graded by ``grader`` in this process and up to ``jobs`` - 1 spawned ones, in the order given
    (the costliest first), but those in ``mine``, graded here first, and those in ``last``, graded here once the
    others are gone; a lesson whose process died is graded again here. Each process takes the next lesson when it
    is ready for one: this one at once (its checks imported, its fork server warm), a spawned one once it has
    started. The isolation level is the first lesson's in catalogue order."""
    results: dict[str, Graded] = {}
    own = deque(x for x in lessons if x in mine and x not in last)
    todo, lost = deque(x for x in lessons if x not in last and x not in mine), []
    pool = _Pool(course, work, grader, todo, min(jobs - 1, len(todo)))
    try:
        while (lesson := own.popleft() if own else pool.take()) is not None:
            results[lesson] = grader(course, work, lesson)
        results.update(pool.results(lost))
    finally:  # on the way out by an exception (Ctrl-C), those still grading are ended
        pool.end()
    for lesson, cause in lost:
        print(f"course: the process grading {lesson} stopped ({cause}); graded it again here", file=sys.stderr)
        results[lesson] = grader(course, work, lesson)
    for lesson in [*todo, *(x for x in lessons if x in last)]:  # todo: none, unless no process could start
        results[lesson] = grader(course, work, lesson)
    first = next(i.rsplit(".", 1)[0] for i in work.ids if i.rsplit(".", 1)[0] in results)
    return {i: r for graded, _ in results.values() for i, r in graded.items()}, results[first][1]


class _Pool:
    """The spawned grading processes, served by a thread of their own: each is sent the next lesson from the
    front of ``todo`` when it is ready for one (it has started, or sent back its last lesson's results), until
    none is left."""

    def __init__(self, course: Course, work: Work, grader: Grader, todo: deque[str], n: int) -> None:
        self.todo, self.lock = todo, threading.Lock()
        self.held: dict[Connection, tuple[mp.Process, str | None]] = {}
        self.done: list[mp.Process] = []
        self.graded: dict[str, Graded] = {}
        self.lost: list[tuple[str, str]] = []
        ctx = mp.get_context("spawn")
        for _ in range(max(0, n)):
            here, there = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(there, course, os.getpid(), work, grader), daemon=True)
            try:
                proc.start()
            except OSError:  # no more processes: those started (or this one) grade everything
                break
            finally:
                there.close()
            self.held[here] = (proc, None)  # no lesson yet: its first message says it is ready for one
        self.thread = threading.Thread(target=self._serve, name="convgrade-lessons", daemon=True)
        self.thread.start()

    def take(self) -> str | None:
        """The next lesson for this process (the costliest left), or None when none is left."""
        with self.lock:
            return self.todo.popleft() if self.todo else None

    def _serve(self) -> None:
        while self.held:
            for conn in wait(list(self.held)):
                proc, lesson = self.held[conn]
                try:
                    graded, level = conn.recv()
                except (EOFError, OSError):  # it died: its lesson, if any, is graded again by ``grade``
                    proc.join()
                    if lesson is not None:
                        self.lost.append((lesson, _death(proc.exitcode)))
                    del self.held[conn]
                    continue
                if lesson is None:  # started: (None, "ready")
                    pass
                elif graded is None:  # the grader raised there: graded again here, it raises the same
                    self.lost.append((lesson, level))
                else:
                    self.graded[lesson] = graded, level
                self._hand(conn)

    def _hand(self, conn: Connection) -> None:
        """Send the process at ``conn`` the next lesson, or tell it to stop (then it is ``done``); a process that
        cannot be sent to is dropped, the lesson kept for another."""
        proc = self.held.pop(conn)[0]
        with self.lock:
            lesson = self.todo.popleft() if self.todo else None
        try:
            conn.send(lesson)
        except OSError:  # it died since it last spoke
            if lesson is not None:
                with self.lock:
                    self.todo.appendleft(lesson)
            lesson = None
        if lesson is None:
            conn.close()
            self.done.append(proc)
        else:
            self.held[conn] = (proc, lesson)

    def results(self, lost: list[tuple[str, str]]) -> dict[str, Graded]:
        """Once no lesson is left to hand out: what the spawned processes graded, when they are done; the lessons
        they lost go to ``lost``. A process still starting, which holds no lesson, is not waited for."""
        for proc, lesson in list(self.held.values()):
            if lesson is None and not self.todo:  # nothing to give it: the thread sees it end, and loses nothing
                proc.kill()
        self.thread.join()
        lost += self.lost
        return self.graded

    def end(self) -> None:
        for proc, _ in list(self.held.values()):
            proc.kill()
        self.thread.join()
        for proc in [p for p, _ in self.held.values()] + self.done:
            proc.join()


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _serve(conn: Connection, course: Course, parent: int, work: Work, grader: Grader) -> None:
    """A grading process: grade each lesson sent until told to stop (None) or the grading process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grading process's to handle
    die_with(parent)
    prestart()  # its fork server loads what the workers preload (torch...) while this process imports the checks
    warm(tuple(m for m in work.preload if m != "numpy"), work.operations)
    try:
        conn.send((None, "ready"))
        while (lesson := conn.recv()) is not None:
            try:
                reply = grader(course, work, lesson)
            except Exception as e:  # noqa: BLE001 - reported, then raised again where it is graded again
                reply = None, f"{type(e).__name__}: {str(e)[:200]}"
            conn.send(reply)
    except (EOFError, OSError):
        pass  # the grading process is gone
    finally:
        close_zygotes()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)  # without tearing the interpreter down (torch's modules: a third of a second the grading process
    # would wait for before it grades a lesson kept for last)


def die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even by kill -9 (Linux's PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):  # not Linux
        pass
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)
