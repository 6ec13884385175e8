"""Quiz 2, the cost of convolutions: how each question's variant is drawn, compared and worked."""
from __future__ import annotations

import random

from convgrade import Close, Question, Tuple

conv1x1_cost = Question(
    "conv1x1_cost",
    draw=lambda rng: {"n": rng.choice((7, 14, 28, 56)), "c_in": rng.choice((64, 192, 256, 512)),
                      "c_out": rng.choice((16, 32, 64, 128))},
    worked=lambda n, c_in, c_out: [f"n * n * c_out * (1 * 1 * c_in) = {n} * {n} * {c_out} * {c_in} = "
                                   f"{n * n * c_out * c_in}"],
    hint="each output number is a dot product over the input's channels")


def _bottleneck(rng: random.Random) -> dict:
    return {"n": rng.choice((14, 28, 56)), "c_in": rng.choice((128, 192, 256)), "c_out": rng.choice((32, 64, 128)),
            "f": rng.choice((3, 5)), "b": rng.choice((16, 24, 32))}


def _bottleneck_steps(n: int, c_in: int, c_out: int, f: int, b: int) -> list[str]:
    first, second = n * n * b * c_in, n * n * c_out * f * f * b
    return [f"direct: {n} * {n} * {c_out} * ({f} * {f} * {c_in}) = {n * n * c_out * f * f * c_in}",
            f"1x1 to {b} channels: {n} * {n} * {b} * {c_in} = {first}",
            f"then {f}x{f} to {c_out}: {n} * {n} * {c_out} * ({f} * {f} * {b}) = {second}",
            f"with the bottleneck: {first} + {second} = {first + second}"]


bottleneck_cost = Question("bottleneck_cost", draw=_bottleneck, compare=Tuple(2, ("direct", "with the bottleneck")),
                           worked=_bottleneck_steps, hint="with the bottleneck, add the costs of both layers")


def _separable(rng: random.Random) -> dict:
    return {"n": rng.randint(3, 16), "f": rng.choice((3, 5)), "c_in": rng.choice((3, 8, 16, 32)),
            "c_out": rng.choice((5, 16, 32, 64))}


def _separable_steps(n: int, f: int, c_in: int, c_out: int) -> list[str]:
    return [f"normal: {n} * {n} * {c_out} * ({f} * {f} * {c_in}) = {n * n * c_out * f * f * c_in}",
            f"depthwise: {n} * {n} * {c_in} * ({f} * {f}) = {n * n * c_in * f * f} (one filter per channel)",
            f"pointwise: {n} * {n} * {c_out} * {c_in} = {n * n * c_out * c_in}"]


separable_cost = Question("separable_cost", draw=_separable, compare=Tuple(3, ("normal", "depthwise", "pointwise")),
                          worked=_separable_steps,
                          hint="the depthwise step has one f x f filter per input channel, not c_out of them")

separable_ratio = Question(
    "separable_ratio", draw=lambda rng: {"f": rng.choice((3, 5, 7)), "c_out": rng.choice((16, 32, 64, 128, 512))},
    compare=Close(rel=0.01),
    worked=lambda f, c_out: [f"1 / c_out + 1 / f^2 = 1 / {c_out} + 1 / {f * f} = {1 / c_out + 1 / f**2:.6g}"],
    hint="(depthwise + pointwise) / normal = 1 / c_out + 1 / f^2")
