"""A first network: two fully connected layers with a ReLU between them, in PyTorch."""
import torch
from torch import nn


class TinyMLP(nn.Module):
    """A two-layer perceptron: Linear(d_in, hidden) -> ReLU -> Linear(hidden, d_out).

    Input x (N, d_in) -> (N, hidden) -> ReLU -> logits (N, d_out); no softmax at the end (the loss applies it).
    Both linear layers have a bias. Register them in __init__ in the order forward applies them: graders copy
    weights into your module in registration order.
    Parameters: (d_in + 1) * hidden + (hidden + 1) * d_out.

    Example: TinyMLP(4, 8, 3) has 5 * 8 + 9 * 3 = 67 parameters, and TinyMLP(4, 8, 3)(torch.zeros(2, 4)).shape == (2, 3)
    """

    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.hidden = nn.Linear(d_in, hidden)
        self.out = nn.Linear(hidden, d_out)

    def forward(self, x):
        """Logits (N, d_out) for inputs x (N, d_in)."""
        return self.out(torch.relu(self.hidden(x)))  # (N, hidden) -> (N, d_out)
