"""The grader's side of the sandbox: a worker per exercise, forked by a zygote that preloaded numpy/torch.

A worker serves one exercise of one submission (``fresh()`` starts the next exercise in a new one) and
is reused across its calls; when it dies (crash, limit, timeout) the next call forks a fresh one. The
worker reads a copy of the submission, never the original folder, and writes its output to a file, never
to the grader's stdout. Replies are decoded strictly (see ``codec``); nothing the worker sends is
unpickled or called. ``CONVGRADE_ISOLATION`` chooses the level (see ``levels``), e.g. a weaker one to test it
as root. A new worker's first frame, sent before it runs any student code, says what it entered; the
sandbox checks it against the level asked for, so ``isolation`` is what the workers really applied.
What every level shares (limits, errors, the protocol: ``Box``) is in ``common``; the ``portable`` level
(no fork, no ``resource``: Windows, macOS) starts a fresh Python per worker instead (``portable``), and
``Sandbox(...)`` returns one where that is the level in force.
"""
from __future__ import annotations

import atexit
import ctypes
import itertools
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import codec, isolation as _isolation
from .common import (COPY_IGNORE, HERE, STATUSES, WORKER_BROKE, Box, CallTimeout, Limits, Reply, SandboxError,
                     WorkerDied, death_message, describe_bytes, worker_env, worker_sys_path)
from .levels import AUTO, ENV as ISOLATION_ENV, IsolationError, resolve
from .portable import PortableSandbox

__all__ = ["COPY_IGNORE", "STATUSES", "WORKER_BROKE", "Box", "CallTimeout", "ISOLATION_ENV", "IsolationError", "Limits",
           "PortableSandbox", "Reply", "Sandbox", "SandboxError", "UID_BASE", "UID_RANGE", "WorkerDied", "Zygote",
           "close_zygotes", "codec", "death_message", "describe_bytes", "prestart", "resolve", "warm",
           "worker_env", "zygote"]
UID_BASE, UID_RANGE = 200_000, 50_000


class Zygote:
    """The fork server, one per grading process, preload set and set of worker operations; thread-safe."""

    def __init__(self, preload: tuple[str, ...], operations: tuple[str, ...], level: str,
                 started: Started | None = None) -> None:
        self.lock = threading.Lock()
        self.level = level  # resolved: known, and available here
        self.outside = _isolation.namespaces()  # the grader's namespaces, the zygote's and each keeper's too
        self.proc, self.ctl = started or start()
        self.ctl.send(json.dumps({"preload": list(preload), "operations": list(operations),
                                  "isolation": level}).encode())
        self._recv()  # its hello: ready (a level it does not know ends it, and this raises WorkerDied)

    def _recv(self) -> dict:
        data = self.ctl.recv(1 << 16)
        if not data:
            raise WorkerDied("the sandbox's fork server stopped")
        return json.loads(data)

    def ask(self, body: dict, fds: list[int] = ()) -> dict:
        with self.lock:
            try:
                socket.send_fds(self.ctl, [json.dumps(body).encode()], list(fds))
                return self._recv()
            except OSError:
                raise WorkerDied("the sandbox's fork server stopped") from None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        _stop(self.proc, self.ctl, True)


Started = tuple[subprocess.Popen, socket.socket]  # a fork server's process and socket, before its configuration


def start() -> Started:
    """A new fork server, told where Python's modules are: it imports the sandbox's own modules (and numpy) at
    once, then waits for its configuration (``Zygote``)."""
    ctl, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    proc = subprocess.Popen([sys.executable, "-I", "-S", str(HERE / "zygote.py"), str(child.fileno())],
                            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            env=worker_env(tempfile.gettempdir()), cwd=tempfile.gettempdir(), start_new_session=True)
    child.close()
    ctl.send(json.dumps({"here": str(HERE), "sys_path": worker_sys_path()}).encode())
    return proc, ctl


_zygotes: dict[tuple, Zygote] = {}
_zygotes_lock = threading.Lock()
_uids = itertools.count()
# (the pid of the process that started it, a fork server not configured yet, what it was told to load ahead: the
# modules, the operation files)
_spare: list[tuple[int, Started, tuple[tuple[str, ...], tuple[str, ...]]]] = []


def prestart(requested: str | None = None) -> None:
    """Start this process's first fork server now, so that its Python and numpy load while the grader imports its
    checks; the first ``zygote()`` call configures it (whatever its preload and operations). Nothing at the
    ``portable`` level, which has no fork server."""
    with _zygotes_lock:
        if not _spare and not _zygotes and resolve(requested) != "portable":
            _spare.append((os.getpid(), start(), ((), ())))


def warm(modules: tuple[str, ...], operations: tuple[str, ...] = ()) -> None:
    """Have the prestarted fork server import ``modules`` and read the worker ``operations`` files (running their
    warm-up: torch's imports ``torch._dynamo``) now, ahead of its configuration: what its workers are expected to
    preload (``convgrade.hints``), loaded on another CPU while this process imports its checks. Nothing without a
    prestarted fork server of this process's own."""
    with _zygotes_lock:
        if not (modules or operations) or not _spare or _spare[-1][0] != os.getpid():
            return
        pid, (proc, ctl), (mods, ops) = _spare[-1]
        try:
            ctl.send(json.dumps({"warm": list(modules), "operations": list(operations)}).encode())
        except OSError:  # it ended: ``_take_spare`` finds it so
            return
        _spare[-1] = (pid, (proc, ctl), (tuple(sorted({*mods, *modules})), tuple(sorted({*ops, *operations}))))


def _take_spare(preload: tuple[str, ...], operations: tuple[str, ...]) -> Started | None:
    """The prestarted fork server, when this process started it, it still runs (a forked child's is not its own)
    and it loaded nothing the configuration (``preload``, ``operations``) leaves out (a worker must not find a module
    the checks did not ask for)."""
    if (_spare and _spare[-1][0] == os.getpid() and _spare[-1][1][0].poll() is None
            and set(_spare[-1][2][0]) <= set(preload) and set(_spare[-1][2][1]) <= set(operations)):
        return _spare.pop()[1]
    _close_spare()
    return None


def _close_spare() -> None:
    """End a fork server started early but never configured (one a forked child inherited is its parent's)."""
    while _spare:
        pid, (proc, ctl), _ = _spare.pop()
        _stop(proc, ctl, pid == os.getpid())


def _stop(proc: subprocess.Popen, ctl: socket.socket, wait: bool) -> None:
    ctl.close()  # the zygote then kills every worker it still has, and ends
    if not wait:  # another process's child
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def zygote(preload: tuple[str, ...], requested: str | None = None, operations: tuple[str, ...] = ()) -> Zygote:
    """This process's fork server for ``preload`` and the worker ``operations`` (files, see
    ``convgrade.operations``) at the ``requested`` level (see ``levels.resolve``)."""
    key = (tuple(sorted(preload)), tuple(sorted(operations)), requested)
    with _zygotes_lock:
        z = _zygotes.get(key)
        if z is None or not z.alive():
            z = _zygotes[key] = Zygote(key[0], key[1], resolve(requested), _take_spare(key[0], key[1]))
        return z


@atexit.register
def close_zygotes() -> None:
    """End this process's zygotes and their workers (at exit; a process that leaves by os._exit calls it)."""
    for z in _zygotes.values():
        z.close()
    _zygotes.clear()
    _close_spare()


class Sandbox(Box):
    """Runs one submission's code in a worker process with resource limits and, where possible, namespaces.

    At the namespaces levels the worker's filesystem holds only the system, Python and its copy of the
    submission, so nothing else (the course, the graders, other submissions, reports) can be seen. At the
    process level nothing can be hidden: ``hide`` is kept for callers that name what must stay private.
    At the ``portable`` level (no fork, no ``resource``, no namespaces) it is a ``PortableSandbox`` instead.
    """

    def __new__(cls, submission: Path, limits: Limits = Limits(), preload: tuple[str, ...] = ("numpy",),
                hide: tuple[Path, ...] = (), isolation: str | None = None, operations: tuple[str, ...] = ()) -> Box:
        requested = os.environ.get(ISOLATION_ENV, "") if isolation is None else isolation
        if cls is Sandbox and (requested == "portable" or (requested in ("", AUTO) and _isolation.missing("process"))):
            return PortableSandbox(submission, limits, preload, operations)
        return super().__new__(cls)

    def __init__(self, submission: Path, limits: Limits = Limits(), preload: tuple[str, ...] = ("numpy",),
                 hide: tuple[Path, ...] = (), isolation: str | None = None, operations: tuple[str, ...] = ()) -> None:
        self.limits = limits
        self._preload, self._operations = preload, operations
        self._requested = os.environ.get(ISOLATION_ENV, "") if isolation is None else isolation
        self.zygote = zygote(preload, self._requested, operations)
        self.isolation = self.zygote.level  # then, from each worker's first frame, the level it proved it entered
        if self.isolation != "namespaces":  # the worker may share the grader's uid
            _undumpable()
        tmp = self._workspace(submission)
        self.newroot = tmp / "root"  # the mount point of the worker's own filesystem (namespaces level)
        self.newroot.mkdir()
        self.uid, self._uid_lock = os.getuid(), None  # any other user's worker keeps its uid
        if os.geteuid() == 0 and self.isolation != "process":  # root's gets one of its own
            self.uid, self._uid_lock = _reserve_uid()
            os.chmod(tmp, 0o711)
            os.chown(self.scratch, self.uid, self.uid)
            os.chmod(self.scratch, 0o700)
        self.hide = tuple(Path(h) for h in hide)
        self.pid: int | None = None
        self.chan: socket.socket | None = None
        self.watch: list = []  # the channel, and the worker's pidfd where the system has them
        self.out: int | None = None  # the grader's own descriptor of the worker's output file
        self._unproved: dict | None = None

    @property
    def level(self) -> str:
        """The level asked for: the zygote's."""
        return self.zygote.level

    @property
    def outside(self) -> dict[str, str]:
        return self.zygote.outside

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        if not self.zygote.alive():  # e.g. killed by a worker that shares its uid (process level)
            self.zygote = zygote(self._preload, self._requested, self._operations)
        parent, child = socket.socketpair()
        out = os.open(self.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        if self.out is not None:
            os.close(self.out)
        self.out = os.open(f"/proc/self/fd/{out}", os.O_RDONLY)  # read through this, never the path again
        limits = self.limits.rlimits()
        req = {"op": "spawn", "root": str(self.root), "cwd": str(self.scratch), "newroot": str(self.newroot),
               "env": worker_env(str(self.scratch)), "limits": limits, "uid": self.uid,
               "nproc": self.limits.nproc, "reply": self.limits.reply}
        try:
            self.pid = self.zygote.ask(req, [child.fileno(), out])["pid"]
        finally:
            os.close(out)
            child.close()
        self.chan, self._unproved = parent, limits
        self.watch = [parent]
        try:  # readable when the worker ends, even if a process it started still holds its socket open
            self.watch.append(os.pidfd_open(self.pid))
        except (AttributeError, OSError):
            pass

    def close(self) -> None:
        super().close()
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    def _kill(self) -> int | None:
        """End the worker and everything it started; its exit code (negative: the signal)."""
        if self.chan is not None:
            self.chan.close()
            self.chan = None
            for fd in self.watch[1:]:
                os.close(fd)
        if self.pid is None:
            return None
        pid, self.pid = self.pid, None
        try:
            return self.zygote.ask({"op": "kill", "pid": pid})["code"]
        except SandboxError:  # the zygote is gone, and its keepers killed their workers when it went
            return None

    # -- frames ----------------------------------------------------------------------------
    def _send(self, data: bytes, timeout: float) -> None:
        self.chan.settimeout(timeout)  # a worker that stops reading cannot block the grader
        self.chan.sendall(data)

    def _ended(self, seconds: float) -> bool:
        return _wait_dead(self.pid, seconds)

    def _read(self, n: int, deadline: float) -> bytes:
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        while got < n:
            left = deadline - time.monotonic()
            ready = select.select(self.watch, [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                raise CallTimeout("time limit exceeded")
            if self.chan not in ready:  # the worker ended; what it sent before is read first
                raise EOFError
            k = self.chan.recv_into(view[got:])
            if k == 0:
                raise EOFError
            got += k
        return bytes(buf)


def _reserve_uid() -> tuple[int, int]:
    """A worker uid no other sandbox on this machine holds (a lock file per uid, released with its fd)."""
    import fcntl  # POSIX only, as the levels that reserve uids are

    folder = Path(tempfile.gettempdir()) / f"convgrade-uids-{os.geteuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    start = (os.getpid() * 7919 + next(_uids)) % UID_RANGE
    for i in range(UID_RANGE):
        uid = UID_BASE + (start + i) % UID_RANGE
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except OSError:
            os.close(fd)
    raise SandboxError(f"all {UID_RANGE} worker uids are in use")


def _undumpable() -> None:
    """At the process level the worker has the grader's uid: keep it from reading or writing the grader's
    memory (ptrace, /proc/PID/mem) by making this process non-dumpable, as a setuid program is."""
    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


PF_EXITING = 0x4  # the kernel's flag of a task inside exit(): set before it closes its files


def dying(stat: bytes) -> bool:
    """Whether a ``/proc/PID/stat`` line is a process that has ended or is ending: a zombie, or inside exit()
    (PF_EXITING, set before the kernel closes its files). A worker whose connection broke because it exited is
    past that point, however long the rest of its exit takes (tearing down its namespaces can take seconds on
    a loaded machine); one that closed the connection itself and runs on is not."""
    fields = stat.rsplit(b")", 1)[1].split()
    return fields[0] in (b"Z", b"X") or bool(int(fields[6]) & PF_EXITING)


def _wait_dead(pid: int | None, seconds: float = 1.0) -> bool:
    """Wait until ``pid`` has ended or is ending (``dying``); False when it still runs after ``seconds``."""
    end = time.monotonic() + seconds
    while pid is not None and pid > 0:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if dying(f.read()):
                    return True
        except OSError:
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True
