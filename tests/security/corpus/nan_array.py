"""The right shape and dtype, every value NaN: the shape check passes (the shape is right), nothing else.

status: partial
passes: output shape
feedback: X_pad has wrong values
feedback: got nan, expected
"""


def zero_pad(X, pad):
    m, n_H, n_W, n_C = X.shape
    return np.full((m, n_H + 2 * pad, n_W + 2 * pad, n_C), np.nan, dtype=X.dtype)
