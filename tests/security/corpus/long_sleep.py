"""A sleep of a day.

status: timeout
feedback: time limit of 2 s exceeded by one call of zero_pad
"""
import time


def zero_pad(X, pad):
    time.sleep(86400)
