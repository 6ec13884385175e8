"""Held-out mistakes of lesson 2.5 (see README.md): never pasted into graders/mistakes."""
import numpy as np

from convgrade import mistake


@mistake("conv1x1_forward", "the rows reshaped back as (m, n_W, n_H, n_C)")
def conv1x1_forward_reshape_swapped(A_prev, W, b):
    m, n_H, n_W, n_C_prev = A_prev.shape
    n_C = W.shape[3]
    Z = A_prev.reshape(-1, n_C_prev) @ W.reshape(n_C_prev, n_C)  # (m*n_H*n_W, n_C)
    return Z.reshape(m, n_W, n_H, n_C) + b


@mistake("conv1x1_forward", "a ReLU after the 1x1 convolution")
def conv1x1_forward_relu(A_prev, W, b):
    return np.maximum(np.einsum("mhwc,cd->mhwd", A_prev, W[0, 0]) + b, 0)


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'conv1x1_forward_reshape_swapped': r'swapped|n_W, n_H|reshape',
    'conv1x1_forward_relu': r'relu',
}
