"""The ``portable`` level: a fresh Python per worker, for machines without ``fork``, ``resource`` or namespaces
(Windows, macOS; on Linux only when ``CONVGRADE_ISOLATION=portable`` forces it, as the tests do).

Each worker is ``python -I -S -X utf8 spawned.py``, started afresh (no zygote: nothing to fork from), which
loads the codec, worker and operation files by path, imports the preload modules, sets the resource limits the
system offers and serves the same protocol as a forked worker: codec frames, over its stdin (requests) and
stdout (replies) pipes; its own stdout and stderr then go to the output file. A reader thread on the grader's
side holds what the worker sent until a frame is complete, so a time limit is a wait with a deadline on every
system (``select`` cannot wait on a pipe on Windows); a writer thread sends requests, so a worker that stops
reading cannot block the grader either. Each pipe is closed only by the thread that reads or writes it, once the
worker has gone: closed under a thread about to read, its descriptor could be reused by the next worker's pipe and
that worker's first frame read by the old thread. On a time-out, and after each exercise, the worker's whole process
tree is killed: its process group (POSIX: it starts in a session of its own) or, on Windows, ``taskkill /T /F``
(written for Windows, untested here). Memory: ``RLIMIT_AS`` where the system has ``resource`` (macOS, Linux);
unlimited on Windows. What this level cannot contain is listed in docs/portable.md.

The grading side of this level imports neither ``resource`` nor ``fcntl`` and never forks.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from .common import HERE, Box, CallTimeout, Limits, WorkerDied, worker_env, worker_sys_path

LEVEL = "portable"
ENTRY = HERE / "spawned.py"
CHUNK = 1 << 16
STARTUP = 300  # seconds a new worker may take to start (import numpy, torch) and say what it entered
GRACE = 0.2  # seconds to wait for the last bytes of a worker that has ended


class Inbox(threading.Thread):
    """Reads what the worker sends on its stdout pipe and holds it until the grader takes a frame's bytes; it
    reads ahead at most what the grader waits for (or a chunk), so a worker cannot flood the grader's memory."""

    def __init__(self, pipe, proc: subprocess.Popen) -> None:
        super().__init__(daemon=True, name="convgrade-portable-inbox")
        self.pipe, self.proc = pipe, proc
        self.buf = bytearray()
        self.want = CHUNK
        self.eof = False
        self.cond = threading.Condition()

    def run(self) -> None:
        try:
            while True:
                with self.cond:
                    while len(self.buf) >= self.want and not self.eof:
                        self.cond.wait()
                    if self.eof:
                        return
                try:
                    data = self.pipe.read(CHUNK)
                except (OSError, ValueError):
                    data = b""
                with self.cond:
                    if data:
                        self.buf += data
                    else:
                        self.eof = True
                    self.cond.notify_all()
        finally:
            _close(self.pipe)

    def take(self, n: int, deadline: float) -> bytes:
        """``n`` bytes: CallTimeout at the ``deadline``, EOFError once the worker has ended or closed its pipe."""
        with self.cond:
            self.want = max(n, CHUNK)
            self.cond.notify_all()
            ended = None
            while len(self.buf) < n:
                if self.eof:
                    raise EOFError
                now = time.monotonic()
                if now >= deadline:
                    raise CallTimeout("time limit exceeded")
                if ended is None and self.proc.poll() is not None:  # a process it started may hold the pipe
                    ended = now
                if ended is not None and now - ended > GRACE:
                    raise EOFError
                self.cond.wait(min(deadline - now, 0.05))
            data = bytes(self.buf[:n])
            del self.buf[:n]
            self.want = CHUNK
            self.cond.notify_all()
            return data

    def stop(self) -> None:
        with self.cond:
            self.eof = True
            self.cond.notify_all()


class Outbox(threading.Thread):
    """Writes the grader's requests to the worker's stdin pipe, in order, in a thread of its own: a worker that
    stops reading makes the reply time out, not the grader hang (the time-out kills the worker, which ends the
    write). It closes the pipe when told to stop or when the worker has gone."""

    def __init__(self, pipe) -> None:
        super().__init__(daemon=True, name="convgrade-portable-outbox")
        self.pipe = pipe
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def run(self) -> None:
        try:
            while (data := self.queue.get()) is not None:
                view = memoryview(data)
                while view:
                    view = view[self.pipe.write(view):]
        except (OSError, ValueError):
            pass  # the worker ended: the reader sees it
        finally:
            _close(self.pipe)

    def send(self, data: bytes) -> None:
        self.queue.put(data)

    def stop(self) -> None:
        self.queue.put(None)


class PortableSandbox(Box):
    """A ``Sandbox`` at the portable level (``Sandbox(...)`` returns one when that is the level in force)."""

    def __init__(self, submission: Path, limits: Limits = Limits(), preload: tuple[str, ...] = ("numpy",),
                 operations: tuple[str, ...] = ()) -> None:
        self.limits = limits
        self._preload, self._operations = preload, operations
        self.level = self.isolation = LEVEL
        self.outside: dict[str, str] = {}
        self._workspace(submission)
        self.proc: subprocess.Popen | None = None
        self.inbox: Inbox | None = None
        self.outbox: Outbox | None = None
        self.pid: int | None = None
        self.out: int | None = None
        self._unproved: dict | None = None

    def _start(self) -> None:
        limits = self.limits.rlimits() if os.name == "posix" else {}  # Windows: none (see the module's doc)
        cfg = {"here": str(HERE), "sys_path": worker_sys_path(), "preload": list(self._preload),
               "operations": list(self._operations), "root": str(self.root), "limits": limits,
               "reply": self.limits.reply}
        with open(self.output_path, "wb") as out:  # truncated: this worker's output only
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-X", "utf8", str(ENTRY)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=out, cwd=self.scratch, env=worker_env(str(self.scratch)), bufsize=0,
                **({"start_new_session": True} if os.name == "posix"
                   else {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}))
        if self.out is not None:
            os.close(self.out)
        self.out = os.open(self.output_path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self.pid = self.proc.pid
        self.inbox = Inbox(self.proc.stdout, self.proc)
        self.inbox.start()
        self.outbox = Outbox(self.proc.stdin)
        self.outbox.start()
        self._unproved = limits
        head = json.dumps(cfg).encode()
        self._send(struct.pack("<Q", len(head)) + head, 0)
        try:  # a fresh Python imports numpy (torch...) first: not on the student's time, and before their code runs
            self._prove(self._frame(time.monotonic() + STARTUP))
        except CallTimeout:
            self._kill()
            raise WorkerDied(f"a new worker did not start within {STARTUP} s (the machine is overloaded?); "
                             "grade again") from None
        except (OSError, EOFError):
            raise self._died() from None

    def close(self) -> None:
        """As at every level; but on Windows a file still open (in a process the student started that left the
        tree, or in a virus scanner) cannot be deleted: the folder then stays behind rather than the report lost."""
        try:
            super().close()
        except PermissionError:
            if os.name != "nt":
                raise

    def set_needs(self, preload: tuple[str, ...], operations: tuple[str, ...]) -> None:
        """Each worker is a whole new Python: it imports only what this exercise needs (torch costs seconds)."""
        if (preload, operations) != (self._preload, self._operations):
            self._kill()
            self._preload, self._operations = preload, operations

    def _send(self, data: bytes, timeout: float) -> None:
        self.outbox.send(data)

    def _read(self, n: int, deadline: float) -> bytes:
        return self.inbox.take(n, deadline)

    def _ended(self, seconds: float) -> bool:
        try:
            self.proc.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def _kill(self) -> int | None:
        """End the worker and every process it started (its process group; on Windows its process tree)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        self.pid = None
        kill_tree(proc)
        proc.wait()
        self.outbox.stop()  # each thread closes its own pipe (see the module's doc)
        self.inbox.stop()
        return proc.returncode


def _close(pipe) -> None:
    try:
        pipe.close()
    except OSError:
        pass


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the worker's process group (POSIX), or ``taskkill /T /F`` its process tree (Windows, untested
    here). A process that left the group (``setsid``) or the tree survives: see docs/portable.md."""
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    if proc.poll() is None:
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    proc.kill()
