"""Held-out mistakes of the backpropagation lesson (see README.md): never pasted into graders/mistakes."""
import numpy as np

from convgrade import mistake


@mistake("conv_backward", "dA_prev_pad[...] = instead of +=")
def conv_backward_overwrite(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    m, n_H, n_W, n_C = dZ.shape
    dA_prev, dW, db = np.zeros(A_prev.shape), np.zeros(W.shape), np.zeros(b.shape)
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_prev_pad = np.pad(dA_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for i in range(m):
        a_prev_pad, da_prev_pad = A_prev_pad[i], dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = a_prev_pad[vs:vs + f, hs:hs + f, :]
                    da_prev_pad[vs:vs + f, hs:hs + f, :] = W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db


@mistake("conv_backward", "the dA and dW updates swapped (a_slice for dA, W for dW)")
def conv_backward_updates_swapped(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    dW, db = np.zeros(W.shape), np.zeros(b.shape)
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = A_prev_pad[i, vs:vs + f, hs:hs + f, :]
                    dA_prev_pad[i, vs:vs + f, hs:hs + f, :] += a_slice * dZ[i, h, w, c]
                    dW[:, :, :, c] += W[:, :, :, c] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    return dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


@mistake("conv_backward", "the padding cut off with [pad:-pad] in the loop")
def conv_backward_minus_pad_loop(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    dA_prev, dW, db = np.zeros(A_prev.shape), np.zeros(W.shape), np.zeros(b.shape)
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    dA_prev_pad[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_prev_pad[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = dA_prev_pad[i, pad:-pad, pad:-pad, :]
    return dA_prev, dW, db


@mistake("conv_backward", "db[..., c] = dZ[i, h, w, c] overwrites instead of summing")
def conv_backward_db_overwrite(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    dW, db = np.zeros(W.shape), np.zeros(b.shape)
    A_prev_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_prev_pad = np.zeros(A_prev_pad.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    dA_prev_pad[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_prev_pad[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
                    db[:, :, :, c] = dZ[i, h, w, c]
    return dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


@mistake("create_mask_from_window", "a 0/1 array of x's dtype at the argmax")
def create_mask_argmax_numbers(x):
    mask = np.zeros_like(x)
    mask[np.unravel_index(np.argmax(x), x.shape)] = 1
    return mask


@mistake("create_mask_from_window", "the index of the maximum returned instead of a mask")
def create_mask_index(x):
    return np.argmax(x)


@mistake("create_mask_from_window", "np.max(x, axis=1) without keepdims")
def create_mask_row_max(x):
    return x == np.max(x, axis=1)


@mistake("distribute_value", "// for the average")
def distribute_value_floor_full(dz, shape):
    n_H, n_W = shape
    return np.full(shape, dz // (n_H * n_W))


@mistake("distribute_value", "dz copied, not divided")
def distribute_value_undivided(dz, shape):
    return np.ones(shape) * dz


@mistake("distribute_value", "a flat array of n_H * n_W values")
def distribute_value_flat(dz, shape):
    n_H, n_W = shape
    return np.ones(n_H * n_W) * dz / (n_H * n_W)


@mistake("pool_backward", "max and average swapped")
def pool_backward_modes_swapped(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "average":
                        mask = create_mask_from_window(A_prev[i, vs:vs + f, hs:hs + f, c])  # noqa: F821
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += distribute_value(dA[i, h, w, c], (f, f))  # noqa: F821
    return dA_prev


@mistake("pool_backward", "dA_prev[...] = instead of +=")
def pool_backward_overwrite(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        mask = create_mask_from_window(a_prev[vs:vs + f, hs:hs + f, c])  # noqa: F821
                        dA_prev[i, vs:vs + f, hs:hs + f, c] = mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] = distribute_value(dA[i, h, w, c], (f, f))  # noqa: F821
    return dA_prev


@mistake("pool_backward", "the mask taken over all channels of the window")
def pool_backward_mask_all_channels(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        a_prev_slice = A_prev[i, vs:vs + f, hs:hs + f]
                        mask = a_prev_slice == np.max(a_prev_slice)
                        dA_prev[i, vs:vs + f, hs:hs + f, :] += mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += dA[i, h, w, c] / (f * f)
    return dA_prev


@mistake("pool_backward", "the loop sizes read from A_prev instead of dA")
def pool_backward_sizes_from_input(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = A_prev.shape
    dA_prev = np.zeros(A_prev.shape)
    if mode not in ("max", "average"):
        raise ValueError(mode)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    window = A_prev[i, vs:vs + f, hs:hs + f, c]
                    if mode == "max":
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += (window == np.max(window)) * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += np.ones((f, f)) * dA[i, h, w, c] / (f * f)
    return dA_prev


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'conv_backward_overwrite': r'\+=',
    'conv_backward_updates_swapped': r'swapped|a_slice.*W|W.*a_slice',
    'conv_backward_minus_pad_loop': r'pad:-pad|-pad',
    'conv_backward_db_overwrite': r'db',
    'create_mask_argmax_numbers': r'argmax|first',
    'create_mask_index': r'index|argmax|position',
    'create_mask_row_max': r'axis|row|column',
    'distribute_value_floor_full': r'//|integer',
    'distribute_value_undivided': r'not divided|undivided|copied|no division|without dividing',
    'distribute_value_flat': r'flat|shape|1-d|one-dimensional',
    'pool_backward_modes_swapped': r'swapped|mixed up',
    'pool_backward_overwrite': r'\+=',
    'pool_backward_mask_all_channels': r'channel',
    'pool_backward_sizes_from_input': r'A_prev|sizes|shape',
}
