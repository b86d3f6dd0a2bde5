# Pórtico. Every target creates or refreshes .venv itself, so a fresh clone needs nothing else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run test lint typecheck unit integration e2e package package-check bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

run: $(STAMP)
	$(BIN)/python -m devtools.stack

test: lint typecheck unit integration e2e package-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# What it checks and how strictly: [tool.mypy] in pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit

# Every test builds its own emulated AWS account, so they spread over the machine's cores.
integration: $(STAMP)
	$(BIN)/pytest -n auto tests/integration

e2e: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest tests/e2e

# Debian's chromium; Playwright cannot download browsers here.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "install Debian's chromium first: sudo apt-get install -y chromium" >&2; exit 1; fi

# `make package PACKAGE_STAGE=dev` packages another deployed stage.
PACKAGE_STAGE ?= prod
package: $(STAMP)
	$(BIN)/python -m devtools.package build $(PACKAGE_STAGE)

# Every deployed stage (dev, then prod, which build/package keeps): build, limits, cfn-lint, the PDF smoke test.
package-check: $(STAMP)
	$(BIN)/python -m devtools.package check-stages

bench: package
	$(BIN)/python -m devtools.bench

clean:
	rm -rf build vendor requirements.txt .pytest_cache
