"""Every program in examples/ runs as-is and says what it should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "echo.py": ["server: data b'hello\\n'", "client: close (had_error=False)", "run() returned"],
    "address_demo.py": ["is_ip('fe80::1%eth0') = 6", "ERR_OUT_OF_RANGE"],
    "proxy.py": ["hello from the backend", "through the proxy"],
    "ipc_service.py": ['"sum": 6', '"sum": 30', "socket file removed: True"],
    "asyncio_mix.py": ["asyncio task: still running", "received: b'line one", "server closed: True"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str) -> None:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for text in EXPECTED[name]:
        assert text in out.stdout, (text, out.stdout)


def test_every_example_is_tested() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)
