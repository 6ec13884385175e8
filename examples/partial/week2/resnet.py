"""Week 2, lessons 2.3-2.4: residual networks.

A residual block adds its input back before the last activation:
    a[l+2] = relu(z[l+2] + a[l])
so the block only has to learn a correction to the identity, and a block whose weights are
zero simply passes relu(a[l]) through. This is what lets ResNets grow to 50+ layers.

First the two-layer block in numpy (column vectors, as in the lecture), then the torch
building blocks of ResNet-50 (NCHW layout) and ResNet-50 itself. In torch, every conv is
followed by BatchNorm and so has bias=False; BatchNorm uses torch's defaults. Register layers
in the order `forward` applies them, main path first and the shortcut last: the grader copies
the reference's weights into yours in `parameters()` order.
"""

import numpy as np
import torch
from torch import nn


def residual_forward(a, W1, b1, W2, b2):
    """Forward pass of a two-layer fully connected residual block.

    Computes
        z1 = W1 @ a + b1,   a1 = relu(z1)
        z2 = W2 @ a1 + b2,  out = relu(z2 + a)       (the skip adds a before the last ReLU)

    Arguments:
    a -- (n, m) input, one column per example
    W1 -- (n1, n) weights of the first layer
    b1 -- (n1, 1) bias of the first layer
    W2 -- (n, n1) weights of the second layer (back to n units, so that z2 + a is defined)
    b2 -- (n, 1) bias of the second layer

    Returns:
    out -- (n, m) array, the block's output activation

    Example:
        >>> a = np.array([[2.0, -1.0]])           # n=1 unit, m=2 examples
        >>> W1, b1 = np.array([[1.0]]), np.array([[0.0]])
        >>> W2, b2 = np.array([[-1.0]]), np.array([[0.5]])
        >>> residual_forward(a, W1, b1, W2, b2)    # z2 = [-1.5, 0.5]; z2 + a = [0.5, -0.5]
        array([[0.5, 0. ]])
    """
    # YOUR CODE HERE
    raise NotImplementedError


class IdentityBlock(nn.Module):
    """ResNet identity block: the shortcut is the input itself, so shapes are kept.

    Main path, filters = (F1, F2, F3):
        1x1 conv, F1 filters           -> BN -> ReLU
        f x f conv, F2 filters, "same" -> BN -> ReLU
        1x1 conv, F3 filters           -> BN
    then add the input x and apply ReLU. All convs have stride 1 and bias=False.
    "same" padding follows torch's padding="same": an even f puts the extra row and column
    at the bottom and right.

    Arguments:
    channels -- C, the number of input (and output) channels
    filters -- (F1, F2, F3); F3 must equal channels, since x is added to the output
    f -- kernel size of the middle conv

    Raises:
    ValueError -- if filters[2] != channels

    Shapes: (N, C, H, W) -> (N, C, H, W).

    Example:
        >>> block = IdentityBlock(256, (64, 64, 256), 3)
        >>> block(torch.zeros(2, 256, 5, 7)).shape
        torch.Size([2, 256, 5, 7])
        >>> sum(p.numel() for p in block.parameters())  # 3 convs + 3 BN (weight and bias each)
        70400
    """

    def __init__(self, channels, filters, f):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, C, H, W) -> (N, C, H, W) = relu(main(x) + x)."""
        # YOUR CODE HERE
        raise NotImplementedError


class ConvolutionalBlock(nn.Module):
    """ResNet convolutional block: used where the shape changes (channels and/or size).

    Main path, filters = (F1, F2, F3), as in the course the stride sits on the first 1x1 conv:
        1x1 conv, F1 filters, stride s  -> BN -> ReLU
        f x f conv, F2 filters, "same"  -> BN -> ReLU
        1x1 conv, F3 filters            -> BN
    Shortcut: 1x1 conv, F3 filters, stride s -> BN   (brings x to the main path's shape)
    Output: relu(main(x) + shortcut(x)). All convs have bias=False; "same" as in IdentityBlock.
    Output size: H_out = floor((H - 1) / s) + 1, the same on both paths.

    Arguments:
    in_channels -- C_in, the number of input channels
    filters -- (F1, F2, F3); the block outputs F3 channels
    f -- kernel size of the middle conv
    stride -- s, the stride of the first 1x1 conv and of the shortcut conv

    Shapes: (N, C_in, H, W) -> (N, F3, H_out, W_out).

    Example:
        >>> block = ConvolutionalBlock(64, (64, 64, 256), 3, stride=2)
        >>> block(torch.zeros(1, 64, 7, 8)).shape  # 7 -> 4, 8 -> 4
        torch.Size([1, 256, 4, 4])
    """

    def __init__(self, in_channels, filters, f, stride=2):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, C_in, H, W) -> (N, F3, H_out, W_out) = relu(main(x) + shortcut(x))."""
        # YOUR CODE HERE
        raise NotImplementedError


class ResNet50(nn.Module):
    """ResNet-50: a stem, four stages of bottleneck blocks, global average pool, linear.

    Plan (shapes for a 224x224 image):
        stem: 7x7 conv, 64 filters, stride 2, padding 3 (bias=False) -> BN -> ReLU -> 64x112x112
              max-pool 3x3, stride 2, padding 1                                    -> 64x56x56
        stage 1: ConvolutionalBlock(64, (64, 64, 256), 3, stride=1)
                 + 2 x IdentityBlock(256, (64, 64, 256), 3)                        -> 256x56x56
        stage 2: ConvolutionalBlock(256, (128, 128, 512), 3, stride=2)
                 + 3 x IdentityBlock(512, (128, 128, 512), 3)                      -> 512x28x28
        stage 3: ConvolutionalBlock(512, (256, 256, 1024), 3, stride=2)
                 + 5 x IdentityBlock(1024, (256, 256, 1024), 3)                    -> 1024x14x14
        stage 4: ConvolutionalBlock(1024, (512, 512, 2048), 3, stride=2)
                 + 2 x IdentityBlock(2048, (512, 512, 2048), 3)                    -> 2048x7x7
        global average pool over H and W -> 2048 -> linear (with bias) -> num_classes logits
    That is 3, 4, 6, 3 blocks of 3 convs each, plus the stem conv and the linear layer: 50 layers.

    Parameters: 25,557,032 at num_classes=1000, like the published model. Thanks to the global
    average pool any input size works (the course's 64x64 images give a 2x2 map before it).

    Arguments:
    num_classes -- number of output logits

    Example:
        >>> with torch.device("meta"):
        ...     model = ResNet50()
        >>> sum(p.numel() for p in model.parameters())
        25557032
        >>> ResNet50(num_classes=10)(torch.zeros(1, 3, 64, 64)).shape
        torch.Size([1, 10])
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, 3, H, W) images -> (N, num_classes) logits."""
        # YOUR CODE HERE
        raise NotImplementedError
