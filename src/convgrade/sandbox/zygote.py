"""The zygote: a clean process that imports numpy (and torch) once and forks one worker per submission.

Started as ``python -I -S zygote.py FD`` by the grader, so it cannot see this package or the course
folder on its ``sys.path``. It receives where Python's modules are (and loads the sandbox's own), its
configuration (what to preload, the worker operations, the isolation level), then requests, over a
SOCK_SEQPACKET socket:
``spawn`` (with the worker's socket and output file passed as file descriptors) answers the worker's pid;
``kill`` ends a worker with every process it started and answers how the worker ended.

Each worker has a keeper: a small process between the zygote and the worker that is a child subreaper, so
every process the worker starts stays below it, even one that called setsid and whose parent exited. To
kill, the keeper kills its children until it has none left: nothing escapes, at any isolation level.
The keeper runs no student code; the worker isolates itself (``isolation.apply``) before importing any,
and its first frame to the grader says what it entered (``isolation.entered``).
This module imports nothing from ``graders``.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import signal
import socket
import sys
from typing import Any

MAX_MESSAGE = 1 << 20
PR_SET_CHILD_SUBREAPER = 36


def load(name: str, path: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def from_source(name: str, source: str) -> Any:
    module = type(sys)(name)
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def load_operations(paths: list[str], loaded: dict[str, dict] | None = None) -> dict[str, Any]:
    """The worker operations (``op_<name>`` functions, by name) of these files (see ``convgrade.operations``). A
    file already in ``loaded`` (path -> its operations) is not read again; one read is added to it."""
    loaded = {} if loaded is None else loaded
    operations: dict[str, Any] = {}
    for path in paths:
        if path not in loaded:
            with open(path, encoding="utf-8") as f:
                ops = from_source(f"_convgrade_operations_{len(loaded)}", f.read())
            if callable(getattr(ops, "warm_up", None)):
                ops.warm_up()  # e.g. torch's first meta-device pass, paid here once instead of in every worker
            loaded[path] = {k[3:]: v for k, v in vars(ops).items() if k.startswith("op_") and callable(v)}
        operations.update(loaded[path])
    return operations


def children() -> list[int]:
    """This process's children (read from /proc: the kernel may lack /proc/PID/task/TID/children)."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    if int(f.read().rsplit(b")", 1)[1].split()[1]) == me:
                        found.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def kill_all_children(worker: int | None = None) -> int | None:
    """SIGKILL and reap every child (orphans of a subreaper included) until none is left; the worker's exit code."""
    code, flags = None, 0
    while True:
        if flags == 0:  # a round: kill every child there is, then reap until no more have ended
            for pid in children():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            pid, status = os.waitpid(-1, flags)
        except ChildProcessError:
            return code
        if pid == worker:
            code = os.waitstatus_to_exitcode(status)
        flags = os.WNOHANG if pid else 0


class ForkServer:
    """The zygote process itself: imports once, then forks a worker (under a keeper) per request."""

    def __init__(self, ctl: socket.socket, here: str) -> None:
        """The sandbox's own modules (and numpy, which the codec imports): loaded before the configuration comes,
        so that a fork server the grader started early (``sandbox.prestart``) loads them while the grader starts."""
        self.ctl = ctl
        self.keepers: dict[int, tuple[int, socket.socket]] = {}  # worker pid -> (keeper pid, its socket)
        self.loaded: dict[str, dict] = {}  # operation file -> its operations, read ahead (``warm``) or configured
        self.codec = load("_convgrade_codec", os.path.join(here, "codec.py"))
        self.isolation = load("_convgrade_isolation", os.path.join(here, "isolation.py"))
        self.worker = load("_convgrade_worker", os.path.join(here, "worker.py"))

    def configure(self, cfg: dict) -> None:
        """What the workers need besides (``preload``, ``operations``) and the isolation level."""
        for name in cfg["preload"]:
            importlib.import_module(name)
        self.operations = load_operations(cfg["operations"], self.loaded)  # read now: hidden from the workers
        self.level = cfg["isolation"]  # chosen by the grader (``levels.resolve``): known and available here
        if self.level not in self.isolation.KNOWN:
            raise ValueError(f"unknown isolation level {self.level!r}")
        try:  # the grader and the zygote share a uid at the process level: keep the worker out of our memory
            self.isolation.prctl(self.isolation.PR_SET_DUMPABLE, 0)
            self.isolation.prctl(PR_SET_CHILD_SUBREAPER, 1)  # a keeper killed by its worker leaves orphans here
        except (OSError, AttributeError):
            pass

    def warm(self, modules: list[str], operations: list[str]) -> None:
        """Import ``modules`` and read the ``operations`` files ahead of the configuration. Only a hint: what fails
        here is left for the configuration, which says what must load (and why it cannot)."""
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001
                pass
        for path in operations:
            try:
                load_operations([path], self.loaded)
            except Exception:  # noqa: BLE001
                pass

    def reply(self, body: dict) -> None:
        self.ctl.send(json.dumps(body).encode())

    def serve(self) -> None:
        self.reply({"isolation": self.level, "pid": os.getpid()})
        try:
            while True:
                try:
                    data, fds, _, _ = socket.recv_fds(self.ctl, MAX_MESSAGE, 4)
                except OSError:
                    return
                if not data:
                    return
                req = json.loads(data)
                if req["op"] == "spawn":
                    self.reply({"pid": self.spawn(req, fds)})
                elif req["op"] == "kill":
                    self.reply({"code": self.kill(req["pid"])})
        finally:  # the grader is gone: end every worker
            for pid in list(self.keepers):
                self.kill(pid)
            kill_all_children()

    def spawn(self, req: dict, fds: list[int]) -> int:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        keeper = os.fork()
        if keeper == 0:
            code = 70
            try:
                ours.close()
                code = self.keep(theirs, req, fds)
            finally:
                os._exit(code)
        theirs.close()
        for fd in fds:
            os.close(fd)
        data = ours.recv(64)
        pid = int(data) if data else -keeper  # a keeper that could not fork: a pid that names no worker
        self.keepers[pid] = (keeper, ours)
        return pid

    def keep(self, ctl: socket.socket, req: dict, fds: list[int]) -> int:
        """The keeper: fork the worker, wait for the zygote's kill (or its end), then end the whole tree."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.isolation.close_fds_except({0, 1, 2, ctl.fileno(), *fds})
        self.isolation.prctl(PR_SET_CHILD_SUBREAPER, 1)
        worker = os.fork()
        if worker == 0:
            ctl.close()
            self.child(req, fds)
        for fd in fds:
            os.close(fd)
        ctl.send(str(worker).encode())
        try:
            ctl.recv(64)  # "kill", or nothing when the zygote died
        except OSError:
            pass
        code = kill_all_children(worker)
        try:
            ctl.send(json.dumps({"code": code}).encode())
        except OSError:
            pass
        return 0

    def kill(self, pid: int) -> int | None:
        """End a worker and everything it started; its exit code (negative: the signal)."""
        keeper, sock = self.keepers.pop(pid, (None, None))
        if keeper is None:
            return None
        code = None
        try:
            sock.send(b"kill")
            data = sock.recv(MAX_MESSAGE)
            code = json.loads(data)["code"] if data else None
        except (OSError, ValueError, KeyError):
            pass
        sock.close()
        try:
            os.waitpid(keeper, 0)
        except ChildProcessError:
            pass
        self.sweep()
        return code

    def sweep(self) -> None:
        """Kill and reap any child that is not a keeper: orphans of a keeper its worker managed to kill."""
        keepers = {k for k, _ in self.keepers.values()}
        for pid in children():
            if pid not in keepers:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass

    def child(self, req: dict, fds: list[int]) -> None:
        code = 70
        try:
            chan_fd, out_fd = fds
            os.setsid()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_fd, 1)
            os.dup2(out_fd, 2)
            for fd in (null, out_fd):
                os.close(fd)
            req["isolation"] = self.level
            ns = self.isolation.apply(req)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            sys.meta_path.insert(0, self.worker.Blocker())
            sys.path.insert(0, req["root"])
            os.set_inheritable(chan_fd, False)  # a program the student execs must not hold the grader's socket
            chan = socket.socket(fileno=chan_fd)
            facts = self.isolation.entered(ns, list(req["limits"]))  # before any student code: the grader checks it
            chan.sendall(self.codec.encode({"status": "entered", "facts": facts}))
            self.worker.Worker(chan, req["root"], self.codec, self.operations, req["reply"]).serve()
            code = 0
        except BaseException as exc:  # noqa: BLE001 - say what broke in the output file (print may be patched)
            try:
                os.write(2, f"\nthe worker failed: {type(exc).__name__}: {exc}\n".encode(errors="replace")[:2000])
            except BaseException:  # noqa: BLE001
                pass
        finally:
            os._exit(code)


def main() -> None:
    ctl = socket.socket(fileno=int(sys.argv[1]))
    where = json.loads(ctl.recv(MAX_MESSAGE))  # where Python's modules are, then (maybe much later) the rest
    sys.path[:] = where["sys_path"]
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the grader, which closes the socket
    server = ForkServer(ctl, where["here"])
    cfg = ctl.recv(MAX_MESSAGE)
    while cfg and "warm" in (ahead := json.loads(cfg)):  # what to load before the configuration comes
        server.warm(ahead["warm"], ahead.get("operations", []))
        cfg = ctl.recv(MAX_MESSAGE)
    if cfg:  # nothing: a fork server started early that the grader did not need after all
        server.configure(json.loads(cfg))
        server.serve()
    os._exit(0)  # every worker is gone (``serve``); tearing the interpreter and numpy (torch) down is time lost


if __name__ == "__main__":
    main()
