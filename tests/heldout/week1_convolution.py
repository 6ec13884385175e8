"""Held-out mistakes of lessons 1.5-1.7 (see README.md): never pasted into graders/mistakes."""
import numpy as np

from convgrade import mistake


@mistake("conv_single_step", "float(b) of the (1, 1, 1) bias")
def conv_single_step_float_b(a_slice_prev, W, b):
    s = np.multiply(a_slice_prev, W)
    return np.sum(s) + float(b)


@mistake("conv_single_step", "np.mean instead of np.sum")
def conv_single_step_mean(a_slice_prev, W, b):
    return float(np.mean(a_slice_prev * W)) + b.item()


@mistake("conv_single_step", "np.sum over the window's two spatial axes only")
def conv_single_step_sum_axes(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W, axis=(0, 1)) + b.item()


@mistake("conv_forward", "the slice takes channel c only")
def conv_forward_channel_c(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev + 2 * pad - f) / stride) + 1
    n_W = int((n_W_prev + 2 * pad - f) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice_prev = a_prev_pad[vs:vs + f, hs:hs + f, c]
                    Z[i, h, w, c] = np.sum(a_slice_prev * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "range(n_H - f) instead of range(n_H)")
def conv_forward_range_short(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(n_H - f):
            for w in range(n_W - f):
                for c in range(n_C):
                    a_slice = A_prev_pad[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                    Z[i, h, w, c] = np.sum(a_slice * W[..., c]) + b[..., c].item()
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the loops step by the stride and the slices multiply by it again")
def conv_forward_stride_twice(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(0, n_H, stride):
            for w in range(0, n_W, stride):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    Z[i, h, w, c] = np.sum(A_prev_pad[i, vs:vs + f, hs:hs + f, :] * W[..., c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "np.pad on the batch axis and H instead of H and W")
def conv_forward_pad_batch(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((pad, pad), (pad, pad), (0, 0), (0, 0)))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(A_prev_pad[i, vs:vs + f, hs:hs + f, :] * W[..., c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the bias added inside the sum, once per product")
def conv_forward_bias_in_sum(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(A_prev_pad[i, vs:vs + f, hs:hs + f, :] * W[..., c] + b[..., c])
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "Z made as float32")
def conv_forward_float32(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C), dtype=np.float32)
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(A_prev_pad[i, vs:vs + f, hs:hs + f, :] * W[..., c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the window's rows come from w and its columns from h")
def conv_forward_window_transposed(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vert_start, horiz_start = h * stride, w * stride
                a_slice = A_prev_pad[i, horiz_start:horiz_start + f, vert_start:vert_start + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(a_slice * W[..., c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_forward", "the output size leaves out the padding")
def conv_forward_size_without_pad(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(A_prev_pad[i, vs:vs + f, hs:hs + f, :] * W[..., c]) + b[0, 0, 0, c]
    return Z, (A_prev, W, b, hparameters)


@mistake("conv_layer_forward", "np.maximum of conv_forward's (Z, cache) tuple")
def conv_layer_forward_relu_of_tuple(A_prev, W, b, hparameters):
    return np.maximum(conv_forward(A_prev, W, b, hparameters), 0)  # noqa: F821 - the lesson's own


@mistake("conv_layer_forward", "a leaky ReLU")
def conv_layer_forward_leaky(A_prev, W, b, hparameters):
    Z, _ = conv_forward(A_prev, W, b, hparameters)  # noqa: F821 - the lesson's own
    return np.where(Z > 0, Z, 0.01 * Z)


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'conv_single_step_float_b': r'float\(b\)|float\(\)',
    'conv_single_step_mean': r'mean|average',
    'conv_single_step_sum_axes': r'axes|axis',
    'conv_forward_channel_c': r'channel',
    'conv_forward_range_short': r'range|short|last',
    'conv_forward_stride_twice': r'stride.*twice|twice',
    'conv_forward_pad_batch': r'axes|batch',
    'conv_forward_bias_in_sum': r'bias.*(every product|inside|each product|per product)',
    'conv_forward_float32': r'float32|dtype',
    'conv_forward_window_transposed': r'swapped|transpos|rows.*columns',
    'conv_forward_size_without_pad': r'pad',
    'conv_layer_forward_relu_of_tuple': r'tuple|cache',
    'conv_layer_forward_leaky': r'leaky|0\.01|negative',
}
