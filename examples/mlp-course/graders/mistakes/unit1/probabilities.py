"""Realistic wrong answers to softmax, one_hot and cross_entropy, each with the feedback lines it must produce."""
import numpy as np

from convgrade import mistake


@mistake("softmax", "the maximum was not subtracted before np.exp (it overflows on large scores)",
         feedback=["softmax: p is nan or inf when the scores are near 1000"])
def softmax_no_max(z):
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


@mistake("softmax", "the sum runs over the first axis instead of the last",
         feedback=["softmax: p has wrong values"])
def softmax_first_axis(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


@mistake("softmax", "the whole array was normalised at once, not each row",
         feedback=["softmax: p has wrong values"])
def softmax_whole_array(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


# first: the diagnosis compares values, not dtypes, so the other mistakes would match an integer Y too
@mistake("one_hot", "Y holds integers, not float64",
         feedback=["one_hot: Y has dtype int64, expected float64"])
def one_hot_ints(y, n):
    return np.eye(n, dtype=np.int64)[y]


@mistake("one_hot", "the result is transposed: (n, m) instead of (m, n)",
         feedback=["one_hot: Y has the wrong shape"])
def one_hot_transposed(y, n):
    return np.eye(n)[y].T


@mistake("one_hot", "Y[:, y] = 1 set whole columns instead of one entry per row",
         feedback=["one_hot: Y has wrong values"])
def one_hot_columns(y, n):
    Y = np.zeros((len(y), n))
    Y[:, y] = 1.0
    return Y


@mistake("one_hot", "the number of classes was taken from the labels (max(y) + 1), not n",
         feedback=["one_hot: Y has the wrong shape"])
def one_hot_width_from_labels(y, n):
    return np.eye(np.max(y) + 1)[y]


@mistake("cross_entropy", "the losses were summed over the batch instead of averaged",
         feedback=["cross_entropy: L of the batch twice has the wrong value"])
def cross_entropy_sum(logits, y):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.sum(log_p[np.arange(len(y)), y]))


@mistake("cross_entropy", "the log is missing: -mean(p[i, y[i]]) instead of -mean(log p[i, y[i]])",
         feedback=["cross_entropy: L has the wrong value"])
def cross_entropy_no_log(logits, y):
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return float(-np.mean(p[np.arange(len(y)), y]))


@mistake("cross_entropy", "softmax was computed without subtracting the maximum (it overflows on large scores)",
         feedback=["cross_entropy: L is nan or inf when the scores are near 1000"])
def cross_entropy_no_max(logits, y):
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


@mistake("cross_entropy", "p[:, y] picked every example's label in every row (an m x m block)",
         feedback=["cross_entropy: L has the wrong value"])
def cross_entropy_block(logits, y):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(log_p[:, y]))
