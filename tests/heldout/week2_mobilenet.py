"""Held-out mistakes of lessons 2.8-2.9 (see README.md): never pasted into graders/mistakes."""
import numpy as np

from convgrade import mistake


@mistake("depthwise_conv_forward", "np.pad on the batch axis and H instead of H and W")
def depthwise_conv_forward_pad_batch(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((p, p), (p, p), (0, 0), (0, 0)))
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H, n_W = (n_H_prev + 2 * p - f) // s + 1, (n_W_prev + 2 * p - f) // s + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_pad[i, h * s:h * s + f, w * s:w * s + f, :]  # (f, f, n_C)
                Z[i, h, w, :] = np.sum(window * W, axis=(0, 1)) + b[0, 0, 0, :]
    return Z


@mistake("depthwise_conv_forward", "the window's two axes swapped against W's in the einsum")
def depthwise_conv_forward_einsum_transposed(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]
    return np.einsum("mhwcqp,pqc->mhwc", windows, W) + b


@mistake("depthwise_conv_forward", "vert_start = h instead of h * stride")
def depthwise_conv_forward_start_h(A_prev, W, b, hparameters):
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H, n_W = (n_H_prev + 2 * p - f) // s + 1, (n_W_prev + 2 * p - f) // s + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            vert_start, horiz_start = h, w
            window = A_pad[:, vert_start:vert_start + f, horiz_start:horiz_start + f, :]  # (m, f, f, n_C)
            Z[:, h, w, :] = np.sum(window * W, axis=(1, 2)) + b[0, 0, 0]
    return Z


@mistake("depthwise_separable_forward", "the stride dropped from the depthwise step")
def depthwise_separable_forward_no_stride(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    Z_dw = depthwise_conv_forward(A_prev, W_dw, b_dw, {"stride": 1, "pad": hparameters["pad"]})  # noqa: F821
    return Z_dw @ W_pw[0, 0] + b_pw


@mistake("depthwise_separable_forward", "the pointwise bias b_pw left out")
def depthwise_separable_forward_no_pw_bias(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    Z_dw = depthwise_conv_forward(A_prev, W_dw, b_dw, hparameters)  # noqa: F821
    return np.einsum("mhwc,cd->mhwd", Z_dw, W_pw[0, 0])


@mistake("depthwise_separable_forward", "A_prev padded before depthwise_conv_forward pads it again")
def depthwise_separable_forward_pad_twice(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    p = hparameters["pad"]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    Z_dw = depthwise_conv_forward(A_pad, W_dw, b_dw, hparameters)  # noqa: F821
    return Z_dw @ W_pw[0, 0] + b_pw


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'depthwise_conv_forward_pad_batch': r'axes|batch',
    'depthwise_conv_forward_einsum_transposed': r'transpos|swapped|flipped',
    'depthwise_conv_forward_start_h': r'h\*stride|h \* stride|moved by 1|stride',
    'depthwise_separable_forward_no_stride': r'stride',
    'depthwise_separable_forward_no_pw_bias': r'b_pw|pointwise bias',
    'depthwise_separable_forward_pad_twice': r'twice|again',
}
