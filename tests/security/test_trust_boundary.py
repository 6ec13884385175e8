"""The trust boundary as a whole: what the worker can see and reach, regrading, parallel grading, the CLI's
stdout, and the grader's side of the wire (strict decoding, no pickle, no eval)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from convgrade.runner import grade
from convgrade.sandbox import ISOLATION_ENV, UID_BASE, UID_RANGE, Limits, Sandbox, codec, worker_env
from harness import ISOLATION, LEVELS, PROBE_HELPERS, ROOT, attack_course, load_corpus, port, reference_submission  # noqa: F401

STRONG = [pytest.param(level, marks=pytest.mark.skipif(level not in LEVELS, reason=(
    f"{level} is not available here (namespaces needs Linux and root, user-namespaces unprivileged user "
    "namespaces); the weaker levels cannot hide the course or the network from the worker")))
    for level in ("namespaces", "user-namespaces")]
COURSE_BIN = Path(sys.executable).with_name("course")

PROBE = PROBE_HELPERS + '''
import resource


def facts(port, paths):
    return {
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "own_session": os.getsid(0) == os.getpid(), "own_group": os.getpgrp() == os.getpid(),
        "network": reachable(port), "interfaces": sorted(name for _, name in socket.if_nameindex()),
        "visible": [p for p in paths if os.path.lexists(p)],
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "pid": os.getpid(),
        "writable": [p for p in ("/usr/x", "/etc/x", "/x", __file__, os.getcwd() + "/x", "/tmp/x") if writable(p)],
        "limits": {name: resource.getrlimit(getattr(resource, name))[0]
                   for name in ("RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_CORE")},
        "env": sorted(os.environ),
    }
'''


def test_the_report_names_the_strongest_isolation_this_machine_allows(tmp_path):
    (tmp_path / "week1").mkdir()
    with Sandbox(tmp_path) as sb:
        assert sb.isolation == ISOLATION
    if ISOLATION == "process":
        pytest.skip("neither root nor user namespaces here: 'process' is the strongest level")


@pytest.mark.parametrize("level", STRONG)
def test_the_worker_sees_and_reaches_only_what_it_needs(level, attack_course, tmp_path, port, monkeypatch):
    monkeypatch.setenv(ISOLATION_ENV, level)
    probe = reference_submission(tmp_path / "probe")
    (probe / "week1" / "probe.py").write_text(PROBE)
    other = reference_submission(tmp_path / "other")
    (tmp_path / "out").mkdir()
    limits = Limits(memory=1 << 30)
    with Sandbox(other, limits) as neighbour, Sandbox(probe, limits, hide=(attack_course.root,)) as sb:
        neighbour.call("week1.padding", "same_padding", [3], timeout=5)  # a second worker, running beside
        secret = [str(p) for p in (attack_course.root / "course.toml", attack_course.root, ROOT / "reference",
                                   ROOT / "graders", ROOT / "course.toml", probe, other, tmp_path / "out",
                                   neighbour.root, neighbour.scratch, neighbour.output_path, sb.output_path,
                                   sb.root.parent / "root", COURSE_BIN, Path(sys.executable).resolve())]
        facts = sb.call("week1.probe", "facts", [port, secret], timeout=10).value
    assert sb.isolation == level
    if os.geteuid() == 0:  # a uid of its own; any other user's worker keeps the user's uid
        assert UID_BASE <= facts["uid"] < UID_BASE + UID_RANGE and facts["gid"] == facts["uid"] and facts["groups"] == []
    assert facts["own_session"] and facts["own_group"]
    assert (facts["network"], facts["interfaces"]) == (False, ["lo"])
    assert facts["visible"] == []
    assert facts["pids"] == [facts["pid"]]  # /proc shows no other process, the grader's included
    assert facts["writable"] == [str(sb.scratch / "x"), "/tmp/x"]
    nproc = facts["limits"].pop("RLIMIT_NPROC")
    assert nproc == limits.nproc if os.geteuid() == 0 else limits.nproc < nproc < 10 * limits.nproc
    assert facts["limits"] == {"RLIMIT_AS": 1 << 30, "RLIMIT_FSIZE": limits.file_size, "RLIMIT_CORE": 0}
    assert facts["env"] == sorted(worker_env("/"))


def _wrong_submission(folder: Path) -> Path:
    """conv_output_size ends the process for a stride above 1, same_padding rounds the wrong way."""
    return reference_submission(folder, '''
def conv_output_size(n, f, pad=0, stride=1):
    import os
    if stride > 1:
        print("about to leave", flush=True)
        os._exit(3)
    return n + 2 * pad - f + 1


def same_padding(f):
    if f % 2 == 0:
        raise ValueError(f"f={f} is even")
    return (f + 1) // 2
''')


@pytest.mark.parametrize("level", ["auto", *STRONG[1:]])  # the strongest level here, and user-namespaces as well
def test_regrading_ten_times_gives_byte_identical_reports(level, attack_course, tmp_path, monkeypatch):
    monkeypatch.setenv(ISOLATION_ENV, level)
    sub = _wrong_submission(tmp_path / "sub")
    reports = {json.dumps(grade(attack_course, sub, ["week1.padding"]).to_json(), indent=2) for _ in range(10)}
    assert len(reports) == 1
    (report,) = reports
    zero_pad, conv_output_size, same_padding = json.loads(report)["exercises"]
    assert (zero_pad["status"], conv_output_size["status"], same_padding["status"]) == ("passed", "error", "partial")
    assert "your code ended the process (exit status 3)" in report and "about to leave" in report


A_SOURCE = '''
import os, time
TOKEN = "TOKEN"
for _folder in (os.getcwd(), os.environ.get("HOME", "/"), "/tmp", "/dev/shm"):
    try:
        with open(os.path.join(_folder, "TOKEN.txt"), "w") as _f:
            _f.write(TOKEN)
    except OSError:
        pass
time.sleep(0.8)  # alive while B searches
'''

B_SOURCE = '''
import glob, os, signal, time
with open("/tmp/TOKEN-own.txt", "w") as _f:  # B's own file: the search must find this one, and only it
    _f.write("B")

def _search():
    found = set()
    roots = ["/tmp", "/dev/shm", os.getcwd(), "/proc", *glob.glob("/tmp/convgrade-*")]
    for root in roots:
        for folder, dirs, files in os.walk(root):
            if folder.startswith("/proc/") and folder.count("/") > 2:
                dirs[:] = []
            for name in files + dirs:
                path = os.path.join(folder, name)
                if "TOKEN" in name:
                    found.add(path)
                if name in ("cwd", "root", "environ", "cmdline") and folder.startswith("/proc/"):
                    try:
                        text = (os.readlink(path) if name in ("cwd", "root")
                                else open(path, "rb").read().decode(errors="replace"))
                    except OSError:
                        continue
                    if "TOKEN" in text:
                        found.add(path)
    return sorted(found)

_found = []

def zero_pad(X, pad):
    if not _found:  # search for a while on the first call only, then report what was found
        found, end = set(), time.monotonic() + 1.2
        while time.monotonic() < end:
            found.update(_search())
            time.sleep(0.1)
        _found.append(sorted(found))
    raise RuntimeError(f"found {_found[0]}")

def conv_output_size(n, f, pad=0, stride=1):
    try:
        os.kill(-1, signal.SIGKILL)  # every process this uid may signal
    except ProcessLookupError:  # none at all (user-namespaces: alone in its PID namespace)
        pass
    return int((n + 2 * pad - f) // stride + 1)
'''


def _cli(course_root: Path, sub: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([str(COURSE_BIN), "--course", str(course_root), "grade", str(sub), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.parametrize("level", STRONG)
def test_two_submissions_graded_in_parallel_neither_see_nor_affect_each_other(level, attack_course, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv(ISOLATION_ENV, level)
    token = f"secret{os.getpid()}x{time.monotonic_ns()}"
    subs = {name: reference_submission(tmp_path / name, extra.replace("TOKEN", token))
            for name, extra in (("a", A_SOURCE), ("b", B_SOURCE))}
    alone = grade(attack_course, subs["a"], ["week1.padding"]).to_json()
    with ThreadPoolExecutor(2) as pool:  # one grading process, one zygote, two sandboxes at once
        futures = {name: pool.submit(grade, attack_course, sub, ["week1.padding"]) for name, sub in subs.items()}
        out = {name: f.result(timeout=60).to_json() for name, f in futures.items()}
    assert out["a"] == alone and out["a"]["score"] == out["a"]["max_score"]
    b = {e["id"]: e for e in out["b"]["exercises"]}
    found = f"raised RuntimeError: found ['/tmp/{token}-own.txt']"
    assert found in b["week1.padding.zero_pad"]["checks"][0]["feedback"]
    assert b["week1.padding.conv_output_size"]["status"] == "passed"  # its kill(-1) reached no one
    for folder in ("/tmp", "/dev/shm"):
        assert not os.path.exists(os.path.join(folder, f"{token}.txt"))


def test_the_json_on_stdout_is_the_report_alone(attack_course, tmp_path, monkeypatch):
    """The worker prints a fake report at import and in calls (and floods, in another exercise): the JSON on
    the CLI's stdout is still exactly the report, the same as grading in-process gives. At the strongest level
    here: at the portable level on Linux the worker, the grader's child under the same user, can write to the
    grader's stdout through /proc (see docs/portable.md)."""
    monkeypatch.setenv(ISOLATION_ENV, LEVELS[0])  # for the CLI (the environment it inherits) and in-process
    fake = next(a for a in load_corpus() if a.name == "fake_json_report")
    sub = reference_submission(tmp_path / "sub", fake.source + '''

def same_padding(f):
    for _ in range(40_000):
        print("flood " * 100)
''')
    proc = _cli(attack_course.root, sub, "--only", "week1.padding", "--json", "-")
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    expected = grade(attack_course, sub, ["week1.padding"]).to_json()
    report = json.loads(stdout)  # the whole of stdout is one JSON document
    assert {key: report[key] for key in expected} == expected
    statuses = [(e["status"], e["score"]) for e in expected["exercises"]]
    assert statuses == [("failed", 0.0), ("passed", 2.0), ("error", 0.0)]
    assert "output limit of 16 MiB exceeded" in expected["exercises"][2]["feedback"]


# -- the grader's side of the wire ---------------------------------------------------------------------
def _frame(header: dict, blob: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(4, "little") + text + blob


@pytest.mark.parametrize("frame", [
    _frame({"body": {"$array": 0}, "arrays": [{"dtype": "<f8", "shape": [0, 1 << 62, 1 << 62]}]}),
    _frame({"body": {"$array": 0}, "arrays": [{"dtype": "<f8", "shape": [-1]}]}),
    _frame({"body": {"$array": 0}, "arrays": [{"dtype": "<f8", "shape": [2.0]}]}),
    _frame({"body": {"$array": 0}, "arrays": [{"dtype": "|O", "shape": [1]}]}, b"\0" * 8),
    _frame({"body": {"$array": 0}, "arrays": [{"dtype": [["a", "<f8"]], "shape": [1]}]}, b"\0" * 8),
    _frame({"body": {"$scalar": 0}, "arrays": [{"dtype": "<f8", "shape": [2]}]}, b"\0" * 16),
    _frame({"body": "x" * (codec.MAX_STRING + 1), "arrays": []}),
    _frame({"body": 1 << 300, "arrays": []}),
    _frame({"body": {"$dict": [[1, 2]]}, "arrays": []}),
    _frame({"body": {"$pickle": "gASVAAAAAAAAAAB9lC4="}, "arrays": []}),
    _frame({"body": {"$object": "x", "extra": 1}, "arrays": []}),
    _frame({"body": 1, "arrays": [], "more": 1}),
    b"\xff\xff\xff\x7f" + b"{}",
    (lambda h: len(h).to_bytes(4, "little") + h)(b'{"body": ' + b"[" * 100_000 + b"]" * 100_000 + b', "arrays": []}'),
    (lambda h: len(h).to_bytes(4, "little") + h)(b'{"body": "\xff\xfe", "arrays": []}'),
])
def test_the_decoder_rejects_malformed_frames(frame):
    with pytest.raises(codec.CodecError):
        codec.decode(frame)


def test_any_corrupted_frame_is_decoded_or_rejected_never_crashes():
    good = codec.encode({"status": "ok", "value": (np.arange(6.0).reshape(2, 3), [1, "a", None], np.int64(3))})
    payload = bytearray(good[codec.PREFIX_SIZE:])
    for i in range(len(payload)):
        for bits in (0x01, 0x80, 0xff):
            bad = bytearray(payload)
            bad[i] ^= bits
            try:
                codec.decode(bytes(bad))
            except codec.CodecError:
                pass


def test_the_grader_side_never_unpickles_or_evaluates():
    files = [*(ROOT / "src" / "convgrade" / "sandbox").glob("*.py"), ROOT / "src" / "convgrade" / "student.py"]
    sources = {p.name: p.read_text() for p in files}
    for name, text in sources.items():
        assert not re.search(r"import pickle|pickle\.load|allow_pickle\s*=\s*True|(?<![\w.])eval\(|marshal", text), name
    grader_side = {k: v for k, v in sources.items() if k not in ("zygote.py", "worker.py")}
    for name, text in grader_side.items():
        assert "exec(" not in text, name
