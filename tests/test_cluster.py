"""`course batch --scheduler`: a class graded on a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1) gives the gradebook of a local batch, survives a killed worker and a killed client, and
refuses a worker whose course differs."""
from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from conftest import ISOLATION, ROOT, write_submission
from test_batch import rows
from test_cli import course

distributed = pytest.importorskip("distributed")

from convgrade.cluster import refusals  # noqa: E402

PADDING = (ROOT / "reference/week1/padding.py").read_text()
ONLY = ("--only", "week1.padding")
HOSTILE = """
import ctypes, os, time

def zero_pad(X, pad):  # a memory bomb
    return [bytearray(1 << 30) for _ in range(64)]

def conv_output_size(n, f, pad=0, stride=1):
    os._exit(3)

def same_padding(f):  # a segfault
    ctypes.string_at(0)
"""
STORM = PADDING + """
import os, time

def conv_output_size(n, f, pad=0, stride=1):  # an infinite loop
    while True:
        pass

def zero_pad(X, pad):  # a fork storm
    while True:
        if os.fork() == 0:
            time.sleep(1000)
"""


def make_class(folder: Path, storm: bool) -> Path:
    """Reference, stubs, examples/partial, hostile ones, small variations and an empty folder."""
    shutil.copytree(ROOT / "reference", folder / "ref")
    shutil.copytree(ROOT / "exercises", folder / "stubs")
    shutil.copytree(ROOT / "examples/partial", folder / "partial")
    write_submission(folder / "hostile", {"week1/padding.py": HOSTILE})
    for i in range(1, 4):
        write_submission(folder / f"s{i}", {"week1/padding.py": PADDING + f"# s{i}\n"})
    write_submission(folder / "s4", {"week1/padding.py": PADDING.replace("// stride + 1)", "// stride)")})
    (folder / "empty").mkdir()
    if storm:
        write_submission(folder / "storm", {"week1/padding.py": STORM})
    return folder


def table(db: Path, *skip: str) -> dict[str, dict]:
    """Every row of the gradebook, without the columns named in ``skip``."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = {r["student"]: {k: r[k] for k in r.keys() if k not in skip} for r in con.execute("SELECT * FROM results")}
    con.close()
    return out


# -- a real cluster --------------------------------------------------------------------------------------
def dask(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """A `dask scheduler` or `dask worker` in a session of its own (killed with its group at the end)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", *args, "--host", "127.0.0.1", "--no-dashboard"], cwd=cwd,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@contextmanager
def cluster(folder: Path, workers: int = 2, env: dict | None = None) -> Iterator[tuple[Path, object]]:
    """A scheduler on a free port and ``workers`` workers (with their nanny, --nthreads 1) started in the
    course folder; (the scheduler file, a client of it)."""
    file = folder / "scheduler.json"
    procs = [dask("distributed.cli.dask_scheduler", "--port", "0", "--scheduler-file", str(file))]
    client = None
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        procs += [dask("distributed.cli.dask_worker", "--scheduler-file", str(file), "--nthreads", "1", env=env)
                  for _ in range(workers)]
        client = distributed.Client(scheduler_file=str(file), timeout=60, set_as_default=False)
        client.wait_for_workers(workers, timeout=90)
        yield file, client
    finally:
        if client is not None:
            client.close()
        for proc in procs:  # the zygotes end when their worker does (their control socket closes)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    return make_class(tmp_path_factory.mktemp("class") / "class", storm=True)


@pytest.fixture(scope="module")
def local(klass: Path) -> Iterator[Callable[[], Path]]:
    """The class's local gradebook (`--jobs 2`), graded while the cluster starts and grades: the storm's
    infinite loop costs 20 s of wall time in each."""
    db = klass.parent / "local.sqlite"
    proc = start(["batch", str(klass), "--jobs", "2", "--out", str(db), *ONLY], klass.parent / "local.stderr")

    def done() -> Path:
        assert proc.wait() == 0, (klass.parent / "local.stderr").read_text()
        return db

    yield done
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory) -> Iterator[tuple[Path, object]]:
    with cluster(tmp_path_factory.mktemp("cluster")) as found:
        yield found


def batch(klass: Path, db: Path, scheduler: Path, *more: str) -> list[str]:
    return ["batch", str(klass), "--scheduler-file", str(scheduler), "--out", str(db), *ONLY, *more]


def start(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "w") as err:
        return subprocess.Popen([sys.executable, "-m", "convgrade.cli", *args], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=err)


def gradebook_differences(got: dict, want: dict) -> list[str]:
    """Where two gradebooks differ, row by row and column by column (none: byte-identical, the hostile row too)."""
    if got.keys() != want.keys():
        return [f"students {sorted(got)} != {sorted(want)}"]
    return [f"{s}.{k}: {_first_difference(str(got[s][k]), str(want[s].get(k)))}"
            for s in sorted(got) for k in sorted(got[s]) if got[s][k] != want[s].get(k)]


def _first_difference(a: str, b: str) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at {i}: {a[max(0, i - 150):i + 150]!r} != {b[max(0, i - 150):i + 150]!r}"


FROZEN = lambda: gc.get_freeze_count()  # noqa: E731 - objects out of the cyclic GC's walk (convgrade.cluster.settle)
TICK = lambda dask_scheduler: dask_scheduler.periodic_callbacks["tick"].callback_time  # noqa: E731
# whether Dask's profiler is stopped on a worker (convgrade.cluster.Quiet); a lambda, so that it is sent by value
PROFILER_OFF = lambda dask_worker: not any(  # noqa: E731
    dask_worker.periodic_callbacks[name].is_running() for name in ("profile", "profile-cycle"))


def test_a_class_graded_on_dask_has_the_local_gradebook_and_hostile_code_restarts_no_worker(klass, local,
                                                                                            dask_cluster):
    scheduler, client = dask_cluster
    pids = client.run(os.getpid)
    db = klass.parent / "dask.sqlite"
    run = course(*batch(klass, db, scheduler), "--csv", str(klass.parent / "grades.csv"))
    assert run.returncode == 0, run.stderr
    assert "10 submissions in" in run.stderr and "9 to grade on 2 Dask workers at tcp://127.0.0.1:" in run.stderr
    assert "10 submissions: 9 graded, 0 unchanged (not regraded), 1 cannot be graded, 0 crashed" in run.stdout
    assert gradebook_differences(table(db, "graded_at"), table(local(), "graded_at")) == []
    hostile = table(db)["hostile"]
    assert (hostile["kind"], hostile["score"], json.loads(hostile["report"])["isolation"]) == ("graded", 0.0, ISOLATION)
    assert client.run(os.getpid) == pids, "a Dask worker was restarted"
    assert all(client.run(PROFILER_OFF).values()), "Dask's profiler still samples the grading thread"
    assert all(n > 10_000 for n in client.run(FROZEN).values()), "full collections walk Dask's objects"
    assert client.run_on_scheduler(TICK) == 1000, "the scheduler's latency probe still ticks every 20 ms"

    again = course(*batch(klass, db, scheduler))
    assert "10 unchanged since the last run, 0 cannot be graded, nothing to grade" in again.stderr


def test_a_worker_killed_mid_task_costs_nothing(tmp_path, local, dask_cluster):
    scheduler, client = dask_cluster
    klass, db = make_class(tmp_path / "class", storm=False), tmp_path / "gb.sqlite"
    proc = start(batch(klass, db, scheduler), tmp_path / "stderr")
    victim, deadline = None, time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if any(str(k).startswith("course-batch-") for k in keys)]
        victim = busy[0] if busy and rows(db) else None
        time.sleep(0.02)
    assert victim, "no task was seen running"
    os.kill(client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
    assert proc.wait(timeout=120) == 0, (tmp_path / "stderr").read_text()
    got, want = table(db, "graded_at", "source"), table(local(), "graded_at", "source")
    assert sorted(got) == sorted(set(want) - {"storm"})
    assert gradebook_differences(got, {s: want[s] for s in got}) == []
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it


def test_a_client_killed_mid_run_resumes(tmp_path, dask_cluster):
    scheduler, client = dask_cluster
    klass, db = make_class(tmp_path / "class", storm=False), tmp_path / "gb.sqlite"
    proc = start(batch(klass, db, scheduler), tmp_path / "stderr")
    deadline = time.monotonic() + 60
    while len(rows(db)) < 2 and proc.poll() is None and time.monotonic() < deadline:  # the empty one, and one
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    before = rows(db)
    assert 2 <= len(before) < 9, f"killed too late or too early: {len(before)} rows"
    run = course(*batch(klass, db, scheduler))
    assert run.returncode == 0, run.stderr
    assert f"{len(before)} unchanged since the last run" in run.stderr
    after = rows(db)
    assert len(after) == 9 and all(after[s] == before[s] for s in before)


def test_a_worker_with_another_course_is_refused_before_any_work_is_sent(tmp_path):
    other = tmp_path / "course"
    other.mkdir()
    for part in ("course.toml", "reference", "graders", "exercises"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, other / part)
    (other / "reference/week1/padding.py").write_text(PADDING + "# changed\n")
    klass, db = make_class(tmp_path / "class", storm=False), tmp_path / "gb.sqlite"
    with cluster(tmp_path, workers=1, env={"CONVGRADE_COURSE": str(other)}) as (scheduler, client):
        (worker,) = client.nthreads()
        run = course(*batch(klass, db, scheduler))
    assert run.returncode == 2
    assert f"  {worker}: its course {other.resolve()} differs from {ROOT} (content hash " in run.stderr
    assert "install the same course.toml, reference/ and graders/ there" in run.stderr
    assert not db.exists(), "the gradebook was touched"


def test_refusals_name_the_worker_and_what_differs():
    mine = {"engine": "0.1.0+aaa", "course": "c" * 64, "root": "/srv/course"}
    ok = {**mine, "isolation": "namespaces", "problem": ""}
    theirs = {"tcp://a:1": ok, "tcp://b:1": {**ok, "engine": "0.1.0+bbb"}, "tcp://c:1": ok,
              "tcp://d:1": {**ok, "problem": "no course here (/): start the worker in the course folder"},
              "tcp://e:1": {**ok, "isolation": "process"}}
    assert refusals(mine, theirs, {"tcp://c:1": 4}) == [
        "tcp://b:1: engine 0.1.0+bbb, here 0.1.0+aaa; install the same convgrade there",
        "tcp://c:1: 4 threads; start it with `--nthreads 1` (one submission at a time per worker process; add "
        "processes instead)",
        "tcp://d:1: no course here (/): start the worker in the course folder",
        "the workers' sandboxes differ (tcp://a:1: namespaces, tcp://e:1: process); give them all the same isolation "
        "level (CONVGRADE_ISOLATION) so reports agree"]
    assert refusals(mine, {"tcp://a:1": ok}, {"tcp://a:1": 1}) == []


def test_the_check_probes_the_sandbox_once_while_the_fork_server_it_probed_runs(monkeypatch):
    if ISOLATION == "portable":
        pytest.skip("the portable level has no fork server to remember: it is probed every time")
    from convgrade import cluster as mod

    probes: list[str] = []

    def counted() -> tuple[str, object | None]:
        probes.append("probe")
        return real()

    real = mod.probe
    monkeypatch.setattr(mod, "probe", counted)
    monkeypatch.setattr(mod, "_passed", {})
    level = mod.sandbox_level("engine", "course")
    assert level == ISOLATION
    assert [mod.sandbox_level("engine", "course") for _ in range(3)] == [level] * 3
    assert len(probes) == 1, "answered from memory while the fork server runs"
    assert mod.sandbox_level("engine", "other course") == level and len(probes) == 2, "another course: probed"
    mod._passed[("engine", "course")][1].close()  # the fork server it probed ends
    assert mod.sandbox_level("engine", "course") == level and len(probes) == 3, "a new fork server: probed again"
