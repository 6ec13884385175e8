"""The grader's side of the sandbox: start a worker for one submission, call into it, survive it.

One worker process serves one submission and is reused across calls; when it dies (crash, limit,
timeout) the next call starts a fresh one. Replies are decoded strictly (see ``codec``); nothing the
worker sends is unpickled or called.
"""
from __future__ import annotations

import json
import os
import select
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import codec

WORKER = Path(__file__).with_name("worker.py")
TORCH_OPS = Path(__file__).with_name("torch_ops.py")
STATUSES = {"ok", "raised", "missing", "syntax"}


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process."""

    memory: int = 4 << 30  # address space, bytes
    cpu: int = 600  # CPU seconds over the worker's life (wall-clock limits are per call)
    file_size: int = 16 << 20  # largest file the worker may write, its output included
    reply: int = 256 << 20  # largest reply the grader accepts
    output: int = 2000  # characters of captured output kept per call


class SandboxError(Exception):
    """The call did not produce a reply: the worker ended, timed out or sent garbage."""

    status = "error"


class WorkerDied(SandboxError):
    pass


class CallTimeout(SandboxError):
    status = "timeout"


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


def _worker_env(home: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class Sandbox:
    """Runs one submission's code in a worker process with resource limits."""

    def __init__(self, root: Path, limits: Limits = Limits(), preload: tuple[str, ...] = ("numpy",)) -> None:
        self.root = Path(root).resolve()
        self.limits = limits
        self.preload = preload
        self._tmp = tempfile.TemporaryDirectory(prefix="convgrade-")
        self.scratch = Path(self._tmp.name, "scratch")
        self.scratch.mkdir()
        self.output_path = Path(self._tmp.name, "output.txt")
        self.proc: subprocess.Popen | None = None
        self.chan: socket.socket | None = None
        self.isolation = "process"

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self) -> None:
        parent, child = socket.socketpair()
        limits = {
            "RLIMIT_AS": self.limits.memory,
            "RLIMIT_CPU": self.limits.cpu,
            "RLIMIT_FSIZE": self.limits.file_size,
            "RLIMIT_CORE": 0,
        }
        cfg = {
            "fd": child.fileno(),
            "root": str(self.root),
            "cwd": str(self.scratch),
            "codec": str(Path(codec.__file__).resolve()),
            "torch_ops": str(TORCH_OPS),
            "sys_path": _worker_sys_path(),
            "preload": list(self.preload),
            "limits": limits,
        }
        out = os.open(self.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(WORKER), json.dumps(cfg)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, pass_fds=(child.fileno(),),
                cwd=self.scratch, env=_worker_env(str(self.scratch)), start_new_session=True,
            )
        finally:
            os.close(out)
            child.close()
        self.chan = parent

    def close(self) -> None:
        self._kill()
        self._tmp.cleanup()

    def _kill(self) -> None:
        if self.chan is not None:
            self.chan.close()
            self.chan = None
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None

    def set_memory(self, memory: int) -> None:
        """Use a new address-space limit from the next call on (restarting the worker if it changed)."""
        if memory != self.limits.memory:
            self._kill()
            self.limits = replace(self.limits, memory=memory)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    # -- calls -----------------------------------------------------------------------------
    def request(self, body: dict, timeout: float) -> Reply:
        """Send one request and wait up to ``timeout`` seconds for its reply."""
        if self.proc is None:
            self._start()
        deadline = time.monotonic() + timeout
        try:
            self.chan.sendall(codec.encode(body))
            prefix = self._read(codec.PREFIX_SIZE, deadline)
            size = codec.frame_size(prefix)
            if size > self.limits.reply:
                self._kill()
                raise WorkerDied(f"your function returned more than {describe_bytes(self.limits.reply)} of data")
            reply = codec.decode(self._read(size, deadline))
        except CallTimeout:
            self._kill()
            raise
        except (OSError, EOFError):
            raise self._death() from None
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

    def _death(self) -> WorkerDied:
        """Explain why the worker ended, then forget it (the next call starts a new one)."""
        proc = self.proc
        try:
            code = proc.wait(timeout=5) if proc else None
        except subprocess.TimeoutExpired:
            code = None
        self._kill()
        return WorkerDied(death_message(code, self.limits))


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
