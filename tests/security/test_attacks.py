"""Hostile submissions never change a grade, crash or hang the grader, or leave a process behind.

Each attack in ``corpus/`` is graded with the padding lesson (or alone, when it attacks another exercise): zero_pad
(or the exercise attacked) scores 0 with the expected status and message, the lesson's other exercises keep their
marks (for an attack at import, which takes the whole lesson file down, a bystander lesson graded beside it does),
grading ends in time, nothing is left running, the grader's own state is untouched, and the report is valid JSON.
"""
from __future__ import annotations

import hashlib
import json
import os
import time

import pytest

from convgrade.extra.torch import TORCH
from convgrade.operations import requirements
from convgrade.runner import grade
from convgrade.sandbox import ISOLATION_ENV, zygote
from harness import (ISOLATION, LEVELS, PADDING, ROOT, TIME_LIMIT, ZERO_PAD, Attack, attack_course, bystander,  # noqa: F401
                     leftovers, load_corpus, new_marker, port, write_submission)

ATTACKS = load_corpus()
# Safe to run where the worker shares the grader's uid (root here): no kill(-1), no writes to the course.
# What the portable level (a fresh process per worker, its process group killed) cannot contain: see docs/portable.md.
PORTABLE_CANNOT = {"fork_storm": "processes that leave the worker's session and process group outlive it"}
PROCESS_LEVEL = ["fork_storm", "thread_storm", "thread_after_return", "stdout_flood", "os_exit_in_call",
                 "infinite_loop", "memory_bomb", "segfault", "exec_replaces_worker"]


def _reference_digest() -> str:
    return hashlib.sha256((ROOT / "reference" / "week1" / "padding.py").read_bytes()).hexdigest()


def run_attack(attack: Attack, course, tmp_path, port: int, level: str = ISOLATION) -> None:
    marker = new_marker()
    submission = write_submission(tmp_path / "submission", course.root, attack, marker, port)
    if attack.exercise != ZERO_PAD:  # a torch lesson: its zygote starts (imports torch) outside the time measured
        if level != "portable":  # (which has no zygote: each worker imports torch before it says it is ready)
            zygote(*requirements([TORCH])[:1], os.environ.get(ISOLATION_ENV, ""), requirements([TORCH])[1])
        import torch._dynamo  # noqa: F401 - what the reference's trace on meta imports; it sets TORCHINDUCTOR_CACHE_DIR
    cwd, env, digest = os.getcwd(), dict(os.environ), _reference_digest()
    start = time.monotonic()
    graded = ["week1.padding"] if attack.exercise == ZERO_PAD else [attack.exercise]
    report = grade(course, submission, graded + ([bystander()] if attack.when == "import" else []))
    elapsed = time.monotonic() - start
    data = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert (data["schema"], data["isolation"]) == ("course-grade/1", level)

    results = {e["id"]: e for e in data["exercises"]}
    attacked = results.pop(attack.exercise)
    text = "\n".join([attacked["feedback"], *(c["feedback"] for c in attacked["checks"])])
    passed = [c for c in attacked["checks"] if c["points"] > 0]
    assert ([c["name"] for c in passed], attacked["status"]) == (list(attack.passes), attack.status), text
    assert attacked["score"] == round(sum(c["max_points"] for c in passed), 4)
    for words in attack.feedback:
        assert words in text
    if attack.when == "import":  # the lesson file is broken: the other lessons must not be
        results = {k: v for k, v in results.items() if k not in PADDING}
        assert results and all(k.startswith(bystander() + ".") for k in results)
    for other in results.values():
        assert (other["status"], other["score"]) == ("passed", other["max_score"]), json.dumps(other)

    affected = 1 if attack.when == "call" else len(PADDING)
    assert elapsed < affected * TIME_LIMIT + 10, f"grading took {elapsed:.1f} s"
    assert leftovers(marker) == []
    assert (os.getcwd(), dict(os.environ), _reference_digest()) == (cwd, env, digest)
    for folder in ("/tmp", "/dev/shm", os.getcwd(), ROOT, ROOT / "reference"):
        assert not os.path.exists(os.path.join(folder, f"planted-{marker}.txt"))


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_attack(attack, attack_course, tmp_path, port):
    if attack.level == "namespaces" and ISOLATION in ("process", "portable"):
        pytest.skip("only the namespaces levels (Linux: root, or user namespaces) hide the course and the network")
    if ISOLATION == "portable" and attack.name in PORTABLE_CANNOT:
        pytest.skip(f"the portable level cannot contain it: {PORTABLE_CANNOT[attack.name]}")
    run_attack(attack, attack_course, tmp_path, port)


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_attack_in_user_namespaces(attack, attack_course, tmp_path, port, monkeypatch):
    """The level a non-root grader gets where unprivileged user namespaces are allowed, tested here as root."""
    if ISOLATION == "user-namespaces" or "user-namespaces" not in LEVELS:
        pytest.skip("the strongest level here is user-namespaces (tested above) or user namespaces are not allowed")
    monkeypatch.setenv(ISOLATION_ENV, "user-namespaces")
    run_attack(attack, attack_course, tmp_path, port, level="user-namespaces")


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.name in PROCESS_LEVEL], ids=str)
def test_attack_at_the_process_level(attack, attack_course, tmp_path, port, monkeypatch):
    """The weaker level (rlimits, a keeper that kills the whole tree) stops what it can stop, as root too."""
    monkeypatch.setenv(ISOLATION_ENV, "process")
    run_attack(attack, attack_course, tmp_path, port, level="process")


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.level != "namespaces" and a.name not in PORTABLE_CANNOT],
                         ids=str)
def test_attack_at_the_portable_level(attack, attack_course, tmp_path, port, monkeypatch):
    """The level of a student's own laptop (Windows, macOS), forced here: a fresh worker per exercise, time limits
    kept by the grader, rlimits where the system has them; the whole process group killed after each exercise."""
    monkeypatch.setenv(ISOLATION_ENV, "portable")
    run_attack(attack, attack_course, tmp_path, port, level="portable")
