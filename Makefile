# The only commands a contributor needs: `make demo` and `make test` (README "Quick start").
# Both install what they need on a fresh Debian machine with Python 3.11: uv from PyPI if
# missing, Python packages from uv.lock, and for the tests the npm Cypher linter and Debian's
# chromium, fonts-wqy-microhei and docker-compose.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# uv as installed by pip may not be on PATH: fall back to the module (evaluated at each use)
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
APT_PACKAGES := chromium fonts-wqy-microhei docker-compose
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: help uv install install-python install-node install-system demo test lint bench clean

help:
	@echo "make demo   install, start the embedded graph, the API and the UI with a demo shop"
	@echo "make test   install what the tests need and run them all"
	@echo "make lint   ruff and mypy only"
	@echo "make bench  run the benchmarks (results in benchmarks/RESULTS.md)"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
	  || python3 -m pip install --quiet --disable-pip-version-check uv

install-python: uv
	$(UV) sync --frozen

install-node:
	npm ci --prefix tools/cypherlint --no-audit --no-fund --loglevel=error

install-system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing \
	    >/dev/null; fi

install: install-python install-node install-system

demo: install-python
	$(UV) run teamgraph up

lint: install-python
	$(UV) run ruff check teamgraph tests benchmarks
	$(UV) run ruff format --check teamgraph tests benchmarks
	$(UV) run mypy teamgraph

# pytest exits 5 when it collected no test: that fails the build, as it should.
test: install lint
	$(UV) run pytest $(PYTEST_ARGS)

bench: install-python
	$(UV) run python -m benchmarks

clean:
	rm -rf .teamgraph .pytest_cache .mypy_cache .ruff_cache
