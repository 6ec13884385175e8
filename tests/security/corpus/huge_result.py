"""A result of 10^9 float64 elements (8 GB), made without allocating them (a broadcast view).

status: error
feedback: returned 7.5 GiB of data, more than the limit of 256 MiB
"""


def zero_pad(X, pad):
    return np.broadcast_to(np.float64(0), (10**9,))
