"""The zygote: a clean process that imports numpy (and torch) once and forks one worker per submission.

Started as ``python -I -S zygote.py FD`` by the grader, so it cannot see this package or the course
folder on its ``sys.path``. It receives its configuration, then requests, over a SOCK_SEQPACKET socket:
``spawn`` (with the worker's socket and output file passed as file descriptors) answers the child's pid;
``wait`` answers how a child ended; ``reap`` kills every process of a worker's uid. It runs no student
code itself: a child isolates itself (``isolation.apply``) before importing anything of the student's.
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


class Zygote:
    def __init__(self, ctl: socket.socket, cfg: dict) -> None:
        self.ctl, self.cfg = ctl, cfg
        here = cfg["here"]
        self.codec = load("_convgrade_codec", os.path.join(here, "codec.py"))
        self.isolation = load("_convgrade_isolation", os.path.join(here, "isolation.py"))
        self.worker = load("_convgrade_worker", os.path.join(here, "worker.py"))
        with open(os.path.join(here, "torch_ops.py"), encoding="utf-8") as f:
            source = f.read()  # read now: the file is hidden from the worker that may need it later
        self.torch_ops: Any = lambda: from_source("_convgrade_torch_ops", source)
        for name in cfg["preload"]:
            importlib.import_module(name)
        if "torch" in cfg["preload"]:
            self.torch_ops = self.torch_ops()
        self.level = self.isolation.available() if cfg["isolation"] == "auto" else cfg["isolation"]

    def reply(self, body: dict) -> None:
        self.ctl.send(json.dumps(body).encode())

    def serve(self) -> None:
        self.reply({"isolation": self.level, "pid": os.getpid()})
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.ctl, MAX_MESSAGE, 4)
            except OSError:
                return
            if not data:
                return
            req = json.loads(data)
            if req["op"] == "spawn":
                self.spawn(req, fds)
            elif req["op"] == "wait":
                self.reply({"code": self.wait(req["pid"])})
            elif req["op"] == "reap":
                self.reap(req["uid"])
                self.reply({"ok": True})

    def spawn(self, req: dict, fds: list[int]) -> None:
        pid = os.fork()
        if pid == 0:
            self.child(req, fds)
        for fd in fds:
            os.close(fd)
        self.reply({"pid": pid})

    def child(self, req: dict, fds: list[int]) -> None:
        code = 70
        try:
            self.ctl.close()
            chan_fd, out_fd = fds
            os.setsid()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_fd, 1)
            os.dup2(out_fd, 2)
            for fd in (null, out_fd):
                os.close(fd)
            req["isolation"] = self.level
            self.isolation.apply(req)
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(req["env"])
            sys.meta_path.insert(0, self.worker.Blocker())
            sys.path.insert(0, req["root"])
            chan = socket.socket(fileno=chan_fd)
            self.worker.Worker(chan, req["root"], self.codec, self.torch_ops).serve()
            code = 0
        except BaseException as exc:  # noqa: BLE001 - report the set-up failure in the output file
            print(f"worker set-up failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            os._exit(code)

    def wait(self, pid: int) -> int:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return -signal.SIGKILL
        return os.waitstatus_to_exitcode(status)

    def reap(self, uid: int) -> None:
        """Kill every process of a worker's own uid (forks that left its process group)."""
        pid = os.fork()
        if pid == 0:
            try:
                os.setgid(uid)
                os.setuid(uid)
                if uid > 0 and os.getuid() == uid:  # never kill(-1) as anyone else
                    os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


def main() -> None:
    ctl = socket.socket(fileno=int(sys.argv[1]))
    cfg = json.loads(ctl.recv(MAX_MESSAGE))
    sys.path[:] = cfg["sys_path"]
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the grader, which closes the socket
    Zygote(ctl, cfg).serve()


if __name__ == "__main__":
    main()
