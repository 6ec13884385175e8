"""``course batch DIR --scheduler ADDRESS``: the class graded on a Dask cluster instead of this machine.

One task per submission. The task carries the submission's files as bytes (workers may be other machines, with
no shared disk), unpacks them in a temporary folder on the worker, grades them there exactly as a local grading
process does (``batch.grade_reply``) and returns the same reply; ``batch.run`` files each reply in the gradebook
as it arrives, so progress, resume and error rows are those of local mode.

The course reaches a worker by being installed there: the worker finds it in ``$CONVGRADE_COURSE``, else upward
from its working directory, as ``course`` does. Before any work is sent, every worker reports its engine version,
its course's content hash and a sandbox probe (``facts``); one that differs from this machine stops the batch.
A worker process probes its sandbox once per (engine, course) and answers later checks from memory while the fork
server that passed the probe still runs (a new one is probed again). Each task checks the engine and the course
again (a worker may join later), and refuses to grade with another course.

Dask's own periodic work on a worker competes with grading for the worker process's GIL and for the machine's
CPUs: its statistical profiler samples and records the grading thread's stack every 10 ms on the worker's event
loop, and its event loop ticks every 20 ms. The batch registers ``Quiet`` on every worker (those that join later
too) and ``QuietNanny`` on their nannies: the profiler stops, the rest is spaced out (BENCHMARKS.md, cluster);
the scheduler's latency probe and system monitor are spaced out too where it can import convgrade.
A worker process holds about twice the objects of a local grading process (Dask's own), and grading allocates
enough to run a full garbage collection about once per submission, which walks all of them: ``settle`` freezes
(``gc.freeze``) what the worker holds once Dask has started and again after its first submission (the lessons
imported), so later collections walk only what grading leaves behind.

The sandbox's zygote is a fresh process (``subprocess.Popen``, never a fork of the threaded worker), one per
worker process, kept and reused across tasks. Grading uses process-wide state (``warnings.catch_warnings``,
imported lesson modules), so a worker process grades one submission at a time: start workers with
``--nthreads 1`` and as many worker processes per machine as it has CPUs.
"""
from __future__ import annotations

import functools
import gc
import os
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from distributed import NannyPlugin, WorkerPlugin

from . import config as course_mod
from .batch import Submission, grade_reply
from .config import ConfigError, Course
from .digest import course_hash, engine_version, files

COURSE_ENV = "CONVGRADE_COURSE"
CONNECT_TIMEOUT, WORKERS_TIMEOUT = 20, 30  # seconds
WINDOW_EVERY = 1.0  # seconds: how often the client asks the scheduler how many worker threads there are
_grading = threading.Lock()  # one submission at a time per worker process, whatever --nthreads says
PROFILER = ("profile", "profile-cycle")  # a grading worker's periodic callbacks that Quiet stops
SPACED = {"tick": 1.0, "monitor": 5.0, "memory_monitor": 1.0}  # and those it spaces out (seconds; Dask: 0.02,
# 0.5 and 0.1): the event loop's latency probe, the system monitor (the dashboard's figures), the memory monitor
# (pause and spill: a grading worker holds no data; the student's code is limited in its sandbox)


def settle() -> None:
    """Collect this process's garbage, then keep what is left out of later collections' walk (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


@functools.cache
def settle_once() -> None:
    """``settle`` after the first submission a worker process grades (the course's lessons are imported then)."""
    settle()


def quiet(server: object) -> None:
    """Stop Dask's profiler on a worker and space out its other periodic work (a worker's, or a nanny's)."""
    callbacks = getattr(server, "periodic_callbacks", {})
    for name in PROFILER:
        if name in callbacks:
            callbacks[name].stop()
    for name, seconds in SPACED.items():
        if name in callbacks:
            callbacks[name].callback_time = seconds * 1000


class Quiet(WorkerPlugin):
    """``quiet`` on every worker, those that join later too (registered by ``connect``)."""

    name = "convgrade-quiet"
    idempotent = True

    def setup(self, worker: object) -> None:
        quiet(worker)
        settle()


def quiet_scheduler(dask_scheduler: object) -> None:
    """``quiet`` on the scheduler (run there by ``connect``): its latency probe ticks 50 times a second."""
    quiet(dask_scheduler)


class QuietNanny(NannyPlugin):
    """``quiet`` on every nanny: its memory monitor, ticks and system monitor share the workers' CPUs."""

    name = "convgrade-quiet-nanny"
    idempotent = True

    def setup(self, nanny: object) -> None:
        quiet(nanny)


# -- what a machine grades with ----------------------------------------------------------------------------
@functools.cache
def _installed(root: str) -> tuple[Course, str]:
    return course_mod.load(Path(root)), course_hash(Path(root))


def installed() -> tuple[Course, str]:
    """This worker's course and its content hash (loaded once per process)."""
    given = os.environ.get(COURSE_ENV)
    try:
        root = Path(given) if given else course_mod.find_root(Path.cwd())
    except ConfigError:
        raise ConfigError(f"no course here ({Path.cwd()}): start the worker in the course folder or with "
                          f"{COURSE_ENV}=DIR") from None
    return _installed(str(root.resolve()))


def probe() -> tuple[str, object | None]:
    """Run a tiny function in the sandbox: the isolation level in force and the fork server that ran it (None at
    the portable level, which has none); SandboxError when it does not work."""
    from .sandbox import Sandbox, SandboxError

    with tempfile.TemporaryDirectory(prefix="convgrade-probe-") as tmp:
        (Path(tmp) / "probe.py").write_text("def answer():\n    return 6 * 7\n")
        with Sandbox(Path(tmp)) as box:
            reply = box.call("probe", "answer", [], timeout=60)
            if reply.status != "ok" or reply.value != 42:
                raise SandboxError(f"the probe answered {reply.status} {str(reply.body)[:200]}")
            return box.isolation, getattr(box, "zygote", None)


_passed: dict[tuple[str, str], tuple[str, object]] = {}  # (engine, course hash) -> (level, the fork server probed)


def sandbox_level(engine: str, digest: str) -> str:
    """The isolation level the probe found for this engine and course in this process; probed again unless the
    fork server that passed it still runs (the check before every batch then costs no fork)."""
    level, server = _passed.get((engine, digest), ("", None))
    if server is None or not server.alive():  # type: ignore[attr-defined]
        level, server = probe()
        if server is not None:
            _passed[(engine, digest)] = (level, server)
    return level


def facts() -> dict:
    """What this worker grades with (run on every worker by ``client.run``; plain data, whatever the versions)."""
    out = {"engine": engine_version(), "course": "", "root": "", "isolation": "", "problem": ""}
    try:
        course, out["course"] = installed()
        out["root"] = str(course.root)
        out["isolation"] = sandbox_level(out["engine"], out["course"])
    except ConfigError as e:
        out["problem"] = str(e)
    except Exception as e:  # noqa: BLE001 - the sandbox does not start here: say why
        out["problem"] = f"the sandbox does not work here ({type(e).__name__}: {str(e)[:300]})"
    return out


def refusals(mine: dict, theirs: dict[str, dict | BaseException], nthreads: dict[str, int]) -> list[str]:
    """Why each worker that cannot grade this class cannot, naming it and what differs ([] when all can)."""
    out, levels = [], {}
    for worker, f in sorted(theirs.items()):
        if isinstance(f, BaseException):
            out.append(f"{worker}: the check failed ({type(f).__name__}: {str(f)[:200]}); install convgrade "
                       f"{mine['engine']} there")
        elif f["problem"]:
            out.append(f"{worker}: {f['problem']}")
        elif f["engine"] != mine["engine"]:
            out.append(f"{worker}: engine {f['engine']}, here {mine['engine']}; install the same convgrade there")
        elif f["course"] != mine["course"]:
            out.append(f"{worker}: its course {f['root']} differs from {mine['root']} (content hash "
                       f"{f['course'][:12]}, here {mine['course'][:12]}); install the same course.toml, reference/ "
                       "and graders/ there")
        elif nthreads.get(worker, 1) != 1:
            out.append(f"{worker}: {nthreads[worker]} threads; start it with `--nthreads 1` (one submission at a "
                       "time per worker process; add processes instead)")
        else:
            levels[worker] = f["isolation"]
    if len(set(levels.values())) > 1:
        out.append("the workers' sandboxes differ (" + ", ".join(f"{w}: {lv}" for w, lv in levels.items())
                   + "); give them all the same isolation level (CONVGRADE_ISOLATION) so reports agree")
    return out


# -- the worker's side of a task ---------------------------------------------------------------------------
def grade_task(name: str, folder: bool, data: dict[str, bytes], only: list[str] | None, engine: str,
               digest: str) -> dict:
    """Grade one submission (``data``: relative path -> bytes; ``name``: the folder's or notebook's name)."""
    with _grading:
        try:
            course, mine = installed()
        except ConfigError as e:
            return {"config_error": f"worker {_me()}: {e}"}
        if (engine_version(), mine) != (engine, digest):
            return {"config_error": f"worker {_me()} now has engine {engine_version()}, course {mine[:12]}; "
                                    f"this batch grades with {engine}, {digest[:12]}: install the same there"}
        with tempfile.TemporaryDirectory(prefix="convgrade-task-") as tmp:
            top = Path(tmp) / name if folder else Path(tmp)
            for rel, content in data.items():
                if Path(rel).is_absolute() or ".." in Path(rel).parts:
                    return {"problem": f"{rel}: a file outside the submission"}
                (top / rel).parent.mkdir(parents=True, exist_ok=True)
                (top / rel).write_bytes(content)
            reply = grade_reply(course, Path(tmp) / name, only, name if folder else Path(name).stem)
        settle_once()
        return reply


def _me() -> str:
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:
        return "(not a Dask worker)"


# -- the client's side -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dask:
    """A Dask cluster whose workers were checked (``connect``): the ``batch.Pool`` that grades there."""

    client: object  # distributed.Client
    workers: int
    engine: str
    course: str

    def plan(self, n: int) -> str:
        return f"on {self.workers} Dask workers at {self.client.scheduler.address}"

    def grade(self, course: Course, only: list[str] | None, todo: list[Submission]
              ) -> Iterator[tuple[Submission, dict]]:
        """(submission, reply) as each arrives; at most two tasks per worker thread are out at once, so the
        client holds few submissions' bytes, and more are sent as results come back."""
        from distributed import CancelledError, KilledWorker, as_completed

        left, out = iter(todo), {}
        done = as_completed(loop=self.client.loop)
        window, asked = 0, -WINDOW_EVERY

        def send() -> None:
            nonlocal window, asked
            if time.monotonic() - asked >= WINDOW_EVERY:  # the threads there are now: a round trip to the scheduler
                window, asked = 2 * max(sum(self.client.nthreads().values()), 1), time.monotonic()
            while len(out) < window and (sub := next(left, None)) is not None:
                data = {rel: full.read_bytes() for rel, full in files(sub.path)}
                future = self.client.submit(grade_task, sub.path.name, sub.path.is_dir(), data, only, self.engine,
                                            self.course, key=f"course-batch-{sub.student}-{uuid.uuid4().hex[:8]}",
                                            pure=False)
                out[future.key] = (future, sub)
                done.add(future)

        try:
            send()
            for future in done:
                _, sub = out.pop(future.key)
                try:
                    reply = future.result()
                except KilledWorker:
                    reply = {"crash": "the Dask worker died each time it was tried (up to "
                                      "`distributed.scheduler.allowed-failures`)"}
                except CancelledError:
                    raise ConfigError(f"lost the Dask scheduler at {self.client.scheduler.address}; every finished "
                                      "result is in the gradebook: start the cluster again and run the same command "
                                      "to grade the rest") from None
                except Exception as e:  # noqa: BLE001 - e.g. a worker that cannot import the engine
                    reply = {"crash": f"on the Dask worker: {type(e).__name__}: {str(e)[:300]}"}
                future.release()
                if "config_error" in reply:
                    raise ConfigError(reply["config_error"])
                send()
                yield sub, reply
        finally:
            if out:
                self.client.cancel([f for f, _ in out.values()])


@contextmanager
def connect(course: Course, address: str | None, scheduler_file: str | None) -> Iterator[Dask]:
    """A client of the scheduler, its workers checked against this machine's engine and course."""
    from distributed import Client

    where = address or scheduler_file
    if scheduler_file and not Path(scheduler_file).is_file():
        raise ConfigError(f"{scheduler_file}: no such scheduler file; give the file `dask scheduler "
                          "--scheduler-file FILE` writes, or --scheduler tcp://HOST:PORT")
    try:
        client = Client(address, scheduler_file=scheduler_file, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise ConfigError(f"no Dask scheduler at {where} ({str(e)[:200]}); start one (`dask scheduler`) or fix "
                          "the address") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except TimeoutError:
            raise ConfigError(f"no Dask worker joined the scheduler at {where} in {WORKERS_TIMEOUT} s; start some "
                              "(`dask worker ADDRESS --nthreads 1` in the course folder)") from None
        mine = {"engine": engine_version(), "course": course_hash(course.root), "root": str(course.root)}
        theirs = client.run(facts, on_error="return")
        wrong = refusals(mine, theirs, client.nthreads())
        if wrong:
            raise ConfigError(f"{len(wrong)} of {len(theirs)} Dask workers at {where} cannot grade this class; "
                              "nothing was sent:\n  " + "\n  ".join(wrong))
        client.register_plugin(Quiet())
        client.register_plugin(QuietNanny())
        try:
            client.run_on_scheduler(quiet_scheduler)
        except Exception:  # noqa: BLE001 - a scheduler without convgrade installed: left as it is
            pass
        yield Dask(client, len(theirs), mine["engine"], mine["course"])
    finally:
        client.close()
