"""Week 2, lessons 2.6-2.7: the Inception network.

An Inception module runs several filter sizes side by side (1x1, 3x3, 5x5 and a max-pool)
and stacks their outputs along the channels, letting the network learn which it needs.
The 3x3 and 5x5 branches first shrink the channels with a cheap 1x1 "bottleneck" conv,
which cuts the cost of the expensive conv about tenfold.

The cost model is plain integers; the module is torch (NCHW layout). In the module every
conv has a bias (there is no BatchNorm) and is followed by ReLU. Register the branches in the
order they are concatenated: the grader copies the reference's weights into yours in
`parameters()` order.
"""

import torch
from torch import nn


def bottleneck_cost(in_shape, out_channels, f, bottleneck_channels):
    """Multiplications of a "same" f x f conv, done directly and through a 1x1 bottleneck.

    The input is n_H x n_W x n_C and the output n_H x n_W x out_channels (same padding).
        direct          = n_H*n_W*out_channels * f*f*n_C
        with_bottleneck = n_H*n_W*bottleneck_channels * 1*1*n_C             (1x1 conv down)
                        + n_H*n_W*out_channels * f*f*bottleneck_channels   (f x f conv)

    Arguments:
    in_shape -- (n_H, n_W, n_C), the input shape of one example
    out_channels -- number of output channels of the f x f conv
    f -- filter size of the conv
    bottleneck_channels -- channels after the 1x1 bottleneck conv

    Returns:
    (direct, with_bottleneck) -- a tuple of two ints

    Example (the lecture's numbers):
        >>> bottleneck_cost((28, 28, 192), 32, 5, 16)  # about 120 million vs 12.4 million
        (120422400, 12443648)
    """
    # YOUR CODE HERE
    raise NotImplementedError


class InceptionModule(nn.Module):
    """An Inception module with four parallel branches, concatenated along the channels.

    Branches, in this order (every conv has a bias and is followed by ReLU):
        1. 1x1 conv, c1 filters
        2. 1x1 conv, c3_reduce filters -> 3x3 conv, c3 filters, padding 1
        3. 1x1 conv, c5_reduce filters -> 5x5 conv, c5 filters, padding 2
        4. max-pool 3x3, stride 1, padding 1 -> 1x1 conv, pool_proj filters
    Output: torch.cat of the four branch outputs on dim 1, in that order. Every branch keeps
    H and W, so the output has c1 + c3 + c5 + pool_proj channels and the input's size.

    Arguments:
    in_channels -- channels of the input
    c1 -- filters of the 1x1 branch
    c3_reduce, c3 -- filters of the 1x1 bottleneck and of the 3x3 conv
    c5_reduce, c5 -- filters of the 1x1 bottleneck and of the 5x5 conv
    pool_proj -- filters of the 1x1 conv after the max-pool

    Shapes: (N, in_channels, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W).

    Example (GoogLeNet's module 3a):
        >>> module = InceptionModule(192, 64, 96, 128, 16, 32, 32)
        >>> module(torch.zeros(1, 192, 28, 28)).shape
        torch.Size([1, 256, 28, 28])
    """

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, in_channels, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W)."""
        # YOUR CODE HERE
        raise NotImplementedError
