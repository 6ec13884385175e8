"""The user-namespaces level as a real unprivileged user enters it: not root, its own uid, in the order the
sandbox uses for such a user (the user namespace first, then the filesystem built inside it).

As root, the sandbox tests that level with root's order (tests/security/test_attacks.py); here a process
running as ``nobody`` applies it to itself with the system's Python and reports what it can see and reach.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from convgrade.sandbox import ISOLATION_ENV
from harness import PROBE_HELPERS, ROOT, port  # noqa: F401

ISOLATION_PY = ROOT / "src" / "convgrade" / "sandbox" / "isolation.py"
NOBODY = 65534

SCRIPT = PROBE_HELPERS + r'''
import importlib.util, json, sys

spec = importlib.util.spec_from_file_location("isolation", sys.argv[1])
isolation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(isolation)
cfg, secret, port, outside = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
levels = isolation.levels()
if "user-namespaces" not in levels:
    print(json.dumps({"levels": levels}))
    sys.exit(0)
isolation.apply(cfg)
os.chdir(cfg["cwd"])


def signal_outside():
    try:
        os.kill(outside, 0)
        return True
    except OSError:
        return False


status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
print(json.dumps({
    "levels": levels, "uid": os.getuid(), "euid": os.geteuid(), "pid": os.getpid(),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "capabilities": [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")],
    "no_new_privs": status["NoNewPrivs"].strip(), "network": reachable(port), "signal_outside": signal_outside(),
    "visible": [p for p in secret if os.path.lexists(p)], "submission": sorted(os.listdir(cfg["root"])),
    "writable": [p for p in ("/usr/x", "/x", cfg["root"] + "/x", cfg["cwd"] + "/x", "/tmp/x") if writable(p)],
}), flush=True)
os._exit(7)
'''


def _python_for_nobody() -> str | None:
    """A Python that ``nobody`` can run (this one may live under /root); None without one or without setpriv."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    for python in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.exists(python) and subprocess.run(_as_nobody(python, "-I", "-c", "pass"),
                                                      capture_output=True).returncode == 0:
            return python
    return None


def _as_nobody(*command: str) -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


@pytest.fixture
def place():
    """A folder nobody can reach, unlike pytest's own (mode 0700 under root's)."""
    folder = Path(tempfile.mkdtemp(prefix="convgrade-nobody-", dir="/tmp"))  # not $TMPDIR: it may be root's own
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_unprivileged_user_gets_the_user_namespaces_level(place, port):
    python = _python_for_nobody()
    if python is None:
        pytest.skip("needs root (to become nobody), setpriv, and a Python that nobody can run")
    (place / "submission" / "week1").mkdir(parents=True)
    (place / "submission" / "week1" / "padding.py").write_text("X = 1\n")
    (place / "scratch").mkdir()
    os.chown(place / "scratch", NOBODY, NOBODY)
    (place / "root").mkdir()
    (place / "secret.txt").write_text("the answers\n")  # readable by nobody on the host, so hidden only by the level
    shutil.copy(ISOLATION_PY, place / "isolation.py")
    cfg = {"isolation": "user-namespaces", "root": str(place / "submission"), "cwd": str(place / "scratch"),
           "newroot": str(place / "root"), "uid": NOBODY, "nproc": 16, "limits": {"RLIMIT_AS": 1 << 30}}
    secret = [str(place / "secret.txt"), str(place / "isolation.py"), str(ROOT), "/root", str(ISOLATION_PY)]
    sleeper = subprocess.Popen(_as_nobody("sleep", "60"))  # a process of the same uid outside the sandbox
    try:
        done = subprocess.run(_as_nobody(python, "-I", "-c", SCRIPT, str(place / "isolation.py"), json.dumps(cfg),
                                         json.dumps(secret), str(port), str(sleeper.pid)),
                              capture_output=True, text=True, timeout=60, cwd=place)
    finally:
        sleeper.kill()
        sleeper.wait()
    facts = json.loads(done.stdout.splitlines()[-1]) if done.stdout.strip() else {}
    if facts.get("levels") and "user-namespaces" not in facts["levels"]:
        pytest.skip(f"this machine does not allow unprivileged user namespaces (levels: {facts['levels']})")
    assert done.returncode == 7, done.stderr  # the worker's exit status, passed on by the process outside
    assert facts["levels"] == ["user-namespaces", "process", "portable"]
    assert (facts["uid"], facts["euid"]) == (NOBODY, NOBODY)
    assert facts["capabilities"] == ["0000000000000000"] * 4 and facts["no_new_privs"] == "1"
    assert facts["pids"] == [facts["pid"]] and facts["signal_outside"] is False
    assert facts["network"] is False
    assert facts["visible"] == []
    assert facts["submission"] == ["week1"]
    assert facts["writable"] == [cfg["cwd"] + "/x", "/tmp/x"]


def test_an_unprivileged_user_asking_for_namespaces_is_refused_before_grading():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (to become nobody) and setpriv")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": "/tmp", ISOLATION_ENV: "namespaces"}
    if subprocess.run(_as_nobody(sys.executable, "-c", "import convgrade.cli"), env=env, cwd="/").returncode != 0:
        pytest.skip("nobody cannot run this Python with the graders (e.g. a checkout under /root)")
    done = subprocess.run(_as_nobody(sys.executable, "-m", "convgrade.cli", "--course", str(ROOT), "grade",
                                     str(ROOT / "reference"), "--only", "week1.padding", "--json", "-"),
                          env=env, cwd="/", capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"course: {ISOLATION_ENV}=namespaces: this machine cannot provide that level: it "
                                  f"needs root (this process runs as uid {NOBODY}; for any other user there is "
                                  "user-namespaces); available here: ")
