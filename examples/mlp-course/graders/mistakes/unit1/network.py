"""Realistic wrong answers to TinyMLP, each with the feedback lines it must produce."""
import torch
from torch import nn

from convgrade import mistake


class _TwoLayers(nn.Module):
    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.hidden = nn.Linear(d_in, hidden)
        self.out = nn.Linear(hidden, d_out)


@mistake("TinyMLP", "the ReLU between the layers is missing (two linear layers are one linear map)",
         feedback=["TinyMLP: output has wrong values"])
class TinyMLPNoRelu(_TwoLayers):
    def forward(self, x):
        return self.out(self.hidden(x))


@mistake("TinyMLP", "a ReLU was applied to the logits too",
         feedback=["TinyMLP: output has wrong values"])
class TinyMLPReluOnLogits(_TwoLayers):
    def forward(self, x):
        return torch.relu(self.out(torch.relu(self.hidden(x))))


@mistake("TinyMLP", "the hidden layer has d_out units instead of hidden", diagnose=False,
         feedback=["TinyMLP: its parameters do not line up with the reference's"])
class TinyMLPWrongHidden(_TwoLayers):
    def __init__(self, d_in, hidden, d_out):
        super().__init__(d_in, d_out, d_out)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


@mistake("TinyMLP", "the layers have no bias", diagnose=False,
         feedback=["TinyMLP: has 56 trainable parameters, expected 67",
                   "parameter 2 (out.weight) has shape (1, 1), expected (1,) (the reference's hidden.bias)"])
class TinyMLPNoBias(nn.Module):
    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.hidden = nn.Linear(d_in, hidden, bias=False)
        self.out = nn.Linear(hidden, d_out, bias=False)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))
