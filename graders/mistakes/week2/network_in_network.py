"""Realistic wrong answers to lesson 2.5, each with the feedback lines it must produce."""
import numpy as np

from convgrade import mistake


# conv1x1_forward

@mistake("conv1x1_forward", "W[0, 0] was transposed (W[0, 0].T is (n_C, n_C_prev))",
         feedback=["conv1x1_forward: Z has wrong values", "first difference at Z[0, 0, 0, 0]: got 1.0, expected 2.0"])
def conv1x1_forward_transposed(A_prev, W, b):
    return A_prev @ W[0, 0].T + b


@mistake("conv1x1_forward", "the products were summed over the output channels (axis=-1) instead of the input "
                            "channels (axis=-2)",
         feedback=["conv1x1_forward: Z has the wrong shape", "got (1, 1, 1, 2), expected (1, 1, 1, 1)"])
def conv1x1_forward_wrong_axis(A_prev, W, b):
    products = A_prev[..., None] * W[0, 0]  # (m, n_H, n_W, n_C_prev, n_C)
    return np.sum(products, axis=-1) + b


@mistake("conv1x1_forward", "the rows were reshaped back as (m, n_W, n_H, n_C): H and W swapped",
         feedback=["conv1x1_forward: output has the wrong shape"])
def conv1x1_forward_reshaped_w_h(A_prev, W, b):
    m, n_H, n_W, n_C_prev = A_prev.shape
    rows = A_prev.reshape(m * n_H * n_W, n_C_prev) @ W[0, 0]  # (m*n_H*n_W, n_C)
    return rows.reshape(m, n_W, n_H, -1) + b


@mistake("conv1x1_forward", "a ReLU was applied: the 1x1 convolution here has no activation",
         feedback=["conv1x1_forward: Z has wrong values",
                   "first difference at Z[0, 0, 0, 0]: got 0.0, expected -1.0"])
def conv1x1_forward_relu(A_prev, W, b):
    return np.maximum(A_prev @ W[0, 0] + b, 0)


@mistake("conv1x1_forward", "every output channel got the first filter's bias b[..., 0]",
         feedback=["conv1x1_forward: Z has wrong values", "first difference at Z[0, 0, 0, 1]: got 0.0, expected 1.0"])
def conv1x1_forward_first_bias(A_prev, W, b):
    return A_prev @ W[0, 0] + b[0, 0, 0, 0]


@mistake("conv1x1_forward", "the bias b was not added",
         feedback=["conv1x1_forward: Z has wrong values", "first difference at Z[0, 0, 0, 0]: got 0.0, expected 1.0"])
def conv1x1_forward_no_bias(A_prev, W, b):
    return A_prev @ W[0, 0]


# conv_multiplications

@mistake("conv_multiplications", "the input channels n_c_prev were left out (n_H * n_W * n_C * f * f)",
         feedback=["conv_multiplications: conv_multiplications((28, 28, 32), 5, 192) is wrong",
                   "got 627200, expected 120422400"])
def conv_multiplications_no_channels(out_shape, f, n_c_prev):
    n_H, n_W, n_C = out_shape
    return n_H * n_W * n_C * f * f


@mistake("conv_multiplications", "out_shape was taken for the input's size (n_H - f + 1 output rows)",
         feedback=["conv_multiplications: conv_multiplications((28, 28, 32), 5, 192) is wrong",
                   "got 88473600, expected 120422400"])
def conv_multiplications_input_size(out_shape, f, n_c_prev):
    n_H, n_W, n_C = out_shape
    return (n_H - f + 1) * (n_W - f + 1) * n_C * f * f * n_c_prev


@mistake("conv_multiplications", "the filter was counted as f values, not f * f",
         feedback=["conv_multiplications: conv_multiplications((28, 28, 32), 5, 192) is wrong",
                   "got 24084480, expected 120422400"])
def conv_multiplications_f_once(out_shape, f, n_c_prev):
    n_H, n_W, n_C = out_shape
    return n_H * n_W * n_C * f * n_c_prev
