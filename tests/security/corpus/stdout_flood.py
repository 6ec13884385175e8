"""Print 200 MB, then return the right answer.

status: error
feedback: output limit of 16 MiB exceeded
"""


def zero_pad(X, pad):
    line = "A" * 1023 + "\n"
    for _ in range(200 * 1024):
        print(line, end="")
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
