"""Names a package exports but imports on first use (PEP 562): ``import convgrade`` (and so ``course``'s start)
costs only what the command at hand uses; a lesson's graders pay for torch only if they use what needs it."""
from __future__ import annotations

import importlib
from typing import Any, Callable


def exports(package: str, namespace: dict[str, Any], where: dict[str, str]
            ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's ``__getattr__`` and ``__dir__``: ``where`` maps each name to the module defining it
    (relative to ``package``), or to ``module:`` for that module itself; a name is looked up once."""

    def getattr_(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, itself, _ = where[name].partition(":")
        found = importlib.import_module(module, package)
        value = namespace[name] = found if itself else getattr(found, name)
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *where})

    return getattr_, dir_
