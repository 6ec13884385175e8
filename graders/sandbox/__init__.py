"""The grader's side of the sandbox: a worker per submission, forked by a zygote that preloaded numpy/torch.

One worker serves one submission and is reused across calls; when it dies (crash, limit, timeout) the next
call forks a fresh one. The worker sees a copy of the submission, never the original folder. Replies are
decoded strictly (see ``codec``); nothing the worker sends is unpickled or called.
"""
from __future__ import annotations

import atexit
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

from . import codec

HERE = Path(__file__).resolve().parent
STATUSES = {"ok", "raised", "missing", "syntax"}
UID_BASE, UID_RANGE = 200_000, 50_000
COPY_IGNORE = shutil.ignore_patterns(".git", "__pycache__", ".hypothesis", "*.pyc", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process."""

    memory: int = 4 << 30  # address space, bytes
    cpu: int = 900  # CPU seconds over the worker's life (wall-clock limits are per call)
    file_size: int = 16 << 20  # largest file the worker may write, its output included
    nproc: int = 64  # processes and threads of the worker's own uid (namespaces level only)
    reply: int = 256 << 20  # largest reply the grader accepts
    output: int = 2000  # characters of captured output kept per call


class SandboxError(Exception):
    """The call did not produce a reply: the worker ended, timed out or sent garbage."""


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
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
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
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Zygote:
    """The fork server, one per grading process and preload set; thread-safe."""

    def __init__(self, preload: tuple[str, ...], isolation: str) -> None:
        self.lock = threading.Lock()
        self.ctl, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = worker_env(tempfile.gettempdir())
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", str(HERE / "zygote.py"), str(child.fileno())],
                                     pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env,
                                     cwd=tempfile.gettempdir(), start_new_session=True)
        child.close()
        self.ctl.send(json.dumps({"here": str(HERE), "sys_path": _worker_sys_path(), "preload": list(preload),
                                  "isolation": isolation}).encode())
        hello = self._recv()
        self.isolation: str = hello["isolation"]

    def _recv(self) -> dict:
        data = self.ctl.recv(1 << 16)
        if not data:
            raise WorkerDied("the sandbox's fork server stopped")
        return json.loads(data)

    def ask(self, body: dict, fds: list[int] = ()) -> dict:
        with self.lock:
            socket.send_fds(self.ctl, [json.dumps(body).encode()], list(fds))
            return self._recv()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        self.ctl.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_zygotes: dict[tuple, Zygote] = {}
_zygotes_lock = threading.Lock()
_uids = itertools.count()


def zygote(preload: tuple[str, ...], isolation: str = "auto") -> Zygote:
    key = (tuple(sorted(preload)), isolation)
    with _zygotes_lock:
        z = _zygotes.get(key)
        if z is None or not z.alive():
            z = _zygotes[key] = Zygote(key[0], isolation)
        return z


@atexit.register
def _close_zygotes() -> None:
    for z in _zygotes.values():
        z.close()
    _zygotes.clear()


class Sandbox:
    """Runs one submission's code in a worker process with resource limits and, where possible, namespaces.

    ``hide`` lists folders the worker must not see (the course, other submissions, reports); the original
    submission's folder and this package are always hidden at the namespaces level.
    """

    def __init__(self, submission: Path, limits: Limits = Limits(), preload: tuple[str, ...] = ("numpy",),
                 hide: tuple[Path, ...] = (), isolation: str = "auto") -> None:
        self.limits = limits
        self.zygote = zygote(preload, isolation)
        self.isolation = self.zygote.isolation
        self._tmp = tempfile.TemporaryDirectory(prefix="convgrade-")
        tmp = Path(self._tmp.name)
        self.root = tmp / "submission"
        self.scratch = tmp / "scratch"
        self.output_path = tmp / "output.txt"
        _copy_submission(Path(submission), self.root)
        self.scratch.mkdir()
        self.uid = UID_BASE + (os.getpid() * 7919 + next(_uids)) % UID_RANGE
        if self.isolation == "namespaces":
            os.chmod(tmp, 0o711)
            os.chown(self.scratch, self.uid, self.uid)
            os.chmod(self.scratch, 0o700)
        source = Path(submission).resolve()
        self.hide = [str(p) for p in {*(Path(h).resolve() for h in hide), source.parent, HERE.parent}]
        self.pid: int | None = None
        self.chan: socket.socket | None = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        parent, child = socket.socketpair()
        out = os.open(self.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)
        limits = {"RLIMIT_AS": self.limits.memory, "RLIMIT_CPU": self.limits.cpu,
                  "RLIMIT_FSIZE": self.limits.file_size, "RLIMIT_CORE": 0}
        req = {"op": "spawn", "root": str(self.root), "cwd": str(self.scratch), "env": worker_env(str(self.scratch)),
               "limits": limits, "hide": self.hide, "uid": self.uid, "nproc": self.limits.nproc}
        try:
            self.pid = self.zygote.ask(req, [child.fileno(), out])["pid"]
        finally:
            os.close(out)
            child.close()
        self.chan = parent

    def close(self) -> None:
        self._kill()
        self._tmp.cleanup()

    def _kill(self) -> int | None:
        """End the worker and everything it started; its exit code (negative: the signal)."""
        if self.chan is not None:
            self.chan.close()
            self.chan = None
        if self.pid is None:
            return None
        pid, self.pid = self.pid, None
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.isolation == "namespaces":
            self.zygote.ask({"op": "reap", "uid": self.uid})
        return self.zygote.ask({"op": "wait", "pid": pid})["code"]

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
            self.chan.sendall(codec.encode(body))
            size = codec.frame_size(self._read(codec.PREFIX_SIZE, deadline))
            if size > self.limits.reply:
                self._kill()
                raise WorkerDied(f"your function returned more than {describe_bytes(self.limits.reply)} of data")
            reply = codec.decode(self._read(size, deadline))
        except CallTimeout:
            self._kill()
            raise
        except (OSError, EOFError):
            raise WorkerDied(death_message(self._exit_code(), self.limits)) from None
        except codec.CodecError as e:
            self._kill()
            raise WorkerDied(f"the worker sent a malformed reply ({e})") from None
        if type(reply) is not dict or reply.get("status") not in STATUSES:
            self._kill()
            raise WorkerDied("the worker sent a malformed reply")
        return Reply(reply["status"], reply, self._output())

    def call(self, module: str, name: str, args: list, kwargs: dict | None = None, *,
             timeout: float, return_args: bool = False) -> Reply:
        return self.request({"op": "call", "module": module, "name": name, "args": list(args),
                             "kwargs": kwargs or {}, "return_args": return_args}, timeout)

    def _exit_code(self) -> int | None:
        """After the channel broke: give the worker a moment to finish dying, then collect its status."""
        pid = self.pid
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except (ProcessLookupError, TypeError):
                break
            if _is_zombie(pid):
                break
            time.sleep(0.01)
        return self._kill()

    def _read(self, n: int, deadline: float) -> bytes:
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.chan], [], [], left)[0]:
                raise CallTimeout("time limit exceeded")
            k = self.chan.recv_into(view[got:])
            if k == 0:
                raise EOFError
            got += k
        return bytes(buf)

    def _output(self) -> str:
        try:
            with open(self.output_path, "rb") as f:
                data = f.read(self.limits.output + 1)
        except OSError:
            return ""
        text = data[: self.limits.output].decode("utf-8", "replace")
        return text + ("\n... (output truncated)" if len(data) > self.limits.output else "")


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True


def _copy_submission(source: Path, target: Path) -> None:
    """The worker reads a copy: the original is never written, and its folder can be hidden."""
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, ignore=COPY_IGNORE)
    else:
        target.mkdir()
    for folder, dirs, files in os.walk(target):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


def death_message(code: int | None, limits: Limits) -> str:
    if code is None:
        return "the worker stopped answering"
    if code >= 0:
        return f"your code ended the process (exit status {code})"
    sig = -code
    if sig == signal.SIGXCPU:
        return f"CPU time limit of {limits.cpu} s exceeded"
    if sig == signal.SIGXFSZ:
        return f"output limit of {describe_bytes(limits.file_size)} exceeded (too much printed or written)"
    if sig == signal.SIGSEGV:
        return "your code crashed the process (segmentation fault)"
    if sig == signal.SIGKILL:
        return f"the process was killed (memory limit of {describe_bytes(limits.memory)} exceeded?)"
    name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
    return f"your code ended the process ({name})"
