"""Rebuild examples/partial/: a plausible half-right student, made from the reference, the stubs and a few
catalogued mistakes (so the demo's feedback is the real thing). Run: .venv/bin/python examples/make_partial.py"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

from convgrade import config as course_mod
from convgrade.mistakes import as_submission
from convgrade.runner import Lesson

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "partial"
# lesson -> (names left as stubs, catalogued mistakes pasted in); lessons not listed stay untouched stubs
PLAN = {
    "week1.edges": ((), ("edge_magnitude_no_sqrt",)),
    "week1.padding": ((), ("conv_output_size_true_division",)),
    "week1.convolution": ((), ("conv_forward_no_bias",)),
    "week1.pooling": ((), ("pool_forward_sum",)),
    "week1.backprop": (("conv_backward", "pool_backward"), ("create_mask_argmax",)),
    "week1.convnet": (("LeNet5", "train_digits", "fc_as_conv"), ("activation_shapes_no_plus_one",)),
    "week2.network_in_network": ((), ()),
    "week2.mobilenet": (("DepthwiseSeparableConv", "InvertedResidual", "depthwise_separable_forward"),
                        ("depthwise_conv_forward_flipped",)),
    "week2.efficientnet": ((), ("round_repeats_round",)),
}


def with_stubs(reference: str, stub: str, names: tuple[str, ...]) -> str:
    """The reference with the named top-level definitions taken from the stub instead."""
    stub_defs = {n.name: n for n in ast.parse(stub).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    lines = reference.splitlines()
    for node in sorted((n for n in ast.parse(reference).body if getattr(n, "name", None) in names),
                       key=lambda n: -n.lineno):
        start = node.lineno - 1 - len(node.decorator_list)
        lines[start:node.end_lineno] = ast.get_source_segment(stub, stub_defs[node.name]).splitlines()
    return "\n".join(lines) + "\n"


def main() -> None:
    course = course_mod.load(ROOT)
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.copytree(ROOT / "exercises", OUT)
    for lesson, (stubs, mistakes) in PLAN.items():
        rel = Path(*lesson.split(".")).with_suffix(".py")
        source = with_stubs((ROOT / "reference" / rel).read_text(), (ROOT / "exercises" / rel).read_text(), stubs)
        catalogue = {m.impl.__name__: m for m in Lesson(course, lesson).mistakes}
        for name in mistakes:
            source = as_submission(source, catalogue[name])
        (OUT / rel).write_text(source)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
