"""A module whose modules() and named_modules() are LeNet-5's (named_parameters() walks the
latter) while forward runs one Linear(1, 1).

exercise: week1.convnet.LeNet5
status: failed
feedback: has 2 trainable parameters, expected
"""

_OTHER = LeNet5  # the reference's, defined above in this lesson file: the model whose tensors are reported


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.tiny = nn.Linear(1, 1)  # all that forward uses
        with torch.device("meta"):
            self.other = [_OTHER(num_classes)]  # in a list: not registered

    def forward(self, x):
        return self.tiny(x.mean((1, 2, 3))[:, None])

    def modules(self):
        return self.other[0].modules()

    def named_modules(self, *args, **kwargs):
        return self.other[0].named_modules(*args, **kwargs)
