"""What every isolation level's sandbox shares: the limits, the errors, the worker's environment, the copy of the
submission, and the grader's side of the protocol (``Box``): one request, one reply, both codec frames, the first
frame of a new worker saying what it entered. How a worker starts, ends and carries frames is the level's own:
a worker forked by the zygote over a socket (``Sandbox``), or a fresh process over pipes (``portable``).
"""
from __future__ import annotations

import os
import shutil
import signal
import site
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import codec
from .levels import IsolationError, verify

HERE = Path(__file__).resolve().parent
STATUSES = {"ok", "raised", "missing", "syntax", "too_large"}
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

    def rlimits(self) -> dict[str, int]:
        """The resource limits a worker sets on itself (where the system has them), by ``resource`` name."""
        return {"RLIMIT_AS": self.memory, "RLIMIT_CPU": self.cpu, "RLIMIT_FSIZE": self.file_size, "RLIMIT_CORE": 0}


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


def worker_sys_path() -> list[str]:
    """The standard library and the site-packages holding numpy/torch; not this package's source tree."""
    stdlib = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")}
    keep = [p for p in sys.path if p and any(p.startswith(s) for s in stdlib) and "site-packages" not in p]
    return keep + [p for p in site.getsitepackages() if os.path.isdir(p)]


def worker_env(home: str) -> dict[str, str]:
    env = {"PATH": os.pathsep.join(("/usr/bin", "/bin")) if os.name == "posix" else os.environ.get("PATH", ""),
           "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "ATEN_CPU_CAPABILITY")  # the CPU's kernels, as the grader's
    if os.name == "nt":  # what Python and its DLLs need to start at all on Windows
        keys += ("SYSTEMROOT", "WINDIR", "TEMP", "TMP", "USERPROFILE", "LOCALAPPDATA", "APPDATA")
    env.update({key: os.environ[key] for key in keys if key in os.environ})
    return env


def copy_submission(source: Path, target: Path) -> None:
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
    sig = -code  # POSIX only: a negative code is the signal that ended the worker
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


class Box:
    """The grader's side of the protocol, whatever the level. A subclass starts and ends workers (``_start``,
    ``_kill``: the exit code, negative for a signal) and carries frames (``_send``, ``_read``, ``_ended``); it sets
    ``limits``, ``level`` (asked for), ``isolation`` (then proved by each worker), ``outside`` (the grader's
    namespaces, {} where there are none), ``pid`` (None: no worker), ``out`` (a descriptor of the output file)."""

    limits: Limits
    level: str
    isolation: str
    outside: dict[str, str]
    pid: int | None = None
    out: int | None = None
    _unproved: dict | None = None  # the limits asked of a new worker, until its first frame proves them

    def _workspace(self, submission: Path) -> Path:
        """A private folder holding the copy of the submission, the worker's scratch folder, its output file."""
        self._tmp = tempfile.TemporaryDirectory(prefix="convgrade-")
        tmp = Path(self._tmp.name).resolve()
        self.root, self.scratch, self.output_path = tmp / "submission", tmp / "scratch", tmp / "output.txt"
        copy_submission(Path(submission), self.root)
        self.scratch.mkdir()
        return tmp

    def _start(self) -> None:
        raise NotImplementedError

    def _kill(self) -> int | None:
        raise NotImplementedError

    def _send(self, data: bytes, timeout: float) -> None:
        raise NotImplementedError

    def _read(self, n: int, deadline: float) -> bytes:
        raise NotImplementedError

    def _ended(self, seconds: float) -> bool:
        raise NotImplementedError

    def __enter__(self) -> Box:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._kill()
        if self.out is not None:
            os.close(self.out)
            self.out = None
        self._tmp.cleanup()

    def ready(self) -> None:
        """Start a worker now if there is none (then the next request's time is its own, not the start-up's)."""
        if self.pid is None:
            self._start()

    def fresh(self) -> None:
        """Start the next request in a new worker: nothing the last one's code left behind carries over."""
        self._kill()

    def set_needs(self, preload: tuple[str, ...], operations: tuple[str, ...]) -> None:
        """What the next exercise's workers need (a subset of what the sandbox was made with). Forked workers
        have everything already (their fork server loaded it once); a level that starts a fresh Python per
        worker loads only this."""

    def set_memory(self, memory: int) -> None:
        """Use a new address-space limit from the next call on (restarting the worker if it changed)."""
        if memory != self.limits.memory:
            self._kill()
            self.limits = replace(self.limits, memory=memory)

    def request(self, body: dict, timeout: float) -> Reply:
        """Send one request and wait up to ``timeout`` seconds for its reply."""
        self.ready()
        deadline = time.monotonic() + timeout
        try:
            self._send(codec.encode(body), timeout)
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
            self.isolation = verify(self.level, facts, self.outside, self._unproved)
        except IsolationError:
            self._kill()
            raise
        self._unproved = None

    def _died(self) -> WorkerDied:
        """After the channel broke: let the worker finish dying, end what it left, and say why it ended."""
        dead = self._ended(1.0)
        output = self._output()
        code = self._kill()
        if self._unproved is not None and code == WORKER_BROKE:  # its own code failed: no student code ran yet
            raise IsolationError(f"the worker could not enter the {self.level} isolation level: "
                                 f"{output.strip()[-500:]}")
        if self._output_exceeded() or (code is not None and code < 0 and -code == getattr(signal, "SIGXFSZ", None)):
            return WorkerDied(self._output_message(), output)
        if not dead:
            return WorkerDied("your code closed the worker's connection to the grader", output)
        return WorkerDied(death_message(code, self.limits), output)

    def _output_exceeded(self) -> bool:
        return self.out is not None and os.fstat(self.out).st_size >= self.limits.file_size

    def _output_message(self) -> str:
        return f"output limit of {describe_bytes(self.limits.file_size)} exceeded (your code printed or wrote too much)"

    def _output(self) -> str:
        data = _read_start(self.out, self.limits.output + 1) if self.out is not None else b""
        text = data[: self.limits.output].decode("utf-8", "replace")
        return text + ("\n... (output truncated)" if len(data) > self.limits.output else "")


def _read_start(fd: int, n: int) -> bytes:
    """The first ``n`` bytes of the file open as ``fd`` (os.pread where the system has it)."""
    if hasattr(os, "pread"):
        return os.pread(fd, n, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    while n > 0 and (chunk := os.read(fd, n)):
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
