"""Quiz 1, output sizes: how each question's variant is drawn (valid by construction), compared and worked."""
from __future__ import annotations

import random

from convgrade import Exact, Question, Tuple

SHAPE = Tuple(3, ("n_H", "n_W", "n_C"))


def _conv(rng: random.Random) -> dict:
    """n built from the output side, so that (n + 2p - f) / s + 1 is a whole number of at least 4 (plus a rest r
    the floor drops) and p <= (f - 1) / 2 keeps n >= 4."""
    f, s = rng.choice((3, 5, 7)), rng.randint(1, 3)
    p, n_out, r = rng.randint(0, (f - 1) // 2), rng.randint(4, 20), rng.randint(0, s - 1)
    return {"n": (n_out - 1) * s + f - 2 * p + r, "f": f, "p": p, "s": s}


def _steps(n: int, f: int, p: int, s: int) -> list[str]:
    return [f"n_out = floor((n + 2p - f) / s) + 1 = floor(({n} + 2*{p} - {f}) / {s}) + 1",
            f"      = floor({n + 2 * p - f} / {s}) + 1 = {(n + 2 * p - f) // s} + 1 = {(n + 2 * p - f) // s + 1}"]


output_size = Question("output_size", draw=_conv, compare=Exact(), worked=_steps,
                       hint="n_out = floor((n + 2p - f) / s) + 1")

same_padding = Question(
    "same_padding", draw=lambda rng: {"n": rng.randint(5, 64), "f": rng.choice((3, 5, 7, 9, 11))},
    worked=lambda n, f: [f"n + 2p - f + 1 = n  =>  p = (f - 1) / 2 = ({f} - 1) / 2 = {(f - 1) // 2}"],
    hint="p = (f - 1) / 2: the padding is added on both sides")


def _volume(rng: random.Random) -> dict:
    conv = _conv(rng)
    return {"n": conv["n"], "n_c": rng.choice((1, 3, 8, 16, 32)), "f": conv["f"], "p": conv["p"], "s": conv["s"],
            "filters": rng.choice((4, 6, 8, 10, 16, 32, 64))}


conv_volume = Question(
    "conv_volume", draw=_volume, compare=SHAPE,
    worked=lambda n, n_c, f, p, s, filters: [*_steps(n, f, p, s), f"n_C = the number of filters = {filters}"],
    hint="n_H = n_W = floor((n + 2p - f) / s) + 1; n_C is the number of filters")


def _pool(rng: random.Random) -> dict:
    f, s = rng.choice(((2, 2), (3, 2), (3, 3), (2, 1)))
    n_out, r = rng.randint(2, 28), rng.randint(0, s - 1)
    return {"n": (n_out - 1) * s + f + r, "n_c": rng.choice((3, 6, 16, 32, 64)), "f": f, "s": s}


pool_output = Question(
    "pool_output", draw=_pool, compare=SHAPE,
    worked=lambda n, n_c, f, s: [*_steps(n, f, 0, s), f"n_C = the input's channels = {n_c} (pooling is per channel)"],
    hint="pooling: n_out = floor((n - f) / s) + 1, and the channels stay as they are")


def _last(rng: random.Random) -> dict:
    f, s = rng.choice((3, 5)), rng.randint(1, 2)
    n_out, r = rng.randint(3, 10), rng.randint(0, s - 1)
    return {"n": (n_out - 1) * s + f + r, "n_c": rng.choice((16, 20, 32)), "f": f, "s": s,
            "filters": rng.choice((20, 40, 64))}


flatten_size = Question(
    "flatten_size", draw=_last,
    worked=lambda n, n_c, f, s, filters: [
        *_steps(n, f, 0, s),
        f"{(n - f) // s + 1} x {(n - f) // s + 1} x {filters} = {((n - f) // s + 1) ** 2 * filters}"],
    hint="the vector holds n_H * n_W * n_C numbers")
