"""The worker: imports the student's lesson files and runs their code, nothing else.

A worker is a child forked by the zygote (see ``zygote.py``), isolated (``isolation.py``) before it reads a
byte of student code, or at the portable level a fresh process (``spawned.py``). Its ``sys.path`` is the
standard library, the site-packages holding numpy/torch and the submission; ``graders`` and ``reference`` are
refused. It talks to the grader over a socket (or, portable, pipes) with the codec (JSON + raw array bytes),
one request, one reply. The student's stdout and stderr go to a file the grader reads; it is emptied before
each request. After each piece of student code the builtins are put back, so that a submission that patches
them cannot break the worker's own replies. Nothing here is a defence: the grader trusts no reply. This module
imports nothing from ``graders``.
"""
from __future__ import annotations

import builtins
import importlib
import importlib.abc
import os
import socket
import sys
import traceback
from typing import Any

BLOCKED = ("convgrade", "graders", "reference", "_convgrade")
BUILTINS = dict(builtins.__dict__)  # as the zygote loaded them, before any submission could patch them


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses the grading package and the reference solutions."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (not available to submissions)", name=name)
        return None


class Worker:
    def __init__(self, chan: socket.socket, root: str, codec: Any, operations: dict, reply_limit: int) -> None:
        self.chan, self.root, self.codec, self.reply_limit = chan, root, codec, reply_limit
        self.operations = operations  # name -> op(target, req): a lesson's worker operations (convgrade.operations)

    # -- transport -------------------------------------------------------------------------
    def recv(self) -> Any:
        prefix = self._read(self.codec.PREFIX_SIZE)
        if prefix is None:
            return None
        return self.codec.decode(self._read(self.codec.frame_size(prefix)))

    def _read(self, n: int) -> bytes | None:
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        while got < n:
            k = self.chan.recv_into(view[got:])
            if k == 0:
                return None
            got += k
        return bytes(buf)

    def send(self, body: Any) -> None:
        self.chan.sendall(self.codec.encode(body, max_bytes=self.reply_limit))

    # -- student code ----------------------------------------------------------------------
    def _trimmed(self, exc: BaseException) -> str:
        """The traceback, keeping only frames from the submission's own files."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(self.root + os.sep)]
        for f in frames:
            f.filename = _posix(os.path.relpath(f.filename, self.root))
        lines = traceback.format_list(frames[-20:])
        lines += traceback.format_exception_only(type(exc), exc)
        return "".join(lines)[-4000:]

    def _raised(self, exc: BaseException, where: str) -> dict:
        try:
            return self._describe(exc, where)
        except BaseException:  # noqa: BLE001 - an exception object built to break its own description
            return {"status": "raised", "where": where, "type": "<unprintable>", "message": "", "traceback": ""}

    def _describe(self, exc: BaseException, where: str) -> dict:
        if isinstance(exc, SyntaxError) and exc.filename and exc.filename.startswith(self.root):
            rel = _posix(os.path.relpath(exc.filename, self.root))
            return {"status": "syntax", "file": rel, "line": exc.lineno, "message": str(exc.msg)[:500]}
        if isinstance(exc, RecursionError):
            message = "maximum recursion depth exceeded"
        elif isinstance(exc, SystemExit):
            message = repr(exc.code)[:200]
        else:
            message = _text(lambda: str(exc))[:2000]
        return {
            "status": "raised",
            "where": where,
            "type": _text(lambda: type(exc).__name__)[:100],
            "message": message,
            "traceback": _text(lambda: self._trimmed(exc)),
        }

    def _module(self, name: str) -> Any:
        path = os.path.join(self.root, *name.split(".")) + ".py"
        if not os.path.isfile(path):
            return {"status": "missing", "file": _posix(os.path.relpath(path, self.root))}
        module, exc = run(importlib.import_module, name)
        if exc is not None:
            sys.modules.pop(name, None)
            return self._raised(exc, "import")
        return module

    def _callable(self, req: dict) -> Any:
        module = self._module(req["module"])
        if type(module) is dict:
            return module
        fn = module.__dict__.get(req["name"])
        if fn is None or not callable(fn):
            return {"status": "missing", "name": req["name"], "file": req["module"].replace(".", "/") + ".py"}
        return fn

    def op_call(self, req: dict) -> dict:
        fn = self._callable(req)
        if type(fn) is dict:
            return fn
        args, kwargs = list(req["args"]), dict(req["kwargs"])
        value, exc = run(fn, *args, **kwargs)
        if exc is not None:
            return self._raised(exc, "call")
        reply = {"status": "ok", "value": value}
        if req.get("return_args"):
            reply["args"] = args
            reply["kwargs"] = kwargs
        return reply

    def op_extension(self, req: dict) -> dict:
        """A lesson's operation on the student's object named ``req["name"]``: their code may raise anything."""
        target = self._callable(req)
        if type(target) is dict:
            return target
        value, exc = run(self.operations[req["op"]], target, req)
        return self._raised(exc, "call") if exc is not None else {"status": "ok", "value": value}

    def op_ping(self, req: dict) -> dict:
        return {"status": "ok", "value": os.getpid()}

    def serve(self) -> None:
        while True:
            req = self.recv()
            if req is None:
                return
            reset_output()
            reseed()
            op = str(req.get("op"))
            handler = self.op_extension if op in self.operations else getattr(self, "op_" + op, None)
            try:
                reply = handler(req) if handler else {"status": "raised", "where": "worker", "type": "ValueError",
                                                      "message": f"unknown operation {req.get('op')!r}"}
            except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while preparing a reply
                reply = self._raised(exc, "worker")
            flush()
            builtins.__dict__.update(BUILTINS)
            try:
                self.send(reply)
            except self.codec.TooLarge as exc:
                self.send({"status": "too_large", "size": exc.size, "limit": exc.limit})
            except BaseException as exc:  # noqa: BLE001 - a reply that cannot be encoded (e.g. MemoryError)
                self.send({"status": "raised", "where": "reply", "type": _text(lambda: type(exc).__name__)[:100],
                           "message": _text(lambda: str(exc))[:500], "traceback": ""})


def run(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, BaseException | None]:
    """Run the student's code: ``(value, None)`` or ``(None, the exception)``, whatever it raised. After it,
    the builtins are the real ones again: the worker's own code (and json) needs isinstance, len..."""
    try:
        return fn(*args, **kwargs), None
    except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
        return None, exc
    finally:
        builtins.__dict__.update(BUILTINS)


def _posix(rel: str) -> str:
    """A path relative to the submission as every report spells it, with ``/`` (on Windows too)."""
    return rel.replace(os.sep, "/")


def _text(make: Any) -> str:
    """``make()``, a string from the student's objects (their exception's message...), or a placeholder
    when their ``__str__`` raises or returns something else."""
    try:
        text = make()
        return text if type(text) is str else "<unprintable>"
    except BaseException:  # noqa: BLE001
        return "<unprintable>"


def reseed() -> None:
    """Every call starts from the same random state: student code that draws random numbers (or an untrained
    model) grades the same on every run."""
    import random

    random.seed(0)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(0)
    torch = sys.modules.get("torch")
    if torch is not None:  # torch.manual_seed(0) sets this same CPU generator, but also queues a lazy seed for each
        torch.default_generator.manual_seed(0)  # device kind with a formatted stack: 0.6 ms a call, here 10x this
        cuda = getattr(torch, "cuda", None)
        if cuda is not None and cuda.is_initialized():  # a GPU in use: seeded now, as torch.manual_seed would
            cuda.manual_seed_all(0)


def flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass


def reset_output() -> None:
    flush()
    try:
        os.ftruncate(1, 0)
        os.lseek(1, 0, os.SEEK_SET)  # where the file was not opened to append (a portable worker on Windows)
    except OSError:
        pass
