# Two commands do all the set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install build serve test check lint typecheck format validate bench clean bench-deps browser-deps store-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/scgraph build

validate: $(STAMP)
	$(BIN)/scgraph validate

serve: $(STAMP)
	$(BIN)/scgraph build --if-changed
	$(BIN)/scgraph serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Headless Chromium for the query page's real-browser test (tests/server/test_query_page.py).
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } || \
		echo "browser-deps: chromium could not be installed; the browser test will be skipped"

# Virtuoso for the external-store tests (tests/stores/). Only the -bin package: the
# virtuoso-opensource metapackage's install script talks to any server on port 1111.
store-deps:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends virtuoso-opensource-7-bin; } || \
		echo "store-deps: Virtuoso could not be installed; its external-store tests will be skipped"

check: lint typecheck browser-deps store-deps
	$(BIN)/pytest -n 2 src tests

test: check

# wrk drives bench/sparql.py's load: a Python client would be the bottleneck.
bench-deps:
	@command -v wrk >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || \
		echo "bench-deps: wrk could not be installed; bench/sparql.py falls back to a Python client"

bench: $(STAMP) bench-deps
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
