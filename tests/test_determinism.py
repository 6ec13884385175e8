"""The same submission gets the same report on every machine of a kind: whatever its CPU's vector extensions
(torch's kernels, as ATEN_CPU_CAPABILITY chooses them) and however many threads torch, OpenMP and OpenBLAS may use.

Wrong float-heavy answers are graded in fresh processes (the grader and its sandbox worker both see the
environment: worker_env passes ATEN_CPU_CAPABILITY on and pins the worker's threads), and their JSON reports must be
byte-identical and hold the catalogue's feedback lines word for word. Batch norm in float64 really does round
differently under the "default" and "avx2" kernels (``test_the_kernels_differ``), so printing numbers with all
their digits would fail here."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from convgrade.mistakes import as_submission
from convgrade.lesson import Lesson

from conftest import ROOT, write_submission
from test_lessons import COURSE

# (exercise, catalogued mistake): module exercises with batch norm, and conv/pool backward
MISTAKES = {"week2.mobilenet.DepthwiseSeparableConv": "DepthwiseSeparableConvStrideOnPointwise",
            "week1.backprop.pool_backward": "pool_backward_average_undivided"}
# (threads, ATEN_CPU_CAPABILITY); None: the machine's own choice
SETTINGS = [(None, None), (1, "default"), (2, "avx2")]


def _env(threads: int | None, capability: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ATEN_CPU_CAPABILITY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    if threads is not None:
        env.update(OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    if capability is not None:
        env["ATEN_CPU_CAPABILITY"] = capability
    return env


def _run(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _mistake(exercise_id: str, name: str):
    exercise = next(e for e in COURSE.exercises if e.id == exercise_id)
    return exercise, next(m for m in Lesson(COURSE, exercise.lesson).mistakes if m.impl.__name__ == name)


@pytest.fixture(scope="module")
def submission(tmp_path_factory):
    files = {}
    for exercise_id, name in MISTAKES.items():
        exercise, m = _mistake(exercise_id, name)
        files[exercise.path] = as_submission((ROOT / "reference" / exercise.path).read_text(), m)
    return write_submission(tmp_path_factory.mktemp("floats"), files)


GRADE = """
import sys
from convgrade.cli import main
sys.exit(main(["--course", sys.argv[1], "grade", sys.argv[2], "--json", "-", *sys.argv[3:]]))
"""


def test_reports_are_byte_identical_whatever_the_kernels_and_threads(submission):
    only = [a for e in MISTAKES for a in ("--only", e)]
    reports = {s: _run(GRADE, _env(*s), str(ROOT), str(submission), *only) for s in SETTINGS}
    first = reports[SETTINGS[0]]
    assert all(r == first for r in reports.values()), "reports differ between settings"
    data = json.loads(first)
    text = "\n".join(c["feedback"] for e in data["exercises"] for c in e["checks"])
    lines = [line.strip() for line in text.splitlines()]
    for exercise_id, name in MISTAKES.items():
        _, m = _mistake(exercise_id, name)
        assert m.feedback and not [want for want in m.feedback if want not in lines], "\n".join(lines)


PROBE = """
import hashlib, sys, torch
from convgrade import config as course
from convgrade.extra.torch import ModuleCase, reference_forward, reference_module
from convgrade.lesson import Lesson
ref = Lesson(course.load(sys.argv[1]), "week2.mobilenet").reference
case = ModuleCase((3, 5), (2, 3, 5, 5))
out = reference_forward(reference_module(ref, "DepthwiseSeparableConv", case), case)
print(torch.backends.cpu.get_cpu_capability(), hashlib.sha256(out.tobytes()).hexdigest())
"""


def test_the_kernels_differ():
    """The test above has teeth: the reference's own float64 outputs differ in their last bits between torch's
    "default" and "avx2" kernels (where torch honours both, i.e. on a CPU with AVX2)."""
    (cap1, out1), (cap2, out2) = (_run(PROBE, _env(1, c), str(ROOT)).split() for c in ("default", "avx2"))
    if (cap1, cap2) != ("DEFAULT", "AVX2"):
        pytest.skip(f"torch runs {cap1}/{cap2} kernels here, not DEFAULT/AVX2")
    assert out1 != out2


def test_draws_do_not_depend_on_the_modules_imported_before(tmp_path, monkeypatch):
    """Hypothesis draws, now and then, a constant found in the source of the "local" modules imported so far: a
    grade would then depend on which lessons the process loaded before (``--only``, a batch, a Dask worker) and on
    how the engine is installed. The grading profile draws the same inputs whatever was imported."""
    from hypothesis import given, seed, settings, strategies as hst

    from convgrade.checkrun import PROFILE

    def draws() -> list:
        seen: list = []

        @seed(12345)
        @settings(settings.get_profile(PROFILE), max_examples=200)
        @given(hst.integers(), hst.floats(allow_nan=False), hst.text(max_size=5))
        def record(i, f, t):
            seen.append((i, f, t))

        record()
        return seen

    before = draws()
    (tmp_path / "constants_galore.py").write_text(
        "A = [" + ", ".join(str(987_654_321 + i) for i in range(200)) + "]\n"
        "B = [" + ", ".join(f"{1.2345e17 + i}" for i in range(200)) + "]\n"
        "C = [" + ", ".join(f"'zq{i}'" for i in range(200)) + "]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import constants_galore  # noqa: F401 - a local module full of constants, imported between the two runs

    after = draws()
    assert after == before
    assert not any(str(i).startswith("98765") for i, _, _ in after)
