"""What a check body sees: ``st`` (the student's code, in the sandbox) and the state of one exercise.

``st.normalize(x)`` sends the arguments to the worker and returns the decoded value, or
raises ``CheckFailed`` (the student's code raised) or ``Fatal`` (the exercise cannot go on: missing file,
syntax error, crash, time limit). ``Fatal`` is a ``BaseException`` so hypothesis stops at once instead of
shrinking a crash.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from .checks import CheckFailed
from .config import ConfigError, ExerciseConfig
from .mistakes import Call
from .operations import WorkerOps, names
from .sandbox import Box, CallTimeout, Reply, SandboxError, describe_bytes


OPTIONAL_TIMEOUT = 2.0  # seconds for an operation that only adds to the feedback (``Student.try_request``)


class Fatal(BaseException):
    """Ends grading of one exercise: it scores 0 with ``status`` and ``message``."""

    def __init__(self, status: str, message: str, traceback: str = "", output: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.traceback, self.output = status, message, traceback, output


class Context:
    """Grading state of one exercise: the sandbox, the time budget, the calls of the current example."""

    def __init__(self, sandbox: Box, cfg: ExerciseConfig, needs: tuple[WorkerOps, ...] = ()) -> None:
        self.sandbox, self.cfg = sandbox, cfg
        # worker operations whose runs a catalogued mistake can be replayed on: op -> the file defining it
        self.replayable = {op: str(ops.path) for ops in needs for op in ops.replayable}
        self.offered = names(needs)
        sandbox.fresh()  # a new worker: nothing another exercise's code did (patches, threads, files) carries over
        self.used = 0.0  # seconds spent waiting for the student's code
        self.calls: list[Call] = []
        self.explain: Callable[[Any], list[str]] | None = None  # more feedback for a failure, given the reference
        self.fatal: Fatal | None = None
        self.optional: dict[tuple, dict | None] = {}  # optional requests answered once for the exercise
        self.st = Student(self, return_args=False)

    def begin_example(self) -> None:
        self.calls = []
        self.explain = None

    def stop(self, fatal: Fatal) -> Fatal:
        self.fatal = fatal
        return fatal

    def call(self, name: str, args: tuple, kwargs: dict, return_args: bool = False) -> Any:
        """Call the student's function ``name``; record the call for the diagnosis."""
        req = {"op": "call", "name": name, "args": list(args), "kwargs": kwargs, "return_args": return_args}
        body = self.request(req)
        if return_args and not (type(body.get("args")) is list and len(body["args"]) == len(args)):
            raise self.stop(Fatal("error", "the worker sent a malformed reply (the arguments are missing)"))
        self.calls.append(Call(name, tuple(args), dict(kwargs), body["value"]))
        return (body["value"], body["args"]) if return_args else body["value"]

    def request(self, req: dict) -> dict:
        """Send one operation on the student's ``req["name"]`` to the worker, within the time budget;
        the reply's body when it succeeded, else ``CheckFailed`` (their code raised) or ``Fatal``."""
        if self.fatal is not None:
            raise self.fatal
        if req["op"] not in self.offered:
            raise ConfigError(f"graders/{self.cfg.path}: exercise {self.cfg.id!r} asks the worker for {req['op']!r}, "
                              "which no WorkerOps in its needs= offers; declare it, e.g. "
                              "Exercise(..., needs=(convgrade.extra.torch.TORCH,))")
        name = req["name"]
        left = self.cfg.time_limit - self.used
        if left <= 0:
            raise self.stop(Fatal("timeout", f"time limit of {self.cfg.time_limit:g} s for this exercise exceeded"))
        timeout = min(self.cfg.call_timeout, left)
        start = time.monotonic()
        try:
            self.sandbox.ready()  # a new worker's start-up (a whole Python at the portable level) is not their time
            start = time.monotonic()
            reply = self.sandbox.request({**req, "module": self.cfg.lesson}, timeout)
        except CallTimeout:
            if timeout < self.cfg.call_timeout:
                raise self.stop(Fatal("timeout", f"time limit of {self.cfg.time_limit:g} s for this exercise "
                                                 "exceeded")) from None
            raise self.stop(Fatal("timeout", f"time limit of {timeout:g} s exceeded by one call of {name} "
                                             "(an infinite loop?)")) from None
        except SandboxError as e:
            raise self.stop(Fatal("error", str(e), output=e.output)) from None
        finally:
            self.used += time.monotonic() - start
        return self._interpret(name, reply)

    def try_request(self, req: dict) -> dict | None:
        """``request`` for an optional operation: None when it fails. Its failure, even a crash or a time-out,
        ends nothing (a dead worker is replaced at the next request), and its time is not the exercise's."""
        if self.fatal is not None:
            return None
        try:
            reply = self.sandbox.request({**req, "module": self.cfg.lesson}, min(self.cfg.call_timeout,
                                                                                OPTIONAL_TIMEOUT))
            return self._interpret(req["name"], reply)
        except (CheckFailed, Fatal, SandboxError):
            self.fatal = None  # _interpret may have recorded one: this failure ends nothing
            return None

    def _interpret(self, name: str, reply: Reply) -> dict:
        body, path = reply.body, self.cfg.path
        if reply.status == "ok":
            if "value" not in body:
                raise self.stop(Fatal("error", "the worker sent a malformed reply (no value)"))
            return body
        if reply.status == "missing":
            if "name" in body:
                raise self.stop(Fatal("missing", f"{_text(body['name'], 100)} is missing from {path}; keep the "
                                                 "function (or class) with its name and signature"))
            raise self.stop(Fatal("missing", f"{path} is missing from the submission"))
        if reply.status == "syntax":
            raise self.stop(Fatal("error", f"{_text(body.get('file'), 200)}, line {_text(body.get('line'), 20)}: "
                                           f"SyntaxError: {_text(body.get('message'), 500)}; fix it and grade again"))
        if reply.status == "too_large":
            self.sandbox.fresh()
            size, limit = body.get("size"), body.get("limit")
            size = describe_bytes(size) if type(size) is int else "too much"
            limit = describe_bytes(limit) if type(limit) is int else "the limit"
            raise self.stop(Fatal("error", f"{self._who(name)}returned {size} of data, more than the limit of "
                                           f"{limit}", output=reply.output))
        kind, message = _text(body.get("type"), 100), _text(body.get("message"), 2000)
        tb, where = _text(body.get("traceback", ""), 4000), body.get("where")
        if kind == "MemoryError":
            self.sandbox.fresh()
            raise self.stop(Fatal("error", f"memory limit of {describe_bytes(self.sandbox.limits.memory)} exceeded "
                                           f"(MemoryError in {name if where != 'import' else path})", tb,
                                  reply.output))
        if where == "import":
            raise self.stop(Fatal("error", f"importing {path} {_raised(kind, message)}", tb, reply.output))
        if where != "call":
            raise self.stop(Fatal("error", f"the worker failed while handling {name} ({kind}: {message})"))
        if kind == "NotImplementedError":
            failed = CheckFailed(f"not implemented yet ({name} raises NotImplementedError)", kind="unimplemented")
        else:
            failed = CheckFailed(f"{self._who(name)}{_raised(kind, message)}", kind="raised")
            failed.traceback = tb
        failed.raised, failed.output = kind, reply.output
        raise failed


    def _who(self, name: str) -> str:
        """Nothing for the exercise's own function (its feedback starts with its name), else ``"name "``."""
        return "" if name == self.cfg.name else f"{name} "


def _text(value: Any, limit: int) -> str:
    """A string from the worker's reply, whatever it sent, cut to ``limit`` characters."""
    text = value if type(value) is str else "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _raised(kind: str, message: str) -> str:
    """``raised KeyError: 'x'``, or what an exception that ends a program means here."""
    if kind == "SystemExit":
        return f"called sys.exit({'' if message == 'None' else message}): code that is graded must not end the program"
    if kind == "KeyboardInterrupt":
        return "raised KeyboardInterrupt: code that is graded must not interrupt the program"
    return f"raised {kind}: {message}".rstrip(": ")


class Student:
    """``st.name(*args)`` calls the student's ``name`` in the sandbox; ``st.with_args.name(...)`` also
    returns the arguments as the call left them (to check that inputs are not mutated)."""

    def __init__(self, ctx: Context, return_args: bool) -> None:
        self._ctx, self._return_args = ctx, return_args

    @property
    def with_args(self) -> Student:
        return Student(self._ctx, return_args=True)

    def request(self, op: str, name: str, **payload: Any) -> dict:
        """Another worker operation on the student's ``name`` (e.g. ``module_info``); the reply's body.
        Runs of a replayable operation are recorded, so that the diagnosis can rerun them with a catalogued mistake."""
        req = {"op": op, "name": name, **payload}
        body = self._ctx.request(req)
        if op in self._ctx.replayable:
            self._ctx.calls.append(Call(name, (), {}, body["value"], request=req,
                                        operations=self._ctx.replayable[op]))
        return body

    def try_request(self, op: str, name: str, **payload: Any) -> dict | None:
        """``request`` for an optional operation (e.g. one that only adds to the feedback): see
        ``Context.try_request``."""
        return self._ctx.try_request({"op": op, "name": name, **payload})

    def try_request_once(self, key: tuple, op: str, name: str, **payload: Any) -> dict | None:
        """``try_request``, sent once per exercise for ``key``: one that hangs costs its time-out once."""
        if key not in self._ctx.optional:
            self._ctx.optional[key] = self.try_request(op, name, **payload)
        return self._ctx.optional[key]

    def explain_failures(self, explain: Callable[[Any], list[str]]) -> None:
        """Lines to add to this example's failure, if it fails: ``explain(reference module)``, worked out once,
        for the failure that is reported (not at every step of hypothesis's search)."""
        self._ctx.explain = explain

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._ctx.call(name, args, kwargs, self._return_args)

        return call
