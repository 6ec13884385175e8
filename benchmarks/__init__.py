"""Benchmarks of the grading engine (issue 8): `make bench` runs them and writes BENCHMARKS.md."""
