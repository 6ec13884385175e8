"""The worker's torch operations (``op_module_info``, ``op_module_forward``, ...): build a student's module,
describe it, run it with given weights; run the model a student's function returns.

Read by the sandbox's fork server from this file (see ``convgrade.operations``); it imports nothing from
convgrade. Modules never cross the process boundary: only their parameter names and shapes, and arrays.

A student's module is measured, never asked: its submodules, parameters and buffers are read from the
``_modules``, ``_parameters`` and ``_buffers`` dicts that ``torch.nn.Module.__init__`` put in its instance
``__dict__`` (see ``tree`` and ``tensors``), not through ``parameters()``, ``named_modules()``, ``state_dict()``,
``children()``, ``__repr__``, ``__len__`` or a property, which its class may override; its weights are moved,
loaded and put in train or eval mode the same way. Only the module's forward pass (its ``__call__``) runs; which
parameters it uses is what the output's gradient reaches (``used``).
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

torch.set_num_threads(1)
MMAP_THRESHOLD = 1 << 20  # bytes: a larger array is its own mapping, returned to the system when freed


def _release_large_arrays() -> None:
    """glibc's malloc raises its mmap threshold as large blocks are freed (up to 32 MB), so the tensors of a model
    and of its forward pass end up in a heap that it keeps after they are freed (a large network's forward held
    200 MB more after it than before). A fixed threshold gives every large tensor back as it is freed. Elsewhere,
    nothing."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, MMAP_THRESHOLD)  # -3 = M_MMAP_THRESHOLD
    except (OSError, AttributeError, TypeError):  # not glibc
        pass


_release_large_arrays()
Module, Parameter, Tensor = torch.nn.Module, torch.nn.Parameter, torch.Tensor
_DICT = Module.__dict__["__dict__"]  # the instance dict itself, past the class's properties and __getattr__
KINDS = {"_parameters": Parameter, "_buffers": Tensor}


def _own(module: Module, key: str) -> dict:
    """One of the dicts ``torch.nn.Module.__init__`` made, from the instance's ``__dict__``."""
    found = dict.get(_DICT.__get__(module), key)  # dict's own get, even if the instance dict is a subclass
    if type(found) is not dict:
        raise TypeError(f"{type(module).__name__} has no {key} dict of its own (torch.nn.Module.__init__ makes it)")
    return found


def tree(module: Module) -> list[tuple[str, Module]]:
    """``(name, module)`` for the module and each submodule once, in registration order (``named_modules()``)."""
    found, seen, todo = [], set(), [("", module)]
    while todo:
        name, m = todo.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        found.append((name, m))
        children = [(f"{name}.{k}" if name else str(k), c) for k, c in _own(m, "_modules").items() if c is not None]
        for child_name, child in children:
            if not issubclass(type(child), Module):
                raise TypeError(f"submodule {child_name} is a {type(child).__name__}, not a torch.nn.Module")
        todo.extend(reversed(children))
    return found


def is_leaf(module: Module) -> bool:
    return all(c is None for c in _own(module, "_modules").values())


def tensors(module: Module, kind: str = "_parameters") -> list[tuple[str, Tensor]]:
    """``(name, tensor)`` for each parameter (or buffer: ``kind="_buffers"``) once, like ``named_parameters()``.
    Only torch's own classes: a subclass of Tensor could report any ``shape``."""
    want, found, seen = KINDS[kind], [], set()
    for prefix, m in tree(module):
        for key, t in _own(m, kind).items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if t is None or id(t) in seen:
                continue
            if type(t) is not want:
                raise TypeError(f"{name} is a {type(t).__name__}, expected a {want.__module__}.{want.__name__}")
            seen.add(id(t))
            found.append((name, t))
    return found


def apply(module: Module, fn: Any) -> Module:
    """Replace every parameter and buffer ``t`` by ``fn(t)``, as ``Module._apply`` does; one shared by two
    modules stays shared."""
    tensors(module), tensors(module, "_buffers")  # only torch's own classes are touched
    done: dict[int, Tensor] = {}
    for kind in KINDS:
        for _, m in tree(module):
            store = _own(m, kind)
            for key, t in [(k, t) for k, t in store.items() if t is not None]:
                if id(t) not in done:
                    new = fn(t.detach())
                    done[id(t)] = Parameter(new, t.requires_grad) if kind == "_parameters" else new
                store[key] = done[id(t)]
    return module


def to_float64(module: Module) -> Module:
    return apply(module, lambda t: t.to(torch.float64) if t.is_floating_point() else t)


def materialise(module: Module) -> Module:
    """A module built on meta, on the CPU in float64, its values not initialised (float64 made directly: no
    float32 copy is ever allocated)."""
    return apply(module, lambda t: torch.empty(t.shape, device="cpu",
                                               dtype=torch.float64 if t.is_floating_point() else t.dtype))


def set_mode(module: Module, train: bool) -> Module:
    """``module.train(train)``, without calling the module's ``train``."""
    for _, m in tree(module):
        dict.__setitem__(_DICT.__get__(m), "training", train)
    return module


def build(cls: Any, args: list, kwargs: dict, device: str, seed: int) -> Module:
    torch.manual_seed(seed)
    try:
        with torch.device(device):
            module = cls(*args, **kwargs)
    except (NotImplementedError, TypeError, ValueError):
        raise
    except Exception:  # noqa: BLE001 - some code cannot be built on meta (e.g. tensors made on "cpu" explicitly)
        if device != "meta":
            raise
        module = cls(*args, **kwargs)
    if not issubclass(type(module), Module):
        raise TypeError(f"{getattr(cls, '__name__', cls)}(...) built a {type(module).__name__}, "
                        "expected a torch.nn.Module")
    tensors(module), tensors(module, "_buffers")  # a module whose tensors cannot be read is refused here
    return module


def used(module: Module, input_shape: list[int]) -> list[str] | None:
    """The names of the parameters that the output's gradient reaches, the module run on an input of
    ``input_shape`` on the meta device (no arithmetic); None when the run fails (then nothing can be said)."""
    params = tensors(module)
    if not params:
        return []
    try:
        for _, p in params:
            p.requires_grad_(True)
        with torch.device("meta"), torch.enable_grad():
            out = module(torch.empty(input_shape))
            if type(out) is not Tensor:
                return None
            if not out.requires_grad:
                return []
            grads = torch.autograd.grad(out, [p for _, p in params], torch.ones_like(out), allow_unused=True)
    except Exception:  # noqa: BLE001 - a module that does not run on meta: the checks that run it say why
        return None
    return [n for (n, _), g in zip(params, grads) if g is not None]


def info(module: Module) -> dict:
    """The parameters (name, shape, trainable), buffers and leaf layers of ``module``."""
    return {
        "params": [[n, list(p.shape), bool(p.requires_grad)] for n, p in tensors(module)],
        "buffers": [[n, list(b.shape)] for n, b in tensors(module, "_buffers")],
        "layers": [[n, type(m).__name__] for n, m in tree(module) if n and is_leaf(m)],
    }


MAX_TRACE = 1000  # layer runs reported by trace


def trace(module: Module, input_shape: list[int]) -> dict:
    """Run ``module`` (on the meta device: shapes only, no arithmetic) on an input of ``input_shape``: for each
    leaf layer in the order the layers ran (one used twice appears twice) its name, type, output shape and whether
    it has parameters of its own; and the error that stopped the run, if one did."""
    ran: list[list] = []
    leaves = {id(m): (n, m) for n, m in tree(module) if n and is_leaf(m)}

    def record(layer: Module, inputs: Any, output: Any) -> None:
        if id(layer) in leaves and leaves[id(layer)][1] is layer and type(output) is Tensor and len(ran) < MAX_TRACE:
            weighted = any(p is not None for p in _own(layer, "_parameters").values())
            ran.append([leaves[id(layer)][0], type(layer).__name__, list(output.shape), weighted])

    handle = torch.nn.modules.module.register_module_forward_hook(record)
    error = None
    try:
        with torch.no_grad():
            to_float64(module)(torch.empty(input_shape, dtype=torch.float64, device="meta"))
    except Exception as e:  # noqa: BLE001 - where the run stopped is the point
        error = f"{type(e).__name__}: {e}"[:500]
    finally:
        handle.remove()
    return {"layers": ran, "error": error}


# the functional calls a graph records (normalised names, see _op_name); everything else (size, view of a shape,
# to, contiguous, ...) is passed over
RECORDED = frozenset("""relu relu6 hardtanh tanh sigmoid gelu silu leaky_relu elu softmax log_softmax hardswish
    max_pool1d max_pool2d avg_pool1d avg_pool2d adaptive_avg_pool2d adaptive_max_pool2d mean amax max sum add sub
    mul cat concat concatenate stack flatten view reshape conv2d linear batch_norm dropout pad clamp clip matmul
    """.split())
SKIPPED_ATTRS = frozenset({"training", "inplace"})


def _op_name(func: Any) -> str:
    """``Tensor.__iadd__`` -> "add", ``torch.relu_`` -> "relu", ``F.max_pool2d`` -> "max_pool2d"."""
    name = str(getattr(func, "__name__", "")).strip("_")
    if name[:1] in ("i", "r") and name[1:] in ("add", "sub", "mul", "matmul"):
        name = name[1:]
    return name


def _plain(value: Any, depth: int = 0) -> Any:
    """A hyperparameter as plain data: numbers, strings, None, lists of them; a tensor is None, a list of
    tensors its length."""
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) is str:
        return value[:50]
    if type(value) in (tuple, list, torch.Size) and depth == 0:
        if value and all(isinstance(v, Tensor) for v in value):
            return len(value)
        return [_plain(v, 1) for v in list(value)[:8]]
    return None


def hyperparameters(module: Module) -> dict:
    """A layer's settings read from its instance ``__dict__`` (never through attributes its class could
    override): the plain values ``__init__`` stored (kernel_size, stride, padding, groups, affine, ...) and whether
    it has a bias."""
    found = {}
    for key, value in list(dict.items(_DICT.__get__(module)))[:40]:
        if type(key) is str and not key.startswith("_") and key not in SKIPPED_ATTRS:
            plain = _plain(value)
            if plain is not None or value is None:
                found[key] = plain
    params = _own(module, "_parameters")
    if "bias" in params:
        found["bias"] = params["bias"] is not None
    return found


def torch_type(module: Module) -> str:
    """The name of the torch.nn layer a module is (its class's nearest torch.nn base: a subclass of nn.Conv2d is a
    Conv2d), else its own class's name."""
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn.modules.") and cls is not Module:
            return cls.__name__
    return type(module).__name__


def _shape_of(value: Any) -> list[int] | None:
    if type(value) in (tuple, list) and value:
        value = value[0]
    return list(value.shape) if type(value) in (Tensor, Parameter) else None


def graph(module: Module, input_shape: list[int]) -> dict:
    """The operations one forward pass performs (on the meta device), in order, as plain data: each leaf layer
    ``[name, "module", type, hyperparameters, output shape]`` (recorded by torch's global forward hooks) and each
    functional call outside a leaf layer (``F.relu``, ``+``, ``torch.cat``, pooling, ...) ``[name, "function",
    function name, {"args": [...], **kwargs}, output shape]`` (recorded by a ``TorchFunctionMode``); and the
    error that stopped the run, if one did."""
    from torch.overrides import TorchFunctionMode

    ops: list[list] = []
    leaves = {id(m): (n, m) for n, m in tree(module) if n and is_leaf(m)}
    inside = [0]  # how deep in leaf layers the run is: their own functional calls are not recorded

    def leaf(layer: Module) -> str | None:
        found = leaves.get(id(layer))
        return found[0] if found is not None and found[1] is layer else None

    def enter(layer: Module, inputs: Any) -> None:
        if leaf(layer) is not None:
            inside[0] += 1

    def leave(layer: Module, inputs: Any, output: Any) -> None:
        name = leaf(layer)
        if name is not None:
            inside[0] -= 1
            if len(ops) < MAX_TRACE:
                ops.append([name, "module", torch_type(layer), hyperparameters(layer), _shape_of(output)])

    class Record(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            out = func(*args, **(kwargs or {}))
            name = _op_name(func)
            if inside[0] == 0 and name in RECORDED and len(ops) < MAX_TRACE:
                settings = {str(k): _plain(v) for k, v in list((kwargs or {}).items())[:12] if type(k) is str}
                settings["args"] = [_plain(a) for a in list(args)[:8]]
                ops.append([name, "function", name, settings, _shape_of(out)])
            return out

    hooks = [torch.nn.modules.module.register_module_forward_pre_hook(enter),
             torch.nn.modules.module.register_module_forward_hook(leave)]
    error = None
    try:
        with torch.no_grad():
            x = torch.empty(input_shape, dtype=torch.float64, device="meta")
            to_float64(module)
            with Record():
                module(x)
    except Exception as e:  # noqa: BLE001 - where the run stopped is the point
        error = f"{type(e).__name__}: {e}"[:500]
    finally:
        for h in hooks:
            h.remove()
    return {"ops": ops, "error": error}


def _targets(module: Module, shapes: list) -> list[Tensor]:
    """The parameters, then the buffers, in registration order, after checking that they have ``shapes``."""
    targets = [("parameter", n, t) for n, t in tensors(module)]
    targets += [("buffer", n, t) for n, t in tensors(module, "_buffers")]
    if len(targets) != len(shapes):
        raise ValueError(f"the module has {len(targets)} parameters and buffers, expected {len(shapes)}")
    for (kind, name, t), shape in zip(targets, shapes):
        if tuple(t.shape) != tuple(shape):
            raise ValueError(f"{kind} {name} has shape {tuple(t.shape)}, expected {tuple(shape)}")
    return [t for _, _, t in targets]


def load_state(module: Module, params: list[np.ndarray], buffers: list[np.ndarray]) -> None:
    """Copy the given arrays into the parameters and buffers, in registration order."""
    arrays = [*params, *buffers]
    with torch.no_grad():
        for t, a in zip(_targets(module, [a.shape for a in arrays]), arrays):
            t.copy_(torch.from_numpy(a))


# -- weights drawn from a seed, the same on both sides: nothing large crosses the codec ----------------------------
CHUNK = 1 << 16  # values drawn at a time (512 kB of float64: the temporaries stay in the cache)
TILE = 1 << 22  # a tensor with more values (the big linear layers) repeats its first POOL values ...
POOL = 1_048_573  # ... with this period (a prime, longer than any row: every unit's weights are distinct draws)


def draw(t: Tensor, seed: int, start: int, low: float, high: float) -> None:
    """Fill ``t`` (float64 on the CPU) with the values ``start``, ``start + 1``, ... of ``default_rng(seed)``'s
    stream, each ``uniform(low, high)`` rounded to float32: numpy's PCG64 and IEEE rounding give the same bits on
    every machine (torch's initialisers do not). Drawn a chunk at a time, so no full-size temporary is made. Past
    TILE values, the first POOL are repeated: copying is 4x cheaper than drawing (a classic network's 100 M+ linear
    weights)."""
    bits = np.random.PCG64(seed)
    bits.advance(start)  # as if ``start`` values had been drawn (one 64-bit step each)
    rng, flat = np.random.Generator(bits), t.detach().view(-1).numpy()
    n = flat.size if flat.size <= TILE else POOL
    for i in range(0, n, CHUNK):
        flat[i:min(i + CHUNK, n)] = rng.uniform(low, high, min(CHUNK, n - i)).astype(np.float32)
    for i in range(n, flat.size, n):
        flat[i:i + n] = flat[:min(n, flat.size - i)]


def fill_in(made: list[Tensor], draws: list, seed: int) -> set[int]:
    """Draw ``made[index]`` for each ``[index, low, high]`` of ``draws``, from one stream in that order; the
    indexes drawn."""
    start = 0
    with torch.no_grad():
        for i, low, high in draws:
            draw(made[i], seed, start, low, high)
            start += made[i].numel()
    return {i for i, _, _ in draws}


def seeded(module: Module, fill: dict, seed: int) -> Module:
    """A module built on meta, made float64 on the CPU and filled as ``fill`` says: ``{"shapes": [...], "draws":
    [[index, low, high], ...]}``, indexes into its parameters then buffers (see ``fill_in``); every tensor not drawn
    is zero (batch norm's num_batches_tracked)."""
    _targets(module, fill["shapes"])
    made = _targets(materialise(module), fill["shapes"])
    drawn = fill_in(made, fill["draws"], seed)
    with torch.no_grad():
        for i in set(range(len(made))) - drawn:
            made[i].zero_()
    return module


# a float64 convolution unfolds at most this many values at a time (8 MB; a 64-channel 224x224 layer's: 231 MB)
STRIP = 1 << 20


def _pair(value: Any) -> tuple[int, int] | None:
    value = (value, value) if type(value) is int else value
    if type(value) in (tuple, list) and len(value) == 2 and all(type(v) is int for v in value):
        return tuple(value)
    return None


def _in_strips(x: Tensor, w: Tensor, b: Tensor | None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
               groups: Any = 1) -> Tensor | None:
    """``conv2d(x, w, b, ...)`` computed a band of output rows at a time, so that torch's unfolded copy of the
    input (``im2col``: in_channels x kernel area x output pixels, in float64 for a CPU convolution) stays under
    ``STRIP`` values; each output value is the same dot product, so the result is the same to the bit. None when
    the call is not one this handles (then it runs as called)."""
    s, p, d = _pair(stride), _pair(padding), _pair(dilation)
    if (s is None or p is None or d is None or type(groups) is not int or type(x) is not Tensor or x.dim() != 4
            or type(w) not in (Tensor, Parameter) or w.dim() != 4
            or (b is not None and type(b) not in (Tensor, Parameter))
            or x.dtype != torch.float64 or x.device.type != "cpu"):
        return None
    reach = d[0] * (w.shape[2] - 1) + 1
    rows = (x.shape[2] + 2 * p[0] - reach) // s[0] + 1
    cols = (x.shape[3] + 2 * p[1] - d[1] * (w.shape[3] - 1) - 1) // s[1] + 1
    per_row = w.shape[1] * w.shape[2] * w.shape[3] * max(cols, 1)
    if rows < 2 or per_row * rows <= STRIP:
        return None
    band, out = max(1, STRIP // per_row), None
    for r in range(0, rows, band):
        end = min(rows, r + band)
        top, bottom = r * s[0] - p[0], (end - 1) * s[0] + reach - p[0]  # the input rows it reads, padding outside
        part = x[:, :, max(top, 0):min(bottom, x.shape[2])]
        part = torch.nn.functional.pad(part, (p[1], p[1], max(-top, 0), max(bottom - x.shape[2], 0)))
        done = torch.nn.functional.conv2d(part, w, b, s, 0, d, groups)
        if out is None:  # written band by band: the whole output is never held twice
            out = done.new_empty((*done.shape[:2], rows, done.shape[3]))
        out[:, :, r:end] = done
    return out


class _Strips(torch.overrides.TorchFunctionMode):
    """Routes each large float64 ``conv2d`` through ``_in_strips``; every other call runs as called."""

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if func in (torch.conv2d, torch.nn.functional.conv2d) and not kwargs and 2 <= len(args) <= 7:
            out = _in_strips(*args)
            if out is not None:
                return out
        return func(*args, **(kwargs or {}))


def in_strips() -> _Strips:
    """A context in which a large float64 convolution is computed in bands of rows (see ``_in_strips``)."""
    return _Strips()


def op_module_forward(cls: Any, req: dict) -> dict:
    """Build on meta, materialise without initialising, draw the weights (``fill``, see ``seeded``) or load the
    given ones, run one forward (and backward). Without either, build on the CPU with the module's own
    initialisation."""
    if req.get("fill") is not None:
        module = seeded(build(cls, req["args"], req["kwargs"], "meta", req["seed"]), req["fill"], req["seed"])
    elif req["params"] is None:
        module = to_float64(build(cls, req["args"], req["kwargs"], "cpu", req["seed"]))
    else:
        module = build(cls, req["args"], req["kwargs"], "meta", req["seed"])
        module = materialise(module)
        load_state(module, req["params"], req["buffers"])
    set_mode(module, req["mode"] == "train")
    x = torch.from_numpy(req["input"]).requires_grad_(req["grads"])
    with torch.set_grad_enabled(req["grads"]), in_strips():
        out = module(x)
    reply: dict = {"output": out}
    if req["grads"] and type(out) is Tensor and out.requires_grad:
        out.backward(torch.from_numpy(req["grad_output"]))
        reply["grads"] = [None if p.grad is None else float(p.grad.norm()) for _, p in tensors(module)]
        reply["input_grad"] = x.grad
    return reply


def op_call_model(fn: Any, req: dict) -> dict:
    """Call ``fn`` (e.g. a training function) and run the model it returns on the grader's inputs."""
    value = fn(*req["args"], **req["kwargs"])
    model = value[req["index"]] if type(value) in (tuple, list) and len(value) > req["index"] else value
    if not issubclass(type(model), Module):
        return {"value": value, "output": None}
    params = tensors(set_mode(model, False))
    with torch.no_grad():
        out = model(torch.from_numpy(req["input"]).to(params[0][1].dtype if params else torch.float32))
    rest = [v for i, v in enumerate(value) if i != req["index"]] if type(value) in (tuple, list) else []
    return {"value": rest, "output": out}


def warm_up() -> None:
    """A forward and backward pass on the meta device, once in the zygote: the first one imports torch._dynamo
    (2 s), which every worker would otherwise pay again. The environment stays the workers' (the import sets
    TORCHINDUCTOR_CACHE_DIR)."""
    env = dict(os.environ)
    with torch.device("meta"):
        net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                  torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(2, 2))
        out = net(torch.empty(1, 1, 4, 4))
        torch.autograd.grad(out, list(net.parameters()), torch.ones_like(out))
    os.environ.clear()
    os.environ.update(env)


# -- the operations (see convgrade.operations): target is the student's class or function ---------------------
def op_module_info(cls: Any, req: dict) -> dict:
    return info(build(cls, req["args"], req["kwargs"], "meta", req["seed"]))


def op_module_usage(cls: Any, req: dict) -> list[str] | None:
    return used(build(cls, req["args"], req["kwargs"], "meta", req["seed"]), req["input_shape"])


def op_module_trace(cls: Any, req: dict) -> dict:
    return trace(build(cls, req["args"], req["kwargs"], "meta", req["seed"]), req["input_shape"])


def op_module_graph(cls: Any, req: dict) -> dict:
    return graph(build(cls, req["args"], req["kwargs"], "meta", req["seed"]), req["input_shape"])
