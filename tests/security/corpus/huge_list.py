"""A plain list of 2*10^6 floats: too large for the reply's header, which holds everything but arrays.

status: error
feedback: returned 7.6 MiB of data, more than the limit of 4 MiB
"""


def zero_pad(X, pad):
    return [0.5] * (2 * 10**6)
