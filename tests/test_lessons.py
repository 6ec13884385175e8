"""The meta-tests every exercise gets, from `course selftest`: the reference scores full marks, the untouched stub
scores zero as "unimplemented", every catalogued mistake is caught with the feedback written beside it, the public
checks replay from fixtures, and grading twice gives the same report. One pytest test per probe."""
from __future__ import annotations

import atexit

import pytest

from convgrade import config as course_mod
from convgrade import selftest

from conftest import NAMED, ROOT


COURSE = course_mod.load(ROOT)
SELFTEST = selftest.Selftest(COURSE)
atexit.register(SELFTEST.close)
PROBES = SELFTEST.plan()
# The reference, stub and fixtures probes read what SELFTEST grades once per lesson (the reference, the stubs, the
# released bundle), and an exercise's determinism probe takes its first mistake probe's grading as the first of its
# two: under xdist, such probes go to one worker together (conftest.work_units), which grades them once.


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_selftest_probe(probe):
    finding = SELFTEST.run(probe)
    assert finding.ok, finding.detail


def test_every_exercise_has_three_mistakes():
    counts = {e.id: 0 for e in COURSE.exercises}
    for p in PROBES:
        counts[p.exercise] += p.kind == "mistake"
    questions = {e.id for e in COURSE.exercises if e.is_question}
    assert not [i for i, n in counts.items() if n < 3 and i not in questions], \
        "exercises with fewer than three catalogued mistakes"
    # a question has fewer likely wrong answers than a function has wrong implementations: one at least
    assert not [i for i, n in counts.items() if n < 1], "questions without a catalogued wrong answer"


def test_the_determinism_probe_takes_the_first_mistake_probes_grading_as_its_first(monkeypatch):
    """`course selftest` grades the first catalogued mistake once less: its determinism probe compares the mistake
    probe's grading with a second one (and grades twice when that probe has not run); ``outcome`` grades nothing
    a probe graded."""
    exercise = "week1.padding.conv_output_size"
    with selftest.Selftest(COURSE) as st:
        tags: list[str] = []
        real = st._grade_source
        monkeypatch.setattr(st, "_grade_source", lambda cfg, source, tag: tags.append(tag) or real(cfg, source, tag))
        first = next(p for p in st.plan([exercise]) if p.kind == "mistake")
        determinism = selftest.Probe(exercise, "determinism")
        assert st.run(determinism).ok and tags == ["again0", "again1"]
        assert st.run(first).ok and st.run(determinism).ok and tags[2:] == [first.mistake, "again1"]
        assert st.outcome(first).caught and tags[4:] == []


# The catalogue of a torch module's mistakes is named by its feedback (docs/diagnosis.md): read from the gradings
# of its mistake probes above (conftest.work_units runs them on one worker, with this test after them).


def test_the_feedback_names_most_catalogued_mistakes():
    outcomes = [SELFTEST.outcome(p) for p in PROBES if p.exercise == NAMED and p.kind == "mistake"]
    assert outcomes and all(o.caught for o in outcomes)
    assert sum(o.named for o in outcomes) / len(outcomes) >= 0.85, [o.probe.name for o in outcomes if not o.named]
