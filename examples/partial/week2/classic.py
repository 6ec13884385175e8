"""Week 2, lesson 2.2: classic networks, AlexNet and VGG-16, written in torch.

Both networks are a stack of conv -> ReLU (-> max-pool) layers followed by fully connected
layers. There is no dropout and no adaptive pooling, so the input size is fixed by the plan:
AlexNet takes (N, 3, 227, 227) images and VGG-16 takes (N, 3, 224, 224). Layout is torch's NCHW.
Every conv and linear layer has a bias, and both networks return raw logits (no softmax).

Register layers in the order `forward` applies them (for example two nn.Sequential,
`features` then `classifier`): the grader copies the reference's weights into yours in
`parameters()` order.
"""

import torch
from torch import nn


class AlexNet(nn.Module):
    """AlexNet as drawn in the course, on (N, 3, 227, 227) images.

    Plan (one image, C x H x W):
        3x227x227 -> conv 96 @ 11x11, stride 4           -> 96x55x55   -> ReLU
                  -> max-pool 3x3, stride 2               -> 96x27x27
                  -> conv 256 @ 5x5, padding 2 ("same")   -> 256x27x27  -> ReLU
                  -> max-pool 3x3, stride 2               -> 256x13x13
                  -> conv 384 @ 3x3, padding 1            -> 384x13x13  -> ReLU
                  -> conv 384 @ 3x3, padding 1            -> 384x13x13  -> ReLU
                  -> conv 256 @ 3x3, padding 1            -> 256x13x13  -> ReLU
                  -> max-pool 3x3, stride 2               -> 256x6x6
                  -> flatten                              -> 9216
                  -> linear 4096 -> ReLU -> linear 4096 -> ReLU -> linear num_classes

    Parameters: 62,378,344 at num_classes=1000 (about 60 million, as the lecture says;
    the first linear layer alone holds 9216*4096 + 4096 = 37,752,832 of them).

    Arguments:
    num_classes -- number of output logits

    Example:
        >>> param_count(AlexNet())
        62378344
        >>> AlexNet(num_classes=10)(torch.zeros(1, 3, 227, 227)).shape
        torch.Size([1, 10])
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, 3, 227, 227) images -> (N, num_classes) logits."""
        # YOUR CODE HERE
        raise NotImplementedError


class VGG16(nn.Module):
    """VGG-16 as published, on (N, 3, 224, 224) images.

    Plan: 13 convs, all 3x3 with padding 1 (size kept) and each followed by ReLU, in five blocks;
    a 2x2 max-pool with stride 2 ends every block and halves the size:
        block 1: 2 convs,  64 filters -> 64x112x112
        block 2: 2 convs, 128 filters -> 128x56x56
        block 3: 3 convs, 256 filters -> 256x28x28
        block 4: 3 convs, 512 filters -> 512x14x14
        block 5: 3 convs, 512 filters -> 512x7x7
        flatten -> 25088 -> linear 4096 -> ReLU -> linear 4096 -> ReLU -> linear num_classes

    Parameters: 138,357,544 at num_classes=1000. Build it on the "meta" device to count them
    without allocating half a gigabyte.

    Arguments:
    num_classes -- number of output logits

    Example:
        >>> with torch.device("meta"):
        ...     model = VGG16()
        >>> param_count(model)
        138357544
    """

    def __init__(self, num_classes=1000):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, 3, 224, 224) images -> (N, num_classes) logits."""
        # YOUR CODE HERE
        raise NotImplementedError


def param_count(model):
    """Number of trainable parameters of a torch module.

    Sums p.numel() over model.parameters() that have requires_grad set. It works on a model
    built on the "meta" device too (shapes without memory). BatchNorm's running mean and
    variance are buffers, not parameters, so they are not counted.

    Arguments:
    model -- a torch.nn.Module

    Returns:
    n -- int, the number of trainable scalars (weights and biases)

    Example:
        >>> param_count(nn.Linear(3, 2))  # 3*2 weights + 2 biases
        8
    """
    # YOUR CODE HERE
    raise NotImplementedError
