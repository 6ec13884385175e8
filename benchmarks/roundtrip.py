"""The worker round trip: `Sandbox.call` on a tiny function with small arrays, and where its time goes."""
from __future__ import annotations

import builtins
import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from convgrade.sandbox import Limits, Sandbox, codec
from convgrade.sandbox.isolation import levels as isolation_levels

from .common import Section, Target, loadavg, median, p99, scratch, table, us

CALLS = 1000  # per block; two blocks of each kind, in turns
SPAWNS = 20  # fresh workers per isolation level
TINY = "def conv(A_prev, W, b, hparameters):\n    return A_prev\n"
ECHO = """\
import socket, struct, sys
s = socket.socket(fileno=int(sys.argv[1]))
def read(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            sys.exit(0)
        buf += chunk
    return bytes(buf)
while True:
    prefix = read(8)
    s.sendall(prefix + read(struct.unpack("<Q", prefix)[0]))
"""


def args() -> list:
    """What a conv check sends: A_prev (2, 5, 7, 4), W (3, 3, 4, 8), b (1, 1, 1, 8), hparameters."""
    rng = np.random.default_rng(0)
    return [rng.standard_normal((2, 5, 7, 4)), rng.standard_normal((3, 3, 4, 8)), rng.standard_normal((1, 1, 1, 8)),
            {"stride": 1, "pad": 1}]


def schedstat(path: str) -> tuple[int, int]:
    """(ns on a CPU, ns waiting for one) of a process or thread."""
    with open(path) as f:
        on, wait, _ = f.read().split()
    return int(on), int(wait)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def floor(frame: bytes, n: int) -> list[float]:
    """The same request frame echoed by a minimal Python process over a socketpair: the IPC floor."""
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", ECHO, str(theirs.fileno())], pass_fds=(theirs.fileno(),))
    theirs.close()

    def once() -> None:
        ours.sendall(frame)
        got = need = len(frame)
        while got:
            got -= len(ours.recv(need))
            need = got

    timed(once, 50)
    try:
        return timed(once, n)
    finally:
        ours.close()
        proc.wait()


def micro(frame: bytes, reply: bytes, output: Path) -> list[list[str]]:
    """The bookkeeping of one call, each step timed alone in this process (µs per call)."""
    fd = os.open(output, os.O_RDWR)
    req = codec.decode(frame[8:])
    steps = [
        ("grader", "codec.encode(request)", lambda: codec.encode(req)),
        ("worker", "codec.decode(request)", lambda: codec.decode(frame[8:])),
        ("worker", "codec.encode(reply)", lambda: codec.encode({"status": "ok", "value": req["args"][0]})),
        ("grader", "codec.decode(reply)", lambda: codec.decode(reply[8:])),
        ("grader", "stat + open + read + close of the output file", lambda: (os.path.getsize(output),
                                                                              open(output, "rb").read(2001))),
        ("worker", "ftruncate of the output file (reset_output)", lambda: os.ftruncate(fd, 0)),
        ("worker", "stdout and stderr flushed, twice", lambda: [s.flush() for s in (sys.stdout, sys.stderr) * 2]),
        ("worker", "os.path.isfile + importlib.import_module of a loaded module", lambda: (
            os.path.isfile(output), importlib.import_module("json"))),
        ("worker", "the builtins restored, twice (`builtins.__dict__.update`)", lambda: (
            builtins.__dict__.update(names), builtins.__dict__.update(names))),
    ]
    names = dict(builtins.__dict__)
    rows = []
    for side, what, fn in steps:
        rows.append([side, what, us(median([min(timed(fn, 200)) for _ in range(5)]))])
    os.close(fd)
    return rows


def fresh_worker(sb: Sandbox) -> list[float]:
    """Seconds to end the worker, fork a new one (isolated) and have it answer a ping."""
    sb.request({"op": "ping"}, 10)

    def once() -> None:
        sb.fresh()
        sb.request({"op": "ping"}, 10)

    return timed(once, SPAWNS)


def bench() -> Section:
    section = Section("The worker round trip", load=loadavg())
    tmp = scratch("roundtrip-")
    (tmp / "sub").mkdir()
    (tmp / "sub" / "tiny.py").write_text(TINY)
    a = args()
    with Sandbox(tmp / "sub", Limits(), preload=("numpy",)) as sb:
        ping = lambda: sb.request({"op": "ping"}, 10)  # noqa: E731
        call = lambda: sb.call("tiny", "conv", a, timeout=10)  # noqa: E731
        timed(call, 100)  # the worker is forked and has imported tiny.py
        worker = f"/proc/{sb.pid}/schedstat"
        times: dict[str, list[float]] = {"ping": [], "call": []}
        cpu = {"grader": 0, "grader_wait": 0, "worker": 0, "worker_wait": 0}
        for _ in range(2):
            times["ping"] += timed(ping, CALLS)
            g0, w0 = schedstat("/proc/thread-self/schedstat"), schedstat(worker)
            times["call"] += timed(call, CALLS)
            g1, w1 = schedstat("/proc/thread-self/schedstat"), schedstat(worker)
            for key, before, after in (("grader", g0, g1), ("worker", w0, w1)):
                cpu[key] += after[0] - before[0]
                cpu[key + "_wait"] += after[1] - before[1]
        isolation = sb.isolation
        frame = codec.encode({"op": "call", "module": "tiny", "name": "conv", "args": a, "kwargs": {},
                              "return_args": False})
        reply = codec.encode({"status": "ok", "value": a[0]})
        steps = micro(frame, reply, sb.output_path)
        spawn = {sb.isolation: fresh_worker(sb)}
    for level in [lv for lv in isolation_levels() if lv not in spawn]:  # the weaker levels this machine has
        with Sandbox(tmp / "sub", Limits(), preload=("numpy",), isolation=level) as sb:
            spawn[level] = fresh_worker(sb)
    base = floor(frame, 2 * CALLS)
    n = 2 * CALLS
    per = {k: v / n / 1e9 for k, v in cpu.items()}
    total = median(times["call"])
    mean = sum(times["call"]) / n
    section.lines += [
        f"`Sandbox.call` of a function that returns its first argument, with the arguments of a conv check "
        f"(A_prev (2, 5, 7, 4), W (3, 3, 4, 8), b (1, 1, 1, 8), a dict: {len(frame)} bytes on the wire); "
        f"isolation `{isolation}`; {n} calls of each kind after a warm-up, in turns.", "",
        *table(["", "median", "p99", "min"], [
            ["`Sandbox.call` (request, student function, reply)", us(total), us(p99(times["call"])),
             us(min(times["call"]))],
            ["`ping` (the same path without the student's module or arrays)", us(median(times["ping"])),
             us(p99(times["ping"])), us(min(times["ping"]))],
            ["floor: the same frame echoed by a minimal Python process (socketpair)", us(median(base)),
             us(p99(base)), us(min(base))]]),
        "Where a call's time goes (mean per call, from `/proc/PID/schedstat` of the grader thread and the "
        "worker: time on a CPU, and time runnable but waiting for one):", "",
        *table(["", "per call"], [
            ["grader on CPU (encode, send, select, receive, decode, read the output file)", us(per["grader"])],
            ["worker on CPU (receive, decode, import lookup, call, encode, send)", us(per["worker"])],
            ["grader waiting for a CPU", us(per["grader_wait"])],
            ["worker waiting for a CPU", us(per["worker_wait"])],
            ["mean round trip (the parts overlap a little: one side finishes while the other starts)", us(mean)]]),
        "The bookkeeping steps, each timed alone in this process (best of 200, median of 5):", "",
        *table(["side", "step", "time"], steps),
        f"A fresh worker (each exercise gets one: `Sandbox.fresh()`, then the first call), {SPAWNS} times per "
        "isolation level:", "",
        *table(["isolation", "fork + isolate + first ping + kill, median", "p90"],
               [[level, us(median(t)), us(sorted(t)[int(0.9 * len(t))])] for level, t in spawn.items()]),
    ]
    section.profile = {"call": total, "spawn": {k: median(v) for k, v in spawn.items()}}
    section.targets.append(Target("worker round trip, small arrays (median)", "<= 0.5 ms",
                                  f"{us(total)} median, {us(p99(times['call']))} p99", total <= 0.5e-3,
                                  "" if total <= 0.5e-3 else
                                  f"{total / 0.5e-3:.2f}x over; see the breakdown: CPU in the grader "
                                  f"{us(per['grader'])}, in the worker {us(per['worker'])}, waiting for a CPU "
                                  f"{us(per['grader_wait'] + per['worker_wait'])} per call."))
    return section
