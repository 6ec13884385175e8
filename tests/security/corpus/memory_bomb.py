"""Allocate 64 MiB after 64 MiB until something gives (not written to: the address space is what is limited,
and writing gigabytes would only make the test slow).

status: error
feedback: memory limit of 1 GiB exceeded (MemoryError in zero_pad)
"""


def zero_pad(X, pad):
    hog = []
    while True:
        hog.append(np.empty(8 << 20))
