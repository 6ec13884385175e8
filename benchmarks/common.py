"""What every benchmark needs: timing, statistics, subprocess runs with CPU and memory, the machine."""
from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]  # the course folder
BIN = Path(sys.executable).parent  # the virtualenv's bin: course, nbgrader, jupyter
_SCRATCH = tempfile.TemporaryDirectory(prefix="convgrade-bench-")  # removed when the benchmarks end


def scratch(prefix: str) -> Path:
    """A new empty folder, removed with everything in it when the benchmarks end."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_SCRATCH.name))


@dataclass(frozen=True)
class Target:
    """One goal of issue 8 and what was measured for it."""

    name: str
    goal: str
    measured: str
    met: bool
    why: str = ""  # when missed: by how much and why, with the measured evidence


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)  # Markdown
    targets: list[Target] = field(default_factory=list)
    load: str = ""  # load average when the section started
    profile: dict = field(default_factory=dict)  # figures other sections' notes may quote


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p99(xs: list[float]) -> float:
    s = sorted(xs)
    return s[max(0, math.ceil(0.99 * len(s)) - 1)]


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def ms(s: float) -> str:
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.1f} s"


def us(s: float) -> str:
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.0f} µs" if s >= 1e-5 else f"{s * 1e6:.1f} µs"


def mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows] + [""]


def calls_for(fn: Callable[[], object], min_time: float, clock: Callable[[], float]) -> int:
    """How many calls of ``fn`` take at least ``min_time`` on ``clock``."""
    n = 1
    while True:
        start = clock()
        for _ in range(n):
            fn()
        t = clock() - start
        if t >= min_time:
            return n
        n = n * 10 if t <= 0 else max(n + 1, int(n * min_time / t * 1.1) + 1)


def per_call(fn: Callable[[], object], n: int, clock: Callable[[], float] = time.perf_counter) -> float:
    start = clock()
    for _ in range(n):
        fn()
    return (clock() - start) / n


def interleaved(fns: dict[str, Callable[[], object]], repeats: int, min_time: float = 0.02,
                clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """The median seconds per call of each function: ``repeats`` samples of at least ``min_time`` each, taken
    in turns so that noise hits all of them alike."""
    n = {k: calls_for(fn, min_time, clock) for k, fn in fns.items()}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            times[k].append(per_call(fn, n[k], clock))
    return {k: median(v) for k, v in times.items()}


# -- subprocesses: wall time, CPU time and memory of a whole process tree -----------------------------------
@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every descendant it (or they) waited for
    max_rss: int  # bytes: the largest peak RSS of any one process in the tree (exact, from wait4)
    tree_pss: int  # bytes: the largest sum of PSS over the live tree, sampled every 0.1 s (0 when not sampled)
    by_depth: dict  # depth in the tree -> the largest PSS of one process at that depth (bytes, sampled)
    returncode: int
    stdout: str
    stderr: str


def run_together(cmds: list[list[str]], *, new_session: bool, cwd: Path = ROOT) -> tuple[float, float]:
    """Run the commands at the same time (each in a session of its own with ``new_session``): the wall time
    until the last ends, and the CPU time of all of them."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=new_session) for c in cmds]
    cpu = 0.0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(p.args)} exited {p.returncode}")
    return time.perf_counter() - start, cpu


def autogroup() -> bool:
    """Whether the kernel shares CPU time between sessions first (``kernel.sched_autogroup_enabled``)."""
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def descendants(pid: int) -> dict[int, int]:
    """``pid`` and every process below it, with its depth in the tree (``pid`` is 0)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    parents[int(name)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier, depth = {pid: 0}, {pid}, 0
    while frontier:
        depth += 1
        frontier = {p for p, pp in parents.items() if pp in frontier}
        found.update(dict.fromkeys(frontier, depth))
    return found


def pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(cmd: list[str], *, cwd: Path = ROOT, env: dict | None = None, memory: bool = False,
        check: bool = True) -> Run:
    """Run ``cmd`` to its end; with ``memory``, sample the tree's PSS while it runs."""
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    peak, by_depth, done = [0], {}, threading.Event()

    def sample(pid: int) -> None:
        while not done.wait(0.1):
            sizes = [(depth, pss(p)) for p, depth in descendants(pid).items()]
            peak[0] = max(peak[0], sum(size for _, size in sizes))
            for depth, size in sizes:
                by_depth[depth] = max(by_depth.get(depth, 0), size)

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    sampler = threading.Thread(target=sample, args=(proc.pid,), daemon=True) if memory else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sampler:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    texts = []
    for f in (out, err):
        f.seek(0)
        texts.append(f.read())
        f.close()
    result = Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, peak[0], by_depth, proc.returncode,
                 *texts)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return result


# -- the machine -------------------------------------------------------------------------------------------
def machine() -> list[tuple[str, str]]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) << 10 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    flags = next((line for line in open("/proc/cpuinfo") if line.startswith("flags")), "")
    simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    virt = " (virtual machine)" if " hypervisor" in flags else ""
    return [("CPU", f"{cpu}, {os.cpu_count()} logical CPUs, {simd}{virt}"),
            ("memory", f"{mem / (1 << 30):.0f} GiB"),
            ("system", f"{platform.system()} {platform.release()}, Python {platform.python_version()}")]


def versions() -> str:
    from importlib.metadata import version

    names = ("numpy", "torch", "hypothesis", "nbgrader", "nbclient", "ipykernel")
    return ", ".join(f"{n} {version(n)}" for n in names)


def blas() -> str:
    from threadpoolctl import threadpool_info

    import numpy  # noqa: F401 - loads numpy's BLAS so that threadpoolctl sees it
    import torch

    found = [f"numpy: {i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '?'} kernels)"
             for i in threadpool_info() if i["user_api"] == "blas"]
    info = torch.__config__.show()
    torch_blas = "MKL" if "BLAS_INFO=mkl" in info else "OpenBLAS" if "BLAS_INFO=open" in info else "?"
    return "; ".join(found + [f"torch: {torch_blas}, float64 conv via its own im2col + GEMM (oneDNN has no float64)"])


def env_notes() -> str:
    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    return ", ".join(f"`{k}={os.environ[k]}`" if k in os.environ else f"`{k}` not set" for k in keys)
