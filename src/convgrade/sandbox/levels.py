"""Which isolation level grading runs at: chosen once, before anything is graded, then proved by every worker.

``CONVGRADE_ISOLATION`` names one of ``isolation.KNOWN``; unset (or ``auto``), the strongest level this machine
provides. A level that is unknown, or that this machine cannot provide, is an ``IsolationError`` (the CLI's
exit 2): never a weaker level. Each worker reports what it entered before it runs any student code, and the
level a report names is the one those facts show (``applied``); a worker whose facts are not the level asked
for stops grading too.
"""
from __future__ import annotations

import difflib
import os

from . import isolation

ENV = "CONVGRADE_ISOLATION"
AUTO = "auto"  # the strongest level this machine provides (also what an unset variable means)
FILESYSTEM = {"mnt", "net", "ipc", "uts"}  # the namespaces that hide the course, the network and the grader


class IsolationError(BaseException):
    """The isolation asked for is unknown, unavailable here, or not what a worker entered: grading stops.

    A ``BaseException``, like ``context.Fatal``: neither hypothesis nor an exercise's error handling may
    turn it into a failed check; it reaches the command (exit 2) or the notebook cell (which fails)."""


def resolve(requested: str | None = None) -> str:
    """The level to grade at: ``requested`` (by default ``$CONVGRADE_ISOLATION``) when this machine provides it."""
    requested = os.environ.get(ENV, "") if requested is None else requested
    if requested in ("", AUTO):
        return isolation.levels()[0]
    named = f"{ENV}={requested}"
    if requested not in isolation.KNOWN:
        close = difflib.get_close_matches(requested, isolation.KNOWN, n=1)
        raise IsolationError(f"{named}: no such isolation level{f' (did you mean {close[0]}?)' if close else ''}; "
                             f"the levels are {', '.join(isolation.KNOWN)} (strongest first), or unset it for the "
                             f"strongest this machine provides")
    lacking = isolation.missing(requested)
    if lacking:
        here = isolation.levels()
        raise IsolationError(f"{named}: this machine cannot provide that level: it needs {lacking}; available "
                             f"here: {', '.join(here)} (unset {ENV} for the strongest, {here[0]})")
    return requested


def applied(facts: dict, outside: dict[str, str]) -> str:
    """The strongest level a worker's ``facts`` (``isolation.entered``) show, given the namespaces ``outside`` it."""
    new = new_namespaces(facts, outside)
    no_capabilities = not any(facts["capabilities"])
    if FILESYSTEM | {"user", "pid"} <= new and no_capabilities and facts["no_new_privs"] == 1:
        return "user-namespaces"
    if FILESYSTEM <= new and "user" not in new and no_capabilities and 0 not in facts["ids"]:
        return "namespaces"
    return "process"


def new_namespaces(facts: dict, outside: dict[str, str]) -> set[str]:
    return {name for name, link in facts["namespaces"].items() if outside.get(name, link) != link}


def verify(level: str, facts: object, outside: dict[str, str], limits: dict[str, int]) -> str:
    """``level`` when a worker's ``facts`` show that level and the ``limits`` asked for; IsolationError if not."""
    if level == "portable":
        return _verify_portable(facts, limits)
    try:
        shown = applied(facts, outside)
        wrong = {name: facts["limits"][name][0] for name, value in limits.items() if facts["limits"][name][0] != value}
        described = (f"new namespaces: {', '.join(sorted(new_namespaces(facts, outside))) or 'none'}; "
                     f"uid {facts['ids'][0]}")
    except (KeyError, TypeError, IndexError, AttributeError):
        raise IsolationError(f"the worker sent a malformed report of its isolation: {str(facts)[:300]}") from None
    if shown != level:
        raise IsolationError(f"the worker was to enter the {level} isolation level but entered {shown} "
                             f"({described}); grading stopped rather than claim {level}")
    if wrong:
        raise IsolationError(f"the worker's resource limits are {wrong}, not the {limits} asked for; grading stopped")
    return shown


def _verify_portable(facts: object, limits: dict[str, int]) -> str:
    """A portable worker says which of the ``limits`` asked for the system let it set: each holds as asked
    (one the system refused, e.g. an address-space limit on macOS, is absent: that resource is unlimited)."""
    try:
        held = facts["limits"]
        wrong = {name: soft for name, (soft, _) in held.items() if limits.get(name) != soft}
        if facts["level"] != "portable":
            raise IsolationError(f"the worker was to enter the portable isolation level but says "
                                 f"{str(facts['level'])[:100]}; grading stopped")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise IsolationError(f"the worker sent a malformed report of its isolation: {str(facts)[:300]}") from None
    if wrong:
        raise IsolationError(f"the worker's resource limits are {wrong}, not the {limits} asked for; grading stopped")
    return "portable"
