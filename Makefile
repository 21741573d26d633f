# plait's entry points. `make test` and `make run` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help install test lint format run bench fuzz clean

help:
	@echo "make run    - serve the bundled examples site at http://127.0.0.1:8080"
	@echo "make test   - create .venv if needed, install, run the whole suite"
	@echo "make lint   - ruff (lint + format check) and mypy --strict on src/plait"
	@echo "make format - apply ruff's formatting and safe fixes"
	@echo "make bench  - run the benchmarks in bench/ (see bench/README.md)"
	@echo "make fuzz   - fuzz the HTTP channel with atheris for FUZZ_SECONDS (see fuzz/README.md)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# System tools the tests talk to (curl as a real client).
TEST_SYSTEM_PACKAGES := curl

test: $(STAMP)
	scripts/ensure-system-packages.sh $(TEST_SYSTEM_PACKAGES)
	$(PY) -m pytest --cov --cov-report=term $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples bench fuzz
	$(VENV)/bin/ruff format --check src tests examples bench fuzz
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix src tests examples bench fuzz
	$(VENV)/bin/ruff format src tests examples bench fuzz

run: $(STAMP)
	$(PY) examples/site.py

bench: $(STAMP)
	$(PY) bench/run.py

FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(PY) fuzz/fuzz_channel.py -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=/tmp/plait-fuzz-

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
