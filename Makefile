# Two commands: `make run` serves the API, `make test` runs the suite. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: run test lint install migrate schema bench fuzz clean

# pyproject.toml changes reinstall; torch goes first so pip keeps the local CPU build (see STACK.md).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tailor serve

migrate: install
	$(BIN)/tailor migrate

schema: install
	$(BIN)/tailor export-schema > schema.graphql

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check graph domain storage tests bench
	$(BIN)/ruff format --check graph domain storage tests bench

fuzz: install
	TAILOR_FUZZ_EXAMPLES=2000 TAILOR_FUZZ_RANDOM=1 $(BIN)/pytest -q tests/graph/test_fuzzing.py

bench: install
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) .pytest_cache
