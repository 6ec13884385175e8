"""Realistic wrong answers to lessons 2.6-2.7, each with the feedback lines it must produce.

The InceptionModule mistakes are ``_Inception`` (the right module) with one knob turned.
"""
import torch
from torch import nn

from convgrade import mistake


# bottleneck_cost

@mistake("bottleneck_cost", "the 1x1 conv's cost was left out (only the f x f conv on the bottleneck counted)",
         feedback=["bottleneck_cost: bottleneck_cost((28, 28, 192), 32, 5, 16)[1] is wrong",
                   "got 10035200, expected 12443648"])
def bottleneck_cost_no_reduce(in_shape, out_channels, f, bottleneck_channels):
    n_H, n_W, n_C = in_shape
    return n_H * n_W * out_channels * f * f * n_C, n_H * n_W * out_channels * f * f * bottleneck_channels


@mistake("bottleneck_cost", "only the 1x1 conv was counted with the bottleneck",
         feedback=["bottleneck_cost: bottleneck_cost((28, 28, 192), 32, 5, 16)[1] is wrong",
                   "got 2408448, expected 12443648"])
def bottleneck_cost_only_reduce(in_shape, out_channels, f, bottleneck_channels):
    n_H, n_W, n_C = in_shape
    return n_H * n_W * out_channels * f * f * n_C, n_H * n_W * bottleneck_channels * n_C


@mistake("bottleneck_cost", "the f x f conv after the bottleneck still reads all n_C input channels",
         feedback=["bottleneck_cost: bottleneck_cost((28, 28, 192), 32, 5, 16)[1] is wrong",
                   "got 122830848, expected 12443648"])
def bottleneck_cost_conv_on_input(in_shape, out_channels, f, bottleneck_channels):
    n_H, n_W, n_C = in_shape
    direct = n_H * n_W * out_channels * f * f * n_C
    return direct, n_H * n_W * bottleneck_channels * n_C + direct


@mistake("bottleneck_cost", "the 1x1 conv was costed as f x f (n_H*n_W*bottleneck_channels * f*f*n_C)",
         feedback=["bottleneck_cost: bottleneck_cost((28, 28, 192), 32, 5, 16)[1] is wrong",
                   "got 70246400, expected 12443648"])
def bottleneck_cost_reduce_f(in_shape, out_channels, f, bottleneck_channels):
    n_H, n_W, n_C = in_shape
    reduce = n_H * n_W * bottleneck_channels * f * f * n_C
    return n_H * n_W * out_channels * f * f * n_C, reduce + n_H * n_W * out_channels * f * f * bottleneck_channels


# InceptionModule

class _Inception(nn.Module):
    """The right module; each mistake below turns one of these knobs."""

    reduce_relu = True  # ReLU after the 1x1 bottlenecks
    proj_relu = True  # ReLU after the pool branch's 1x1
    pad5 = 2
    bias = True
    project_pool = True

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()

        def conv(c_in, c_out, f, pad=0, relu=True):
            return [nn.Conv2d(c_in, c_out, f, padding=pad, bias=self.bias)] + ([nn.ReLU()] if relu else [])

        self.branch1 = nn.Sequential(*conv(in_channels, c1, 1))
        self.branch3 = nn.Sequential(*conv(in_channels, c3_reduce, 1, relu=self.reduce_relu),
                                     *conv(c3_reduce, c3, 3, 1))
        self.branch5 = nn.Sequential(*conv(in_channels, c5_reduce, 1, relu=self.reduce_relu),
                                     *conv(c5_reduce, c5, 5, self.pad5))
        projection = conv(in_channels, pool_proj, 1, relu=self.proj_relu) if self.project_pool else []
        self.branch_pool = nn.Sequential(self.pool(), *projection)

    def pool(self):
        return nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)], dim=1)


@mistake("InceptionModule", "the 3x3 and 5x5 branches were swapped in torch.cat",
         feedback=["InceptionModule: the branches are concatenated in the wrong order",
                   "output channels 2:4 hold the 5x5 branch, expected the 3x3 branch",
                   "InceptionModule: output has wrong values"])
class InceptionModuleSwapped(_Inception):
    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch5(x), self.branch3(x), self.branch_pool(x)], dim=1)


@mistake("InceptionModule", "there is no ReLU after the 1x1 bottleneck convs",
         feedback=["InceptionModule: output has wrong values",
                   "first difference at output[0, 4, 2, 1]: got 0.0, expected 0.008418622468"])
class InceptionModuleNoReduceReLU(_Inception):
    reduce_relu = False


@mistake("InceptionModule", "the pool branch's 1x1 conv has no ReLU",
         feedback=["InceptionModule: output has negative values",
                   "output[0, 3, 0, 0] < 0, a channel of the pool branch"])
class InceptionModuleNoProjectionReLU(_Inception):
    proj_relu = False


@mistake("InceptionModule", "the pool branch has no 1x1 projection (it passes in_channels channels on)",
         feedback=["InceptionModule: output has the wrong shape", "got (1, 17, 3, 3), expected (1, 16, 3, 3)"])
class InceptionModuleNoProjection(_Inception):
    project_pool = False


@mistake("InceptionModule", "average pooling replaced the max-pool",
         feedback=["InceptionModule: output has wrong values",
                   "first difference at output[0, 12, 0, 0]: got 0.5345802734, expected 0.5777421849"])
class InceptionModuleAvgPool(_Inception):
    def pool(self):
        return nn.AvgPool2d(3, stride=1, padding=1)


@mistake("InceptionModule", "the 5x5 conv has padding 1", diagnose=False,
         feedback=["InceptionModule: raised RuntimeError: Sizes of tensors must match except in "
                   "dimension 1. Expected size 3 but got size 1 for tensor number 2 in the list."])
class InceptionModulePad1(_Inception):
    pad5 = 1


@mistake("InceptionModule", "the max-pool has stride 2", diagnose=False,
         feedback=["InceptionModule: raised RuntimeError: Sizes of tensors must match except in "
                   "dimension 1. Expected size 3 but got size 2 for tensor number 3 in the list."])
class InceptionModulePoolStride2(_Inception):
    def pool(self):
        return nn.MaxPool2d(3, stride=2, padding=1)


@mistake("InceptionModule", "the convs have no bias (bias=False, as before a BatchNorm)", diagnose=False,
         feedback=["InceptionModule: has 163,328 trainable parameters, expected 163,696",
                   "InceptionModule: has 608 trainable parameters, expected 632"])
class InceptionModuleNoBias(_Inception):
    bias = False
