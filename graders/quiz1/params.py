"""Quiz 1, parameters: how each question's variant is drawn, compared and worked."""
from __future__ import annotations

import random

from convgrade import Question, Tuple

conv_params = Question(
    "conv_params",
    draw=lambda rng: {"f": rng.choice((1, 3, 5, 7)), "n_c": rng.choice((1, 3, 16, 32, 64)),
                      "filters": rng.choice((6, 10, 16, 32, 64, 128))},
    worked=lambda f, n_c, filters: [
        f"(f * f * n_c + 1) * filters = ({f} * {f} * {n_c} + 1) * {filters} = {f * f * n_c + 1} * {filters}"
        f" = {(f * f * n_c + 1) * filters}"],
    hint="each filter has f * f * n_c weights and one bias")


def _convnet(rng: random.Random) -> dict:
    f1, f2 = rng.choice((3, 5)), rng.choice((3, 5))
    return {"n": rng.choice((28, 32, 39, 64)), "f1": f1, "c1": rng.choice((6, 8, 10, 16)), "f2": f2,
            "c2": rng.choice((16, 20, 32))}


convnet_params = Question(
    "convnet_params", draw=_convnet,
    worked=lambda n, f1, c1, f2, c2: [
        f"conv 1: ({f1} * {f1} * 3 + 1) * {c1} = {(f1 * f1 * 3 + 1) * c1}",
        "max-pool: no parameters",
        f"conv 2: ({f2} * {f2} * {c1} + 1) * {c2} = {(f2 * f2 * c1 + 1) * c2}",
        f"total: {(f1 * f1 * 3 + 1) * c1 + (f2 * f2 * c1 + 1) * c2} (the image size {n} does not matter)"],
    hint="a conv layer has (f * f * n_c_prev + 1) * filters parameters; its n_c_prev is the previous layer's filters")


def _fc_vs_conv(rng: random.Random) -> dict:
    f = rng.choice((3, 5))
    return {"n": rng.randint(f + 2, 32), "n_c": rng.choice((1, 3)), "f": f, "filters": rng.choice((4, 6, 8))}


def _fc_vs_conv_steps(n: int, n_c: int, f: int, filters: int) -> list[str]:
    side = n - f + 1
    inputs, outputs = n * n * n_c, side * side * filters
    return [f"output: {side} x {side} x {filters} = {outputs} numbers; input: {n} x {n} x {n_c} = {inputs}",
            f"fully connected: {inputs} * {outputs} + {outputs} = {inputs * outputs + outputs}",
            f"convolution: ({f} * {f} * {n_c} + 1) * {filters} = {(f * f * n_c + 1) * filters}"]


fc_vs_conv = Question("fc_vs_conv", draw=_fc_vs_conv, compare=Tuple(2, ("fully connected", "convolution")),
                      worked=_fc_vs_conv_steps,
                      hint="a fully connected layer has inputs * outputs weights and one bias per output")
