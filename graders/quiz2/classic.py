"""Quiz 2, classic networks and ResNets: how each question's variant is drawn, compared and worked."""
from __future__ import annotations

import random

from convgrade import Question, Tuple

SHAPE = Tuple(3, ("n_H", "n_W", "n_C"))
VGG_FILTERS = (64, 128, 256, 512, 512)


def _alexnet(rng: random.Random) -> dict:
    f, s = rng.choice(((11, 4), (7, 2), (5, 2), (11, 3)))
    n_out = rng.randint(20, 60)
    return {"n": (n_out - 1) * s + f + rng.randint(0, s - 1), "f": f, "s": s, "filters": rng.choice((48, 64, 96))}


alexnet_first = Question(
    "alexnet_first", draw=_alexnet, compare=SHAPE,
    worked=lambda n, f, s, filters: [f"floor(({n} - {f}) / {s}) + 1 = {(n - f) // s + 1}; n_C = {filters} filters"],
    hint="n_out = floor((n + 2p - f) / s) + 1 with p = 0")


def _vgg(rng: random.Random) -> dict:
    k = rng.randint(1, 5)
    return {"n": 32 * rng.randint(1, 8), "k": k}  # a multiple of 2^5: every pooling halves it exactly


vgg_shape = Question(
    "vgg_shape", draw=_vgg, compare=SHAPE,
    worked=lambda n, k: [f"the same convolutions keep the size; {k} poolings halve it {k} times: "
                         f"{n} / 2^{k} = {n // 2**k}", f"block {k} has {VGG_FILTERS[k - 1]} filters"],
    hint="'same' convolutions keep n_H and n_W; each 2x2 pool with stride 2 halves them")


def _shortcut(rng: random.Random) -> dict:
    c_in = rng.choice((64, 256, 512, 1024))
    return {"n": rng.choice((7, 14, 28, 56, 15, 29)), "c_in": c_in, "c_out": 2 * c_in if c_in >= 256 else 256,
            "s": rng.choice((1, 2))}


resnet_shortcut = Question(
    "resnet_shortcut", draw=_shortcut, compare=SHAPE,
    worked=lambda n, c_in, c_out, s: [f"floor(({n} - 1) / {s}) + 1 = {(n - 1) // s + 1}; n_C = {c_out} filters"],
    hint="a 1x1 convolution with stride s: n_out = floor((n - 1) / s) + 1, so the shortcut matches the main path")
