# One command for each job a person has: `make run`, `make test`, `make bench`.
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs only what courriel needs to run (about 90 MB);
# `make test` adds the test and lint tools (about 230 MB more).
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run demo test lint bench clean system-deps cyrus-deps

system-deps:
	scripts/system-deps

# Cyrus IMAP for the server matrix (#16), unpacked beside Dovecot. Without root a
# missing library only skips the Cyrus tests (the script names the command); as root
# or in CI they must run, and fail if Cyrus cannot (tests/bed/cyrus.py).
cyrus-deps:
	-scripts/system-deps-cyrus

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(DEV_STAMP): pyproject.toml requirements-dev.lock | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -c requirements-dev.lock -e '.[dev]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/courriel

demo: $(RUN_STAMP)
	$(BIN)/courriel --demo

test: system-deps cyrus-deps $(DEV_STAMP)
	$(BIN)/pytest -n auto
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tui
	$(BIN)/lint-imports

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tui
	$(BIN)/lint-imports

bench: system-deps $(DEV_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
