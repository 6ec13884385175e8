"""Quiz 1 (lessons 1.4-1.9): output sizes. Each docstring is the question; each function computes its answer."""
from __future__ import annotations


def output_size(n, f, p, s):
    """An image of size {n}x{n} is convolved with a filter of size {f}x{f}, with padding p = {p} and stride s = {s}.
    What is the height (= the width) of the output?"""
    return (n + 2 * p - f) // s + 1


def same_padding(n, f):
    """A "same" convolution of an image of size {n}x{n} with a filter of size {f}x{f} (stride 1) keeps the size {n}x{n}.
    How many rows of zeros does it pad on each side (p)?"""
    return (f - 1) // 2


def conv_volume(n, n_c, f, p, s, filters):
    """A convolutional layer with {filters} filters of size {f}x{f}, padding {p} and stride {s} is applied to a
    volume of {n}x{n}x{n_c}. What is the shape of its output volume, [n_H, n_W, n_C]?"""
    n_out = (n + 2 * p - f) // s + 1
    return n_out, n_out, filters


def pool_output(n, n_c, f, s):
    """A max-pooling layer with f = {f} and stride s = {s} (no padding) is applied to a volume of {n}x{n}x{n_c}.
    What is the shape of its output, [n_H, n_W, n_C]?"""
    n_out = (n - f) // s + 1
    return n_out, n_out, n_c


def flatten_size(n, n_c, f, s, filters):
    """The last convolutional layer of a ConvNet has {filters} filters of size {f}x{f}, stride {s} and no padding;
    its input is {n}x{n}x{n_c}. Its output is flattened into one vector for a fully connected layer.
    How many numbers does that vector hold?"""
    n_out = (n - f) // s + 1
    return n_out * n_out * filters
