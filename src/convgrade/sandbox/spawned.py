"""A worker of the ``portable`` level: started fresh per exercise as ``python -I -S -X utf8 spawned.py``.

It reads its configuration from stdin (a little-endian u64 length, then JSON), keeps stdin and stdout as the
channel to the grader (codec frames both ways, as a forked worker's socket carries), sends its own stdout and
stderr to the output file the grader gave it as stderr, sets the resource limits the system offers, loads the
codec, worker and operation files by path and the preload modules, says what it entered, and serves the student's
calls. Nothing from ``convgrade`` or the course is importable here. Exit status 70: the worker's own code failed.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import struct
import sys

WORKER_BROKE = 70


class Pipes:
    """The worker's channel to the grader: what ``Worker`` needs of a socket, over two pipe descriptors."""

    def __init__(self, incoming: int, outgoing: int) -> None:
        self.incoming, self.outgoing = incoming, outgoing

    def recv_into(self, view: memoryview) -> int:
        data = os.read(self.incoming, len(view))
        view[: len(data)] = data
        return len(data)

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.outgoing, view):]


def read_exactly(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError("the grader closed the channel before sending the configuration")
        data += chunk
    return data


def set_limits(limits: dict[str, int]) -> dict[str, list[int]]:
    """Set the limits the system offers (none without ``resource``, i.e. on Windows); those that hold now."""
    try:
        import resource
    except ImportError:
        return {}
    held = {}
    for name, value in limits.items():
        key = getattr(resource, name, None)
        if key is None:
            continue
        try:  # the CPU limit's soft side sends SIGXCPU (a clear message); at the hard side, a second later, SIGKILL
            resource.setrlimit(key, (value, value + (name == "RLIMIT_CPU")))
        except (ValueError, OSError):  # e.g. macOS refuses some address-space limits: then memory is unlimited
            continue
        held[name] = list(resource.getrlimit(key))
    return held


def main() -> None:
    incoming, outgoing = os.dup(0), os.dup(1)  # not inherited by a program the student starts
    cfg = json.loads(read_exactly(incoming, struct.unpack("<Q", read_exactly(incoming, 8))[0]))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)  # the student's prints go to the output file, never into the channel
    os.close(null)
    # the standard library as `python -I -S` found it (on Windows with its DLLs folder: _socket, _ctypes, which
    # the grader's list, read from sysconfig, lacks), then the grader's list (site-packages for numpy, torch)
    own = [p for p in sys.path if p]
    sys.path[:] = own + [p for p in cfg["sys_path"] if p not in own]
    sys.dont_write_bytecode = True
    here = cfg["here"]
    spec = importlib.util.spec_from_file_location("_convgrade_zygote", os.path.join(here, "zygote.py"))
    zygote = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zygote)
    codec = zygote.load("_convgrade_codec", os.path.join(here, "codec.py"))
    worker = zygote.load("_convgrade_worker", os.path.join(here, "worker.py"))
    for name in cfg["preload"]:
        importlib.import_module(name)
    operations = zygote.load_operations(cfg["operations"])
    chan = Pipes(incoming, outgoing)
    facts = {"level": "portable", "limits": set_limits(cfg["limits"])}
    sys.meta_path.insert(0, worker.Blocker())
    sys.path.insert(0, cfg["root"])
    chan.sendall(codec.encode({"status": "entered", "facts": facts}))  # before any student code
    worker.Worker(chan, cfg["root"], codec, operations, cfg["reply"]).serve()


if __name__ == "__main__":
    code = WORKER_BROKE
    try:
        main()
        code = 0
    except BaseException as exc:  # noqa: BLE001 - say what broke in the output file (print may be patched)
        try:
            os.write(2, f"\nthe worker failed: {type(exc).__name__}: {exc}\n".encode(errors="replace")[:2000])
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)
