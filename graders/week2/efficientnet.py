"""Graders for lesson 2.10: compound_scaling, round_filters, round_repeats."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from convgrade import CheckFailed, Exercise, expect_equal, expect_tuple, fmt_number, kind_of

# The published EfficientNet models (Tan & Le 2019, the reference TensorFlow code): B0's stage plan and, per model,
# (width, depth) and the channels (stem, the 7 stages, head) and block repeats (the 7 stages) they give.
B0_FILTERS = (32, 16, 24, 40, 80, 112, 192, 320, 1280)
B0_REPEATS = (1, 2, 2, 3, 3, 4, 1)
PUBLISHED = {
    "B0": (1.0, 1.0, B0_FILTERS, B0_REPEATS),
    "B1": (1.0, 1.1, B0_FILTERS, (2, 3, 3, 4, 4, 5, 2)),
    "B2": (1.1, 1.2, (32, 16, 24, 48, 88, 120, 208, 352, 1408), (2, 3, 3, 4, 4, 5, 2)),
    "B3": (1.2, 1.4, (40, 24, 32, 48, 96, 136, 232, 384, 1536), (2, 3, 3, 5, 5, 6, 2)),
    "B4": (1.4, 1.8, (48, 24, 32, 56, 112, 160, 272, 448, 1792), (2, 4, 4, 6, 6, 8, 2)),
    "B5": (1.6, 2.2, (48, 24, 40, 64, 128, 176, 304, 512, 2048), (3, 5, 5, 7, 7, 9, 3)),
    "B6": (1.8, 2.6, (56, 32, 40, 72, 144, 200, 344, 576, 2304), (3, 6, 6, 8, 8, 11, 3)),
    "B7": (2.0, 3.1, (64, 32, 48, 80, 160, 224, 384, 640, 2560), (4, 7, 7, 10, 10, 13, 4)),
}
FLOPS_BASE = 1.2 * 1.1**2 * 1.15**2  # alpha * beta**2 * gamma**2 ~= 1.92: each step of phi about doubles the FLOPs


def _real(x: object, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise CheckFailed(f"{name} is {kind_of(x)}, expected a float", kind="type")
    return float(x)


def _int(x: object, name: str) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise CheckFailed(f"{name} is {kind_of(x)}, expected an int", kind="type")
    return int(x)


def _examples(st, fn: str, rows: list[tuple[tuple, object, str]]) -> None:
    """``fn(*args) == expected`` for each ``(args, expected, note)``; all calls come first, so that the diagnosis
    sees them all."""
    got = [getattr(st, fn)(*args) for args, _, _ in rows]
    for value, (args, expected, note) in zip(got, rows):
        expect_equal(value, expected, name=f"{fn}({', '.join(map(repr, args))}){note}")


def _published(st, fn: str, column: int, base: tuple[int, ...]) -> None:
    """Every model's channels (column 0: width) or repeats (column 1: depth) from B0's, exactly as published."""
    _examples(st, fn, [((b0, row[column]), expected, f" (EfficientNet-{model})") for model, row in PUBLISHED.items()
                       for b0, expected in zip(base, row[2 + column])])


# compound_scaling ------------------------------------------------------------------------------------------

NAMES = ("depth", "width", "resolution")
PHI = st.floats(0.5, 8, allow_nan=False, allow_infinity=False)  # phi = 0 has a check of its own
BASE = st.floats(1.05, 2, allow_nan=False, allow_infinity=False)  # not 1: then alpha * phi == phi ** alpha at 0.5

compound_scaling = Exercise("compound_scaling", hint="return (alpha ** phi, beta ** phi, gamma ** phi): depth, "
                                                      "width and resolution, each base raised to the power phi")


@compound_scaling.check("phi = 0 is B0 (1, 1, 1); phi = 1 gives (alpha, beta, gamma) = (1.2, 1.1, 1.15)", points=1)
def _(st, ref):
    _examples(st, "compound_scaling", [((0,), (1.0, 1.0, 1.0), ""), ((1,), (1.2, 1.1, 1.15), "")])


@compound_scaling.check("depth * width**2 * resolution**2 = (1.2 * 1.1**2 * 1.15**2)**phi ~= 1.92**phi",
                        points=1, given=st.fixed_dictionaries({"phi": PHI}))
def _(args, st, ref):
    phi = args["phi"]
    d, w, r = (_real(v, name) for v, name in zip(expect_tuple(st.compound_scaling(phi), NAMES), NAMES))
    flops = d * w**2 * r**2
    if abs(flops - FLOPS_BASE**phi) > 1e-9 * FLOPS_BASE**phi:
        raise CheckFailed("the FLOPs do not grow as (alpha * beta**2 * gamma**2)**phi",
                          [f"depth * width**2 * resolution**2 = {fmt_number(flops)}, "
                           f"expected {fmt_number(FLOPS_BASE**phi)}"])


@compound_scaling.check("any phi, alpha, beta and gamma", points=2,
                        given=st.fixed_dictionaries({"phi": PHI, "alpha": BASE, "beta": BASE, "gamma": BASE}))
def _(args, st, ref):
    expect_equal(st.compound_scaling(**args), ref.compound_scaling(**args), name="(depth, width, resolution)")


# round_filters ---------------------------------------------------------------------------------------------

@st.composite
def _filter_args(draw) -> dict:
    return {"channels": draw(st.integers(1, 2048)), "width_mult": draw(st.integers(10, 400)) / 100,
            "divisor": draw(st.integers(1, 16))}


round_filters = Exercise("round_filters", hint="c = channels * width_mult; new = max(divisor, int(c + divisor / 2) "
                                                "// divisor * divisor); if new < 0.9 * c: new += divisor")


@round_filters.check("the published EfficientNet-B0..B7 channels (stem, 7 stages, head)", points=2)
def _(st, ref):
    _published(st, "round_filters", 0, B0_FILTERS)


@round_filters.check("halfway cases round up, as int(c + divisor / 2) does: 52 -> 56; 13 with divisor 2 -> 14",
                     points=1, hint="Python's round() sends halves to the even neighbour (round(6.5) == 6); "
                                    "int(c + divisor / 2) // divisor * divisor always rounds them up")
def _(st, ref):
    _examples(st, "round_filters", [((52, 1.0), 56, ""), ((13, 1.0, 2), 14, "")])


@round_filters.check("any channels, width_mult and divisor", points=2, given=_filter_args())
def _(args, st, ref):
    expect_equal(st.round_filters(**args), ref.round_filters(**args), name="new")


@round_filters.check("a multiple of divisor, at least divisor, and at least 0.9 * channels * width_mult", points=1,
                     given=_filter_args())
def _(args, st, ref):
    new = _int(st.round_filters(**args), "new")
    c, divisor = args["channels"] * args["width_mult"], args["divisor"]
    for broken, rule in ((new % divisor != 0, "a multiple of divisor"), (new < divisor, "at least divisor"),
                         (new < 0.9 * c, f"at least 0.9 * c = {0.9 * c!r}")):
        if broken:
            raise CheckFailed(f"new = {new} is not {rule}")


# round_repeats ---------------------------------------------------------------------------------------------

round_repeats = Exercise("round_repeats", hint="math.ceil(depth_mult * repeats): always round up, on the float "
                                                "product as it comes out")


@round_repeats.check("the published EfficientNet-B0..B7 repeats (7 stages)", points=2)
def _(st, ref):
    _published(st, "round_repeats", 1, B0_REPEATS)


@round_repeats.check("always up, on the float product as published: 4.2 -> 5, 1.8 -> 2, 1.1 * 50 = "
                     "55.00000000000001 -> 56", points=1)
def _(st, ref):
    _examples(st, "round_repeats", [((3, 1.4), 5, ""), ((1, 1.8), 2, ""), ((50, 1.1), 56, "")])


@round_repeats.check("any repeats and depth_mult", points=1,
                     given=st.fixed_dictionaries({"repeats": st.integers(1, 20),
                                                  "depth_mult": st.integers(10, 400).map(lambda k: k / 100)}))
def _(args, st, ref):
    expect_equal(st.round_repeats(**args), ref.round_repeats(**args), name="n")
