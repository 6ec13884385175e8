"""The grader's side of the sandbox: a worker per exercise, forked by a zygote that preloaded numpy/torch.

A worker serves one exercise of one submission (``fresh()`` starts the next exercise in a new one) and
is reused across its calls; when it dies (crash, limit, timeout) the next call forks a fresh one. The
worker reads a copy of the submission, never the original folder, and writes its output to a file, never
to the grader's stdout. Replies are decoded strictly (see ``codec``); nothing the worker sends is
unpickled or called. ``CONVGRADE_ISOLATION`` chooses the level (see ``levels``), e.g. a weaker one to test it
as root. A new worker's first frame, sent before it runs any student code, says what it entered; the
sandbox checks it against the level asked for, so ``isolation`` is what the workers really applied.
"""
from __future__ import annotations

import atexit
import ctypes
import fcntl
import itertools
import json
import os
import select
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import codec, isolation as _isolation
from .levels import ENV as ISOLATION_ENV, IsolationError, resolve, verify

HERE = Path(__file__).resolve().parent
STATUSES = {"ok", "raised", "missing", "syntax", "too_large"}
UID_BASE, UID_RANGE = 200_000, 50_000
COPY_IGNORE = shutil.ignore_patterns(".git", "__pycache__", ".hypothesis", "*.pyc", ".ipynb_checkpoints")
WORKER_BROKE = 70  # the worker's exit status when its own code failed (see zygote.py)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process."""

    memory: int = 4 << 30  # address space, bytes
    cpu: int = 900  # CPU seconds over the worker's life (wall-clock limits are per call)
    file_size: int = 16 << 20  # largest file the worker may write, its output included
    nproc: int = 64  # processes and threads the worker may add (not enforced for root at the process level)
    reply: int = 256 << 20  # largest reply the grader accepts
    output: int = 2000  # characters of captured output kept per call


class SandboxError(Exception):
    """The call did not produce a reply: the worker ended, timed out or sent garbage."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output  # what the worker printed before it ended


class WorkerDied(SandboxError):
    pass


class CallTimeout(SandboxError):
    pass


@dataclass(frozen=True)
class Reply:
    """What the worker said about one call, as plain data, plus the output it printed."""

    status: str
    body: dict
    output: str

    @property
    def value(self) -> Any:
        return self.body.get("value")


def describe_bytes(n: int) -> str:
    for unit, size in (("EiB", 1 << 60), ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20),
                       ("KiB", 1 << 10)):
        if n >= size:
            return f"{round(n / size, 1):g} {unit}"
    return f"{n} bytes"


def _worker_sys_path() -> list[str]:
    """The standard library and the site-packages holding numpy/torch; not this package's source tree."""
    stdlib = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")}
    keep = [p for p in sys.path if p and any(p.startswith(s) for s in stdlib) and "site-packages" not in p]
    return keep + [p for p in site.getsitepackages() if os.path.isdir(p)]


def worker_env(home: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "ATEN_CPU_CAPABILITY"):  # the CPU's kernels, as the grader's
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Zygote:
    """The fork server, one per grading process, preload set and set of worker operations; thread-safe."""

    def __init__(self, preload: tuple[str, ...], operations: tuple[str, ...], level: str) -> None:
        self.lock = threading.Lock()
        self.level = level  # resolved: known, and available here
        self.outside = _isolation.namespaces()  # the grader's namespaces, the zygote's and each keeper's too
        self.ctl, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = worker_env(tempfile.gettempdir())
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", str(HERE / "zygote.py"), str(child.fileno())],
                                     pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, env=env, cwd=tempfile.gettempdir(),
                                     start_new_session=True)
        child.close()
        self.ctl.send(json.dumps({"here": str(HERE), "sys_path": _worker_sys_path(), "preload": list(preload),
                                  "operations": list(operations), "isolation": level}).encode())
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
        self.ctl.close()  # the zygote then kills every worker it still has, and ends
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_zygotes: dict[tuple, Zygote] = {}
_zygotes_lock = threading.Lock()
_uids = itertools.count()


def zygote(preload: tuple[str, ...], requested: str | None = None, operations: tuple[str, ...] = ()) -> Zygote:
    """This process's fork server for ``preload`` and the worker ``operations`` (files, see
    ``convgrade.operations``) at the ``requested`` level (see ``levels.resolve``)."""
    key = (tuple(sorted(preload)), tuple(sorted(operations)), requested)
    with _zygotes_lock:
        z = _zygotes.get(key)
        if z is None or not z.alive():
            z = _zygotes[key] = Zygote(key[0], key[1], resolve(requested))
        return z


@atexit.register
def close_zygotes() -> None:
    """End this process's zygotes and their workers (at exit; a process that leaves by os._exit calls it)."""
    for z in _zygotes.values():
        z.close()
    _zygotes.clear()


class Sandbox:
    """Runs one submission's code in a worker process with resource limits and, where possible, namespaces.

    At the namespaces levels the worker's filesystem holds only the system, Python and its copy of the
    submission, so nothing else (the course, the graders, other submissions, reports) can be seen. At the
    process level nothing can be hidden: ``hide`` is kept for callers that name what must stay private.
    """

    def __init__(self, submission: Path, limits: Limits = Limits(), preload: tuple[str, ...] = ("numpy",),
                 hide: tuple[Path, ...] = (), isolation: str | None = None, operations: tuple[str, ...] = ()) -> None:
        self.limits = limits
        self._preload, self._operations = preload, operations
        self._requested = os.environ.get(ISOLATION_ENV, "") if isolation is None else isolation
        self.zygote = zygote(preload, self._requested, operations)
        self.isolation = self.zygote.level  # then, from each worker's first frame, the level it proved it entered
        if self.isolation != "namespaces":  # the worker may share the grader's uid
            _undumpable()
        self._tmp = tempfile.TemporaryDirectory(prefix="convgrade-")
        tmp = Path(self._tmp.name).resolve()
        self.root = tmp / "submission"
        self.scratch = tmp / "scratch"
        self.newroot = tmp / "root"  # the mount point of the worker's own filesystem (namespaces level)
        self.output_path = tmp / "output.txt"
        _copy_submission(Path(submission), self.root)
        self.scratch.mkdir()
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
        self._unproved: dict | None = None  # the limits asked of a new worker, until its first frame proves them

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        if not self.zygote.alive():  # e.g. killed by a worker that shares its uid (process level)
            self.zygote = zygote(self._preload, self._requested, self._operations)
        parent, child = socket.socketpair()
        out = os.open(self.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        if self.out is not None:
            os.close(self.out)
        self.out = os.open(f"/proc/self/fd/{out}", os.O_RDONLY)  # read through this, never the path again
        limits = {"RLIMIT_AS": self.limits.memory, "RLIMIT_CPU": self.limits.cpu,
                  "RLIMIT_FSIZE": self.limits.file_size, "RLIMIT_CORE": 0}
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
        self._kill()
        if self.out is not None:
            os.close(self.out)
            self.out = None
        self._tmp.cleanup()
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    def fresh(self) -> None:
        """Start the next request in a new worker: nothing the last one's code left behind carries over."""
        self._kill()

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

    def set_memory(self, memory: int) -> None:
        """Use a new address-space limit from the next call on (restarting the worker if it changed)."""
        if memory != self.limits.memory:
            self._kill()
            self.limits = replace(self.limits, memory=memory)

    # -- calls -----------------------------------------------------------------------------
    def request(self, body: dict, timeout: float) -> Reply:
        """Send one request and wait up to ``timeout`` seconds for its reply."""
        if self.pid is None:
            self._start()
        deadline = time.monotonic() + timeout
        try:
            self.chan.settimeout(timeout)  # a worker that stops reading cannot block the grader
            self.chan.sendall(codec.encode(body))
            if self._unproved is not None:  # a new worker: first, what it entered (no extra round trip)
                self._prove(self._frame(deadline))
            reply = self._frame(deadline)
        except (CallTimeout, TimeoutError):
            self._kill()
            raise CallTimeout("time limit exceeded") from None
        except (OSError, EOFError):
            raise self._died() from None
        except SandboxError:
            raise
        except Exception as e:  # noqa: BLE001 - CodecError, or anything else a forged frame provokes
            self._kill()
            raise WorkerDied(f"the worker sent a malformed reply ({str(e)[:200]})") from None
        if self._output_exceeded():
            self._kill()
            raise WorkerDied(self._output_message(), self._output())
        if type(reply) is not dict or reply.get("status") not in STATUSES:
            self._kill()
            raise WorkerDied("the worker sent a malformed reply")
        return Reply(reply["status"], reply, self._output())

    def call(self, module: str, name: str, args: list, kwargs: dict | None = None, *,
             timeout: float, return_args: bool = False) -> Reply:
        return self.request({"op": "call", "module": module, "name": name, "args": list(args),
                             "kwargs": kwargs or {}, "return_args": return_args}, timeout)

    def _frame(self, deadline: float) -> Any:
        size = codec.frame_size(self._read(codec.PREFIX_SIZE, deadline))
        if size > self.limits.reply + codec.MAX_HEADER:
            self._kill()
            raise WorkerDied(f"the worker sent a reply of {describe_bytes(size)}, more than the limit of "
                             f"{describe_bytes(self.limits.reply)}")
        return codec.decode(self._read(size, deadline))

    def _prove(self, frame: Any) -> None:
        """Check a new worker's first frame (sent before it ran any student code) against the level asked for."""
        facts = frame.get("facts") if type(frame) is dict and frame.get("status") == "entered" else frame
        try:
            self.isolation = verify(self.zygote.level, facts, self.zygote.outside, self._unproved)
        except IsolationError:
            self._kill()
            raise
        self._unproved = None

    def _died(self) -> WorkerDied:
        """After the channel broke: let the worker finish dying, end what it left, and say why it ended."""
        dead = _wait_dead(self.pid)
        output = self._output()
        code = self._kill()
        if self._unproved is not None and code == WORKER_BROKE:  # its own code failed: no student code ran yet
            raise IsolationError(f"the worker could not enter the {self.zygote.level} isolation level: "
                                 f"{output.strip()[-500:]}")
        if self._output_exceeded() or code == -signal.SIGXFSZ:
            return WorkerDied(self._output_message(), output)
        if not dead:
            return WorkerDied("your code closed the worker's connection to the grader", output)
        return WorkerDied(death_message(code, self.limits), output)

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

    def _output_exceeded(self) -> bool:
        return self.out is not None and os.fstat(self.out).st_size >= self.limits.file_size

    def _output_message(self) -> str:
        return f"output limit of {describe_bytes(self.limits.file_size)} exceeded (your code printed or wrote too much)"

    def _output(self) -> str:
        data = os.pread(self.out, self.limits.output + 1, 0) if self.out is not None else b""
        text = data[: self.limits.output].decode("utf-8", "replace")
        return text + ("\n... (output truncated)" if len(data) > self.limits.output else "")


def _reserve_uid() -> tuple[int, int]:
    """A worker uid no other sandbox on this machine holds (a lock file per uid, released with its fd)."""
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


def _wait_dead(pid: int | None, seconds: float = 1.0) -> bool:
    """Wait until ``pid`` has exited (a zombie or gone); False when it is still running after ``seconds``."""
    end = time.monotonic() + seconds
    while pid is not None and pid > 0:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                    return True
        except OSError:
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


def _copy_submission(source: Path, target: Path) -> None:
    """The worker reads a copy: the original is never written, and its folder can be hidden. Only regular
    files are copied; a symlink only when it points inside the submission (never to, say, the reference)."""
    target.mkdir()
    os.chmod(target, 0o755)
    if not source.is_dir():
        return
    top = os.path.realpath(source)
    for folder, dirs, files in os.walk(top):
        rel = os.path.relpath(folder, top)
        dirs[:] = [d for d in dirs if not COPY_IGNORE(folder, [d]) and not os.path.islink(os.path.join(folder, d))]
        for d in dirs:
            os.makedirs(os.path.join(target, rel, d), exist_ok=True)
            os.chmod(os.path.join(target, rel, d), 0o755)  # readable by the worker's uid whatever the umask
        for name in files:
            if COPY_IGNORE(folder, [name]):
                continue
            path = os.path.realpath(os.path.join(folder, name))
            if (path == top or path.startswith(top + os.sep)) and os.path.isfile(path):
                dest = os.path.join(target, rel, name)
                shutil.copyfile(path, dest)
                os.chmod(dest, 0o644)


def death_message(code: int | None, limits: Limits) -> str:
    if code is None:
        return "the worker stopped answering"
    if code == WORKER_BROKE:
        return (f"the worker broke down (exit status {code}): your code changed something it relies on "
                "(builtins, numpy, the worker itself?)")
    if code >= 0:
        return f"your code ended the process (exit status {code})"
    sig = -code
    if sig == signal.SIGXCPU:
        return f"CPU time limit of {limits.cpu} s exceeded"
    if sig == signal.SIGXFSZ:
        return f"output limit of {describe_bytes(limits.file_size)} exceeded (your code printed or wrote too much)"
    if sig == signal.SIGSEGV:
        return "your code crashed the process (segmentation fault)"
    if sig == signal.SIGKILL:
        return "your code ended the process (SIGKILL: by your code, or by the system when memory ran out)"
    name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
    return f"your code ended the process ({name})"
