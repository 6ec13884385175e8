"""Week 2, lesson 2.5: 1x1 convolutions ("network in network").

A 1x1 convolution looks at one pixel at a time, across all its channels: it is the same fully
connected layer applied at every position (h, w). It changes the number of channels (shrinks
or grows n_C) without touching n_H and n_W, and it is cheap: the cost of a convolution grows
with f*f.

numpy, the course's NHWC layout: A_prev (m, n_H, n_W, n_C_prev), W (1, 1, n_C_prev, n_C),
b (1, 1, 1, n_C), float64.
"""

import numpy as np


def conv1x1_forward(A_prev, W, b):
    """Forward pass of a 1x1 convolution (stride 1, no padding, no activation).

    At every pixel the n_C_prev channel values form a vector x, and the output there is
    x @ W[0, 0] + b, a fully connected layer from n_C_prev to n_C units:
        Z[i, h, w, c] = sum_k A_prev[i, h, w, k] * W[0, 0, k, c] + b[0, 0, 0, c]
    No loop needed: matmul (@) works on the last axis and broadcasts over m, n_H and n_W.

    Arguments:
    A_prev -- (m, n_H, n_W, n_C_prev) input activations
    W -- (1, 1, n_C_prev, n_C) weights
    b -- (1, 1, 1, n_C) biases

    Returns:
    Z -- (m, n_H, n_W, n_C) array, same dtype as the inputs (float64)

    Example:
        >>> A_prev = np.arange(6.0).reshape(1, 1, 2, 3)  # two pixels: [0, 1, 2] and [3, 4, 5]
        >>> W = np.ones((1, 1, 3, 1))                   # one filter: sum of the channels
        >>> b = np.full((1, 1, 1, 1), 0.5)
        >>> conv1x1_forward(A_prev, W, b)[0, 0, :, 0]
        array([ 3.5, 12.5])
    """
    return A_prev @ W[0, 0] + b  # (m, n_H, n_W, n_C_prev) @ (n_C_prev, n_C) -> (m, n_H, n_W, n_C)


def conv_multiplications(out_shape, f, n_c_prev):
    """Number of multiplications a convolution layer needs to compute its output once.

    Every output value is one f x f x n_c_prev filter applied to one window, which costs
    f*f*n_c_prev multiplications, and there are n_H*n_W*n_C output values:
        multiplications = n_H * n_W * n_C * f * f * n_c_prev

    Arguments:
    out_shape -- (n_H, n_W, n_C), the shape of the layer's output for one example
    f -- filter size
    n_c_prev -- number of input channels

    Returns:
    n -- int, the number of multiplications

    Example (the lecture's numbers, 28x28x192 input):
        >>> conv_multiplications((28, 28, 32), 5, 192)  # 32 filters 5x5
        120422400
        >>> conv_multiplications((28, 28, 16), 1, 192)  # 16 filters 1x1
        2408448
    """
    n_H, n_W, n_C = out_shape
    return n_H * n_W * n_C * f * f * n_c_prev
