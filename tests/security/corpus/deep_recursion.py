"""Unbounded recursion.

status: failed
feedback: raised RecursionError: maximum recursion depth exceeded
"""


def zero_pad(X, pad):
    return zero_pad(X, pad)
