"""ConvNets: shapes and parameters layer by layer, why convolutions, LeNet-5 (lessons 1.8, 1.10, 1.11).

The numpy part uses the course's NHWC layout (m, n_H, n_W, n_C); the torch part uses torch's
NCHW layout (N, C, H, W). A conv layer with `filters` filters of f x f, stride s and padding p maps
n_H_prev x n_W_prev x n_C_prev to

    floor((n_H_prev + 2p - f) / s) + 1  x  floor((n_W_prev + 2p - f) / s) + 1  x  filters

with (f * f * n_C_prev + 1) * filters parameters, however big the image: the weights are shared
across positions. A fully connected layer has (n_in + 1) * units.
"""
import numpy as np
import torch
from torch import nn


def activation_shapes(input_shape, layers):
    """The output shape and the parameter count of every layer of a ConvNet.

    Arguments:
    input_shape -- (n_H, n_W, n_C) of one input image
    layers -- list of dicts, applied in order, each one of
              {"type": "conv", "f": f, "stride": s, "pad": p, "filters": n_C}
              {"type": "pool", "f": f, "stride": s}   (no padding; keeps the channels)
              {"type": "fc", "units": n}              (flattens its input first)

    Returns:
    shapes -- list with one (output_shape, n_params) tuple per layer: output_shape a tuple of ints,
              (n_H, n_W, n_C) for conv and pool, (units,) for fc; n_params an int

    With n_C_prev the channels coming in and n_in the number of values coming in:
        conv: n_H = floor((n_H_prev + 2p - f) / s) + 1 (n_W alike), n_params = (f*f*n_C_prev + 1) * filters
        pool: n_H = floor((n_H_prev - f) / s) + 1 (n_W alike), n_C = n_C_prev, n_params = 0
        fc:   (units,), n_params = (n_in + 1) * units

    Example: the course's ConvNet on a 39x39x3 image,
        activation_shapes((39, 39, 3), [
            {"type": "conv", "f": 3, "stride": 1, "pad": 0, "filters": 10},
            {"type": "conv", "f": 5, "stride": 2, "pad": 0, "filters": 20},
            {"type": "conv", "f": 5, "stride": 2, "pad": 0, "filters": 40},
            {"type": "fc", "units": 10}])
        -> [((37, 37, 10), 280), ((17, 17, 20), 5020), ((7, 7, 40), 20040), ((10,), 19610)]
    (the fc layer sees 7 * 7 * 40 = 1960 values: (1960 + 1) * 10 = 19610 parameters).
    """
    # YOUR CODE HERE
    raise NotImplementedError


def fc_vs_conv_params(input_shape, output_shape, f):
    """Parameters needed to map input_shape to output_shape with an fc layer vs a conv layer.

    Arguments:
    input_shape -- (n_H_prev, n_W_prev, n_C_prev)
    output_shape -- (n_H, n_W, n_C)
    f -- int, filter size of the conv layer

    Returns:
    fc_params -- int, (n_H_prev * n_W_prev * n_C_prev + 1) * (n_H * n_W * n_C): every output sees every input
    conv_params -- int, (f * f * n_C_prev + 1) * n_C: n_C filters, shared across positions
    (both count the biases)

    Example: fc_vs_conv_params((32, 32, 3), (28, 28, 6), 5) == (14455392, 456):
    (3072 + 1) * 4704 against six 5x5x3 filters with one bias each.
    """
    # YOUR CODE HERE
    raise NotImplementedError


def fc_as_conv(W_fc, b_fc, in_shape):
    """Rewrite a fully connected layer as a convolution whose filter covers the whole input.

    The fc layer computes y = x.reshape(m, -1) @ W_fc + b_fc on x (m, h, w, c), flattened in C order.
    A conv with n_out filters of size h x w x c, stride 1 and pad 0 computes the same numbers,
    as an (m, 1, 1, n_out) output: this is how a ConvNet is slid over a bigger image.

    Arguments:
    W_fc -- (h*w*c, n_out) weights of the fully connected layer
    b_fc -- (n_out,) biases of the fully connected layer
    in_shape -- (h, w, c), the shape of one input x[i]

    Returns:
    W -- (h, w, c, n_out) conv filters, W[j, k, l, o] = W_fc[(j*w + k)*c + l, o]
    b -- (1, 1, 1, n_out) conv biases

    Example: W_fc = np.arange(8.0).reshape(4, 2), b_fc = np.array([1.0, 2.0]), in_shape = (2, 1, 2)
    -> W[:, :, :, 0] == [[[0, 2]], [[4, 6]]] (the column W_fc[:, 0] = [0, 2, 4, 6] in (2, 1, 2) order),
    b == [[[[1.0, 2.0]]]].
    """
    # YOUR CODE HERE
    raise NotImplementedError


class LeNet5(nn.Module):
    """LeNet-5 (as in the course, with ReLU and max-pooling) for 32x32 grayscale images.

    Input (N, 1, 32, 32) -> conv 6@5x5 -> ReLU -> max-pool 2 -> (N, 6, 14, 14)
    -> conv 16@5x5 -> ReLU -> max-pool 2 -> (N, 16, 5, 5) -> flatten (N, 400)
    -> linear 120 -> ReLU -> linear 84 -> ReLU -> linear num_classes: logits (N, num_classes), no softmax.

    Register the layers as attributes in the order forward applies them (conv1, pool1, conv2,
    pool2, fc1, fc2, fc3): graders copy weights into your model in registration order.
    Parameters: 156 + 2416 + 48120 + 10164 + 850 = 61,706 for num_classes = 10.

    Example: LeNet5()(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    """

    def __init__(self, num_classes=10):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """Logits (N, num_classes) for images x (N, 1, 32, 32)."""
        # YOUR CODE HERE
        raise NotImplementedError


def train_digits(epochs=10, seed=0):
    """Train a LeNet5 on scikit-learn's handwritten digits and report its test accuracy.

    Data: sklearn.datasets.load_digits() (1797 8x8 images, bundled, no download), pixels divided
    by 16 to lie in [0, 1], each image zero-padded by 12 on every side: (N, 1, 8, 8) -> (N, 1, 32, 32).
    Split: train_test_split(test_size=0.25, random_state=seed, stratify=y): 1347 train, 450 test.
    Training: torch.manual_seed(seed) first; Adam with a one-cycle schedule (the learning rate warms
    up to 1e-2, then anneals towards 0), mini-batches of 16 reshuffled every epoch, cross-entropy on
    the logits (plain Adam at 1e-3 with batches of 32 reaches only about 0.92 in 10 epochs).

    Arguments:
    epochs -- int, passes over the training set
    seed -- int, seeds torch and the split (same seed, same threads, same model)

    Returns:
    model -- the trained LeNet5 (10 classes), in eval mode
    test_accuracy -- Python float in [0, 1], the fraction of the 450 test images classified correctly

    Example: model, acc = train_digits()  # a few seconds on a CPU; acc is about 0.98
    """
    # YOUR CODE HERE
    raise NotImplementedError
