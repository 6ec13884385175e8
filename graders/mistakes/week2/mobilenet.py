"""Realistic wrong answers to lessons 2.8-2.9, each with the feedback lines it must produce."""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn

from convgrade import mistake


def _windows(A_prev, f, hparameters, stride=None):
    """Every f x f window of the padded input, stepped by the stride."""
    s, p = hparameters["stride"] if stride is None else stride, hparameters["pad"]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))  # (m, n_H_prev + 2p, n_W_prev + 2p, n_C)
    return sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::s, ::s]  # (m, n_H, n_W, n_C, f, f)


def _depthwise(A_prev, W, b, hparameters):
    """The right depthwise convolution, for the mistakes of depthwise_separable_forward."""
    return np.einsum("mhwcpq,pqc->mhwc", _windows(A_prev, W.shape[0], hparameters), W) + b


# depthwise_conv_forward

@mistake("depthwise_conv_forward", "every input channel was summed into each output channel (a normal convolution)",
         feedback=["depthwise_conv_forward: Z has wrong values",
                   "depthwise_conv_forward: Z[..., 0:1] (all channels in; expected: channel 0 alone) has wrong values"])
def depthwise_conv_forward_sums_channels(A_prev, W, b, hparameters):
    return np.einsum("mhwkpq,pqc->mhwc", _windows(A_prev, W.shape[0], hparameters), W) + b


@mistake("depthwise_conv_forward", "the kernel was flipped (a true convolution, not the course's cross-correlation)",
         feedback=["depthwise_conv_forward: Z has wrong values"])
def depthwise_conv_forward_flipped(A_prev, W, b, hparameters):
    return _depthwise(A_prev, W[::-1, ::-1], b, hparameters)


@mistake("depthwise_conv_forward", "the stride was ignored (a stride-1 convolution)",
         feedback=["depthwise_conv_forward: Z has the wrong shape", "got (1, 1, 2, 1), expected (1, 1, 1, 1)"])
def depthwise_conv_forward_no_stride(A_prev, W, b, hparameters):
    return np.einsum("mhwcpq,pqc->mhwc", _windows(A_prev, W.shape[0], hparameters, stride=1), W) + b


@mistake("depthwise_conv_forward", "the filter was transposed: the window's (p, q) met W[q, p]",
         feedback=["depthwise_conv_forward: Z has wrong values"])
def depthwise_conv_forward_transposed(A_prev, W, b, hparameters):
    return _depthwise(A_prev, W.transpose(1, 0, 2), b, hparameters)


@mistake("depthwise_conv_forward", "the windows moved by 1 instead of by the stride (h:h+f instead of h*s:h*s+f)",
         feedback=["depthwise_conv_forward: Z has wrong values"])
def depthwise_conv_forward_step_one(A_prev, W, b, hparameters):
    s, f = hparameters["stride"], W.shape[0]
    n_H, n_W = ((n + 2 * hparameters["pad"] - f) // s + 1 for n in A_prev.shape[1:3])
    return _depthwise(A_prev, W, b, {**hparameters, "stride": 1})[:, :n_H, :n_W]


@mistake("depthwise_conv_forward", "every channel got the first channel's bias b[0, 0, 0, 0]",
         feedback=["depthwise_conv_forward: Z has wrong values"])
def depthwise_conv_forward_first_bias(A_prev, W, b, hparameters):
    return _depthwise(A_prev, W, b[0, 0, 0, 0], hparameters)


@mistake("depthwise_conv_forward", "the bias b was not added",
         feedback=["depthwise_conv_forward: Z has wrong values"])
def depthwise_conv_forward_no_bias(A_prev, W, b, hparameters):
    return _depthwise(A_prev, W, np.zeros_like(b), hparameters)


@mistake("depthwise_conv_forward", "Z was returned with a cache, like conv_forward",
         feedback=["depthwise_conv_forward: returned a tuple of 2 items, expected the array Z alone",
                   "there is no cache here: return Z"])
def depthwise_conv_forward_with_cache(A_prev, W, b, hparameters):
    return _depthwise(A_prev, W, b, hparameters), (A_prev, W, b, hparameters)


# depthwise_separable_forward

@mistake("depthwise_separable_forward", "a ReLU was applied between the depthwise and the pointwise step",
         feedback=["depthwise_separable_forward: Z has wrong values",
                   "depthwise_separable_forward: Z(-A_prev) has wrong values"])
def depthwise_separable_forward_relu_between(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    return np.maximum(_depthwise(A_prev, W_dw, b_dw, hparameters), 0) @ W_pw[0, 0] + b_pw


@mistake("depthwise_separable_forward", "the stride was applied again in the pointwise step",
         feedback=["depthwise_separable_forward: Z has the wrong shape"])
def depthwise_separable_forward_stride_twice(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    s = hparameters["stride"]
    return _depthwise(A_prev, W_dw, b_dw, hparameters)[:, ::s, ::s] @ W_pw[0, 0] + b_pw


@mistake("depthwise_separable_forward", "the stride was left out of the depthwise step (stride 1)",
         feedback=["depthwise_separable_forward: Z has the wrong shape"])
def depthwise_separable_forward_stride_left_out(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    return _depthwise(A_prev, W_dw, b_dw, {**hparameters, "stride": 1}) @ W_pw[0, 0] + b_pw


@mistake("depthwise_separable_forward", "the pointwise bias b_pw was not added",
         feedback=["depthwise_separable_forward: Z has wrong values"])
def depthwise_separable_forward_no_pw_bias(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    return _depthwise(A_prev, W_dw, b_dw, hparameters) @ W_pw[0, 0]


@mistake("depthwise_separable_forward", "A_prev was padded before depthwise_conv_forward, which pads it again",
         feedback=["depthwise_separable_forward: Z has the wrong shape"])
def depthwise_separable_forward_padded_twice(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    p = hparameters["pad"]
    A_pad = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)))
    return _depthwise(A_pad, W_dw, b_dw, hparameters) @ W_pw[0, 0] + b_pw


@mistake("depthwise_separable_forward", "the depthwise bias b_dw was not added",
         feedback=["depthwise_separable_forward: Z has wrong values"])
def depthwise_separable_forward_no_dw_bias(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    return _depthwise(A_prev, W_dw, 0, hparameters) @ W_pw[0, 0] + b_pw


@mistake("depthwise_separable_forward", "a ReLU was applied after the pointwise step",
         feedback=["depthwise_separable_forward: Z has wrong values"])
def depthwise_separable_forward_relu_after(A_prev, W_dw, b_dw, W_pw, b_pw, hparameters):
    return np.maximum(_depthwise(A_prev, W_dw, b_dw, hparameters) @ W_pw[0, 0] + b_pw, 0)


# separable_cost

@mistake("separable_cost", "the pointwise cost has a factor f² (a 1x1 filter has 1 weight per channel, not f²)",
         feedback=["separable_cost: separable_cost(4, 3, 3, 5)[2] is wrong", "got 2160, expected 240"])
def separable_cost_pointwise_f2(n_out, f, n_c, n_c_out):
    return n_out**2 * f * f * n_c * n_c_out, n_out**2 * f * f * n_c, n_out**2 * f * f * n_c * n_c_out


@mistake("separable_cost", "the depthwise cost counts n_c_out filters (it has one filter per input channel)",
         feedback=["separable_cost: separable_cost(4, 3, 3, 5)[1] is wrong", "got 2160, expected 432"])
def separable_cost_depthwise_per_output(n_out, f, n_c, n_c_out):
    return n_out**2 * f * f * n_c * n_c_out, n_out**2 * f * f * n_c * n_c_out, n_out**2 * n_c * n_c_out


@mistake("separable_cost", "the output size n_out was not squared (n_out x n_out positions)",
         feedback=["separable_cost: separable_cost(4, 3, 3, 5)[0] is wrong", "got 540, expected 2160"])
def separable_cost_n_out_once(n_out, f, n_c, n_c_out):
    return n_out * f * f * n_c * n_c_out, n_out * f * f * n_c, n_out * n_c * n_c_out


@mistake("separable_cost", "the costs are floats from math.pow",
         feedback=["separable_cost: separable_cost(4, 3, 3, 5)[0] is a float (2160.0), expected an int"])
def separable_cost_float(n_out, f, n_c, n_c_out):
    area, ff = math.pow(n_out, 2), math.pow(f, 2)
    return area * ff * n_c * n_c_out, area * ff * n_c, area * n_c * n_c_out


# DepthwiseSeparableConv

class _V1Block(nn.Module):
    """MobileNet v1's block with switches for the mistakes below; the defaults are right."""

    def __init__(self, in_channels, out_channels, stride=1, *, groups=None, act=nn.ReLU, dw_bn=True, dw_stride=True,
                 dw_pad=1, last_act=True):
        super().__init__()
        self.depthwise = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 3, stride=stride if dw_stride else 1, padding=dw_pad,
                      groups=in_channels if groups is None else groups, bias=False),
            *([nn.BatchNorm2d(in_channels)] if dw_bn else []), act(),
        )
        self.pointwise = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 1, stride=1 if dw_stride else stride, bias=False),
            nn.BatchNorm2d(out_channels), *([act()] if last_act else []),
        )

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


@mistake("DepthwiseSeparableConv", "the 3x3 conv mixes the channels (groups=1, a normal convolution)", diagnose=False,
         feedback=["DepthwiseSeparableConv: has 44 trainable parameters, expected 26",
                   "parameter 1 (depthwise.0.weight) has shape (2, 2, 3, 3), expected (2, 1, 3, 3) (the reference's "
                   "depthwise.0.weight)"])
class DepthwiseSeparableConvGroups1(_V1Block):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride, groups=1)


@mistake("DepthwiseSeparableConv", "ReLU6 was used instead of ReLU (MobileNet v1 does not clip at 6)",
         feedback=["DepthwiseSeparableConv: output has wrong values"])
class DepthwiseSeparableConvReLU6(_V1Block):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride, act=nn.ReLU6)


@mistake("DepthwiseSeparableConv", "the BatchNorm after the depthwise conv is missing", diagnose=False,
         feedback=["DepthwiseSeparableConv: has 12 trainable parameters, expected 14",
                   "parameter 2 (pointwise.0.weight) has shape (1, 1, 1, 1), expected (1,) (the reference's "
                   "depthwise.1.weight)"])
class DepthwiseSeparableConvNoDepthwiseBN(_V1Block):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride, dw_bn=False)


@mistake("DepthwiseSeparableConv", "the stride is on the 1x1 pointwise conv instead of the 3x3 depthwise conv",
         feedback=["DepthwiseSeparableConv: output has wrong values",
                   "first difference at output[0, 0, 0, 0]: got 1.23445841, expected 1.234452521"])
class DepthwiseSeparableConvStrideOnPointwise(_V1Block):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride, dw_stride=False)


@mistake("DepthwiseSeparableConv", "the 3x3 depthwise conv has no padding", diagnose=False,
         feedback=["DepthwiseSeparableConv: raised RuntimeError: Calculated padded input size "
                   "per channel: (1 x 1). Kernel size: (3 x 3). Kernel size can't be greater than actual input size"])
class DepthwiseSeparableConvNoPadding(_V1Block):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride, dw_pad=0)


@mistake("DepthwiseSeparableConv", "the ReLU after the pointwise BN is missing",
         feedback=["DepthwiseSeparableConv: output has wrong values"])
class DepthwiseSeparableConvNoLastReLU(_V1Block):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride, last_act=False)


# InvertedResidual

class _V2Block(nn.Module):
    """MobileNet v2's block with switches for the mistakes below; the defaults are right."""

    def __init__(self, in_channels, out_channels, stride, expand_ratio, *, act=nn.ReLU6, project_act=False,
                 always_expand=False, expand_stride=False, residual_any_stride=False, check_stride=True):
        super().__init__()
        if check_stride and stride not in (1, 2):
            raise ValueError(f"stride={stride} must be 1 or 2")
        hidden = in_channels * expand_ratio
        expand = expand_ratio != 1 or always_expand
        dw_stride = 1 if expand and expand_stride else stride
        self.use_residual = in_channels == out_channels and (stride == 1 or residual_any_stride)
        layers = []
        if expand:
            layers += [nn.Conv2d(in_channels, hidden, 1, stride=stride // dw_stride, bias=False),
                       nn.BatchNorm2d(hidden), act()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride=dw_stride, padding=1, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), act(),
                   nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)]
        if project_act:
            layers.append(act())
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        out = self.block(x)
        return x + out if self.use_residual else out


@mistake("InvertedResidual", "ReLU was used instead of ReLU6 (nothing is clipped at 6)",
         feedback=["InvertedResidual: output has wrong values"])
class InvertedResidualReLU(_V2Block):
    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__(in_channels, out_channels, stride, expand_ratio, act=nn.ReLU)


@mistake("InvertedResidual", "the input is added whenever in_channels == out_channels, even with stride 2",
         feedback=["InvertedResidual: raised RuntimeError: The size of tensor a (3) must match the "
                   "size of tensor b (2) at non-singleton dimension 3",
                   "InvertedResidual: output has wrong values"])
class InvertedResidualResidualStride2(_V2Block):
    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__(in_channels, out_channels, stride, expand_ratio, residual_any_stride=True)


@mistake("InvertedResidual", "a ReLU6 follows the projection (the bottleneck must stay linear)",
         feedback=["InvertedResidual: output has wrong values"])
class InvertedResidualProjectReLU6(_V2Block):
    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__(in_channels, out_channels, stride, expand_ratio, project_act=True)


@mistake("InvertedResidual", "the expansion layer is kept when expand_ratio == 1", diagnose=False,
         feedback=["InvertedResidual: has 17 trainable parameters, expected 14",
                   "parameter 1 (block.0.weight) has shape (1, 1, 1, 1), expected (1, 1, 3, 3) (the reference's "
                   "block.0.weight)"])
class InvertedResidualAlwaysExpand(_V2Block):
    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__(in_channels, out_channels, stride, expand_ratio, always_expand=True)


@mistake("InvertedResidual", "the stride is on the 1x1 expansion instead of the 3x3 depthwise conv",
         feedback=["InvertedResidual: output has wrong values"])
class InvertedResidualStrideOnExpand(_V2Block):
    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__(in_channels, out_channels, stride, expand_ratio, expand_stride=True)


@mistake("InvertedResidual", "the stride was not checked", diagnose=False,
         feedback=["InvertedResidual: InvertedResidual(4, 4, 3, 6) was built, expected it to raise ValueError"])
class InvertedResidualNoStrideCheck(_V2Block):
    def __init__(self, in_channels, out_channels, stride, expand_ratio):
        super().__init__(in_channels, out_channels, stride, expand_ratio, check_stride=False)
