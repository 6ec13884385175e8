"""The sandbox: student code runs in a worker that cannot import the graders, and a crash, hang or exit
costs only that call; the worker is restarted for the next one. Data crosses only through the codec."""
from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from convgrade.sandbox import CallTimeout, Limits, Sandbox, WorkerDied, codec
from convgrade.sandbox.isolation import close_fds_except

SOURCE = '''
import os, sys, time
import numpy as np

def echo(*args, **kwargs):
    return args, kwargs

def chatty(x):
    print("hello from the student")
    return x

def exits():
    sys.exit(3)

def hard_exit():
    os._exit(4)

def hangs():
    while True:
        pass

def sleeps():
    time.sleep(60)

def raises():
    return {}["missing"]

def steal():
    import convgrade
    return "imported"

def steal_reference():
    import reference
    return "imported"

def big():
    return np.zeros(10_000_000)

def segfault():
    import ctypes
    ctypes.string_at(0)

def mutate(x):
    x[...] = 0
    return None

def opaque():
    return object()

def stop_soon():
    import signal, threading
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGSTOP)).start()
'''


@pytest.fixture
def sandbox(tmp_path):
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "t.py").write_text(SOURCE)
    with Sandbox(tmp_path, Limits(reply=16 << 20)) as sb:
        yield sb


def call(sb, name, *args, timeout=5.0, **kwargs):
    return sb.call("week1.t", name, list(args), kwargs, timeout=timeout)


def test_values_round_trip_as_plain_data(sandbox):
    a = np.arange(6.0).reshape(2, 3)
    reply = call(sandbox, "echo", a, (1, 2.5), {"pad": 1, "stride": 2}, "s", None, True, k=np.int64(7))
    (args, kwargs) = reply.value
    assert np.array_equal(args[0], a) and args[0].dtype == np.float64
    assert args[1:] == ((1, 2.5), {"pad": 1, "stride": 2}, "s", None, True)
    assert list(args[2]) == ["pad", "stride"] and type(kwargs["k"]) is np.int64


def test_output_is_captured_per_call(sandbox):
    assert call(sandbox, "chatty", 1).output == "hello from the student\n"
    assert call(sandbox, "echo").output == ""


@pytest.mark.parametrize("name,message", [
    ("exits", None), ("hard_exit", "your code ended the process (exit status 4)"),
    ("segfault", "your code crashed the process (segmentation fault)"),
])
def test_exits_and_crashes_cost_one_call(sandbox, name, message):
    first = sandbox.pid
    call(sandbox, "echo")
    if message is None:  # sys.exit is an exception like any other: the worker survives it
        assert call(sandbox, name).body["type"] == "SystemExit"
        return
    with pytest.raises(WorkerDied, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(sandbox, name)
    assert call(sandbox, "echo", 1).value == ((1,), {})  # a fresh worker
    assert sandbox.pid != first


@pytest.mark.parametrize("name", ["hangs", "sleeps"])
def test_a_hang_times_out(sandbox, name):
    with pytest.raises(CallTimeout):
        call(sandbox, name, timeout=0.5)
    assert call(sandbox, "echo", 2).value == ((2,), {})


def test_a_worker_that_stops_reading_cannot_block_the_grader(sandbox):
    call(sandbox, "stop_soon")
    time.sleep(0.5)
    start = time.monotonic()
    with pytest.raises(CallTimeout):
        call(sandbox, "echo", np.zeros(1 << 20), timeout=1.0)  # 8 MB: more than the socket buffers hold
    assert time.monotonic() - start < 2
    assert call(sandbox, "echo", 3).value == ((3,), {})


def test_the_cpu_limit_ends_the_worker_with_a_clear_message(tmp_path):
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "t.py").write_text(SOURCE)
    with Sandbox(tmp_path, Limits(cpu=1)) as sb, pytest.raises(WorkerDied, match="CPU time limit of 1 s exceeded"):
        call(sb, "hangs", timeout=10)


def test_exceptions_come_back_with_a_trimmed_traceback(sandbox):
    reply = call(sandbox, "raises")
    assert (reply.status, reply.body["type"], reply.body["message"]) == ("raised", "KeyError", "'missing'")
    assert reply.body["traceback"].startswith('  File "week1/t.py", line 26, in raises')
    assert "graders" not in reply.body["traceback"] and "worker.py" not in reply.body["traceback"]


@pytest.mark.parametrize("name", ["steal", "steal_reference"])
def test_the_worker_cannot_import_the_graders_or_the_reference(sandbox, name):
    reply = call(sandbox, name)
    assert (reply.status, reply.body["type"]) == ("raised", "ModuleNotFoundError")


def test_an_oversized_reply_is_refused_before_it_is_sent(sandbox):
    reply = call(sandbox, "big")
    assert (reply.status, reply.body["size"], reply.body["limit"]) == ("too_large", 80_000_000, 16 << 20)


def test_objects_never_cross(sandbox):
    assert call(sandbox, "opaque").value == codec.Opaque("object")


def test_missing_module_and_name(sandbox):
    assert call(sandbox, "nope").body == {"status": "missing", "name": "nope", "file": "week1/t.py"}
    assert sandbox.call("week1.none", "f", [], {}, timeout=5).body == {"status": "missing", "file": "week1/none.py"}


def test_syntax_errors_name_the_file_and_line(tmp_path):
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "bad.py").write_text("def f(:\n    pass\n")
    with Sandbox(tmp_path) as sb:
        body = sb.call("week1.bad", "f", [], {}, timeout=5).body
    assert (body["status"], body["file"], body["line"]) == ("syntax", "week1/bad.py", 1)


def test_return_args_shows_mutation(sandbox):
    x = np.ones(3)
    reply = sandbox.call("week1.t", "mutate", [x], {}, timeout=5, return_args=True)
    assert np.array_equal(reply.body["args"][0], np.zeros(3)) and np.array_equal(x, np.ones(3))


@pytest.mark.parametrize("frame", [
    b"", b"\x05\x00\x00\x00{}", b"\x02\x00\x00\x00{}", b"\x0b\x00\x00\x00{\"body\": 1}",
    b'\x1f\x00\x00\x00{"body":1,"arrays":[{"dtype":"|O","shape":[1]}]}',
    b'\x22\x00\x00\x00{"body":1,"arrays":[{"dtype":"<f8","shape":[100]}]}' + b"\0" * 8,
    b'\x0f\x00\x00\x00{"body":{"$x":1},"arrays":[]}', b'\x1e\x00\x00\x00{"body":{"$array":3},"arrays":[]}',
])
def test_the_decoder_rejects_malformed_frames(frame):
    with pytest.raises(codec.CodecError):
        codec.decode(frame)


def test_codec_round_trip():
    value = {"a": (np.arange(4, dtype=np.int32), [1.5, None, "x"]), "b": np.float64(2.0), "c": np.zeros((0, 3))}
    frame = codec.encode(value)
    back = codec.decode(frame[codec.PREFIX_SIZE:])
    assert back["a"][1] == [1.5, None, "x"] and type(back["b"]) is np.float64 and back["c"].shape == (0, 3)
    assert np.array_equal(back["a"][0], value["a"][0]) and back["a"][0].dtype == np.int32



def test_close_fds_except_keeps_exactly_the_given_descriptors():
    """Including 0 and a neighbour of it: closerange(n, n) would close everything from n up."""
    read, write = os.pipe()
    extra = os.dup(write)
    pid = os.fork()
    if pid == 0:
        try:
            close_fds_except({0, write})
            left = [int(n) for n in os.listdir("/proc/self/fd")]  # one of them is listdir's own
            os.write(write, json.dumps(left).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.close(extra)
    os.waitpid(pid, 0)
    left = json.loads(os.read(read, 1000))
    os.close(read)
    assert 0 in left and write in left and len(left) == 3  # the third: listdir's, at the lowest free number (1)
    assert not {2, read, extra} & set(left)


def test_a_worker_inside_exit_counts_as_dead_however_long_its_exit_takes():
    """A worker's connection breaks when the kernel closes its files inside exit(); tearing down its namespaces
    after that can take seconds under load. Its flags (PF_EXITING) say it is dying from the first look, so the
    feedback says how it ended (exit status, signal), never that it "closed the worker's connection"."""
    from convgrade.sandbox import PF_EXITING, dying

    line = "{pid} (python3) {state} 1 1 1 0 -1 {flags} 0 0 0 0 3 1 0 0 20 0 1 0 100 0 0".format
    assert not dying(line(pid=7, state="R", flags=0x400040).encode())
    assert dying(line(pid=7, state="R", flags=0x400040 | PF_EXITING).encode())
    assert dying(line(pid=7, state="Z", flags=0).encode())
    assert not dying(open(f"/proc/{os.getpid()}/stat", "rb").read())  # this process, running
    child = os.fork()
    if child == 0:
        os._exit(3)
    deadline = time.monotonic() + 10
    while not dying(open(f"/proc/{child}/stat", "rb").read()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dying(open(f"/proc/{child}/stat", "rb").read())  # a zombie until reaped
    os.waitpid(child, 0)


def _prestarted():
    """The sandbox module, with this process's fork server just prestarted (none configured yet), and its process."""
    from convgrade import sandbox as sb

    if sb.resolve() == "portable":
        pytest.skip("no fork server at the portable level")
    sb.close_zygotes()  # prestart starts one only in a process that has none yet
    sb.prestart()
    [(_, (proc, _), _)] = sb._spare
    return sb, proc


def test_a_prestarted_fork_server_is_the_one_the_first_sandbox_uses(tmp_path):
    sb, proc = _prestarted()
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "t.py").write_text(SOURCE)
    with Sandbox(tmp_path, preload=("numpy", "json")) as box:  # configured now: preloads json as well
        assert box.zygote.proc.pid == proc.pid and not sb._spare
        assert call(box, "echo", 1).value == ((1,), {})
    sb.prestart()  # this process has a fork server now: no second one
    assert not sb._spare


def test_a_prestarted_fork_server_no_grade_needed_ends_with_the_process(tmp_path):
    sb, proc = _prestarted()
    sb.close_zygotes()  # as at exit
    assert proc.poll() == 0 and not sb._spare


def _maps(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as f:
        return f.read()


def _warmed_spare():
    """The sandbox module, and this process's prestarted fork server, told to import ``decimal`` ahead of its
    configuration."""
    sb, proc = _prestarted()
    sb.warm(("decimal",))
    return sb, proc


def test_a_warmed_fork_server_imports_ahead_of_its_configuration(tmp_path):
    """``warm`` has the prestarted fork server import a module before it is configured (here ``decimal``, whose C
    part shows in its memory map); the first sandbox asking for that preload uses it."""
    sb, proc = _warmed_spare()
    deadline = time.monotonic() + 30
    while "_decimal" not in _maps(proc.pid):  # not configured yet: no sandbox asked for it
        assert time.monotonic() < deadline, "the fork server did not import the module it was told to warm"
        time.sleep(0.05)
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "t.py").write_text(SOURCE)
    with Sandbox(tmp_path, preload=("numpy", "decimal")) as box:
        assert box.zygote.proc.pid == proc.pid and not sb._spare
        assert call(box, "echo", 1).value == ((1,), {})


def test_a_fork_server_warmed_with_a_module_the_checks_do_not_preload_is_not_used(tmp_path):
    """A hint that turns out wrong (a module the configuration leaves out) costs the warmed fork server, never a
    worker that finds a module its exercise did not ask for."""
    sb, proc = _warmed_spare()
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "t.py").write_text(SOURCE + "\n\ndef loaded(name):\n    import sys\n    return name in sys.modules\n")
    with Sandbox(tmp_path, preload=("numpy",)) as box:
        assert box.zygote.proc.pid != proc.pid and not sb._spare
        assert call(box, "loaded", "_decimal").value is False
    assert proc.wait(timeout=10) == 0


def _operations_file(tmp_path) -> tuple[str, object]:
    """A worker operations file whose warm-up leaves a line in a log, and that log."""
    log = tmp_path / "warmed.log"
    ops = tmp_path / "ops" / "twice.py"
    ops.parent.mkdir()
    ops.write_text(f"def warm_up():\n    with open({str(log)!r}, 'a') as f:\n        f.write('warm\\n')\n\n\n"
                   "def op_twice(fn, req):\n    return fn(*req['args']) * 2\n")
    return str(ops.resolve()), log


def _spare_warmed_with_operations(tmp_path):
    """This process's prestarted fork server, told to read an operations file ahead of its configuration, once it
    has (its warm-up logged a line); and a submission to give a sandbox."""
    sb, proc = _prestarted()
    ops, log = _operations_file(tmp_path)
    sb.warm((), (ops,))
    deadline = time.monotonic() + 30
    while not log.exists() or log.read_text() != "warm\n":  # before any sandbox asked for it
        assert time.monotonic() < deadline, "the fork server did not read the operations it was told to warm"
        time.sleep(0.05)
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "t.py").write_text(SOURCE)
    return sb, ops, log, proc


def test_a_fork_server_warmed_with_operations_reads_them_once_ahead_of_its_configuration(tmp_path):
    sb, ops, log, proc = _spare_warmed_with_operations(tmp_path)
    with Sandbox(tmp_path, preload=("numpy",), operations=(ops,)) as box:
        assert box.zygote.proc.pid == proc.pid and not sb._spare
        reply = box.request({"op": "twice", "module": "week1.t", "name": "echo", "args": [3]}, 5.0)
        assert reply.value == ((3,), {}, (3,), {})  # echo's (args, kwargs), twice
    assert log.read_text() == "warm\n"  # configured with it: not read again


def test_a_fork_server_warmed_with_operations_the_checks_do_not_use_is_not_used(tmp_path):
    sb, ops, log, proc = _spare_warmed_with_operations(tmp_path)
    with Sandbox(tmp_path, preload=("numpy",)) as box:
        assert box.zygote.proc.pid != proc.pid and not sb._spare
        reply = box.request({"op": "twice", "module": "week1.t", "name": "echo", "args": [3]}, 5.0)
        assert reply.status == "raised" and "unknown operation 'twice'" in reply.body["message"]
    assert proc.wait(timeout=10) == 0
