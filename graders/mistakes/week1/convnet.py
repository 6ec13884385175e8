"""Realistic wrong answers to lessons 1.8, 1.10, 1.11, each with the feedback lines it must produce.

The LeNet5 mistakes are ``_LeNet`` (the right network) with one knob turned; the train_digits mistakes are
``_train_lenet`` (the docstring's recipe) with one knob turned.
"""
import math

import numpy as np
import torch
from torch import nn

from convgrade import mistake


# activation_shapes

def _shapes(input_shape, layers, size, conv_params, fc_params, pool_params=lambda f, n_c: 0):
    """activation_shapes with the size rule and the counts given as functions."""
    shape, out = tuple(input_shape), []
    for layer in layers:
        if layer["type"] == "fc":
            n_in = int(np.prod(shape))
            shape, n_params = (layer["units"],), fc_params(n_in, layer["units"])
        else:
            n_H, n_W, n_C = shape
            f, s, p = layer["f"], layer["stride"], layer.get("pad", 0)
            if layer["type"] == "conv":
                n_params, n_C_out = conv_params(f, n_C, layer["filters"]), layer["filters"]
            else:
                n_params, n_C_out = pool_params(f, n_C), n_C
            shape = (size(n_H, f, s, p), size(n_W, f, s, p), n_C_out)
        out.append((shape, n_params))
    return out


def _size(n, f, s, p):
    return (n + 2 * p - f) // s + 1


def _conv_params(f, n_c, filters):
    return (f * f * n_c + 1) * filters


def _fc_params(n_in, units):
    return (n_in + 1) * units


@mistake("activation_shapes", "the +1 was left out of the output size (n + 2p - f) / s + 1",
         feedback=["activation_shapes: layer 1 (conv) output shape is wrong",
                   "got (36, 36, 10), expected (37, 37, 10)"])
def activation_shapes_no_plus_one(input_shape, layers):
    return _shapes(input_shape, layers, lambda n, f, s, p: (n + 2 * p - f) // s, _conv_params, _fc_params)


@mistake("activation_shapes", "the output size was rounded up (ceil) instead of down",
         feedback=["activation_shapes: layer 1 (conv) output shape is wrong",
                   "smallest failing input: input_shape=(1, 2, 1), layers=[{'type': 'conv', 'f': 1, 'stride': 2, "
                   "'pad': 0, 'filters': 1}]",
                   "got (1, 2, 1), expected (1, 1, 1)"])
def activation_shapes_ceil(input_shape, layers):
    return _shapes(input_shape, layers, lambda n, f, s, p: math.ceil((n + 2 * p - f) / s) + 1, _conv_params,
                   _fc_params)


@mistake("activation_shapes", "a conv layer's parameters were counted with its output channels (f*f*filters + 1) "
                              "* filters",
         feedback=["activation_shapes: layer 1 (conv) n_params is wrong", "got 910, expected 280"])
def activation_shapes_conv_out_channels(input_shape, layers):
    return _shapes(input_shape, layers, _size, lambda f, n_c, filters: (f * f * filters + 1) * filters, _fc_params)


@mistake("activation_shapes", "the fc layer's biases were not counted (n_in * units)",
         feedback=["activation_shapes: layer 4 (fc) n_params is wrong", "got 19600, expected 19610"])
def activation_shapes_fc_no_bias(input_shape, layers):
    return _shapes(input_shape, layers, _size, _conv_params, lambda n_in, units: n_in * units)


@mistake("activation_shapes", "pooling layers were given a filter's parameters (f*f*n_C + 1) * n_C",
         feedback=["activation_shapes: layer 2 (pool) n_params is wrong", "got 150, expected 0"])
def activation_shapes_pool_params(input_shape, layers):
    return _shapes(input_shape, layers, _size, _conv_params, _fc_params,
                   pool_params=lambda f, n_c: (f * f * n_c + 1) * n_c)


# fc_vs_conv_params

@mistake("fc_vs_conv_params", "the fc layer's biases were not counted",
         feedback=["fc_vs_conv_params: fc_params is wrong", "got 14450688, expected 14455392"])
def fc_vs_conv_params_fc_no_bias(input_shape, output_shape, f):
    return int(np.prod(input_shape)) * int(np.prod(output_shape)), (f * f * input_shape[2] + 1) * output_shape[2]


@mistake("fc_vs_conv_params", "the conv layer's biases were not counted",
         feedback=["fc_vs_conv_params: conv_params is wrong", "got 450, expected 456"])
def fc_vs_conv_params_conv_no_bias(input_shape, output_shape, f):
    n_in, n_out = int(np.prod(input_shape)), int(np.prod(output_shape))
    return (n_in + 1) * n_out, f * f * input_shape[2] * output_shape[2]


@mistake("fc_vs_conv_params", "the conv layer got its own filters at every output position (no parameter sharing)",
         feedback=["fc_vs_conv_params: conv_params is wrong", "got 357504, expected 456"])
def fc_vs_conv_params_no_sharing(input_shape, output_shape, f):
    n_in, n_out = int(np.prod(input_shape)), int(np.prod(output_shape))
    return (n_in + 1) * n_out, (f * f * input_shape[2] + 1) * n_out


# fc_as_conv

@mistake("fc_as_conv", "W_fc was reshaped in Fortran order (order='F')",
         feedback=["fc_as_conv: W has wrong values", "first difference at W[0, 0, 1, 0]: got 8.0, expected 2.0"])
def fc_as_conv_fortran(W_fc, b_fc, in_shape):
    h, w, c = in_shape
    return W_fc.reshape(h, w, c, -1, order="F"), b_fc.reshape(1, 1, 1, -1)


@mistake("fc_as_conv", "the rows of W_fc were read channels first (c, h, w), as torch flattens NCHW",
         feedback=["fc_as_conv: W has wrong values", "first difference at W[0, 0, 1, 0]: got 8.0, expected 2.0",
                   "12 of 16 values differ (tolerance rtol=1e-06, atol=1e-08)"])
def fc_as_conv_channels_first(W_fc, b_fc, in_shape):
    h, w, c = in_shape
    return W_fc.reshape(c, h, w, -1).transpose(1, 2, 0, 3), b_fc.reshape(1, 1, 1, -1)


@mistake("fc_as_conv", "W_fc was reshaped as (n_out, h, w, c) without transposing it first",
         feedback=["fc_as_conv: W has wrong values", "first difference at W[0, 0, 0, 1]: got 8.0, expected 1.0"])
def fc_as_conv_no_transpose(W_fc, b_fc, in_shape):
    h, w, c = in_shape
    return W_fc.reshape(-1, h, w, c).transpose(1, 2, 3, 0), b_fc.reshape(1, 1, 1, -1)


@mistake("fc_as_conv", "b was returned with b_fc's shape (n_out,)",
         feedback=["fc_as_conv: b has the wrong shape", "got (2,), expected (1, 1, 1, 2)"])
def fc_as_conv_flat_bias(W_fc, b_fc, in_shape):
    h, w, c = in_shape
    return W_fc.reshape(h, w, c, -1), b_fc


# LeNet5

class _LeNet(nn.Module):
    """The right network; each mistake below turns one of these knobs."""

    pool = nn.MaxPool2d
    pad1 = 0
    fc_relu = True
    hidden = (120, 84)
    softmax = False

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=self.pad1)
        self.pool1 = self.pool(2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool2 = self.pool(2)
        side = ((32 + 2 * self.pad1 - 4) // 2 - 4) // 2
        sizes = (16 * side * side, *self.hidden, num_classes)
        self.fcs = [f"fc{i}" for i in range(1, len(sizes))]
        for name, n_in, n_out in zip(self.fcs, sizes, sizes[1:]):
            setattr(self, name, nn.Linear(n_in, n_out))

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv1(x)))
        x = self.pool2(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        for name in self.fcs[:-1]:
            x = getattr(self, name)(x)
            x = torch.relu(x) if self.fc_relu else x
        x = getattr(self, self.fcs[-1])(x)
        return torch.softmax(x, dim=1) if self.softmax else x


@mistake("LeNet5", "average pooling instead of max-pooling",
         feedback=["LeNet5: output has wrong values"])
class LeNet5AvgPool(_LeNet):
    pool = nn.AvgPool2d


@mistake("LeNet5", "tanh instead of ReLU (as in the 1998 paper; the course uses ReLU)",
         feedback=["LeNet5: output has wrong values",
                   "your forward pass, layer by layer, against the reference's (and 1 more):",
                   "layer 2 (tanh): yours is Tanh, the reference's is ReLU"])
class LeNet5Tanh(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1, self.pool1 = nn.Conv2d(1, 6, 5), nn.MaxPool2d(2)
        self.conv2, self.pool2 = nn.Conv2d(6, 16, 5), nn.MaxPool2d(2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool2(torch.tanh(self.conv2(self.pool1(torch.tanh(self.conv1(x))))))
        x = torch.tanh(self.fc2(torch.tanh(self.fc1(x.view(x.shape[0], -1)))))
        return self.fc3(x)


@mistake("LeNet5", "no ReLU between the linear layers",
         feedback=["LeNet5: output has wrong values"])
class LeNet5NoFcRelu(_LeNet):
    fc_relu = False


@mistake("LeNet5", "a softmax on the output (LeNet5 returns logits; the loss applies the softmax)",
         feedback=["LeNet5: output has wrong values"])
class LeNet5Softmax(_LeNet):
    softmax = True


@mistake("LeNet5", "conv1 has padding 2 (as for 28x28 MNIST), so 16*6*6 = 576 features reach fc1", diagnose=False,
         feedback=["LeNet5: does not follow LeNet-5's table",
                   "parameter 5 (fc1.weight) has shape (120, 576), expected (120, 400)",
                   "expected fc1: the 16*5*5 = 400 features of the second pool -> 120"])
class LeNet5Padding(_LeNet):
    pad1 = 2


@mistake("LeNet5", "the 84-unit layer is missing (120 -> num_classes)", diagnose=False,
         feedback=["LeNet5: does not follow LeNet-5's table",
                   "parameter 7 (fc2.weight) has shape (10, 120), expected (84, 120)", "expected fc2: 120 -> 84"])
class LeNet5NoFc2(_LeNet):
    hidden = (120,)


@mistake("LeNet5", "the linear layers were registered before the convolutions", diagnose=False,
         feedback=["LeNet5: its parameters do not line up with the reference's",
                   "parameter 1 (fc1.weight) has shape (120, 400), expected (6, 1, 5, 5) (the reference's "
                   "conv1.weight)"])
class LeNet5OutOfOrder(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc3(torch.relu(self.fc2(x)))


# train_digits

def _train_lenet(epochs, seed, scale=16.0, pad=12, dtype=torch.float32, step_every_batch=True):
    """The docstring's recipe (LeNet5, Adam one-cycle to 1e-2, batches of 16), with knobs."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    torch.manual_seed(seed)
    digits = load_digits()
    X = np.pad(digits.images.reshape(-1, 1, 8, 8) / scale, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    X_train, X_test, y_train, y_test = train_test_split(X, digits.target, test_size=0.25, random_state=seed,
                                                        stratify=digits.target)
    X_train, X_test = torch.tensor(X_train, dtype=dtype), torch.tensor(X_test, dtype=dtype)
    y_train, y_test = torch.tensor(y_train), torch.tensor(y_test)
    model = LeNet5(num_classes=10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    steps = epochs * (-(-len(X_train) // 16) if step_every_batch else 1)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=max(1, steps))
    for _ in range(epochs):
        order = torch.randperm(len(X_train))
        for start in range(0, len(X_train), 16):
            idx = order[start:start + 16]
            loss = nn.functional.cross_entropy(model(X_train[idx]), y_train[idx])
            if step_every_batch:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        if not step_every_batch:  # indented one level too far out: one step per epoch, on the last batch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(X_test).argmax(dim=1) == y_test).double().mean().item()
    return model, accuracy


@mistake("train_digits", "the 8x8 images were not padded to 32x32", diagnose=False,
         feedback=["train_digits: raised RuntimeError: Calculated padded input size per channel: (2 x 2). Kernel "
                   "size: (5 x 5). Kernel size can't be greater than actual input size"])
def train_digits_no_padding(epochs=10, seed=0):
    return _train_lenet(epochs, seed, pad=0)


@mistake("train_digits", "the images became float64 tensors (torch.tensor of a float64 array)", diagnose=False,
         feedback=["train_digits: raised RuntimeError: Input type (double) and bias type (float) should be the same"])
def train_digits_float64(epochs=10, seed=0):
    return _train_lenet(epochs, seed, dtype=torch.float64)


@mistake("train_digits", "the pixels were not divided by 16", diagnose=False,
         feedback=["train_digits: test_accuracy does not agree with the grader's measurement"])
def train_digits_no_scaling(epochs=10, seed=0):
    return _train_lenet(epochs, seed, scale=1.0)


@mistake("train_digits", "the optimizer steps once per epoch (the update sits outside the mini-batch loop)",
         diagnose=False,
         feedback=["train_digits: the model classifies 10.0% of the grader's 450 held-out digits correctly, below 80%",
                   "it answers 9 for 450 of the 450 images: it has not learned to tell the digits apart (on images "
                   "prepared like these)"])
def train_digits_one_step_per_epoch(epochs=10, seed=0):
    return _train_lenet(epochs, seed, step_every_batch=False)
