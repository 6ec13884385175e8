"""Wrong answers students are likely to give in quiz 2's MobileNet and EfficientNet questions."""
from convgrade import mistake


@mistake("expansion_shape", "the expansion was forgotten (the channels are t * c_in)",
         feedback=["expansion_shape: wrong answer"])
def expansion_shape_no_expansion(n, c_in, t, s):
    return (n - 1) // s + 1, (n - 1) // s + 1, c_in


@mistake("expansion_shape", "the depthwise step's stride was ignored", feedback=["expansion_shape: wrong answer"])
def expansion_shape_no_stride(n, c_in, t, s):
    return n, n, t * c_in


@mistake("scaled_resolution", "phi multiplied gamma instead of being its exponent",
         feedback=["scaled_resolution: wrong answer"])
def scaled_resolution_times_phi(phi, r):
    return r * 1.15 * phi


@mistake("scaled_resolution", "beta (the width's coefficient) was used", feedback=["scaled_resolution: wrong answer"])
def scaled_resolution_beta(phi, r):
    return r * 1.1**phi


@mistake("scaling_dimension", "alpha and beta were swapped (alpha scales depth, beta width)",
         feedback=["scaling_dimension: wrong answer"])
def scaling_dimension_swapped(letter):
    return {"alpha": "width", "beta": "depth", "gamma": "resolution"}[letter]
