"""From scores to probabilities: softmax, one-hot labels and the cross-entropy loss.

A classifier's last layer gives each of n classes a score (a "logit"). Softmax turns a row of scores into
probabilities; the cross-entropy loss is small when the probability of the true class is close to 1.
"""
import numpy as np


def softmax(z):
    """Softmax over the last axis: p[..., j] = exp(z[..., j]) / sum_k exp(z[..., k]).

    Arguments:
    z -- float array of shape (..., n): one row of n scores per example (a 1-D array is one row)

    Returns:
    p -- float64 array of z's shape; every row is positive and sums to 1; z is not changed

    exp(1000) overflows to inf: subtract each row's maximum first (softmax(z - c) == softmax(z) for any c),
    so that the largest exponent is exp(0) = 1.

    Example: softmax(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])) == [[0.5, 0.5], [0.25, 0.75]]
    """
    # YOUR CODE HERE
    raise NotImplementedError


def one_hot(y, n):
    """One-hot rows for integer labels: Y[i, y[i]] = 1, every other entry 0.

    Arguments:
    y -- int array of shape (m,), labels in 0 .. n-1
    n -- int, the number of classes (some classes may have no example in y)

    Returns:
    Y -- float64 array of shape (m, n); y is not changed

    Example: one_hot(np.array([2, 0]), 4) == [[0., 0., 1., 0.], [1., 0., 0., 0.]]
    """
    # YOUR CODE HERE
    raise NotImplementedError


def cross_entropy(logits, y):
    """Mean cross-entropy of a batch: L = -(1/m) * sum_i log(softmax(logits)[i, y[i]]).

    Arguments:
    logits -- float array of shape (m, n): the scores of m examples over n classes
    y -- int array of shape (m,), the true labels in 0 .. n-1

    Returns:
    L -- float, the mean over the m examples (not the sum); the inputs are not changed

    Compute log(softmax) stably: log p[i, j] = z[i, j] - c_i - log(sum_k exp(z[i, k] - c_i)) with c_i = max_k z[i, k].

    Example: cross_entropy(np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), np.array([0, 1]))
             == -(log(0.5) + log(0.75)) / 2 == 0.4904146265...
    """
    # YOUR CODE HERE
    raise NotImplementedError
