"""Week 2, lessons 2.8-2.9: MobileNet, depthwise separable convolutions.

A normal convolution mixes space and channels in one step. A depthwise separable convolution
splits it in two cheap steps:
  1. depthwise: one f x f filter per input channel, each applied to its own channel only
     (n_C channels in, n_C channels out);
  2. pointwise: a 1x1 convolution that mixes the channels (n_C in, n_C_out out).
Its cost relative to a normal convolution is 1/n_C_out + 1/f**2.

numpy first (the course's NHWC layout, cross-correlation, float64; hparameters = {"stride": s,
"pad": p}), then the torch blocks of MobileNet v1 and v2 (NCHW layout). In torch every conv
is followed by BatchNorm and so has bias=False; BatchNorm uses torch's defaults. Register
layers in the order `forward` applies them: the grader copies the reference's weights into
yours in `parameters()` order.
"""

import numpy as np
import torch
from torch import nn


def depthwise_conv_forward(A_prev, W, b, hparameters):
    """Forward pass of a depthwise convolution: channel c is filtered by W[:, :, c] only.

        Z[i, h, w, c] = sum_{p, q} A_pad[i, h*s + p, w*s + q, c] * W[p, q, c] + b[0, 0, 0, c]
    where A_pad is A_prev zero-padded by `pad` on H and W (cross-correlation: W is not flipped).
    Output size: n_H = floor((n_H_prev + 2*pad - f) / stride) + 1, the same for n_W.

    Vectorise it: np.lib.stride_tricks.sliding_window_view gives every f x f window of the
    padded input without copying; keep every stride-th window and contract with np.einsum.

    Arguments:
    A_prev -- (m, n_H_prev, n_W_prev, n_C) input activations
    W -- (f, f, n_C) one f x f filter per channel
    b -- (1, 1, 1, n_C) one bias per channel
    hparameters -- dict with keys "stride" and "pad" (in any order)

    Returns:
    Z -- (m, n_H, n_W, n_C) array, float64. No activation, no cache

    Example:
        >>> A_prev = np.ones((1, 3, 3, 2))
        >>> W = np.ones((2, 2, 2)); W[:, :, 1] = 2.0  # channel 1's filter is twice channel 0's
        >>> Z = depthwise_conv_forward(A_prev, W, np.zeros((1, 1, 1, 2)), {"stride": 1, "pad": 0})
        >>> Z.shape
        (1, 2, 2, 2)
        >>> Z[0, 0, 0]                               # 4 ones times 1, and 4 ones times 2
        array([4., 8.])
    """
    s, p = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))  # (m, n_H_prev+2p, n_W_prev+2p, n_C)
    windows = np.lib.stride_tricks.sliding_window_view(A_pad, (f, f), axis=(1, 2))
    windows = windows[:, ::s, ::s]                             # (m, n_H, n_W, n_C, f, f)
    return np.einsum("mhwcpq,pqc->mhwc", windows, W) + b      # (m, n_H, n_W, n_C)


def depthwise_separable_forward(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    """Forward pass of a depthwise separable convolution: depthwise, then pointwise (1x1).

        Z_dw = depthwise_conv_forward(A_prev, W_dw, b_dw, hparameters)   # (m, n_H, n_W, n_C)
        Z    = Z_dw @ W_pw[0, 0] + b_pw                                   # (m, n_H, n_W, n_C_out)
    No activation between or after the two steps. The stride and padding apply to the
    depthwise step; the pointwise step is a 1x1 conv with stride 1 and no padding.

    Arguments:
    A_prev -- (m, n_H_prev, n_W_prev, n_C) input activations
    W_dw -- (f, f, n_C) depthwise filters, one per channel
    b_dw -- (1, 1, 1, n_C) depthwise biases
    W_pw -- (1, 1, n_C, n_C_out) pointwise (1x1) filters
    b_pw -- (1, 1, 1, n_C_out) pointwise biases
    hparameters -- dict with keys "stride" and "pad" for the depthwise step

    Returns:
    Z -- (m, n_H, n_W, n_C_out) array, float64

    Example:
        >>> A_prev = np.ones((1, 3, 3, 2))
        >>> W_dw, b_dw = np.ones((2, 2, 2)), np.zeros((1, 1, 1, 2))   # each channel -> 4.0
        >>> W_pw, b_pw = np.ones((1, 1, 2, 3)), np.ones((1, 1, 1, 3))  # 4 + 4 + 1 = 9
        >>> Z = depthwise_separable_forward(A_prev, W_dw, b_dw, W_pw, b_pw, {"stride": 1, "pad": 0})
        >>> Z.shape, Z[0, 0, 0]
        ((1, 2, 2, 3), array([9., 9., 9.]))
    """
    # YOUR CODE HERE
    raise NotImplementedError


def separable_cost(n_out, f, n_c, n_c_out):
    """Multiplications of a normal conv vs the two steps of a depthwise separable conv.

    For an n_out x n_out output with n_c input channels and n_c_out output channels:
        normal    = n_out**2 * f*f * n_c * n_c_out   (n_c_out filters of f x f x n_c)
        depthwise = n_out**2 * f*f * n_c             (n_c filters of f x f, one per channel)
        pointwise = n_out**2 * n_c * n_c_out         (n_c_out filters of 1 x 1 x n_c)
    (depthwise + pointwise) / normal = 1/n_c_out + 1/f**2.

    Arguments:
    n_out -- output height (= width)
    f -- filter size
    n_c -- number of input channels
    n_c_out -- number of output channels

    Returns:
    (normal, depthwise, pointwise) -- a tuple of three ints

    Example (the lecture's 6x6x3 input, 3x3 filters, 5 output channels -> 4x4x5):
        >>> separable_cost(4, 3, 3, 5)  # 432 + 240 = 672, about 31 % of 2160
        (2160, 432, 240)
    """
    normal = n_out * n_out * f * f * n_c * n_c_out
    depthwise = n_out * n_out * f * f * n_c
    pointwise = n_out * n_out * n_c * n_c_out
    return normal, depthwise, pointwise


class DepthwiseSeparableConv(nn.Module):
    """MobileNet v1 block: a depthwise separable convolution with BatchNorm and ReLU.

    Plan:
        3x3 depthwise conv (groups=in_channels, padding 1, the stride, bias=False) -> BN -> ReLU
        1x1 pointwise conv (in_channels -> out_channels, bias=False)           -> BN -> ReLU
    The depthwise conv keeps the number of channels (one 3x3 filter per channel).
    Output size: H_out = floor((H - 1) / stride) + 1.

    Arguments:
    in_channels -- channels of the input
    out_channels -- channels of the output
    stride -- stride of the depthwise conv

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out).

    Example:
        >>> block = DepthwiseSeparableConv(32, 64, stride=2)
        >>> block(torch.zeros(1, 32, 7, 7)).shape
        torch.Size([1, 64, 4, 4])
        >>> sum(p.numel() for p in block.parameters())  # 3*3*32 + 2*32 + 32*64 + 2*64
        2528
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out)."""
        # YOUR CODE HERE
        raise NotImplementedError


class InvertedResidual(nn.Module):
    """MobileNet v2 block: expand -> depthwise -> project, with a residual when shapes allow.

    With hidden = in_channels * expand_ratio:
        expansion:  1x1 conv in_channels -> hidden (bias=False) -> BN -> ReLU6
                    (left out entirely when expand_ratio == 1)
        depthwise:  3x3 conv (groups=hidden, padding 1, the stride, bias=False) -> BN -> ReLU6
        projection: 1x1 conv hidden -> out_channels (bias=False) -> BN   (no activation)
    The input is added to the output only when stride == 1 and in_channels == out_channels.
    Output size: H_out = floor((H - 1) / stride) + 1.

    Arguments:
    in_channels -- channels of the input
    out_channels -- channels of the output
    stride -- stride of the depthwise conv, 1 or 2
    expand_ratio -- expansion factor t, a positive int (MobileNet v2 uses 1 and 6)

    Raises:
    ValueError -- if stride is not 1 or 2

    Shapes: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out).

    Example:
        >>> block = InvertedResidual(24, 24, stride=1, expand_ratio=6)  # 24 -> 144 -> 24, residual
        >>> block(torch.zeros(2, 24, 9, 9)).shape
        torch.Size([2, 24, 9, 9])
        >>> InvertedResidual(16, 24, stride=2, expand_ratio=6)(torch.zeros(1, 16, 9, 9)).shape
        torch.Size([1, 24, 5, 5])
    """

    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError

    def forward(self, x):
        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out)."""
        # YOUR CODE HERE
        raise NotImplementedError


# --- catalogued mistake ---
import math
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn

def _windows(A_prev, f, hparameters, stride=None):
    """Every f x f window of the padded input, stepped by the stride."""
    s, p = (hparameters['stride'] if stride is None else stride, hparameters['pad'])
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    return sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]

def _depthwise(A_prev, W, b, hparameters):
    """The right depthwise convolution, for the mistakes of depthwise_separable_forward."""
    return np.einsum('mhwcpq,pqc->mhwc', _windows(A_prev, W.shape[0], hparameters), W) + b

class _V1Block(nn.Module):
    """MobileNet v1's block with switches for the mistakes below; the defaults are right."""

    def __init__(self, in_channels, out_channels, stride=1, *, groups=None, act=nn.ReLU, dw_bn=True, dw_stride=True, dw_pad=1, last_act=True):
        super().__init__()
        self.depthwise = nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, stride=stride if dw_stride else 1, padding=dw_pad, groups=in_channels if groups is None else groups, bias=False), *([nn.BatchNorm2d(in_channels)] if dw_bn else []), act())
        self.pointwise = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=1 if dw_stride else stride, bias=False), nn.BatchNorm2d(out_channels), *([act()] if last_act else []))

    def forward(self, x):
        return self.pointwise(self.depthwise(x))

class _V2Block(nn.Module):
    """MobileNet v2's block with switches for the mistakes below; the defaults are right."""

    def __init__(self, in_channels, out_channels, stride, expand_ratio, *, act=nn.ReLU6, project_act=False, always_expand=False, expand_stride=False, residual_any_stride=False, check_stride=True):
        super().__init__()
        if check_stride and stride not in (1, 2):
            raise ValueError(f'stride={stride} must be 1 or 2')
        hidden = in_channels * expand_ratio
        expand = expand_ratio != 1 or always_expand
        dw_stride = 1 if expand and expand_stride else stride
        self.use_residual = in_channels == out_channels and (stride == 1 or residual_any_stride)
        layers = []
        if expand:
            layers += [nn.Conv2d(in_channels, hidden, 1, stride=stride // dw_stride, bias=False), nn.BatchNorm2d(hidden), act()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride=dw_stride, padding=1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), act(), nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)]
        if project_act:
            layers.append(act())
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        out = self.block(x)
        return x + out if self.use_residual else out

def depthwise_conv_forward(A_prev, W, b, hparameters):
    return _depthwise(A_prev, W[::-1, ::-1], b, hparameters)