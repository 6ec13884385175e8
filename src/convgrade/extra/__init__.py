"""Opt-in helpers for lessons of a given kind (as ``hypothesis.extra``): ``convgrade.extra.torch``."""
