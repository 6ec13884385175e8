"""Quiz 2, MobileNet v2 and EfficientNet: how each question's variant is drawn, compared and worked."""
from __future__ import annotations

import random

from convgrade import Choice, Close, Question, Tuple


def _expansion(rng: random.Random) -> dict:
    return {"n": rng.choice((7, 14, 28, 56, 112)), "c_in": rng.choice((16, 24, 32, 64, 96)),
            "t": rng.choice((1, 6, 6, 4)), "s": rng.choice((1, 2))}


expansion_shape = Question(
    "expansion_shape", draw=_expansion, compare=Tuple(3, ("n_H", "n_W", "n_C")),
    worked=lambda n, c_in, t, s: [f"expansion: {t} * {c_in} = {t * c_in} channels",
                                  f"depthwise 3x3, padding 1, stride {s}: floor(({n} + 2 - 3) / {s}) + 1 = "
                                  f"{(n - 1) // s + 1}"],
    hint="the 1x1 expansion multiplies the channels by t; the depthwise step keeps them")

scaled_resolution = Question(
    "scaled_resolution", draw=lambda rng: {"phi": rng.randint(1, 7), "r": rng.choice((224, 240, 256))},
    compare=Close(rel=0.01),
    worked=lambda phi, r: [f"r * gamma^phi = {r} * 1.15^{phi} = {r * 1.15**phi:.6g}"],
    hint="resolution is scaled by gamma raised to the power phi")

scaling_dimension = Question(
    "scaling_dimension", draw=lambda rng: {"letter": rng.choice(("alpha", "beta", "gamma"))},
    compare=Choice(("depth", "width", "resolution")),
    worked=lambda letter: ["depth d = alpha^phi, width w = beta^phi, resolution r = gamma^phi"])
