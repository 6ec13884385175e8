"""`course batch --scheduler`: the class of the batch section graded by a 2-worker local Dask cluster against
`--jobs 2`, the scheduler's cost per task, and what that predicts for 10,000 submissions on 100 workers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .batch import LESSONS, STUDENTS, command, make_class
from .common import ROOT, Run, Section, Target, loadavg, median, run, scratch, table

REPEATS = 2  # of each configuration, in turns
NOOPS = 2000  # empty tasks to measure the scheduler with
TARGET = 1.10  # Dask's wall time over local mode's, at most
PROFILER_OFF = "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"  # as the README's recipes start workers


def noop(i: int) -> int:
    return i


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_cluster(folder: Path, workers: int, env: dict | None = None) -> tuple[Path, list[subprocess.Popen]]:
    file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    common = ["--host", "127.0.0.1", "--no-dashboard"]
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0",
                               "--scheduler-file", str(file), *common], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    while not file.exists():
        time.sleep(0.1)
    procs += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(file),
                                "--nthreads", "1", *common], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True) for _ in range(workers)]
    return file, procs


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


def bench() -> Section:
    section = Section("`course batch --scheduler`: a 2-worker local Dask cluster vs `--jobs 2`", load=loadavg())
    tmp = scratch("cluster-")
    klass = make_class(tmp / "class", STUDENTS)
    file, procs = start_cluster(tmp, 2, {PROFILER_OFF: "False"})
    try:
        def dask_cmd(out: Path) -> list[str]:
            return [*command(klass, 2, out), "--scheduler-file", str(file)]  # --jobs is not used then

        per_task, sched_cpu = scheduler_cost(file, procs[0].pid)
        runs: dict[str, list[Run]] = {"local": [], "dask": []}
        first = run(dask_cmd(tmp / "gradebook-first.sqlite"))  # workers start their zygotes and load the lessons
        for i in range(REPEATS):
            runs["local"].append(run(command(klass, 2, tmp / f"gradebook-local-{i}.sqlite")))
            runs["dask"].append(run(dask_cmd(tmp / f"gradebook-dask-{i}.sqlite")))
        for r in [first, *runs["dask"], *runs["local"]]:
            if f"{STUDENTS} graded" not in r.stdout:
                raise RuntimeError(f"course batch did not grade every submission: {r.stdout[-500:]}")
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    put = gradebook_put()
    wall = {k: median([r.wall for r in v]) for k, v in runs.items()}
    ratio = wall["dask"] / wall["local"]
    each = wall["dask"] * 2 / STUDENTS  # seconds of one worker per submission, Dask's overheads included
    n, workers = 10_000, 100
    grading = n / workers * each
    predicted = grading + each  # + the last submission's tail; the scheduler and the client work meanwhile
    section.lines += [
        f"The class of the batch section ({STUDENTS} submissions, `--only week1.padding --only week1.pooling`), "
        f"a new gradebook every run, graded by `course batch --jobs 2` and by `course batch --scheduler-file` on a "
        f"cluster of one `dask scheduler` and two `dask worker --nthreads 1` (with their nannies, Dask's profiler "
        f"off as the README says) on this machine, "
        f"started once before the runs, as a cluster is. In turns, {REPEATS} runs each, after one Dask run in "
        f"which the workers start their zygotes and import the lessons ({first.wall:.1f} s).", "",
        *table(["", "wall (median)", "runs (wall)"], [
            ["--jobs 2", f"{wall['local']:.1f} s", ", ".join(f"{r.wall:.1f}" for r in runs["local"])],
            ["2 Dask workers", f"{wall['dask']:.1f} s", ", ".join(f"{r.wall:.1f}" for r in runs["dask"])],
            ["**Dask / local**", f"**{ratio:.2f}**", ""]]),
        f"Local mode starts its grading processes and their zygotes in every run (about half a second, see the "
        f"batch section); warm Dask workers do not, and pay instead a connection, the workers' check (engine, "
        f"course hash, a sandbox probe) and a round trip per submission.", "",
        f"The scheduler: {NOOPS} empty tasks mapped at once over the same two workers take {per_task * 1e3:.2f} ms "
        f"of wall time each and {sched_cpu * 1e3:.2f} ms of the scheduler's CPU each. Filing a row in the "
        f"gradebook costs the client {put * 1e3:.2f} ms.", "",
        f"**Predicted: 10,000 submissions on 100 workers take about {predicted / 60:.0f} min** "
        f"({n:,} / {workers} x {each:.2f} s + one more). Assumptions: each worker is one CPU like these, with "
        f"`--nthreads 1`; a submission costs what these cost ({len(LESSONS)} lessons, {each:.2f} s of a worker "
        f"with Dask's round trip; for the whole course multiply by its time per submission from the grading "
        f"section over {each:.2f} s); the workers are started and warm; the network moves a submission's few "
        f"kilobytes in well under a millisecond. The scheduler is not the limit: {n:,} tasks cost it "
        f"{n * sched_cpu:.0f} s of CPU in all, spread over the {grading / 60:.0f} min, and at 100 workers it "
        f"handles one result every {each / workers * 1e3:.0f} ms against {sched_cpu * 1e3:.2f} ms of work each; "
        f"nor is the client ({put * 1e3:.2f} ms to file a row).", ""]
    section.targets.append(Target("Dask's overhead (2 local Dask workers vs `--jobs 2`)", f"<= {TARGET:.2f}x",
                                  f"{ratio:.2f}x ({wall['dask']:.1f} s vs {wall['local']:.1f} s)", ratio <= TARGET,
                                  "" if ratio <= TARGET else
                                  f"{ratio / TARGET:.2f}x over; load average {loadavg()} on 2 CPUs while measured."))
    return section
