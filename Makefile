# Pórtico. Every target creates or refreshes .venv itself, so a fresh clone needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help run test lint typecheck unit integration ddblocal e2e package package-check bench bench-scale reset clean

# `make help` lists the targets with the "##" line above each.
## Lists every target with what it does.
help:
	@awk '/^## /{text=substr($$0,4); next} /^[a-z-]+:/{if(text){split($$0,t,":"); printf "  make %-14s %s\n", t[1], text}; text=""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "make: creating $(VENV) with $(PYTHON)…"; $(PYTHON) -m venv $(VENV); }
	@echo "make: installing Python packages into $(VENV) (the first time takes about a minute)…"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

## Starts the local stack (DynamoDB Local, moto, API, portal, sandbox, reconciler) and seeds tenant demo.
run: $(STAMP)
	@$(BIN)/python -m devtools.stack

## Everything CI runs: lint, typecheck, unit, integration, ddblocal, e2e and the packaging check.
test: lint typecheck unit integration ddblocal e2e package-check

## ruff and the import-layer contracts (lint-imports).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# What it checks and how strictly: [tool.mypy] in pyproject.toml.
## mypy over chalicelib and app.py.
typecheck: $(STAMP)
	$(BIN)/mypy

## Unit tests (no AWS, no network).
unit: $(STAMP)
	$(BIN)/pytest tests/unit

# Every test builds its own emulated AWS account, so they spread over the machine's cores.
## Integration tests against in-process moto.
integration: $(STAMP)
	$(BIN)/pytest -n auto tests/integration

# Installs DynamoDB Local (and Java with apt when missing) like `make run` does; one in-memory instance a worker.
## The payment and billing transaction paths against Amazon's DynamoDB Local.
ddblocal: $(STAMP)
	$(BIN)/pytest -n 2 -m ddblocal tests/integration

## Browser tests in Debian's chromium against the real local stack.
e2e: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest tests/e2e

# Debian's chromium; Playwright cannot download browsers here.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "install Debian's chromium first: sudo apt-get install -y chromium" >&2; exit 1; fi

# `make package PACKAGE_STAGE=dev` packages another deployed stage.
PACKAGE_STAGE ?= prod
## Builds the Lambda package of a stage (PACKAGE_STAGE, default prod) and reports its size.
package: $(STAMP)
	$(BIN)/python -m devtools.package build $(PACKAGE_STAGE)

# Every deployed stage (dev, then prod, which build/package keeps): build, limits, cfn-lint, the PDF smoke test.
## chalice package of every deployed stage, its limits and cfn-lint.
package-check: $(STAMP)
	$(BIN)/python -m devtools.package check-stages

## Benchmarks: import time, package size, calls per request, reconciler, catalog, KB search, then the scale run.
bench: package
	$(BIN)/python -m devtools.bench
	$(BIN)/python -m devtools.scale

# 100 accounts x 1,000 invoices by default (PORTICO_SCALE_ACCOUNTS, PORTICO_SCALE_INVOICES); about 15 minutes.
## The scale run: loads 100,000 invoices into a fresh local stack, measures portal reads before and after.
bench-scale: $(STAMP)
	$(BIN)/python -m devtools.scale

## Deletes the local stack's data (DynamoDB Local's tables, saved files): the next make run seeds anew.
reset:
	rm -rf .local/data

## Deletes build output and caches (keeps .venv and the local stack's data).
clean:
	rm -rf build vendor requirements.txt .pytest_cache
