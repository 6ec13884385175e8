"""Quiz 2 (lessons 2.5-2.9): the cost of 1x1, bottleneck and depthwise-separable convolutions. Each docstring is
the question; each function its answer."""
from __future__ import annotations


def conv1x1_cost(n, c_in, c_out):
    """A 1x1 convolution with {c_out} filters is applied to a volume of size {n}x{n}x{c_in}. How many multiplications
    does it compute?"""
    return n * n * c_out * c_in


def bottleneck_cost(n, c_in, c_out, f, b):
    """A "same" {f}x{f} convolution takes a volume of size {n}x{n}x{c_in} to {n}x{n}x{c_out}. Inception puts a 1x1
    bottleneck layer of {b} filters before it. How many multiplications does each version compute?
    Answer [direct, with the bottleneck]."""
    direct = n * n * c_out * f * f * c_in
    return direct, n * n * b * c_in + n * n * c_out * f * f * b


def separable_cost(n, f, c_in, c_out):
    """An output of size {n}x{n}x{c_out} is computed from an input of {c_in} channels with {f}x{f} filters
    (n = {n} is the output's side). How many multiplications does a normal convolution compute, and the
    depthwise and the pointwise steps of a depthwise-separable one? Answer [normal, depthwise, pointwise]."""
    return n * n * c_out * f * f * c_in, n * n * c_in * f * f, n * n * c_out * c_in


def separable_ratio(f, c_out):
    """A depthwise-separable convolution with {f}x{f} filters and {c_out} output channels replaces a normal one.
    Its cost is what fraction of the normal convolution's cost (a number below 1)?"""
    return 1 / c_out + 1 / f**2
