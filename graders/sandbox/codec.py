"""The wire format between the grader and the worker: JSON plus raw ndarray bytes, never pickle.

A frame is ``u64 length | u32 header length | header JSON | array bytes...``. The header is
``{"body": value, "arrays": [{"dtype": "<f8", "shape": [2, 3]}, ...]}``; ``value`` is JSON where
tuples, dicts with their key order, arrays, numpy scalars, tensors and foreign objects are tagged:
``{"$tuple": [...]}``, ``{"$dict": [[k, v], ...]}``, ``{"$array": i}``, ``{"$scalar": i}``,
``{"$tensor": i}``, ``{"$object": "module.Type"}``.

This module is loaded by the worker by path (it imports nothing from ``graders``): the format is public.
Decoding is strict: whitelisted dtypes, sizes that add up, bounded header and depth.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

DTYPES = frozenset(
    np.dtype(c).str for c in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16")
)
MAX_HEADER = 4 << 20
MAX_DEPTH = 40
_LEN = struct.Struct("<Q")
_HLEN = struct.Struct("<I")


class CodecError(ValueError):
    """A frame that does not follow the format (too large, malformed, or a forbidden type)."""


@dataclass(frozen=True)
class Opaque:
    """Stands for an object the worker could not send as data; only its type's name crosses."""

    type_name: str

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


@dataclass(frozen=True)
class TensorData:
    """A torch tensor's values, decoded as a plain array (the grader never builds tensors from worker data)."""

    array: np.ndarray
    dtype: str
    requires_grad: bool = False


def _type_name(x: Any) -> str:
    t = type(x)
    mod = getattr(t, "__module__", "") or ""
    return t.__qualname__ if mod in ("builtins", "") else f"{mod}.{t.__qualname__}"


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []

    def array(self, a: np.ndarray) -> int:
        self.arrays.append(a)  # tobytes() is always C order
        return len(self.arrays) - 1

    def value(self, x: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"$object": "too deeply nested"}
        t = type(x)
        if x is None or t in (bool, int, str):
            return x
        if t is float:
            return x
        if t is np.ndarray:
            if x.dtype.str not in DTYPES:
                return {"$object": f"numpy.ndarray of dtype {x.dtype}"}
            return {"$array": self.array(x)}
        if isinstance(x, np.generic) and t.__module__ == "numpy":
            if np.dtype(t).str not in DTYPES:
                return {"$object": _type_name(x)}
            return {"$scalar": self.array(np.asarray(x))}
        if t is tuple:
            return {"$tuple": [self.value(v, depth + 1) for v in x]}
        if t is list:
            return [self.value(v, depth + 1) for v in x]
        if t is dict:
            if not all(type(k) is str for k in x):
                return {"$object": "dict with non-string keys"}
            return {"$dict": [[k, self.value(v, depth + 1)] for k, v in x.items()]}
        if t.__module__ == "torch" and t.__name__ in ("Tensor", "Parameter"):
            return self.tensor(x)
        return {"$object": _type_name(x)}

    def tensor(self, x: Any) -> Any:
        import torch

        if x.is_sparse or x.device.type != "cpu":
            return {"$object": f"torch.Tensor on {x.device}"}
        a = x.detach().numpy(force=True) if x.dtype != torch.bfloat16 else x.detach().float().numpy()
        if a.dtype.str not in DTYPES:
            return {"$object": f"torch.Tensor of dtype {x.dtype}"}
        i = self.array(a)
        return {"$tensor": i, "dtype": str(x.dtype).removeprefix("torch."), "grad": bool(x.requires_grad)}


def encode(body: Any) -> bytes:
    """Encode ``body`` as one frame (length prefix included)."""
    enc = _Encoder()
    payload = enc.value(body)
    header = json.dumps(
        {"body": payload, "arrays": [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in enc.arrays]},
        separators=(",", ":"),
    ).encode()
    parts = [_HLEN.pack(len(header)), header, *(a.tobytes() for a in enc.arrays)]
    size = sum(len(p) for p in parts)
    return _LEN.pack(size) + b"".join(parts)


def frame_size(prefix: bytes) -> int:
    (size,) = _LEN.unpack(prefix)
    return size


PREFIX_SIZE = _LEN.size


def decode(frame: bytes | memoryview) -> Any:
    """Decode a frame's payload (without the length prefix). Raises CodecError on anything malformed."""
    view = memoryview(frame)
    if len(view) < _HLEN.size:
        raise CodecError("frame shorter than its header length")
    (hlen,) = _HLEN.unpack(view[: _HLEN.size])
    if hlen > MAX_HEADER or _HLEN.size + hlen > len(view):
        raise CodecError(f"header of {hlen} bytes does not fit the frame")
    try:
        header = json.loads(bytes(view[_HLEN.size : _HLEN.size + hlen]))
    except (ValueError, RecursionError) as e:
        raise CodecError(f"header is not valid JSON: {e}") from None
    if type(header) is not dict or set(header) != {"body", "arrays"} or type(header["arrays"]) is not list:
        raise CodecError("header must be {'body', 'arrays'}")
    arrays = _arrays(header["arrays"], view[_HLEN.size + hlen :])
    return _Decoder(arrays).value(header["body"], 0)


def _arrays(specs: list, blob: memoryview) -> list[np.ndarray]:
    out, offset = [], 0
    for spec in specs:
        if type(spec) is not dict or set(spec) != {"dtype", "shape"}:
            raise CodecError("array spec must be {'dtype', 'shape'}")
        dtype, shape = spec["dtype"], spec["shape"]
        if dtype not in DTYPES:
            raise CodecError(f"dtype {dtype!r} is not allowed")
        if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
            raise CodecError(f"bad shape {shape!r}")
        dt = np.dtype(dtype)
        nbytes = dt.itemsize * int(np.prod(shape, dtype=object))
        if offset + nbytes > len(blob):
            raise CodecError("array bytes run past the end of the frame")
        out.append(np.frombuffer(blob[offset : offset + nbytes], dtype=dt).reshape(shape).copy())
        offset += nbytes
    if offset != len(blob):
        raise CodecError(f"{len(blob) - offset} unexplained bytes at the end of the frame")
    return out


class _Decoder:
    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays

    def get(self, i: Any) -> np.ndarray:
        if type(i) is not int or not 0 <= i < len(self.arrays):
            raise CodecError(f"bad array index {i!r}")
        return self.arrays[i]

    def value(self, x: Any, depth: int) -> Any:
        if depth > MAX_DEPTH + 2:
            raise CodecError("value nested too deeply")
        t = type(x)
        if x is None or t in (bool, int, float, str):
            return x
        if t is list:
            return [self.value(v, depth + 1) for v in x]
        if t is not dict or len(x) == 0:
            raise CodecError(f"unexpected JSON value of type {t.__name__}")
        tag = next(iter(x))
        if tag == "$array" and len(x) == 1:
            return self.get(x[tag])
        if tag == "$scalar" and len(x) == 1:
            a = self.get(x[tag])
            if a.shape != ():
                raise CodecError("a scalar must have shape ()")
            return a[()]
        if tag == "$tensor" and set(x) == {"$tensor", "dtype", "grad"}:
            return TensorData(self.get(x[tag]), str(x["dtype"]), x["grad"] is True)
        if tag == "$tuple" and len(x) == 1 and type(x[tag]) is list:
            return tuple(self.value(v, depth + 1) for v in x[tag])
        if tag == "$dict" and len(x) == 1 and type(x[tag]) is list:
            items = x[tag]
            if not all(type(kv) is list and len(kv) == 2 and type(kv[0]) is str for kv in items):
                raise CodecError("$dict items must be [str, value] pairs")
            return {k: self.value(v, depth + 1) for k, v in items}
        if tag == "$object" and len(x) == 1 and type(x[tag]) is str:
            return Opaque(x[tag][:200])
        raise CodecError(f"unknown tag {tag!r}")
