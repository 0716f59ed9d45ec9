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
# The other end of the runtime range (SCF's documented Python 3.10): unit and integration tests run there too.
PY310 ?= $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python)))
PY310_VENV := .venv-py310
PY310_STAMP := $(PY310_VENV)/.installed

.PHONY: test-py310 install browser dev localcloud test unit contract integration e2e hardening lint format package deploy-check cfn-lint-current scan bench openapi shell-tools clean \
	sam-local sam-local-up sam-local-down

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(PY310_STAMP): pyproject.toml
	@test -n "$(PY310)" || { echo "make test-py310: no Python 3.10 (looked for ~/.pyenv/versions/3.10.*; set PY310=/path/to/python3.10)" >&2; exit 1; }
	test -x $(PY310_VENV)/bin/python || $(PY310) -m venv $(PY310_VENV)
	$(PY310_VENV)/bin/pip install --quiet --upgrade pip
	$(PY310_VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(PY310_STAMP)

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

## test-py310: unit and integration tests on Python 3.10 (the whole suite runs on the dev venv's 3.11)
test-py310: $(PY310_STAMP)
	$(PY310_VENV)/bin/pytest tests/unit tests/integration

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

## package: per platform, the layer and function zips in dist/scf and dist/lambda, each installed and
## byte-compiled by its runtime's Python (SCF: SCF_RUNTIME=Python3.10 default, or Python3.11; Lambda 3.13); cached
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
	@$(BIN)/python -m bench

## openapi: docs/openapi.json and docs/api.md from the functions' resolvers (tests/contract/api fails when stale)
openapi: $(STAMP)
	$(BIN)/python -m deploy.openapi

## sam-local: every function in SAM CLI's Lambda runtime emulator (Docker), against the local cloud in a
## container: both flows, every Lambda event shape. Installs docker.io and starts dockerd if needed (root).
sam-local: package $(DEPLOY_STAMP)
	$(BIN)/pytest tests/samlocal

## sam-local-up / sam-local-down: the same setup left running, for `sam local invoke` by hand (README)
sam-local-up: package $(DEPLOY_STAMP)
	$(BIN)/python -m deploy.samlocal up

sam-local-down: $(STAMP)
	$(BIN)/python -m deploy.samlocal down

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) $(PY310_VENV) $(CFN_LINT_VENV) $(CHECKOV_VENV) .build dist .aws-sam .pytest_cache .mypy_cache .ruff_cache .localcloud
