"""The reference module, built only when an answer asked of it is not remembered (``Reference``), with weights
drawn from a seed (``seeded_weights``) that the worker draws again into the student's module (``drawn``): only a
small plan crosses, never a large network's weights.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import torch

from ...refcache import remember
from .ops import fill_in, seeded
from .ops import tensors as _tensors

if TYPE_CHECKING:
    from .modules import ModuleCase

SEED = 0
TORCH_VERSION = importlib.metadata.version("torch")  # a remembered answer of the reference holds for it alone


@dataclass(frozen=True)
class Seeded:
    """Weights drawn from ``SEED`` (see ops.draw): ``draws`` are ``(index, low, high)`` in the order they are drawn,
    indexes into the parameters then buffers (of ``shapes``). The worker draws the same values from this plan, so the
    reference's weights need not cross (a large classic network's would be over a gigabyte)."""

    shapes: tuple[tuple[int, ...], ...]
    draws: tuple[tuple[int, float, float], ...]
    complete: bool  # every tensor not drawn is zero (else its values come from the module's own constructor)

    def request(self) -> dict:
        return {"shapes": [list(s) for s in self.shapes], "draws": [list(d) for d in self.draws]}


def seeded_weights(module: torch.nn.Module) -> Seeded:
    """The weights of a reference module, the same on every machine. Torch's initialisers are not: their vectorised
    kernels (normal_, the multiply-add of uniform_) round the last bit of a float32 differently on CPUs with other
    vector extensions, which would move the feedback's numbers at the 8th digit. So every weight and bias is drawn
    by numpy from torch's default distribution, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and rounded to float32 (a
    float32 copy of the weights loses nothing). Batch norm, the identity in eval mode as torch makes it, gets
    statistics and scales that show where it sits. Reads only the structure: ``module`` may be on meta."""
    named = [*_tensors(module), *_tensors(module, "_buffers")]
    index = {id(t): i for i, (_, t) in enumerate(named)}
    draws: list[tuple[int, float, float]] = []
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            draws += [(index[id(m.running_mean)], -0.2, 0.2), (index[id(m.running_var)], 1.0, 1.5),
                      (index[id(m.weight)], 0.7, 1.3), (index[id(m.bias)], -0.2, 0.2)]
        else:
            weight = getattr(m, "weight", None)
            fan_in = weight[0].numel() if isinstance(weight, torch.Tensor) and weight.dim() > 1 else None
            for p in m.parameters(recurse=False):
                bound = float(1 / np.sqrt(fan_in or max(1, p.shape[-1] if p.dim() else 1)))
                draws.append((index[id(p)], -bound, bound))
    drawn = {i for i, _, _ in draws}
    complete = all(i in drawn or n.endswith("num_batches_tracked") for i, (n, _) in enumerate(named))
    return Seeded(tuple(tuple(t.shape) for _, t in named), tuple(draws), complete)


def built(ref: Any, name: str, case: ModuleCase, device: str = "cpu") -> torch.nn.Module:
    """The reference module: on meta (its structure alone), or in float64 on the CPU with the weights of
    ``seeded_weights``, built on meta and filled (torch's initialisers never run)."""
    with torch.device("meta"):
        module = getattr(ref, name)(*case.args, **case.kwargs)
    if device == "meta":
        return module
    weights = seeded_weights(module)
    if weights.complete:
        return seeded(module, weights.request(), SEED)
    torch.manual_seed(SEED)  # buffers that only its constructor knows: built on the CPU, then drawn
    module = getattr(ref, name)(*case.args, **case.kwargs).double()
    fill_in([t for _, t in [*_tensors(module), *_tensors(module, "_buffers")]], list(weights.draws), SEED)
    return module


@dataclass(frozen=True)
class Reference:
    """The reference module ``name`` for ``case``, built only when an answer asked of it (``layout_of``,
    ``reference_forward``, ``reference_grad_norms``, ``drawn``) is not remembered from an earlier grade (see
    convgrade.refcache). ``module`` builds it, for a check that changes its weights."""

    ref: Any
    name: str
    case: ModuleCase
    _state: dict = field(default_factory=dict, repr=False, compare=False)  # the module once built; "handed"

    @property
    def module(self) -> torch.nn.Module:
        """The module itself, built now: the check may change its weights, so from now on nothing asked of this
        handle is remembered."""
        self._state["handed"] = True
        return self._built()

    @property
    def handed(self) -> bool:
        """Whether ``module`` was taken (its weights may have changed)."""
        return bool(self._state.get("handed"))

    def _built(self) -> torch.nn.Module:
        if "module" not in self._state:
            self._state["module"] = built(self.ref, self.name, self.case)
        return self._state["module"]

    def answer(self, what: tuple, compute: Callable[[torch.nn.Module], Any], *, meta: bool = False,
               changes: bool = False) -> Any:
        """``compute(module)``, remembered under ``what`` (and the module's name, arguments, torch's version); on
        the module built on meta with ``meta``; a module that ``compute`` ``changes`` is built again after it."""
        if self.handed:
            return compute(self._state["module"])

        def fresh() -> Any:
            module = built(self.ref, self.name, self.case, "meta") if meta else self._built()
            try:
                return compute(module)
            finally:
                if changes:
                    self._state.pop("module", None)

        arguments = repr((self.case.args, self.case.kwargs))
        if "..." in arguments or " at 0x" in arguments:  # an elided array, an object: not a key
            return fresh()
        key = ("torch", TORCH_VERSION, self.name, arguments, tuple(self.case.input_shape), *what)
        return remember(self.ref, key, fresh)

    def answer_on_input(self, what: tuple, compute: Callable[[torch.nn.Module], Any], **kw: Any) -> Any:
        """``answer``, for a ``compute`` that runs the module on ``case.x`` (in the key by its bytes)."""
        return self.answer((*what, array_key(self.case.x)), compute, **kw)


def array_key(array: np.ndarray) -> str:
    """An array in a key: its dtype, shape and bytes, hashed."""
    array = np.ascontiguousarray(array)
    return hashlib.sha256(f"{array.dtype}{array.shape}".encode() + array.tobytes()).hexdigest()


def reference_module(ref: Any, name: str, case: ModuleCase) -> Reference:
    """The reference module for ``case``: a handle that builds it only if an answer asked of it is not remembered
    (see ``Reference``; its ``module`` is the module itself)."""
    return Reference(ref, name, case)


def drawn(reference: Reference | torch.nn.Module) -> Seeded | torch.nn.Module:
    """What ``student_forward`` sends for the weights ``reference_module`` gave ``reference`` (not changed since):
    the plan to draw them again, or the module (its arrays) when not all of them are drawn."""
    if isinstance(reference, Reference) and reference.handed:
        reference = reference.module
    if isinstance(reference, Reference):
        plan = reference.answer(("weights",), lambda m: _plan(seeded_weights(m)), meta=True)
        return plan if plan is not None else reference.module
    weights = seeded_weights(reference)
    return weights if weights.complete else reference


def _plan(weights: Seeded) -> Seeded | None:
    return weights if weights.complete else None
