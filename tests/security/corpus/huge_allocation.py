"""One 80 GB array, as a wrong formula for the output size would ask for.

status: error
feedback: memory limit of 1 GiB exceeded (MemoryError in zero_pad)
"""


def zero_pad(X, pad):
    return np.zeros((100_000, 100_000))
