"""The reference solutions agree with torch.nn.functional (float64) on hypothesis inputs."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from conftest import ROOT
from convgrade.lesson import course_module

from conftest import ROOT

gs = course_module(ROOT, "cases")  # the course's strategies (graders/cases.py)
from convgrade.lesson import load_file

ref_conv = load_file(ROOT / "reference/week1/convolution.py", "_test_ref_convolution")
ref_pool = load_file(ROOT / "reference/week1/pooling.py", "_test_ref_pooling")
ref_edges = load_file(ROOT / "reference/week1/edges.py", "_test_ref_edges")
PROFILE = settings(max_examples=60, database=None, derandomize=True, deadline=None)


def nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a).permute(0, 3, 1, 2)


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


@PROFILE
@given(gs.conv_cases(kind="floats", max_side=9, max_stride=3))
def test_conv_forward_matches_conv2d(case):
    Z, _ = ref_conv.conv_forward(case.A_prev, case.W, case.b, case.hparameters)
    expected = F.conv2d(nchw(case.A_prev), torch.from_numpy(case.W).permute(3, 2, 0, 1),
                        torch.from_numpy(case.b.reshape(-1)), stride=case.stride, padding=case.pad)
    np.testing.assert_allclose(Z, nhwc(expected), rtol=1e-10, atol=1e-12)


@PROFILE
@given(gs.pool_cases(kind="floats", max_side=9))
def test_pool_forward_matches_max_and_avg_pool2d(case):
    for mode, op in (("max", F.max_pool2d), ("average", F.avg_pool2d)):
        A, _ = ref_pool.pool_forward(case.A_prev, case.hparameters, mode=mode)
        expected = op(nchw(case.A_prev), case.f, stride=case.stride)
        np.testing.assert_allclose(A, nhwc(expected), rtol=1e-12, atol=1e-12)


@PROFILE
@given(gs.image_cases(dtype="uint8", max_side=12))
def test_conv2d_valid_matches_conv2d(case):
    got = ref_edges.conv2d_valid(case.image, case.kernel)
    expected = F.conv2d(torch.from_numpy(case.image.astype(np.float64))[None, None],
                        torch.from_numpy(case.kernel)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
