import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent

# Test helpers (``_vectors``) live beside the tests.
sys.path.insert(0, str(HERE))

# The event loop every test runs on: asyncio's own loop, uvloop, or tokionet's
# EventLoop. Tests make their loops through asyncio's policy
# (``tokionet.run()`` without a ``loop_factory``, ``asyncio.run``,
# pytest-asyncio), so setting the policy once here covers all of them; Python
# subprocesses (examples, differential twins) get the same through
# ``_loop_site/sitecustomize.py``.
sys.path.insert(0, str(HERE / "_loop_site"))
from _test_loop import LOOPS, install_loop_policy  # noqa: E402

LOOP_ENV = "TOKIONET_TEST_LOOP"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--loop",
        choices=LOOPS,
        default=os.environ.get(LOOP_ENV) or "asyncio",
        help=f"the event loop the tests run on (default: ${LOOP_ENV}, else asyncio)",
    )


def pytest_configure(config: pytest.Config) -> None:
    loop = config.getoption("--loop")
    os.environ[LOOP_ENV] = loop
    install_loop_policy()
    site = str(HERE / "_loop_site")
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = site if not path else os.pathsep.join([site, path])


def pytest_report_header(config: pytest.Config) -> str:
    return f"event loop: {config.getoption('--loop')}"


@pytest.fixture(scope="session")
def loop_name(request: pytest.FixtureRequest) -> str:
    """``'asyncio'``, ``'uvloop'`` or ``'tokionet'``: the loop this run was asked for."""
    return str(request.config.getoption("--loop"))


# Every test is bounded in time: a hung test fails instead of stalling CI.
# `make fuzz` raises the bound for its long hypothesis runs.
TEST_TIMEOUT_S = int(os.environ.get("TOKIONET_TEST_TIMEOUT", "30"))


def _timeout(signum: int, frame: object) -> None:
    raise TimeoutError(f"test exceeded {TEST_TIMEOUT_S} s")


@pytest.fixture(autouse=True)
def _bounded() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(TEST_TIMEOUT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
