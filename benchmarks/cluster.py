"""`course batch --scheduler`: the class of the batch section graded by a 2-worker local Dask cluster against
`--jobs 2`, the scheduler's cost per task, and what that predicts for 10,000 submissions on 100 workers; then a
class of full submissions on both (`fullclass`): the batch's throughput and Dask's overhead in the steady state."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from . import fullclass
from .batch import LESSONS, ONLY, STUDENTS, command, halves, make_class
from .fullclass import Turn
from .common import ROOT, Run, Section, descendants, loadavg, median, run, scratch, table

REPEATS = 3  # turns: local then Dask, Dask then local, local then Dask
NOOPS = 2000  # empty tasks to measure the scheduler with
TARGET = 1.10  # Dask's wall time over local mode's, at most


def noop(i: int) -> int:
    return i


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """CPU time of ``pid`` (with ``reaped``: and of the children it has reaped)."""
    fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    return sum(int(f) for f in fields[11:15 if reaped else 13]) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pids: list[int]) -> float:
    """CPU time of these processes and every process below them, the ended ones included (once reaped)."""
    total = 0.0
    for pid in {p for top in pids for p in descendants(top)}:
        try:
            total += cpu_seconds(pid, reaped=True)
        except OSError:  # ended meanwhile: its parent has it, or will
            pass
    return total


def start_cluster(folder: Path, workers: int, env: dict | None = None, worker_args: tuple[str, ...] = ()
                  ) -> tuple[Path, list[subprocess.Popen]]:
    file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    common = ["--host", "127.0.0.1", "--no-dashboard"]
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0",
                               "--scheduler-file", str(file), *common], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    while not file.exists():
        time.sleep(0.1)
    procs += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(file),
                                "--nthreads", "1", *worker_args, *common], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True) for _ in range(workers)]
    return file, procs


@contextmanager
def paused(procs: list[subprocess.Popen]) -> Iterator[None]:
    """The cluster stopped (SIGSTOP) while local mode runs: its idle scheduler, nannies and workers wake up
    tens of times a second and would take their share of the CPUs from local mode, which has no cluster."""
    for p in procs:
        os.killpg(p.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGCONT)


def scheduler_cost(file: Path, scheduler_pid: int) -> tuple[float, float]:
    """Seconds of wall time per empty task (mapped at once over the cluster) and of the scheduler's CPU."""
    from distributed import Client

    with Client(scheduler_file=str(file), set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)
        client.gather(client.map(noop, range(100), pure=False))  # warm up
        cpu, t = cpu_seconds(scheduler_pid), time.perf_counter()
        client.gather(client.map(noop, range(NOOPS), pure=False))
        return (time.perf_counter() - t) / NOOPS, (cpu_seconds(scheduler_pid) - cpu) / NOOPS


def gradebook_put() -> float:
    """Seconds the client spends filing one row (one SQLite transaction, synchronous=FULL)."""
    from convgrade import config as course_mod
    from convgrade.gradebook import Gradebook, Row

    course = course_mod.load(ROOT)
    with Gradebook(scratch("put-") / "gb.sqlite", course) as book:
        t = time.perf_counter()
        for i in range(200):
            book.put(Row(f"s{i}", "x", "d" * 64, course.version, "a", "graded", "reference", 1.0, 1.0, "", "{}" * 500))
        return (time.perf_counter() - t) / 200


def graded(r: Run, students: int = STUDENTS) -> Run:
    if f"{students} graded" not in r.stdout:
        raise RuntimeError(f"course batch did not grade every submission: {r.stdout[-500:]}")
    return r


def bench() -> Section:
    section = Section("`course batch --scheduler`: a 2-worker local Dask cluster vs `--jobs 2`; a class of full "
                      "submissions", load=loadavg())
    tmp = scratch("cluster-")
    klass = make_class(tmp / "class", STUDENTS)
    parts = halves(fullclass.make_full_class(tmp / "full-class"), tmp / "full")
    file, procs = start_cluster(tmp, 2)
    turns: list[Turn] = []
    try:
        def local(i: int | str, k: Path = klass, only: tuple[str, ...] = ONLY, n: int = STUDENTS) -> Run:
            with paused(procs):
                return graded(run(command(k, 2, tmp / f"gradebook-local-{i}.sqlite", only)), n)

        def dask(i: int | str, k: Path = klass, only: tuple[str, ...] = ONLY, n: int = STUDENTS
                 ) -> tuple[Run, float]:
            cpu = tree_cpu([p.pid for p in procs])
            r = graded(run([*command(k, 2, tmp / f"gradebook-dask-{i}.sqlite", only), "--scheduler-file", str(file)]),
                       n)
            return r, tree_cpu([p.pid for p in procs]) - cpu

        per_task, sched_cpu = scheduler_cost(file, procs[0].pid)
        first, _ = dask(-1)  # the workers start their zygotes and import the lessons
        local(-1)  # and this machine's page cache holds what local mode reads
        for i in range(REPEATS):
            load = loadavg()
            if i % 2:
                (d, cpu), lo = dask(i), local(i)
            else:
                lo, (d, cpu) = local(i), dask(i)
            turns.append(Turn(load, lo, d, cpu))
        full: list[Turn] = []  # the full class in two halves, a turn each: local then Dask, Dask then local
        for i, half in enumerate(parts):
            load, size = loadavg(), fullclass.students() // 2
            if i % 2:
                (d, cpu), lo = dask(half.name, half, (), size), local(half.name, half, (), size)
            else:
                lo, (d, cpu) = local(half.name, half, (), size), dask(half.name, half, (), size)
            full.append(Turn(load, lo, d, cpu))
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    put = gradebook_put()
    books = [{k: v for h in parts for k, v in fullclass.reports(tmp / f"gradebook-{mode}-{h.name}.sqlite").items()}
             for mode in ("local", "dask")]
    if books[0] != books[1]:
        raise RuntimeError("the full class's reports differ between --jobs 2 and Dask")
    whole = fullclass.FullRuns(tuple(full), fullclass.total_score(books[0]))
    ratio, short_turns = median([t.ratio for t in turns]), ", ".join(f"{t.ratio:.2f}" for t in turns)
    wall = {"local": median([t.local.wall for t in turns]), "dask": median([t.dask.wall for t in turns])}
    cpu = {"local": median([t.local.cpu for t in turns]), "dask": median([t.dask.cpu + t.cluster_cpu for t in turns])}
    each = wall["dask"] * 2 / STUDENTS  # seconds of one worker per submission, Dask's overheads included
    n, workers = 10_000, 100
    grading = n / workers * each
    predicted = grading + each  # + the last submission's tail; the scheduler and the client work meanwhile
    each_full = whole.dask_wall * 2 / fullclass.students()  # the same for a whole submission (code and quizzes)
    section.lines += [
        f"The class of the batch section ({STUDENTS} submissions, `--only week1.padding --only week1.pooling`), "
        f"a new gradebook every run, graded by `course batch --jobs 2` and by `course batch --scheduler-file` on a "
        f"cluster of one `dask scheduler` and two `dask worker --nthreads 1` (with their nannies, as the README's "
        f"recipe starts them) on this machine, started once before the runs, as a cluster is, and stopped (SIGSTOP) "
        f"while local mode runs, which has no cluster to share the CPUs with. Both warm: one run "
        f"of each first (the workers start their zygotes and import the lessons: {first.wall:.1f} s). Then "
        f"{REPEATS} turns, each a local run and a Dask run one after the other (the order alternates); the ratio "
        f"is taken within each turn, so both runs of a turn saw about the same load. CPU: the local batch's whole "
        f"tree (its grading processes, their zygotes and sandboxes); for Dask, the client's plus what the "
        f"scheduler, the nannies, the workers and their sandboxes used during the run.", "",
        *table(["turn", "load average before", "--jobs 2 wall", "Dask wall", "Dask / local", "--jobs 2 CPU",
                "Dask CPU (client + cluster)"],
               [[str(i + 1), t.load, f"{t.local.wall:.1f} s", f"{t.dask.wall:.1f} s", f"{t.ratio:.2f}",
                 f"{t.local.cpu:.1f} s", f"{t.dask.cpu:.1f} + {t.cluster_cpu:.1f} s"] for i, t in enumerate(turns)]
               + [["**median**", "", f"{wall['local']:.1f} s", f"{wall['dask']:.1f} s", f"**{ratio:.2f}**",
                   f"{cpu['local']:.1f} s", f"{cpu['dask']:.1f} s ({cpu['dask'] / cpu['local']:.2f}x)"]]),
        f"Local mode starts its grading processes and their zygotes in every run (about half a second, see the "
        f"batch section); warm Dask workers do not, and pay instead a connection, the workers' check (engine, "
        f"course hash, and the sandbox probed once per worker process, then answered from memory while the fork "
        f"server it probed runs) and a round trip per submission. The batch registers `convgrade.cluster."
        f"Quiet` on the workers: Dask's profiler, which samples and records the grading thread's stack every 10 ms "
        f"on the worker's event loop, is stopped, and the event loop's other periodic work spaced out (the "
        f"scheduler's too); a worker "
        f"freezes (`gc.freeze`) what it holds once started and after its first submission, so the full garbage "
        f"collections grading triggers do not walk Dask's own objects each time.", "",
        f"The scheduler: {NOOPS} empty tasks mapped at once over the same two workers take {per_task * 1e3:.2f} ms "
        f"of wall time each and {sched_cpu * 1e3:.2f} ms of the scheduler's CPU each. Filing a row in the "
        f"gradebook costs the client {put * 1e3:.2f} ms.", "",
        f"**Predicted: 10,000 submissions on 100 workers take about {predicted / 60:.0f} min** "
        f"({n:,} / {workers} x {each:.2f} s + one more). Assumptions: each worker is one CPU like these, with "
        f"`--nthreads 1`; a submission costs what these cost ({len(LESSONS)} lessons, {each:.2f} s of a worker "
        f"with Dask's round trip); the workers are started and warm; the network moves a submission's few "
        f"kilobytes in well under a millisecond. The scheduler is not the limit: {n:,} tasks cost it "
        f"{n * sched_cpu:.0f} s of CPU in all, spread over the {grading / 60:.0f} min, and at 100 workers it "
        f"handles one result every {each / workers * 1e3:.0f} ms against {sched_cpu * 1e3:.2f} ms of work each; "
        f"nor is the client ({put * 1e3:.2f} ms to file a row). **Whole submissions** (the class below, "
        f"{each_full:.1f} s of a worker each with Dask): **about {(n / workers + 1) * each_full / 3600:.1f} h**; "
        f"the scheduler then handles one result every {each_full / workers * 1e3:.0f} ms.", "",
        *fullclass.lines(whole, ratio, short_turns)]
    # the short class's ratio is in the Dask target's measured figure: a miss of it stays visible there
    section.targets += fullclass.targets(whole, ratio, short_turns, TARGET)
    return section
