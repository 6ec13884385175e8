"""Realistic wrong answers to lessons 2.3-2.4, each with the feedback lines it must produce."""
import numpy as np
import torch
from torch import nn

from convgrade import mistake


@mistake("residual_forward", "the skip connection is missing (out = relu(z2))",
         feedback=["residual_forward: out has wrong values"])
def residual_forward_no_skip(a, W1, b1, W2, b2):
    a1 = np.maximum(W1 @ a + b1, 0)
    return np.maximum(W2 @ a1 + b2, 0)


@mistake("residual_forward", "a ReLU was applied before adding a too (relu(relu(z2) + a))",
         feedback=["residual_forward: out has wrong values"])
def residual_forward_relu_before_skip(a, W1, b1, W2, b2):
    a1 = np.maximum(W1 @ a + b1, 0)
    a2 = np.maximum(W2 @ a1 + b2, 0)
    return np.maximum(a2 + a, 0)


@mistake("residual_forward", "the first layer has no ReLU (a1 = z1)",
         feedback=["residual_forward: out has wrong values"])
def residual_forward_no_hidden_relu(a, W1, b1, W2, b2):
    return np.maximum(W2 @ (W1 @ a + b1) + b2 + a, 0)


@mistake("residual_forward", "the ReLU went before the add and none after it (relu(z2) + a)",
         feedback=["residual_forward: out has wrong values",
                   "first difference at out[0, 0]: got 2.0, expected 0.5"])
def residual_forward_relu_then_skip(a, W1, b1, W2, b2):
    z2 = W2 @ np.maximum(W1 @ a + b1, 0) + b2
    return a + np.maximum(z2, 0)


@mistake("residual_forward", "the final ReLU is missing (out = z2 + a)",
         feedback=["residual_forward: out has wrong values"])
def residual_forward_no_final_relu(a, W1, b1, W2, b2):
    a1 = np.maximum(W1 @ a + b1, 0)
    return W2 @ a1 + b2 + a


@mistake("residual_forward", "np.max(x, 0) (the largest value along axis 0) was used for the ReLU np.maximum(x, 0)",
         feedback=["residual_forward: out has the wrong shape",
                   "got (2,), expected (1, 2)"])
def residual_forward_np_max(a, W1, b1, W2, b2):
    a1 = np.maximum(W1 @ a + b1, 0)
    return (W2 @ a1 + b2 + a).max(axis=0)


def _main_path(in_channels, filters, f, stride=1, bias=False, padding="same", middle_bn=True):
    F1, F2, F3 = filters
    return nn.Sequential(
        nn.Conv2d(in_channels, F1, 1, stride=stride, bias=bias), nn.BatchNorm2d(F1), nn.ReLU(),
        nn.Conv2d(F1, F2, f, padding=padding, bias=bias), *[nn.BatchNorm2d(F2)] * middle_bn, nn.ReLU(),
        nn.Conv2d(F2, F3, 1, bias=bias), nn.BatchNorm2d(F3),
    )


class _IdentityBlock(nn.Module):
    def __init__(self, channels, filters, f, bias=False, padding="same"):
        super().__init__()
        if filters[2] != channels:
            raise ValueError(f"filters[2]={filters[2]} must equal channels={channels}")
        self.main = _main_path(channels, filters, f, bias=bias, padding=padding)

    def forward(self, x):
        return torch.relu(self.main(x) + x)


class _ConvolutionalBlock(nn.Module):
    def __init__(self, in_channels, filters, f, stride=2, shortcut_bias=False, shortcut_bn=True):
        super().__init__()
        self.main = _main_path(in_channels, filters, f, stride)
        bn = [nn.BatchNorm2d(filters[2])] if shortcut_bn else []
        self.shortcut = nn.Sequential(nn.Conv2d(in_channels, filters[2], 1, stride=stride, bias=shortcut_bias), *bn)

    def forward(self, x):
        return torch.relu(self.main(x) + self.shortcut(x))


@mistake("IdentityBlock", "a ReLU was applied before the residual add too (relu(relu(main(x)) + x))",
         feedback=["IdentityBlock: output has wrong values",
                   "layer 9 (relu): yours applies ReLU before the add (your layer 10); the reference adds first, "
                   "then applies ReLU"])
class IdentityBlockReluBeforeAdd(_IdentityBlock):
    def forward(self, x):
        return torch.relu(torch.relu(self.main(x)) + x)


@mistake("IdentityBlock", "the final ReLU after the add is missing",
         feedback=["IdentityBlock: output has wrong values"])
class IdentityBlockNoFinalRelu(_IdentityBlock):
    def forward(self, x):
        return self.main(x) + x


@mistake("IdentityBlock", "the input x was never added (no skip connection)",
         feedback=["IdentityBlock: output has wrong values"])
class IdentityBlockNoSkip(_IdentityBlock):
    def forward(self, x):
        return torch.relu(self.main(x))


@mistake("IdentityBlock", "the BatchNorm after the middle fxf conv is missing", diagnose=False,
         feedback=["IdentityBlock: has 70,272 trainable parameters, expected 70,400",
                   "after layer 4 (main.3), the reference has BatchNorm2d(64) (its layer 5); yours has none"])
class IdentityBlockNoMiddleBN(_IdentityBlock):
    def __init__(self, channels, filters, f):
        super().__init__(channels, filters, f)
        self.main = _main_path(channels, filters, f, middle_bn=False)


@mistake("IdentityBlock", "the convolutions have a bias although BatchNorm follows them", diagnose=False,
         feedback=["IdentityBlock: has 12 trainable parameters, expected 9",
                   "hint: 1x1 -> BN -> ReLU -> fxf 'same' -> BN -> ReLU -> 1x1 -> BN, then relu(main(x) + x); "
                   "a conv followed by BN has bias=False"])
class IdentityBlockConvBias(_IdentityBlock):
    def __init__(self, channels, filters, f):
        super().__init__(channels, filters, f, bias=True)


@mistake("IdentityBlock", "'same' padding of an even f put the extra row and column at the top and left",
         feedback=["IdentityBlock: output has wrong values"])
class IdentityBlockPadTopLeft(_IdentityBlock):
    def __init__(self, channels, filters, f):
        super().__init__(channels, filters, f, padding=0)
        self.main.insert(3, nn.ZeroPad2d((f // 2, (f - 1) // 2, f // 2, (f - 1) // 2)))


@mistake("IdentityBlock", "the middle conv has no padding, so the main path shrinks", diagnose=False,
         feedback=["IdentityBlock: raised RuntimeError: Calculated padded input size per channel: "
                   "(1 x 1). Kernel size: (2 x 2). Kernel size can't be greater than actual input size",
                   "the first layer whose output shape differs from the reference's: your main.3 (Conv2d) gives "
                   "(2, 64, 3, 5), the reference's main.3 (Conv2d) gives (2, 64, 5, 7)"])
class IdentityBlockNoPadding(_IdentityBlock):
    def __init__(self, channels, filters, f):
        super().__init__(channels, filters, f, padding=0)


@mistake("IdentityBlock", "filters[2] != channels was not rejected", diagnose=False,
         feedback=["IdentityBlock: IdentityBlock(4, (2, 2, 3), 3) did not raise ValueError"])
class IdentityBlockNoCheck(_IdentityBlock):
    def __init__(self, channels, filters, f):
        nn.Module.__init__(self)
        self.main = _main_path(channels, filters, f)


@mistake("ConvolutionalBlock", "the stride sits on the fxf conv instead of the first 1x1 conv", diagnose=False,
         feedback=["ConvolutionalBlock: output has the wrong shape", "got (2, 1, 2, 2), expected (2, 1, 1, 1)",
                   "layer 1 (main.0): yours is Conv2d(1->1, 1x1, no bias), the reference's is Conv2d(1->1, 1x1, stride 2, "
                   "no bias)",
                   "layer 4 (main.3): yours is Conv2d(1->1, 1x1, stride 2, no bias), the reference's is Conv2d(1->1, 1x1, "
                   "no bias)"])
class ConvolutionalBlockStrideOnMiddle(_ConvolutionalBlock):
    def __init__(self, in_channels, filters, f, stride=2):
        super().__init__(in_channels, filters, f, stride)
        F1, F2, F3 = filters
        self.main[0] = nn.Conv2d(in_channels, F1, 1, bias=False)
        self.main[3] = nn.Conv2d(F1, F2, f, stride=stride, padding=f // 2, bias=False)


@mistake("ConvolutionalBlock", "the shortcut has no BatchNorm", diagnose=False,
         feedback=["ConvolutionalBlock: has 10 trainable parameters, expected 12",
                   "ConvolutionalBlock: has 10 parameter tensors, expected 12",
                   "first missing one: shortcut.1.weight (1,)"])
class ConvolutionalBlockNoShortcutBN(_ConvolutionalBlock):
    def __init__(self, in_channels, filters, f, stride=2):
        super().__init__(in_channels, filters, f, stride, shortcut_bn=False)


@mistake("ConvolutionalBlock", "the shortcut conv has a bias although BatchNorm follows it", diagnose=False,
         feedback=["ConvolutionalBlock: has 13 trainable parameters, expected 12",
                   "a convolution followed by BatchNorm has bias=False; every other conv/linear has a bias"])
class ConvolutionalBlockShortcutBias(_ConvolutionalBlock):
    def __init__(self, in_channels, filters, f, stride=2):
        super().__init__(in_channels, filters, f, stride, shortcut_bias=True)


@mistake("ConvolutionalBlock", "a ReLU was applied before the residual add too (relu(relu(main(x)) + shortcut(x)))",
         feedback=["ConvolutionalBlock: output has wrong values"])
class ConvolutionalBlockReluBeforeAdd(_ConvolutionalBlock):
    def forward(self, x):
        return torch.relu(torch.relu(self.main(x)) + self.shortcut(x))


@mistake("ConvolutionalBlock", "the final ReLU after the add is missing",
         feedback=["ConvolutionalBlock: output has wrong values"])
class ConvolutionalBlockNoFinalRelu(_ConvolutionalBlock):
    def forward(self, x):
        return self.main(x) + self.shortcut(x)


class _ResNet50(nn.Module):
    def __init__(self, num_classes=1000, first_stride=1, max_pool=True):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  *[nn.MaxPool2d(3, stride=2, padding=1)] * max_pool)
        stages, in_channels = [], 64
        for n_blocks, filters, stride in [(3, (64, 64, 256), first_stride), (4, (128, 128, 512), 2),
                                          (6, (256, 256, 1024), 2), (3, (512, 512, 2048), 2)]:
            blocks = [_ConvolutionalBlock(in_channels, filters, 3, stride=stride)]
            blocks += [_IdentityBlock(filters[2], filters, 3) for _ in range(n_blocks - 1)]
            stages.append(nn.Sequential(*blocks))
            in_channels = filters[2]
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x):
        return self.fc(self.stages(self.stem(x)).mean(dim=(2, 3)))


@mistake("ResNet50", "the first stage has stride 2 like the others (it keeps the size: stride 1)",
         feedback=["ResNet50: output has wrong values"])
class ResNet50FirstStageStride2(_ResNet50):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes, first_stride=2)


@mistake("ResNet50", "the max-pool after the stem is missing", feedback=["ResNet50: output has wrong values"])
class ResNet50NoMaxPool(_ResNet50):
    def __init__(self, num_classes=1000):
        super().__init__(num_classes, max_pool=False)


@mistake("ResNet50", "a global max-pool instead of the global average pool",
         feedback=["ResNet50: output has wrong values"])
class ResNet50GlobalMaxPool(_ResNet50):
    def forward(self, x):
        return self.fc(self.stages(self.stem(x)).amax(dim=(2, 3)))


@mistake("ResNet50", "num_classes is ignored (always 1000 logits)", diagnose=False,
         feedback=["ResNet50: has 25,557,032 trainable parameters, expected 23,512,130"])
class ResNet50FixedClasses(_ResNet50):
    def __init__(self, num_classes=1000):
        super().__init__(1000)
