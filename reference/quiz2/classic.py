"""Quiz 2 (lessons 2.2-2.4): classic networks and ResNets. Each docstring is the question; each function its
answer."""
from __future__ import annotations

VGG_FILTERS = (64, 128, 256, 512, 512)


def alexnet_first(n, f, s, filters):
    """AlexNet's first layer: {filters} filters of size {f}x{f}, stride {s}, no padding, on an image of size {n}x{n}x3.
    What is the shape of its output, [n_H, n_W, n_C]?"""
    n_out = (n - f) // s + 1
    return n_out, n_out, filters


def vgg_shape(n, k):
    """VGG-16 (blocks of "same" 3x3 convolutions with 64, 128, 256, 512, 512 filters, each block followed by a
    2x2 max-pool with stride 2) takes an image of size {n}x{n}x3. What is the shape of the volume after block {k}'s
    pooling, [n_H, n_W, n_C]?"""
    side = n // 2**k
    return side, side, VGG_FILTERS[k - 1]


def resnet_shortcut(n, c_in, c_out, s):
    """A ResNet convolutional block takes a volume of size {n}x{n}x{c_in}; its shortcut is a 1x1 convolution with
    {c_out} filters and stride {s}, then BatchNorm. What is the shape of the shortcut's output, [n_H, n_W, n_C]?"""
    n_out = (n - 1) // s + 1
    return n_out, n_out, c_out
