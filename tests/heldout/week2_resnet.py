"""Held-out mistakes of lessons 2.3-2.4 (see README.md): never pasted into graders/mistakes."""
import numpy as np

from convgrade import mistake


@mistake("residual_forward", "a += z2 writes the sum into the input")
def residual_forward_add_into_a(a, W1, b1, W2, b2):
    a1 = np.maximum(0, np.dot(W1, a) + b1)
    z2 = np.dot(W2, a1) + b2
    a += z2
    return np.maximum(0, a)


@mistake("residual_forward", "relu(z2) + a: the ReLU before the add, none after")
def residual_forward_relu_then_add(a, W1, b1, W2, b2):
    a1 = np.maximum(W1 @ a + b1, 0)
    return np.maximum(W2 @ a1 + b2, 0) + a


@mistake("residual_forward", "np.max(x, 0) for the ReLU")
def residual_forward_np_max(a, W1, b1, W2, b2):
    a1 = np.maximum(W1 @ a + b1, 0)
    z2 = W2 @ a1 + b2
    return np.max(z2 + a, 0)


# What a right diagnosis says: a regular expression its "looks like ..." line matches (case aside).
NAMED_BY = {
    'residual_forward_add_into_a': r'in place|\+=',
    'residual_forward_relu_then_add': r'relu.*(before|then)|before the add',
    'residual_forward_np_max': r'np.max',
}
