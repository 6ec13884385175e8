"""Wrong answers students are likely to give in quiz 1's parameter counts, named in the feedback."""
from convgrade import mistake


@mistake("conv_params", "the biases were forgotten", feedback=["conv_params: wrong answer"])
def conv_params_no_bias(f, n_c, filters):
    return f * f * n_c * filters


@mistake("conv_params", "the input's channels were forgotten (f * f weights per filter)",
         feedback=["conv_params: wrong answer"])
def conv_params_no_channels(f, n_c, filters):
    return (f * f + 1) * filters


@mistake("convnet_params", "the biases were forgotten", feedback=["convnet_params: wrong answer"])
def convnet_params_no_bias(n, f1, c1, f2, c2):
    return f1 * f1 * 3 * c1 + f2 * f2 * c1 * c2


@mistake("convnet_params", "the second convolution's input was taken as 3 channels (it has the first's filters)",
         feedback=["convnet_params: wrong answer"])
def convnet_params_three_channels(n, f1, c1, f2, c2):
    return (f1 * f1 * 3 + 1) * c1 + (f2 * f2 * 3 + 1) * c2


@mistake("fc_vs_conv", "the biases were forgotten", feedback=["fc_vs_conv: wrong answer"])
def fc_vs_conv_no_bias(n, n_c, f, filters):
    side = n - f + 1
    return n * n * n_c * side * side * filters, f * f * n_c * filters
