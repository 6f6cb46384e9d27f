# The only commands a contributor needs: `make demo` and `make test` (README "Quick start").
# Both install what they need on a fresh Debian machine with Python 3.11: uv from PyPI if
# missing, Python packages from uv.lock, and for the tests the npm Cypher linter and Debian's
# chromium, fonts-wqy-microhei and docker-compose; for Neo4j, Java 17 and Maven, which fetch a
# Neo4j 5 Community server from Maven Central (tools/neo4j, cached in ~/.m2).

SHELL := /bin/bash
.DEFAULT_GOAL := help
# uv as installed by pip may not be on PATH: fall back to the module (evaluated at each use)
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# postgresql: the relational baseline's server (benchmarks/baseline.py), which the suite also
# runs end to end at a tiny size (tests/test_benchmark_baseline.py)
APT_PACKAGES := chromium fonts-wqy-microhei docker-compose openjdk-17-jdk-headless maven postgresql
BENCH_APT_PACKAGES := postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
# `make neo4j`: the developer's server (README "Neo4j"); `make test`: a fresh one of its own.
NEO4J := tools/neo4j/neo4j.sh
NEO4J_HOME ?= .teamgraph/neo4j
NEO4J_PORT ?= 7687
TEST_NEO4J_HOME ?= .teamgraph/neo4j-test
TEST_NEO4J_PORT ?= 7688
BENCH_NEO4J_HOME ?= .teamgraph/neo4j-bench
BENCH_NEO4J_PORT ?= 7689
BENCH_ARGS ?=
# `make demo API_PORT=8001 UI_PORT=8051`: the ports of `teamgraph up` (issue 17)
API_PORT ?= 8000
UI_PORT ?= 8050

.PHONY: help uv install install-python install-node install-system install-bench-system demo \
	test lint bench bench-quick soak load clean neo4j neo4j-stop

help:
	@echo "make demo   install, start the embedded graph, the API and the UI with a demo shop"
	@echo "make test   install what the tests need and run them all"
	@echo "make lint   ruff and mypy only"
	@echo "make bench  run the benchmarks, team views and orders on Neo4j too, PostgreSQL beside"
	@echo "            (benchmarks/RESULTS.md)"
	@echo "make bench-quick  the request paths only (team views, orders, API workers) and the"
	@echo "            PostgreSQL baseline, at 100k on FalkorDB"
	@echo "make soak   kill -9 the engine and the API 24 times under a stream of orders and"
	@echo "            refunds; nothing acknowledged may be lost or doubled (docs/reliability.md)"
	@echo "make load   32 connections on the API of a 100k shop for 60 s (benchmarks/RESULTS.md)"
	@echo "make neo4j  start a local Neo4j 5 Community on bolt://127.0.0.1:7687 (neo4j-stop stops it)"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
	  || python3 -m pip install --quiet --disable-pip-version-check uv

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on the CI machines)
# nothing is cached otherwise, and every command compiled pandas & co. again (1.7 s of a 2.5 s
# `teamgraph load`).
install-python: uv
	$(UV) sync --frozen --compile-bytecode
	$(UV) run --no-sync python -m compileall -q teamgraph

install-node:
	npm ci --prefix tools/cypherlint --no-audit --no-fund --loglevel=error

# $(call apt_install,PACKAGES): the Debian packages of the list that are missing
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing \
	    >/dev/null; fi
endef

install-system:
	$(call apt_install,$(APT_PACKAGES))

install-bench-system:
	$(call apt_install,$(BENCH_APT_PACKAGES))

install: install-python install-node install-system

neo4j: install-system
	$(NEO4J) start $(NEO4J_HOME) $(NEO4J_PORT)

neo4j-stop:
	$(NEO4J) stop $(NEO4J_HOME)

demo: install-python
	$(UV) run teamgraph up --api-port $(API_PORT) --ui-port $(UI_PORT)

lint: install-python
	$(UV) run ruff check teamgraph tests benchmarks
	$(UV) run ruff format --check teamgraph tests benchmarks
	$(UV) run mypy teamgraph

# pytest exits 5 when it collected no test: that fails the build, as it should. The suite gets a
# Neo4j of its own on a fresh data directory, stopped afterwards whatever the outcome.
test: install lint
	rm -rf $(TEST_NEO4J_HOME)
	$(NEO4J) start $(TEST_NEO4J_HOME) $(TEST_NEO4J_PORT)
	TEAMGRAPH_TEST_NEO4J_URI=bolt://127.0.0.1:$(TEST_NEO4J_PORT) $(UV) run pytest $(PYTEST_ARGS); \
	  rc=$$?; $(NEO4J) stop $(TEST_NEO4J_HOME); exit $$rc

# The benchmarks get a Neo4j of their own on a fresh data directory, stopped afterwards whatever
# the outcome: team views and orders are measured on it beside FalkorDB (benchmark `neo4j`).
# The baseline (benchmarks/baseline.py) starts a PostgreSQL of its own the same way and measures
# teamgraph on both engines beside it (FalkorDB alone without --neo4j, as in bench-quick).
# BENCH_ARGS: e.g. "--only neo4j --customers 20000".
bench: install-python install-system install-bench-system
	rm -rf $(BENCH_NEO4J_HOME)
	$(NEO4J) start $(BENCH_NEO4J_HOME) $(BENCH_NEO4J_PORT)
	$(UV) run python -m benchmarks --neo4j bolt://127.0.0.1:$(BENCH_NEO4J_PORT) $(BENCH_ARGS); \
	  rc=$$?; $(NEO4J) stop $(BENCH_NEO4J_HOME); exit $$rc

# The request paths alone on the embedded engine: a 100k shop's team views, orders and API
# workers, and the PostgreSQL baseline beside them, in a few minutes (the ETL, fraud and UI
# benchmarks and Neo4j only run in `bench`).
bench-quick: install-python install-bench-system
	$(UV) run python -m benchmarks --only team_views --only orders --only workers --only baseline \
	  $(BENCH_ARGS)

# Crash durability, long form (the suite runs a short one: tests/test_soak.py). SOAK_ARGS: e.g.
# "--kills 40 --events 6000". Figures in benchmarks/soak.json and docs/reliability.md.
SOAK_ARGS ?=
soak: install-python
	$(UV) run python -m benchmarks.soak $(SOAK_ARGS)

# 32 requests in flight on the API of a 100k shop for 60 s: team views and orders, 0 errors
# expected; the figures go to benchmarks/RESULTS.md.
load: install-python
	$(UV) run python -m benchmarks --only load $(BENCH_ARGS)

clean:
	rm -rf .teamgraph .pytest_cache .mypy_cache .ruff_cache
