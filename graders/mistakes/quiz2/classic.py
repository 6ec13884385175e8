"""Wrong answers students are likely to give in quiz 2's classic networks, named in the feedback."""
from convgrade import mistake


@mistake("alexnet_first", "the stride was ignored", feedback=["alexnet_first: wrong answer"])
def alexnet_first_no_stride(n, f, s, filters):
    return n - f + 1, n - f + 1, filters


@mistake("vgg_shape", "the poolings were forgotten (only the convolutions counted)",
         feedback=["vgg_shape: wrong answer"])
def vgg_shape_no_pooling(n, k):
    return n, n, (64, 128, 256, 512, 512)[k - 1]


@mistake("vgg_shape", "one pooling too few (block k's pooling not counted)", feedback=["vgg_shape: wrong answer"])
def vgg_shape_one_pool_short(n, k):
    return n // 2 ** (k - 1), n // 2 ** (k - 1), (64, 128, 256, 512, 512)[k - 1]


@mistake("resnet_shortcut", "the shortcut's stride was ignored", feedback=["resnet_shortcut: wrong answer"])
def resnet_shortcut_no_stride(n, c_in, c_out, s):
    return n, n, c_out


@mistake("resnet_shortcut", "the shortcut kept the input's channels", feedback=["resnet_shortcut: wrong answer"])
def resnet_shortcut_input_channels(n, c_in, c_out, s):
    return (n - 1) // s + 1, (n - 1) // s + 1, c_in
