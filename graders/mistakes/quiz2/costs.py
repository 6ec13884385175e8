"""Wrong answers students are likely to give in quiz 2's costs, named in the feedback."""
from convgrade import mistake


@mistake("conv1x1_cost", "the input's channels were forgotten", feedback=["conv1x1_cost: wrong answer"])
def conv1x1_cost_no_channels(n, c_in, c_out):
    return n * n * c_out


@mistake("bottleneck_cost", "the bottleneck layer's own cost was forgotten", feedback=["bottleneck_cost: wrong answer"])
def bottleneck_cost_no_first_layer(n, c_in, c_out, f, b):
    return n * n * c_out * f * f * c_in, n * n * c_out * f * f * b


@mistake("separable_cost", "the depthwise step was given c_out filters per channel",
         feedback=["separable_cost: wrong answer"])
def separable_cost_depthwise_times_out(n, f, c_in, c_out):
    return n * n * c_out * f * f * c_in, n * n * c_in * f * f * c_out, n * n * c_out * c_in


@mistake("separable_ratio", "the 1 / c_out term was forgotten", feedback=["separable_ratio: wrong answer"])
def separable_ratio_no_pointwise(f, c_out):
    return 1 / f**2
