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
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

DTYPES = frozenset(
    np.dtype(c).str for c in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16")
)
SCALARS = frozenset(np.dtype(c).type for c in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8",
                                                  "c8", "c16"))
# Bound now, when the zygote loads this module: a submission that patches numpy cannot change what they are.
_ndarray, _array, _dtype, _frombuffer = np.ndarray, np.array, np.dtype, np.frombuffer
_dumps, _loads = json.dumps, json.loads
MAX_HEADER = 4 << 20
MAX_DEPTH = 40
MAX_STRING = 1 << 16  # characters of one string
MAX_INT_BITS = 256
MAX_DIM = 1 << 40  # no axis of a decoded array is longer (its size is bounded by the frame anyway)
_LEN = struct.Struct("<Q")
_HLEN = struct.Struct("<I")


class CodecError(ValueError):
    """A frame that does not follow the format (too large, malformed, or a forbidden type)."""


class TooLarge(ValueError):
    """Raised by ``encode`` before copying any data when the arrays would exceed ``max_bytes`` (or the
    values outside arrays the header limit)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, more than the limit of {limit}")
        self.size, self.limit = size, limit


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
    try:
        t = type(x)
        mod = t.__module__ if type(t.__module__) is str else ""
        name = t.__qualname__ if mod in ("builtins", "") else f"{mod}.{t.__qualname__}"
        return name[:200] if type(name) is str else "object"
    except Exception:  # noqa: BLE001 - a metaclass that breaks its own names
        return "object"


class _Encoder:
    def __init__(self, max_bytes: int | None) -> None:
        self.arrays: list[np.ndarray] = []
        self.nbytes, self.max_bytes = 0, max_bytes

    def array(self, a: np.ndarray) -> int:
        self.nbytes += a.nbytes
        if self.max_bytes is not None and self.nbytes > self.max_bytes:
            raise TooLarge(self.nbytes, self.max_bytes)
        self.arrays.append(a)  # tobytes() is always C order
        return len(self.arrays) - 1

    def value(self, x: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"$object": "too deeply nested"}
        t = type(x)
        if x is None or t is bool or t is float:
            return x
        if t is int:
            return x if x.bit_length() <= MAX_INT_BITS else {"$object": f"int of {x.bit_length()} bits"}
        if t is str:
            return x if len(x) <= MAX_STRING else {"$object": f"str of {len(x)} characters"}
        if t is _ndarray:
            if x.dtype.str not in DTYPES:
                return {"$object": f"numpy.ndarray of dtype {x.dtype}"}
            return {"$array": self.array(x)}
        if t in SCALARS:
            return {"$scalar": self.array(_array(x, dtype=t))}
        if t is tuple:
            return {"$tuple": [self.value(v, depth + 1) for v in x]}
        if t is list:
            return [self.value(v, depth + 1) for v in x]
        if t is dict:
            if not all(type(k) is str and len(k) <= MAX_STRING for k in x):
                return {"$object": "dict with keys that are not short strings"}
            return {"$dict": [[k, self.value(v, depth + 1)] for k, v in x.items()]}
        torch = sys.modules.get("torch")
        if torch is not None and (t is torch.Tensor or t is torch.nn.Parameter):
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


def encode(body: Any, max_bytes: int | None = None) -> bytes:
    """Encode ``body`` as one frame (length prefix included); ``TooLarge`` past ``max_bytes`` of arrays."""
    enc = _Encoder(max_bytes)
    payload = enc.value(body)
    header = _dumps(
        {"body": payload, "arrays": [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in enc.arrays]},
        separators=(",", ":"),
    ).encode()
    if max_bytes is not None and len(header) > MAX_HEADER:
        raise TooLarge(len(header), MAX_HEADER)
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
        header = _loads(bytes(view[_HLEN.size : _HLEN.size + hlen]))
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
        if type(dtype) is not str or dtype not in DTYPES:
            raise CodecError(f"dtype {str(dtype)[:40]!r} is not allowed")
        if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and 0 <= n <= MAX_DIM for n in shape):
            raise CodecError(f"bad shape {str(shape)[:100]}")
        dt = _dtype(dtype)
        nbytes = dt.itemsize
        for n in shape:
            nbytes *= n
        if offset + nbytes > len(blob):
            raise CodecError("array bytes run past the end of the frame")
        try:
            out.append(_frombuffer(blob[offset : offset + nbytes], dtype=dt).reshape(shape).copy())
        except (ValueError, OverflowError, MemoryError) as e:
            raise CodecError(f"array of shape {str(shape)[:100]} cannot be built: {e}") from None
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
        if x is None or t is bool or t is float:
            return x
        if t is int:
            if x.bit_length() > MAX_INT_BITS:
                raise CodecError("integer too large")
            return x
        if t is str:
            if len(x) > MAX_STRING:
                raise CodecError(f"string of {len(x)} characters")
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
            return TensorData(self.get(x[tag]), str(x["dtype"])[:40], x["grad"] is True)
        if tag == "$tuple" and len(x) == 1 and type(x[tag]) is list:
            return tuple(self.value(v, depth + 1) for v in x[tag])
        if tag == "$dict" and len(x) == 1 and type(x[tag]) is list:
            items = x[tag]
            if not all(type(kv) is list and len(kv) == 2 and type(kv[0]) is str and len(kv[0]) <= MAX_STRING
                       for kv in items):
                raise CodecError("$dict items must be [str, value] pairs")
            return {k: self.value(v, depth + 1) for k, v in items}
        if tag == "$object" and len(x) == 1 and type(x[tag]) is str:
            return Opaque(x[tag][:200])
        raise CodecError(f"unknown tag {str(tag)[:40]!r}")
