# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export COMMENTGUARD_DATA_DIR ?= var

.PHONY: run test lint bench clean

$(BIN)/commentguard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/commentguard
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/commentguard
	$(BIN)/commentguard train --if-missing
	$(BIN)/commentguard serve --bind 127.0.0.1:8000

test: $(VENV)/.test-deps
	$(BIN)/ruff check service model training tests
	$(BIN)/ruff format --check service model training tests
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
