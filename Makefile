# faceid-relay — the team's vocabulary. Every target creates the virtualenv it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# SAM CLI (with cfn-lint) lives in its own virtualenv: it pins boto3 and friends the layer must not see.
DEPLOY_VENV := .venv-deploy
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed
SAM_CLI := aws-sam-cli==1.170.0
# The newest cfn-lint, never pinned, in its own virtualenv and upgraded on every run: it carries AWS's
# runtime deprecation dates, so the next retirement fails CI (E2533) rather than a deploy.
CFN_LINT_VENV := .venv-cfn-lint
# checkov (PyPI), pinned: deploy/checkov.yaml accepts findings of exactly this version's checks.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CHECKOV := checkov==3.3.30
export PYTHONPATH := $(CURDIR)/shared:$(CURDIR)

.PHONY: install browser dev localcloud test unit contract integration e2e hardening lint format package deploy-check cfn-lint-current scan bench openapi shell-tools clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(DEPLOY_STAMP):
	test -x $(DEPLOY_VENV)/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet $(SAM_CLI)
	touch $(DEPLOY_STAMP)

$(CHECKOV_STAMP):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet $(CHECKOV)
	touch $(CHECKOV_STAMP)

## browser: Debian's Chromium for the browser tests (Playwright's own browser download does not work here)
browser:
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## shell-tools: curl and jq, which the README's walk-through uses (tests/integration/test_readme.py runs it)
shell-tools:
	command -v curl >/dev/null && command -v jq >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl jq; }

install: $(STAMP) $(DEPLOY_STAMP) browser shell-tools

## localcloud: the COS and FaceID emulators, printing their endpoints (`python -m localcloud --help`)
localcloud: $(STAMP)
	$(BIN)/python -m localcloud $(LOCALCLOUD_FLAGS)

## dev: the whole flow locally: the local cloud plus every function behind the gateway, and the demo page
dev: LOCALCLOUD_FLAGS += --with-functions
dev: localcloud

## test: every suite CI runs
test: install
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

contract: $(STAMP) $(DEPLOY_STAMP)
	$(BIN)/pytest tests/contract

integration: $(STAMP) shell-tools
	$(BIN)/pytest tests/integration

e2e: $(STAMP) browser
	$(BIN)/pytest tests/e2e

## hardening: fuzzing from the OpenAPI document, the fault matrix, redirect and callback attacks, log leaks
hardening: $(STAMP)
	$(BIN)/pytest tests/hardening

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared functions localcloud deploy bench tests
	$(BIN)/mypy --python-version 3.10 shared functions

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

package: $(STAMP)
	$(BIN)/python -m deploy.package

## deploy-check: the deployment templates with the real tools (offline), after packaging the layer
deploy-check: package $(DEPLOY_STAMP) cfn-lint-current scan
	$(DEPLOY_VENV)/bin/sam validate --lint
	$(DEPLOY_VENV)/bin/sam build

## cfn-lint-current: template.yaml against the newest cfn-lint release (the SAM CLI pins its own)
cfn-lint-current:
	test -x $(CFN_LINT_VENV)/bin/python || $(PYTHON) -m venv $(CFN_LINT_VENV)
	$(CFN_LINT_VENV)/bin/pip install --quiet --upgrade cfn-lint
	$(CFN_LINT_VENV)/bin/cfn-lint --version
	$(CFN_LINT_VENV)/bin/cfn-lint template.yaml

## scan: checkov over template.yaml and both serverless.yml, accepted findings in deploy/checkov.yaml
scan: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --config-file deploy/checkov.yaml

bench: $(STAMP)
	$(BIN)/python -m bench

## openapi: docs/openapi.json and docs/api.md from the functions' resolvers (tests/contract/api fails when stale)
openapi: $(STAMP)
	$(BIN)/python -m deploy.openapi

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) $(CFN_LINT_VENV) $(CHECKOV_VENV) .build dist .aws-sam .pytest_cache .mypy_cache .ruff_cache .localcloud
