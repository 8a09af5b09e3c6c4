# The two commands of the README: `make run` and `make test`; `make bench` measures speed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export COMMENTGUARD_DATA_DIR ?= var

.PHONY: run test test-wordpress wordpress-deps lint bench fuzz clean

$(BIN)/commentguard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/commentguard
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.bench-deps: $(BIN)/commentguard
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

run: $(BIN)/commentguard
	$(BIN)/commentguard train --if-missing
	$(BIN)/commentguard serve --bind 127.0.0.1:8000

test: $(VENV)/.test-deps
	$(BIN)/ruff check service model training commentguard tests bench
	$(BIN)/ruff format --check service model training commentguard tests bench
	$(BIN)/mypy
	$(BIN)/pytest

# WordPress + its Akismet plugin, MariaDB and PHP from apt when missing (needs root or sudo).
wordpress-deps:
	bash tests/platforms/wordpress/setup.sh --packages

# The WordPress end-to-end test alone (make test runs it too, or skips it when WordPress is missing).
test-wordpress: $(VENV)/.test-deps wordpress-deps
	$(BIN)/pytest -m wordpress

# 3-5 minutes on 2 cores: in-process scoring and training, then gunicorn loaded by wrk
# on loopback, then the review queue; writes bench/results/{results,queue}.{json,md}.
bench: $(VENV)/.bench-deps
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.queue

# >= 10,000 generated requests in-process, on demand: schemathesis over service/openapi.json
# and hostile raw bodies; writes bench/results/fuzz.json and the fuzz table of docs/reliability.md.
fuzz: $(VENV)/.test-deps
	COMMENTGUARD_FUZZ_EXAMPLES=250 $(BIN)/pytest -q tests/test_fuzz.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
