"""Week 2, lesson 2.10: EfficientNet, compound scaling.

Given a baseline network (EfficientNet-B0), scale its depth (number of layers), width
(number of channels) and input resolution together, with one knob phi:
    depth = alpha**phi,  width = beta**phi,  resolution = gamma**phi
with alpha * beta**2 * gamma**2 ~= 2, so each step of phi roughly doubles the FLOPs.
The multipliers are then turned into whole numbers of channels and of repeated blocks
with the two rounding rules of the published code (round_filters, round_repeats).
"""

import math


def compound_scaling(phi, alpha=1.2, beta=1.1, gamma=1.15):
    """Depth, width and resolution multipliers for the compound coefficient phi.

        (depth, width, resolution) = (alpha**phi, beta**phi, gamma**phi)

    Arguments:
    phi -- compound coefficient (0 gives the baseline; may be fractional)
    alpha, beta, gamma -- per-dimension bases found by grid search on B0

    Returns:
    (depth, width, resolution) -- a tuple of three floats

    Example:
        >>> compound_scaling(0)
        (1.0, 1.0, 1.0)
        >>> compound_scaling(1)  # FLOPs grow by 1.2 * 1.1**2 * 1.15**2 ~= 1.92
        (1.2, 1.1, 1.15)
    """
    return alpha ** phi, beta ** phi, gamma ** phi


def round_filters(channels, width_mult, divisor=8):
    """Number of channels after width scaling, rounded to a multiple of divisor.

    The published rule:
        c = channels * width_mult
        new = max(divisor, int(c + divisor / 2) // divisor * divisor)   # nearest multiple
        if new < 0.9 * c: new += divisor                                 # never lose > 10 %

    Arguments:
    channels -- channels of the baseline layer
    width_mult -- width multiplier
    divisor -- the result is a multiple of it (and at least divisor)

    Returns:
    new -- int, the scaled number of channels

    Example:
        >>> round_filters(32, 2.0)   # EfficientNet-B7's stem
        64
        >>> round_filters(16, 1.4)   # 22.4 -> 24
        24
        >>> round_filters(19, 1.0)   # nearest multiple 16 < 0.9 * 19, so one more step
        24
    """
    c = channels * width_mult
    new = max(divisor, int(c + divisor / 2) // divisor * divisor)
    if new < 0.9 * c:
        new += divisor
    return int(new)


def round_repeats(repeats, depth_mult):
    """Number of times a block is repeated after depth scaling: always rounded up.

        math.ceil(depth_mult * repeats), computed in floating point as published.

    Arguments:
    repeats -- repeats of the block in the baseline
    depth_mult -- depth multiplier

    Returns:
    n -- int, the scaled number of repeats

    Example:
        >>> round_repeats(3, 1.4)    # 4.2 -> 5
        5
        >>> round_repeats(10, 1.1)   # 1.1 * 10 rounds to exactly 11.0
        11
        >>> round_repeats(50, 1.1)   # but 1.1 * 50 is 55.00000000000001, so 56
        56
    """
    return int(math.ceil(depth_mult * repeats))


# --- catalogued mistake ---
import math
from decimal import Decimal
import numpy as np

def round_repeats(repeats, depth_mult):
    return round(depth_mult * repeats)