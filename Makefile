# Two commands: `make run` serves the API, `make test` runs the suite. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: run test lint install graphiql migrate schema docs bench fuzz clean

# pyproject.toml changes reinstall; torch goes first so pip keeps the CPU build (see docs/operations.md).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> Updating pip in $(VENV)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -c "import torch" 2>/dev/null || { \
		echo "==> Installing $(TORCH), the CPU build (a large download, once)"; \
		$(BIN)/python -m pip install --progress-bar on "$(TORCH)"; }
	@echo "==> Installing Tailor and its dependencies (a few minutes the first time)"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@echo "==> Installed"
	@touch $(STAMP)

# GraphiQL's JS and CSS: the npm packages pinned by graph/graphiql/package-lock.json (see graph/ide.py).
# `npm ci` runs again only when the lockfile changes, and only with Node >= 20.19; without it the API still
# installs and serves, and the GraphiQL page says how to get it.
GRAPHIQL       := graph/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL)/node_modules/.installed
NODE_OK := $(shell command -v npm >/dev/null 2>&1 && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null && echo yes)

$(GRAPHIQL_STAMP): $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	@echo "==> Installing GraphiQL's npm packages in $(GRAPHIQL) (npm ci)"
	@if (cd $(GRAPHIQL) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then \
		touch $(GRAPHIQL_STAMP); \
	else \
		echo "GraphiQL's packages could not be installed (is the npm registry reachable?); the API works without them, and make install tries again"; \
	fi

ifeq ($(NODE_OK),yes)
graphiql: $(GRAPHIQL_STAMP)
else
graphiql:
	@echo "GraphiQL needs Node >= 20.19 with npm (found: $(or $(shell node --version 2>/dev/null),none)): get it from https://nodejs.org or your package manager, then run make install again; the API works without it."
endif

install: $(STAMP) graphiql

run: install
	$(BIN)/tailor serve

migrate: install
	$(BIN)/tailor migrate

schema: install
	$(BIN)/tailor export-schema > schema.graphql

# docs/settings.md is generated from domain/settings.py and graph/server/settings.py; tests/test_cli.py fails when it is stale.
docs: install
	$(BIN)/tailor settings-doc > docs/settings.md

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
	rm -rf $(VENV) .pytest_cache $(GRAPHIQL)/node_modules
