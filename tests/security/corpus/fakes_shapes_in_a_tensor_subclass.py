"""One parameter of a Parameter subclass whose shape, size() and numel() report LeNet-5's 61,706 values.

exercise: week1.convnet.LeNet5
status: failed
feedback: weight is a Liar, expected a torch.nn.parameter.Parameter
"""


class Liar(nn.Parameter):
    shape = property(lambda self: torch.Size([61_706]))

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return 61_706


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.weight = Liar(torch.zeros(1))

    def forward(self, x):
        return x.mean((1, 2, 3))[:, None] * self.weight
