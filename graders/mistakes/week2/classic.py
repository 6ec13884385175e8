"""Realistic wrong answers to lesson 2.2, each with the feedback lines it must produce."""
import torch
from torch import nn

from convgrade import mistake

FIRST = "the first layer whose output shape differs from the reference's: "


def _alexnet_features(first_pad=0, last_pool=True, pool=nn.MaxPool2d):
    layers = [nn.Conv2d(3, 96, 11, stride=4, padding=first_pad), nn.ReLU(), pool(3, stride=2),
              nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), pool(3, stride=2),
              nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
              nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
              nn.Conv2d(384, 256, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, *[pool(3, stride=2)] * last_pool)


def _vgg_features(blocks=(2, 2, 3, 3, 3), padding=1):
    layers, n_c = [], 3
    for n_convs, filters in zip(blocks, (64, 128, 256, 512, 512)):
        for _ in range(n_convs):
            layers += [nn.Conv2d(n_c, filters, 3, padding=padding), nn.ReLU()]
            n_c = filters
        layers.append(nn.MaxPool2d(2, stride=2))
    return nn.Sequential(*layers)


def _classifier(n_in, num_classes, dropout=False, relu_on_logits=False):
    drop = [nn.Dropout(0.5)] if dropout else []
    layers = [*drop, nn.Linear(n_in, 4096), nn.ReLU(), *drop, nn.Linear(4096, 4096), nn.ReLU(),
              nn.Linear(4096, num_classes)]
    return nn.Sequential(*layers, *[nn.ReLU()] * relu_on_logits)


class _Net(nn.Module):
    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


@mistake("AlexNet", "the first conv has padding 5 ('same'), so 227 -> 57 instead of 55",
         feedback=["AlexNet: output has wrong values", "input: x.shape=(1, 3, 227, 227), num_classes=10",
                   f"{FIRST}your features.0 (Conv2d) gives (1, 96, 57, 57), the reference's features.0 (Conv2d) "
                   "gives (1, 96, 55, 55)"])
class AlexNetSameFirstConv(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _alexnet_features(first_pad=5)
        self.classifier = _classifier(256 * 6 * 6, num_classes)


@mistake("AlexNet", "the last max-pool is missing (the first linear layer then takes 256*13*13 features)",
         diagnose=False,
         feedback=["AlexNet: has 197,746,049 trainable parameters, expected 58,285,441",
                   "parameter 11 (classifier.0.weight) has shape (4096, 43264), expected (4096, 9216) "
                   "(the reference's classifier.0.weight)",
                   f"{FIRST}your classifier.0 (Linear) gives (1, 4096), the reference's features.12 (MaxPool2d) "
                   "gives (1, 256, 6, 6)"])
class AlexNetNoLastPool(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _alexnet_features(last_pool=False)
        self.classifier = _classifier(256 * 13 * 13, num_classes)


@mistake("AlexNet", "average pooling instead of max-pooling (the shapes agree)",
         feedback=["AlexNet: output has wrong values", "your forward pass, layer by layer, against the reference's:",
                   "layer 3 (features.2): yours is AvgPool2d(3, stride 2), the reference's is MaxPool2d(3, stride 2)",
                   "layer 13 (features.12): yours is AvgPool2d(3, stride 2), the reference's is MaxPool2d(3, stride 2)"])
class AlexNetAvgPool(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _alexnet_features(pool=nn.AvgPool2d)
        self.classifier = _classifier(256 * 6 * 6, num_classes)


@mistake("AlexNet", "dropout in the classifier (as in torchvision's AlexNet; the course's has none)",
         feedback=["AlexNet: output has wrong values",
                   "hint: the course's AlexNet has no dropout: train and eval mode compute the same"])
class AlexNetDropout(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _alexnet_features()
        self.classifier = _classifier(256 * 6 * 6, num_classes, dropout=True)


@mistake("AlexNet", "num_classes is ignored (always 1000 logits)", diagnose=False,
         feedback=["AlexNet: has 62,378,344 trainable parameters, expected 58,285,441"])
class AlexNetFixedClasses(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _alexnet_features()
        self.classifier = _classifier(256 * 6 * 6, 1000)


@mistake("VGG16", "block 3 has 2 convs instead of 3", diagnose=False,
         feedback=["VGG16: has 133,674,561 trainable parameters, expected 134,264,641",
                   "parameter 13 (features.15.weight) has shape (512, 256, 3, 3), expected (256, 256, 3, 3) "
                   "(the reference's features.14.weight)"])
class VGG16TwoConvsInBlock3(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _vgg_features(blocks=(2, 2, 2, 3, 3))
        self.classifier = _classifier(512 * 7 * 7, num_classes)


@mistake("VGG16", "a ReLU after the last linear layer (logits can be negative)",
         feedback=["VGG16: output has wrong values"])
class VGG16ReluOnLogits(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _vgg_features()
        self.classifier = _classifier(512 * 7 * 7, num_classes, relu_on_logits=True)


@mistake("VGG16", "the 3x3 convs have no padding, so each one shrinks the image by 2", diagnose=False,
         feedback=["VGG16: raised RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x512 and 25088x4096)",
                   "input: x.shape=(1, 3, 224, 224), num_classes=10",
                   f"{FIRST}your features.0 (Conv2d) gives (1, 64, 222, 222), the reference's features.0 (Conv2d) "
                   "gives (1, 64, 224, 224)"])
class VGG16NoPadding(_Net):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = _vgg_features(padding=0)
        self.classifier = _classifier(512 * 7 * 7, num_classes)


@mistake("param_count", "frozen parameters (requires_grad=False) were counted too",
         feedback=["param_count: param_count(model) is wrong", "got 1, expected 0"])
def param_count_frozen(model):
    return sum(p.numel() for p in model.parameters())


@mistake("param_count", "the buffers (BatchNorm's running statistics) were counted too: state_dict() holds both",
         feedback=["param_count: param_count(model) is wrong", "got 5, expected 2"])
def param_count_state_dict(model):
    return sum(t.numel() for name, t in model.state_dict().items())


@mistake("param_count", "it counts parameter tensors, not the numbers in them",
         feedback=["param_count: param_count(Sequential(Linear(3, 2))) is wrong", "got 2, expected 8"])
def param_count_tensors(model):
    return len([p for p in model.parameters() if p.requires_grad])


@mistake("param_count", "only the weights were counted, not the biases",
         feedback=["param_count: param_count(model) is wrong", "got 1, expected 2"])
def param_count_weights_only(model):
    return sum(p.numel() for name, p in model.named_parameters() if p.requires_grad and name.endswith("weight"))
