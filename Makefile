# The README's commands. `make serve` installs everything and starts the chat page;
# `make test` runs the whole test suite (what CI runs).
PY      ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
PIP      = $(BIN)/pip

.PHONY: install serve ingest ask test lint format eval bench prefill soak clean

$(BIN)/rag: pyproject.toml
	$(PY) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# torch first, pinned to the CPU build on this machine; anything else pulls a CUDA build
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[dev,hf]"
	touch $(BIN)/rag

install: $(BIN)/rag

serve: install
	$(BIN)/rag ingest --report
	$(BIN)/rag serve

ingest: install
	$(BIN)/rag ingest --report

ask: install
	$(BIN)/rag ask "$(Q)"

test: install
	$(BIN)/ruff check rag tests bench eval app.py
	$(BIN)/python -m pytest --doctest-modules rag tests -q -ra

lint:
	$(BIN)/ruff check rag tests bench eval app.py
	$(BIN)/ruff format --check rag tests bench eval app.py

format:
	$(BIN)/ruff format rag tests bench eval app.py
	$(BIN)/ruff check --fix rag tests bench eval app.py

eval: install
	$(BIN)/rag eval --baseline --baseline-n 20

bench: install
	$(BIN)/python bench/bench.py

prefill: install
	$(BIN)/python bench/prefill.py

soak: install
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
