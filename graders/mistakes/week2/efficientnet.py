"""Realistic wrong answers to lesson 2.10, each with the feedback lines it must produce."""
import math
from decimal import Decimal

import numpy as np

from convgrade import mistake


# compound_scaling

@mistake("compound_scaling", "the bases were multiplied by phi (alpha * phi) instead of raised to it (alpha ** phi)",
         feedback=["compound_scaling: compound_scaling(0)[0] has the wrong value",
                   "got 0.0, expected 1.0 (tolerance rtol=1e-09, atol=0)"])
def compound_scaling_times(phi, alpha=1.2, beta=1.1, gamma=1.15):
    return alpha * phi, beta * phi, gamma * phi


@mistake("compound_scaling", "phi was raised to the bases (phi ** alpha)",
         feedback=["compound_scaling: compound_scaling(0)[0] has the wrong value",
                   "got 0.0, expected 1.0 (tolerance rtol=1e-09, atol=0)"])
def compound_scaling_phi_power(phi, alpha=1.2, beta=1.1, gamma=1.15):
    return phi ** alpha, phi ** beta, phi ** gamma


@mistake("compound_scaling", "width and depth come in the wrong order ((width, depth, resolution))",
         feedback=["compound_scaling: compound_scaling(1)[0] has the wrong value",
                   "got 1.1, expected 1.2 (tolerance rtol=1e-09, atol=0)"])
def compound_scaling_swapped(phi, alpha=1.2, beta=1.1, gamma=1.15):
    return beta ** phi, alpha ** phi, gamma ** phi


@mistake("compound_scaling", "the published 1.2, 1.1, 1.15 were used instead of the alpha, beta, gamma passed in",
         feedback=["compound_scaling: (depth, width, resolution)[0] has the wrong value",
                   "got 1.2, expected 2.0 (tolerance rtol=1e-09, atol=0)"])
def compound_scaling_fixed_bases(phi, alpha=1.2, beta=1.1, gamma=1.15):
    return 1.2 ** phi, 1.1 ** phi, 1.15 ** phi


# round_filters

@mistake("round_filters", "Python's round() was used (it rounds halves to even: round(6.5) == 6)",
         feedback=["round_filters: round_filters(52, 1.0) is wrong", "got 48, expected 56"])
def round_filters_round(channels, width_mult, divisor=8):
    c = channels * width_mult
    new = max(divisor, round(c / divisor) * divisor)
    if new < 0.9 * c:
        new += divisor
    return int(new)


@mistake("round_filters", "the 'never lose more than 10 %' step (new < 0.9 * c: add divisor) is missing",
         feedback=["round_filters: round_filters(16, 1.2) (EfficientNet-B3) is wrong", "got 16, expected 24"])
def round_filters_no_ten_percent(channels, width_mult, divisor=8):
    c = channels * width_mult
    return max(divisor, int(c + divisor / 2) // divisor * divisor)


@mistake("round_filters", "the result is a float: (c + divisor / 2) // divisor floors a float",
         feedback=["round_filters: round_filters(32, 1.0) (EfficientNet-B0) is a float (32.0), expected an int"])
def round_filters_float(channels, width_mult, divisor=8):
    c = channels * width_mult
    new = max(divisor, (c + divisor / 2) // divisor * divisor)
    if new < 0.9 * c:
        new += divisor
    return new


@mistake("round_filters", "the divisor was fixed at 8, whatever the divisor argument",
         feedback=["round_filters: round_filters(13, 1.0, 2) is wrong", "got 16, expected 14",
                   "round_filters: new = 8 is not a multiple of divisor"])
def round_filters_fixed_divisor(channels, width_mult, divisor=8):
    c = channels * width_mult
    new = max(8, int(c + 4) // 8 * 8)
    if new < 0.9 * c:
        new += 8
    return new


# round_repeats

@mistake("round_repeats", "round() was used instead of math.ceil",
         feedback=["round_repeats: round_repeats(1, 1.1) (EfficientNet-B1) is wrong", "got 1, expected 2"])
def round_repeats_round(repeats, depth_mult):
    return round(depth_mult * repeats)


@mistake("round_repeats", "int() was used, which rounds down instead of up",
         feedback=["round_repeats: round_repeats(1, 1.1) (EfficientNet-B1) is wrong", "got 1, expected 2"])
def round_repeats_int(repeats, depth_mult):
    return int(depth_mult * repeats)


@mistake("round_repeats", "np.ceil was used, which returns a float",
         feedback=["round_repeats: round_repeats(1, 1.0) (EfficientNet-B0) is a numpy float64 scalar (1.0), "
                   "expected an int"])
def round_repeats_np_ceil(repeats, depth_mult):
    return np.ceil(depth_mult * repeats)


@mistake("round_repeats", "the product was computed in exact decimal arithmetic, not in floating point as published",
         feedback=["round_repeats: round_repeats(50, 1.1) is wrong", "got 55, expected 56"])
def round_repeats_exact(repeats, depth_mult):
    return math.ceil(Decimal(str(depth_mult)) * repeats)
