"""Questions: every variant's reference answer agrees with an independent computation (torch on the meta device,
its FLOP counter, plain loops), wrong answers are named with the student's numbers, variants follow the student,
regrading is byte-identical, and a missing or malformed answer costs that question only."""
from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from conftest import ROOT
from convgrade import config as course_mod
from convgrade.answers import answers_path, answers_toml
from convgrade.lesson import Lesson
from convgrade.questions import Choice, Close, Exact, Tuple, AnswerError, answer, variant, variant_seed
from convgrade.runner import grade

COURSE = course_mod.load(ROOT)
QUESTIONS = {e.name: e for e in COURSE.exercises if e.is_question}
STUDENTS = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=12)


def drawn(name: str, student: str):
    """The student's variant of the question and the reference's answer to it."""
    cfg = QUESTIONS[name]
    lesson = Lesson(COURSE, cfg.lesson)
    v = variant(lesson.question(cfg), cfg.id, COURSE.seed, student)
    return v.params, answer(lesson.reference_of(cfg), lesson.question(cfg), v)


def meta(*shape):
    return torch.empty(*shape, device="meta")


def conv_shape(n, c, f, p, s, filters):
    y = F.conv2d(meta(1, c, n, n), meta(filters, c, f, f), stride=s, padding=p)  # (1, n_C, n_H, n_W)
    return y.shape[2], y.shape[3], y.shape[1]


def mults(fn) -> int:
    """Multiplications of the convolutions ``fn`` runs, from torch's FLOP counter (2 per multiply-add)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() // 2


def params(*layers) -> int:
    with torch.device("meta"):
        return sum(p.numel() for layer in layers for p in layer().parameters())


def independent(name: str, p: dict):
    """Each question's answer, worked out another way than reference/ does."""
    match name:
        case "output_size":
            return conv_shape(p["n"], 1, p["f"], p["p"], p["s"], 1)[0]
        case "same_padding":
            return next(q for q in range(p["f"])
                        if p["n"] + 2 * q >= p["f"] and conv_shape(p["n"], 1, p["f"], q, 1, 1)[0] == p["n"])
        case "conv_volume":
            return conv_shape(p["n"], p["n_c"], p["f"], p["p"], p["s"], p["filters"])
        case "pool_output":
            y = F.max_pool2d(meta(1, p["n_c"], p["n"], p["n"]), p["f"], p["s"])
            return y.shape[2], y.shape[3], y.shape[1]
        case "flatten_size":
            return math.prod(conv_shape(p["n"], p["n_c"], p["f"], 0, p["s"], p["filters"]))
        case "conv_params":
            return params(lambda: nn.Conv2d(p["n_c"], p["filters"], p["f"]))
        case "convnet_params":
            return params(lambda: nn.Conv2d(3, p["c1"], p["f1"]), lambda: nn.MaxPool2d(2),
                          lambda: nn.Conv2d(p["c1"], p["c2"], p["f2"]))
        case "fc_vs_conv":
            out = math.prod(conv_shape(p["n"], p["n_c"], p["f"], 0, 1, p["filters"]))
            return (params(lambda: nn.Linear(p["n"] ** 2 * p["n_c"], out)),
                    params(lambda: nn.Conv2d(p["n_c"], p["filters"], p["f"])))
        case "alexnet_first":
            return conv_shape(p["n"], 3, p["f"], 0, p["s"], p["filters"])
        case "vgg_shape":
            x = meta(1, 3, p["n"], p["n"])
            for c in (64, 128, 256, 512, 512)[:p["k"]]:
                x = F.max_pool2d(F.conv2d(x, meta(c, x.shape[1], 3, 3), padding=1), 2, 2)
            return x.shape[2], x.shape[3], x.shape[1]
        case "resnet_shortcut":
            return conv_shape(p["n"], p["c_in"], 1, 0, p["s"], p["c_out"])
        case "conv1x1_cost":
            return mults(lambda: F.conv2d(meta(1, p["c_in"], p["n"], p["n"]), meta(p["c_out"], p["c_in"], 1, 1)))
        case "bottleneck_cost":
            x, f = meta(1, p["c_in"], p["n"], p["n"]), p["f"]
            direct = mults(lambda: F.conv2d(x, meta(p["c_out"], p["c_in"], f, f), padding=f // 2))
            return direct, mults(lambda: F.conv2d(F.conv2d(x, meta(p["b"], p["c_in"], 1, 1)),
                                                  meta(p["c_out"], p["b"], f, f), padding=f // 2))
        case "separable_cost" | "separable_ratio":
            f, c_in = p["f"], p.get("c_in", 3)
            side = p.get("n", 4)
            x = meta(1, c_in, side + f - 1, side + f - 1)  # a valid convolution gives side x side
            normal = mults(lambda: F.conv2d(x, meta(p["c_out"], c_in, f, f)))
            depthwise = mults(lambda: F.conv2d(x, meta(c_in, 1, f, f), groups=c_in))
            pointwise = mults(lambda: F.conv2d(meta(1, c_in, side, side), meta(p["c_out"], c_in, 1, 1)))
            return (normal, depthwise, pointwise) if name == "separable_cost" else (depthwise + pointwise) / normal
        case "expansion_shape":
            c = p["c_in"] * p["t"]
            y = F.conv2d(meta(1, c, p["n"], p["n"]), meta(c, 1, 3, 3), stride=p["s"], padding=1, groups=c)
            return y.shape[2], y.shape[3], y.shape[1]
        case "scaled_resolution":
            return p["r"] * math.exp(p["phi"] * math.log(1.15))
        case "scaling_dimension":  # Tan & Le (2019), equation 3
            return dict(zip(("alpha", "beta", "gamma"), ("depth", "width", "resolution")))[p["letter"]]
    raise AssertionError(f"no independent computation for {name}")


def test_every_question_has_an_independent_computation():
    assert len([e for e in QUESTIONS.values() if e.assignment == "quiz1"]) >= 8
    assert len([e for e in QUESTIONS.values() if e.assignment == "quiz2"]) >= 8
    for name in QUESTIONS:
        independent(name, drawn(name, "alice")[0])


@pytest.mark.parametrize("name", sorted(QUESTIONS))
@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(student=STUDENTS)
def test_the_reference_answer_agrees_with_an_independent_computation(name, student):
    p, expected = drawn(name, student)
    other = independent(name, p)
    if isinstance(expected, float):
        assert math.isclose(expected, other, rel_tol=1e-12), (p, expected, other)
    else:
        assert expected == (tuple(other) if isinstance(other, tuple) else other), (p, expected, other)
    if isinstance(expected, tuple):  # valid by construction: whole, positive sizes
        assert all(type(x) is int and x > 0 for x in expected), (p, expected)


def test_variants_follow_the_student():
    seeds = {variant_seed(COURSE.seed, "quiz1.sizes.output_size", s) for s in ("alice", "bob", "carol")}
    assert len(seeds) == 3
    assert drawn("conv_volume", "alice") == drawn("conv_volume", "alice")
    differ = sum(drawn(n, "alice")[0] != drawn(n, "bob")[0] for n in QUESTIONS)
    assert differ >= len(QUESTIONS) // 2, differ
    for name in QUESTIONS:  # every question has more than one variant
        assert len({json.dumps(drawn(name, f"s{i}")[0]) for i in range(30)}) >= 3, name


def write_answers(folder, assignment, student, values) -> None:
    path = folder / answers_path(assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(values if isinstance(values, str) else answers_toml(student, values), encoding="utf-8")


def test_a_wrong_answer_is_named_with_the_students_numbers(tmp_path):
    cfg = QUESTIONS["conv_params"]
    p, right = drawn("conv_params", "dana")
    wrong = p["f"] * p["f"] * p["n_c"] * p["filters"]
    write_answers(tmp_path, "quiz1", "dana", {cfg: wrong})
    (result,) = grade(COURSE, tmp_path, [cfg.id]).exercises
    f, n_c, filters = p["f"], p["n_c"], p["filters"]
    seed = variant_seed(COURSE.seed, cfg.id, "dana")
    assert result.status == "failed" and result.score == 0
    assert result.feedback.splitlines() == [
        "conv_params: wrong answer",
        f"  your variant (seed {seed}): f={f}, n_c={n_c}, filters={filters}",
        f"  your answer: {wrong}, expected {right}",
        "  looks like the biases were forgotten",
        "  worked computation:",
        f"    (f * f * n_c + 1) * filters = ({f} * {f} * {n_c} + 1) * {filters} = {f * f * n_c + 1} * {filters}"
        f" = {right}",
        "  hint: each filter has f * f * n_c weights and one bias"]
    assert result.variant == {"student": "dana", "seed": seed, "params": p}


def test_missing_and_malformed_answers_cost_their_question_only(tmp_path):
    ids = [e.id for e in QUESTIONS.values() if e.lesson == "quiz1.sizes"]
    right = {QUESTIONS[i.rsplit(".", 1)[1]]: drawn(i.rsplit(".", 1)[1], "erin")[1] for i in ids}
    text = answers_toml("erin", right)
    text = text.replace(f"same_padding = {right[QUESTIONS['same_padding']]}", 'same_padding = "two"')
    text = "\n".join(line for line in text.splitlines() if not line.startswith("flatten_size"))
    write_answers(tmp_path, "quiz1", "erin", text)
    report = grade(COURSE, tmp_path, ["quiz1.sizes"])
    by = {e.id.rsplit(".", 1)[1]: e for e in report.exercises}
    assert {n: (e.status, e.score) for n, e in by.items()} == {
        "output_size": ("passed", 1.0), "same_padding": ("failed", 0.0), "conv_volume": ("passed", 1.0),
        "pool_output": ("passed", 1.0), "flatten_size": ("unimplemented", 0.0)}
    assert by["same_padding"].feedback == ("same_padding: answers/quiz1.toml: sizes.same_padding = 'two' is not a "
                                           "whole number; write it as digits, e.g. 42 (no quotes)")
    assert by["flatten_size"].feedback == ("not answered: answers/quiz1.toml has no sizes.flatten_size = ...; "
                                           "expected a whole number, e.g. 42")


def test_an_unreadable_answers_file_or_another_students_is_a_clear_error(tmp_path):
    write_answers(tmp_path, "quiz1", "x", 'student = "fay"\n[sizes]\noutput_size = \n')
    (result,) = grade(COURSE, tmp_path, ["quiz1.sizes.output_size"]).exercises
    assert result.status == "error" and "answers/quiz1.toml is not valid TOML" in result.feedback
    write_answers(tmp_path, "quiz1", "x", 'student = "fay"\n[sizes]\noutput_size = 3\n')
    (result,) = grade(COURSE, tmp_path, ["quiz1.sizes.output_size"], student="gus").exercises
    assert result.feedback == ("output_size: answers/quiz1.toml holds the answers of 'fay', not 'gus'; grade it "
                               "with --student fay, or fix student = in the file")


def test_the_stubs_and_the_reference_folder(tmp_path):
    stub = grade(COURSE, ROOT / "exercises", ["quiz2"])
    assert {e.status for e in stub.exercises} == {"unimplemented"} and stub.score == 0
    ref = grade(COURSE, ROOT / "reference", ["quiz2"], student="hal")
    assert ref.score == ref.max_score == 10 and ref.isolation == "none"


def test_regrading_is_byte_identical(tmp_path):
    values = {cfg: 7 for cfg in QUESTIONS.values() if cfg.assignment == "quiz2"}
    write_answers(tmp_path, "quiz2", "ivy", values)
    runs = [json.dumps(grade(COURSE, tmp_path, ["quiz2"]).to_json(), sort_keys=True) for _ in range(2)]
    assert runs[0] == runs[1]
    assert all("seed" in e["variant"] for e in json.loads(runs[0])["exercises"])


@pytest.mark.parametrize("compare, raw, message", [
    (Exact(), 4.0, "4.0 is a decimal number; write the whole number without a decimal point: 4"),
    (Exact(), True, "True is not a whole number; write it as digits, e.g. 42 (no quotes)"),
    (Tuple(3), [1, 2], "[1, 2] has 2 numbers; expected 3"),
    (Close(0.01), "0.1", "'0.1' is not a number; write it as digits, e.g. 1.25 (no quotes)"),
    (Choice(("depth", "width")), "size", "'size' is not one of the choices 'depth', 'width'"),
])
def test_answers_are_parsed_strictly(compare, raw, message):
    with pytest.raises(AnswerError) as e:
        compare.parse(raw)
    assert str(e.value) == message


def test_comparisons_accept_what_they_state():
    assert Close(0.01).equal(Close(0.01).parse(100.9), 100.0) and not Close(0.01).equal(101.1, 100.0)
    assert Choice(("depth", "width")).parse(" Width ") == "width"
    assert Tuple(2).parse([3, 4]) == (3, 4)


def test_course_quiz_writes_the_variant_and_no_answer(tmp_path):
    import nbformat

    from convgrade.cli import main

    assert main(["--course", str(ROOT), "quiz", "quiz1", "--student", "jo", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "quiz1-jo.md").read_text()
    p, right = drawn("conv_params", "jo")
    assert f"{p['filters']} filters of size {p['f']}x{p['f']} and its input has {p['n_c']} channels" in text
    blank = (tmp_path / "answers" / "quiz1.toml").read_text()
    assert 'student = "jo"' in blank and str(right) not in blank.split("\n", 1)[1]
    nb = nbformat.read(str(tmp_path / "quiz1-jo.ipynb"), as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("convgrade")]
    assert len(cells) == 8 and cells[5].source == "params.conv_params = ..."
    cells[5].source = f"params.conv_params = {right}"
    cells[0].source = "sizes.output_size = four"
    nbformat.write(nb, str(tmp_path / "filled.ipynb"))
    from convgrade.batch import grade_path

    report, _ = grade_path(COURSE, tmp_path / "filled.ipynb")
    by = {e.id.rsplit(".", 1)[1]: e for e in report.exercises}
    assert (by["conv_params"].status, by["output_size"].status, by["same_padding"].status) == (
        "passed", "failed", "unimplemented")
    assert "'four' is not a whole number" in by["output_size"].feedback


def test_a_release_holds_the_prompts_and_no_way_to_an_answer(tmp_path):
    from convgrade.release import release

    made = release(COURSE, tmp_path / "bundle", ["week1.padding", "quiz1"])
    files = {p.relative_to(made.outdir).as_posix() for p in made.outdir.rglob("*.py")}
    assert {"exercises/quiz1/sizes.py", "exercises/quiz1/params.py"} <= files
    assert not [f for f in files if f.startswith(("graders/quiz", "graders/mistakes", "reference/"))]
    assert len(made.questions) == 8 and not [q for q in made.hidden_only if q.startswith("quiz")]
    bundle = course_mod.load(made.outdir)
    report = grade(bundle, made.outdir / "exercises")  # the student's side: questions left to the instructor
    assert [e.id for e in report.exercises] == [e.id for e in bundle.exercises if not e.is_question]


def test_batch_grades_each_students_variant_and_canvas_gets_a_column_per_assignment(tmp_path):
    import csv
    import subprocess
    import sys

    subs = tmp_path / "subs"
    for student in ("kim", "lee"):
        right = {QUESTIONS[n]: drawn(n, student)[1] for n in ("output_size", "conv_params")}
        write_answers(subs / student, "quiz1", student, right)
    (subs / "lee" / answers_path("quiz1")).write_text(  # lee answers with kim's numbers: wrong for lee's variant
        (subs / "kim" / answers_path("quiz1")).read_text().replace('"kim"', '"lee"'))
    run = lambda *a: subprocess.run([sys.executable, "-m", "convgrade.cli", "--course", str(ROOT), *a],  # noqa: E731
                                    cwd=tmp_path, capture_output=True, text=True)
    done = run("batch", str(subs), "--only", "quiz1", "--jobs", "1", "--out", "gb.sqlite")
    assert done.returncode == 0, done.stderr
    done = run("gradebook", "export", "--out", "gb.sqlite", "--canvas", "canvas.csv", "--reports", "reports")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "canvas.csv").open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *COURSE.assignments.values()]
    quiz1 = 5 + list(COURSE.assignments).index("quiz1")
    assert rows[1][0] == "    Points Possible" and rows[1][quiz1] == "8" and rows[1][5] == "87"  # week1: 87 points
    assert [(r[0], r[3], r[quiz1], r[5]) for r in rows[2:]] == [("kim", "kim", "2", ""), ("lee", "lee", "0", "")]
    kim = json.loads((tmp_path / "reports" / "kim.json").read_text())
    assert kim["exercises"][0]["variant"]["seed"] == variant_seed(COURSE.seed, "quiz1.sizes.output_size", "kim")


def test_an_answer_cell_is_read_as_toml_never_run():
    from convgrade.answers import answer_value, answers_from_cells

    assert answer_value(" [5, 5, 8] ") == (True, [5, 5, 8]) and answer_value("...") == (False, None)
    assert answer_value("__import__('os').system('true')") == (True, "__import__('os').system('true')")
    text = answers_from_cells("ann", [("quiz1.sizes.output_size", "output_size = 2 + 2"),
                                      ("quiz1.sizes.pool_output", "pool_output = {a = 1}")])
    assert text == 'student = "ann"\nsizes.output_size = "2 + 2"\nsizes.pool_output = "{a = 1}"\n'
