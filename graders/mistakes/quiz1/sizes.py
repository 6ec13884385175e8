"""Wrong answers students are likely to give in quiz 1's output sizes, named in the feedback."""
from convgrade import mistake



def _side(n, f, p, s):
    return (n + 2 * p - f) // s + 1


@mistake("output_size", "the stride was ignored", feedback=["output_size: wrong answer"])
def output_size_no_stride(n, f, p, s):
    return n + 2 * p - f + 1


@mistake("output_size", "the padding was counted once instead of on both sides",
         feedback=["output_size: wrong answer"])
def output_size_one_pad(n, f, p, s):
    return (n + p - f) // s + 1


@mistake("output_size", "the + 1 was left out", feedback=["output_size: wrong answer"])
def output_size_no_plus_one(n, f, p, s):
    return (n + 2 * p - f) // s


@mistake("same_padding", "the padding was counted once (p = f - 1, not (f - 1) / 2)",
         feedback=["same_padding: wrong answer"])
def same_padding_once(n, f):
    return f - 1


@mistake("conv_volume", "the output kept the input's channels (n_C is the number of filters)",
         feedback=["conv_volume: wrong answer"])
def conv_volume_input_channels(n, n_c, f, p, s, filters):
    return _side(n, f, p, s), _side(n, f, p, s), n_c


@mistake("conv_volume", "the stride was ignored", feedback=["conv_volume: wrong answer"])
def conv_volume_no_stride(n, n_c, f, p, s, filters):
    return _side(n, f, p, 1), _side(n, f, p, 1), filters


@mistake("pool_output", "the stride was ignored", feedback=["pool_output: wrong answer"])
def pool_output_no_stride(n, n_c, f, s):
    return n - f + 1, n - f + 1, n_c


@mistake("flatten_size", "the channels were left out (n_H * n_W only)", feedback=["flatten_size: wrong answer"])
def flatten_size_no_channels(n, n_c, f, s, filters):
    return _side(n, f, 0, s) ** 2
