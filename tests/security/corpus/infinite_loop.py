"""An infinite loop.

status: timeout
feedback: time limit of 2 s exceeded by one call of zero_pad
"""


def zero_pad(X, pad):
    while True:
        pass
