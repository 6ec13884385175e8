"""The isolation level: asked for by CONVGRADE_ISOLATION, refused when unknown or unavailable here (exit 2,
before anything is graded, never a weaker level), and named in a report only as the workers proved it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import write_submission
from convgrade import cli, notebook
from convgrade.runner import grade
from convgrade.sandbox import ISOLATION_ENV, IsolationError, Limits, Sandbox, Zygote, isolation, levels, portable
from harness import ISOLATION, LEVELS, ROOT, attack_course, reference_submission  # noqa: F401

ONE = ["week1.padding.same_padding"]
UNKNOWN = ("CONVGRADE_ISOLATION=banana: no such isolation level; the levels are namespaces, user-namespaces, "
           "process, portable (strongest first), or unset it for the strongest this machine provides")

PROBE = '''
import os, resource


def facts():
    """What this worker is in, read by the student's code itself (not by the worker's report)."""
    status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
    return {"namespaces": {n: os.readlink("/proc/self/ns/" + n) for n in ("mnt", "net", "ipc", "uts", "pid", "user")},
            "ids": [int(i) for i in status["Uid"].split()[:3] + status["Gid"].split()[:3]], "groups": os.getgroups(),
            "capabilities": [int(status[k], 16) for k in ("CapEff", "CapPrm", "CapInh")],
            "no_new_privs": int(status["NoNewPrivs"]),
            "limits": {n: list(resource.getrlimit(getattr(resource, n))) for n in ("RLIMIT_AS", "RLIMIT_FSIZE")}}
'''


def without(level: str):
    """``isolation.missing`` on a machine that lacks ``level``."""
    real = isolation.missing
    return lambda asked: "a capability this test took away" if asked == level else real(asked)


@pytest.mark.parametrize(("asked", "meant"), [("banana", None), ("none", None), ("namespace", "namespaces"),
                                              ("Process", "process"), (" process", "process")])
def test_an_unknown_level_is_refused_with_the_levels(asked, meant, monkeypatch):
    monkeypatch.setenv(ISOLATION_ENV, asked)
    with pytest.raises(IsolationError) as raised:
        levels.resolve()
    guess = f" (did you mean {meant}?)" if meant else ""
    assert str(raised.value) == UNKNOWN.replace("=banana: no such isolation level",
                                                f"={asked}: no such isolation level{guess}")


@pytest.mark.parametrize("asked", [None, "", "auto"])
def test_without_a_level_the_strongest_here_is_chosen(asked, monkeypatch):
    forced = os.environ.get(ISOLATION_ENV, "")  # the suite's own level: `make test-portable` forces one
    if asked is None:
        monkeypatch.delenv(ISOLATION_ENV, raising=False)
    else:
        monkeypatch.setenv(ISOLATION_ENV, asked)
    assert levels.resolve() == LEVELS[0]
    assert ISOLATION == (LEVELS[0] if forced in ("", "auto") else forced)


@pytest.mark.parametrize("level", isolation.KNOWN)
def test_a_known_level_is_itself_here_or_an_error_naming_what_is_missing(level, monkeypatch):
    if level in LEVELS:
        assert levels.resolve(level) == level
    if level == "process":  # limits only: every machine the engine runs on provides it
        return
    monkeypatch.setattr(isolation, "missing", without(level))
    with pytest.raises(IsolationError) as raised:
        levels.resolve(level)
    here = [lv for lv in LEVELS if lv != level]
    assert str(raised.value) == (f"CONVGRADE_ISOLATION={level}: this machine cannot provide that level: it needs a "
                                 f"capability this test took away; available here: {', '.join(here)} (unset "
                                 f"CONVGRADE_ISOLATION for the strongest, {here[0]})")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only: elsewhere, no namespaces at all")
def test_the_namespaces_level_needs_root(monkeypatch):
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 1000)
    assert isolation.missing("namespaces") == "root (this process runs as uid 1000; for any other user there is " \
                                              "user-namespaces)"


def test_the_command_stops_before_grading(tmp_path, monkeypatch, capsys):
    report = tmp_path / "report.json"
    monkeypatch.setenv(ISOLATION_ENV, "banana")
    assert cli.main(["--course", str(ROOT), "grade", str(ROOT / "reference"), "--only", ONE[0], "--json",
                     str(report)]) == 2
    assert (capsys.readouterr().out, report.exists()) == ("", False)
    if ISOLATION != "process":
        monkeypatch.setenv(ISOLATION_ENV, ISOLATION)
        monkeypatch.setattr(isolation, "missing", without(ISOLATION))
        assert cli.main(["--course", str(ROOT), "grade", str(ROOT / "reference"), "--only", ONE[0]]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.startswith(f"course: CONVGRADE_ISOLATION={ISOLATION}: this machine cannot provide")


def test_a_batch_with_an_unknown_level_grades_nobody(tmp_path):
    klass = write_submission(tmp_path / "class", {"ada/week1/padding.py": "x = 1\n"})
    db = tmp_path / "gb.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), ISOLATION_ENV: "banana"}
    done = subprocess.run([sys.executable, "-m", "convgrade.cli", "batch", str(klass), "--out", str(db), "--jobs",
                           "1"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"course: {UNKNOWN}\n")
    assert not db.exists()


def test_the_batch_own_grading_processes_refuse_it_too(tmp_path):
    """Called without the command's check (``batch.run`` itself): each grading process refuses the level."""
    klass = write_submission(tmp_path / "class", {s + "/week1/padding.py": "x = 1\n" for s in ("ada", "bob")})
    script = ("import sys; from pathlib import Path; from convgrade import config as course, batch, gradebook\n"
              "c = course.load(Path(sys.argv[1]))\n"
              "with gradebook.Gradebook(Path(sys.argv[3]), c) as book:\n"
              "    try:\n"
              "        batch.run(c, Path(sys.argv[2]), book, pool=batch.Local(2), only=['week1.padding'])\n"
              "    except course.ConfigError as e:\n"
              "        print('refused:', e)\n"
              "    print('rows:', [(r.student, r.kind) for r in book.rows()])\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), ISOLATION_ENV: "banana"}
    done = subprocess.run([sys.executable, "-c", script, str(ROOT), str(klass), str(tmp_path / "gb.sqlite")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == [f"refused: {UNKNOWN}", "rows: []"], done.stderr


def test_a_notebook_cell_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv(ISOLATION_ENV, "banana")
    monkeypatch.chdir(ROOT)
    with pytest.raises(IsolationError, match="CONVGRADE_ISOLATION=banana: no such isolation level"):
        notebook.check(ONE[0], public=True)
    assert notebook.score(ONE[0]) == 0.0


@pytest.mark.parametrize("level", LEVELS)
def test_the_report_names_the_level_the_worker_shows(level, attack_course, tmp_path, monkeypatch):
    monkeypatch.setenv(ISOLATION_ENV, level)
    probe = reference_submission(tmp_path / "probe")
    (probe / "week1" / "probe.py").write_text(PROBE)
    with Sandbox(probe) as sb:
        shown = sb.call("week1.probe", "facts", [], timeout=10).value
    if level == "portable":  # no namespaces: its own limits are what the worker shows
        assert (shown["limits"]["RLIMIT_AS"][0], sb.isolation) == (Limits().memory, level)
    else:
        assert levels.applied(shown, isolation.namespaces()) == sb.isolation == level
    assert grade(attack_course, probe, ONE).isolation == level


@pytest.mark.parametrize(("asked", "entered"), [(a, e) for a in isolation.KNOWN for e in LEVELS
                                                 if a != e and "portable" not in (a, e)])
def test_a_worker_that_entered_another_level_is_refused(asked, entered, tmp_path):
    sub = reference_submission(tmp_path / "sub")
    with Sandbox(sub, isolation=entered) as sb:
        sb.zygote = own = Zygote(("numpy",), (), entered)  # a fork server that applies ``entered``...
        own.level = asked  # ...for a grader that asked for ``asked``
        try:
            with pytest.raises(IsolationError) as raised:
                sb.call("week1.padding", "same_padding", [3], timeout=10)
        finally:
            own.close()
    assert str(raised.value).startswith(f"the worker was to enter the {asked} isolation level but entered {entered} "
                                        "(new namespaces: ")
    assert str(raised.value).endswith(f"); grading stopped rather than claim {asked}")


@pytest.mark.parametrize("level", [lv for lv in LEVELS if lv not in ("process", "portable")])
def test_a_worker_that_cannot_enter_its_level_stops_grading(level, tmp_path):
    with Sandbox(reference_submission(tmp_path / "sub"), isolation=level) as sb:
        sb.newroot.rmdir()  # where its new root is mounted: the worker cannot build it
        with pytest.raises(IsolationError) as raised:
            sb.call("week1.padding", "same_padding", [3], timeout=10)
    assert str(raised.value) == (f"the worker could not enter the {level} isolation level: the worker failed: "
                                 f"FileNotFoundError: [Errno 2] mount {sb.newroot}: No such file or directory")


def test_a_grade_stops_rather_than_report_a_level_the_worker_did_not_show(attack_course, tmp_path, monkeypatch):
    """At the strongest level here (a forked worker, whose facts ``levels.applied`` reads), whatever the suite's."""
    monkeypatch.setenv(ISOLATION_ENV, LEVELS[0])
    monkeypatch.setattr(levels, "applied", lambda facts, outside: "none")
    with pytest.raises(IsolationError, match=f"was to enter the {LEVELS[0]} isolation level but entered none"):
        grade(attack_course, reference_submission(tmp_path / "sub"), ONE)


def test_a_grade_stops_rather_than_report_the_portable_level_a_worker_did_not_claim(attack_course, tmp_path,
                                                                                    monkeypatch):
    """A portable worker that says it entered another level (its own report, not the grader's reading)."""
    lying = tmp_path / "spawned.py"
    lying.write_text(portable.ENTRY.read_text(encoding="utf-8").replace('{"level": "portable"', '{"level": "process"'),
                     encoding="utf-8")
    assert lying.read_text(encoding="utf-8") != portable.ENTRY.read_text(encoding="utf-8")
    monkeypatch.setattr(portable, "ENTRY", lying)
    monkeypatch.setenv(ISOLATION_ENV, "portable")
    with pytest.raises(IsolationError) as raised:
        grade(attack_course, reference_submission(tmp_path / "sub"), ONE)
    assert str(raised.value) == ("the worker was to enter the portable isolation level but says process; "
                                 "grading stopped")


@pytest.mark.parametrize("forked", [lv for lv in LEVELS if lv != "portable"])
def test_portable_facts_and_forked_facts_are_not_each_other(forked, tmp_path):
    """A worker whose report is another kind's (forged, say) is refused either way."""
    with Sandbox(reference_submission(tmp_path / "sub"), isolation=forked) as sb:
        sb.call("week1.padding", "same_padding", [3], timeout=10)
    portable = {"level": "portable", "limits": {}}
    with pytest.raises(IsolationError, match="the worker sent a malformed report of its isolation"):
        levels.verify(forked, portable, sb.outside, {})
    with pytest.raises(IsolationError, match="the worker sent a malformed report of its isolation"):
        levels.verify("portable", {"namespaces": {}, "limits": {}}, {}, {})
    with pytest.raises(IsolationError, match=r"the worker's resource limits are \{'RLIMIT_AS': 5\}"):
        levels.verify("portable", {"level": "portable", "limits": {"RLIMIT_AS": [5, 5]}}, {}, {"RLIMIT_AS": 6})


def test_a_portable_worker_that_cannot_start_stops_grading(tmp_path):
    with Sandbox(reference_submission(tmp_path / "sub"), preload=("numpy", "no_such_module_here"),
                 isolation="portable") as sb:
        with pytest.raises(IsolationError) as raised:
            sb.call("week1.padding", "same_padding", [3], timeout=30)
    assert str(raised.value) == ("the worker could not enter the portable isolation level: the worker failed: "
                                 "ModuleNotFoundError: No module named 'no_such_module_here'")
