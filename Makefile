# Quickstart: `make demo` grades the bundled half-right student; `make test` runs the suite.
# Both create .venv with the pinned packages on first use and are quick afterwards.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HYPOTHESIS_STORAGE_DIRECTORY ?= $(CURDIR)/.venv/hypothesis

.PHONY: demo test test-portable bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/course grade examples/partial

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info

# The suite again at the portable level (students' Windows/macOS laptops), forced on Linux: docs/portable.md.
test-portable: $(STAMP)
	CONVGRADE_ISOLATION=portable $(BIN)/python -m pytest -n 2 -q
