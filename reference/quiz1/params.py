"""Quiz 1 (lessons 1.7, 1.8, 1.11): parameters. Each docstring is the question; each function its answer."""
from __future__ import annotations


def conv_params(f, n_c, filters):
    """A convolutional layer has {filters} filters of size {f}x{f} and its input has {n_c} channels.
    How many parameters (weights and biases) does it have?"""
    return (f * f * n_c + 1) * filters


def convnet_params(n, f1, c1, f2, c2):
    """A small ConvNet takes images of size {n}x{n}x3: conv ({c1} filters, {f1}x{f1}) -> max-pool 2x2 ->
    conv ({c2} filters, {f2}x{f2}). How many parameters (weights and biases) does it have in all?"""
    return (f1 * f1 * 3 + 1) * c1 + (f2 * f2 * c1 + 1) * c2


def fc_vs_conv(n, n_c, f, filters):
    """A volume of size {n}x{n}x{n_c} becomes a volume of {filters} channels through {filters} filters of size {f}x{f}
    (stride 1, no padding). How many parameters (with biases) would a fully connected layer between the same two
    volumes have, and how many does the convolution have? Answer [fully connected, convolution]."""
    n_out = n - f + 1
    inputs, outputs = n * n * n_c, n_out * n_out * filters
    return inputs * outputs + outputs, (f * f * n_c + 1) * filters
