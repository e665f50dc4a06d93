import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test helpers (``_vectors``) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# Every test is bounded in time: a hung test fails instead of stalling CI.
TEST_TIMEOUT_S = 30


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
