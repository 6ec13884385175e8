"""A module that registers LeNet-5's real layers but whose forward runs only the last one (on a slice of the
pixels): its parameters are all there, and most are never used.

exercise: week1.convnet.LeNet5
status: failed
feedback: parameters are registered but never used by forward (the first: conv1.weight (6, 1, 5, 5)); they are not counted
"""

_OTHER = LeNet5  # the reference's, defined above in this lesson file


class LeNet5(_OTHER):
    def forward(self, x):
        return self.fc3(x.flatten(1)[:, :84]).sum(1, keepdim=True)
