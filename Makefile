# faceid-relay — the team's vocabulary. Every target creates the virtualenv it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/shared:$(CURDIR)

.PHONY: install dev localcloud test unit contract integration e2e lint format package bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## dev: the whole flow locally (COS + FaceID emulators, the functions behind a gateway, the demo page)
dev: $(STAMP)
	$(BIN)/python -m localcloud

## localcloud: the emulators only, printing their endpoints
localcloud: $(STAMP)
	$(BIN)/python -m localcloud --no-gateway

## test: every suite CI runs
test: $(STAMP)
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

contract: $(STAMP)
	$(BIN)/pytest tests/contract

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions localcloud tests bench

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

package: $(STAMP)
	$(BIN)/python -m deploy.package

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .build dist .pytest_cache .mypy_cache .ruff_cache .localcloud
