"""Every program in examples/ runs as-is and says what it should.

Each example runs in its own interpreter (under the suite's ``--loop``, see
conftest.py); its output must hold the expected lines in the given order, and
none of the unexpected ones.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "echo.py": ["server: data b'hello\\n'", "client: close (had_error=False)", "run() returned"],
    "address_demo.py": ["is_ip('fe80::1%eth0') = 6", "ERR_OUT_OF_RANGE"],
    "proxy.py": ["hello from the backend", "through the proxy"],
    "ipc_service.py": ['"sum": 6', '"sum": 30', "socket file removed: True"],
    "asyncio_mix.py": ["asyncio task: still running", "received: b'line one", "server closed: True"],
    "chat.py": [
        "alice <- hello alice; here: nobody else",
        "  bob <- alice is taken; your nickname?",
        "  bob <- hello bob; here: alice",
        "alice <- * bob joined",
        "carol <- hello carol; here: alice, bob",
        "alice -> hi all",
        "  bob <- <alice> hi all",
        "carol <- <alice> hi all",
        "alice <- <bob> hello alice",
        "carol <- <bob> hello alice",
        "carol <- here: alice, bob, carol",
        "carol <- unknown command /dance",
        "carol <- bye carol",
        "carol: disconnected",
        "alice <- * carol left",
        "  bob <- * carol left",
        "  bob <- bye bob",
        "alice <- * bob left",
        "alice <- bye alice",
        "server: 0 members left",
        "server: closed",
    ],
    "happy_eyeballs.py": [
        "--- 1. the server listens on 127.0.0.1 only",
        "connectionAttempt        ::1 (IPv6)",
        "connectionAttemptFailed  ::1 (IPv6): ECONNREFUSED",
        "connectionAttempt        127.0.0.1 (IPv4)",
        "connect: to 127.0.0.1 (IPv4)",
        "data: b'hello over IPv4\\n'",
        "attempted: ::1:<port>, 127.0.0.1:<port>",
        "--- 2. [::1]:port never answers",
        "connectionAttempt        ::1 (IPv6)",
        "connectionAttemptTimeout ::1 (IPv6) after 500 ms",
        "connectionAttempt        127.0.0.1 (IPv4)",
        "connect: to 127.0.0.1 (IPv4)",
        "attempted: ::1:<port>, 127.0.0.1:<port>",
        "--- 3. nothing listens",
        "connectionAttemptFailed  ::1 (IPv6): ECONNREFUSED",
        "connectionAttemptFailed  127.0.0.1 (IPv4): ECONNREFUSED",
        "error: AggregateError code=ECONNREFUSED",
        "  - connect ECONNREFUSED ::1:",
        "  - connect ECONNREFUSED 127.0.0.1:",
    ],
    "blocklist_server.py": [
        "policy: ['Subnet: IPv6 fd00::/8', 'Subnet: IPv4 127.0.1.0/24', 'Address: IPv4 127.0.0.2']",
        "server: 127.0.0.1 is allowed",
        "client 127.0.0.1: got b'welcome, 127.0.0.1\\n'",
        "server: 127.0.0.2 is blocked: destroy()",
        "client 127.0.0.2: connected, then closed without a word",
        "server: 127.0.1.7 is blocked: destroy()",
        "client 127.0.1.7: connected, then closed without a word",
        "2. the server's block_list option",
        "server: connection from 127.0.0.1",
        "client 127.0.0.1: got b'welcome, 127.0.0.1\\n'",
        "client 127.0.0.2: connected, then closed without a word",
        "3. the client's block_list option",
        "client 127.0.0.1: error [ERR_IP_BLOCKED] IP(127.0.0.1) is blocked by net.BlockList",
        "client 127.0.0.1: never connected",
        "done",
    ],
}

UNEXPECTED = {
    # The server's block_list closes blocked peers before any 'connection'.
    "blocklist_server.py": ["server: connection from 127.0.0.2", "got b'welcome, 127.0.0.2"],
    # Nobody hears their own lines, nor anything after leaving.
    "chat.py": ["alice <- <alice>", "  bob <- <bob>", "carol <- * carol left"],
    "happy_eyeballs.py": ["connect: to ::1"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str) -> None:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    at = 0
    for text in EXPECTED[name]:
        found = out.stdout.find(text, at)
        assert found >= 0, (f"{text!r} missing, or out of order", out.stdout)
        at = found + len(text)
    for text in UNEXPECTED.get(name, []):
        assert text not in out.stdout, (text, out.stdout)


def test_every_example_is_tested() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)


class LineReader:
    """Reads a plain socket up to a given text, keeping what comes after."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def until(self, text: bytes) -> bytes:
        deadline = time.monotonic() + 5
        while text not in self.buffer and time.monotonic() < deadline:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        cut = self.buffer.find(text)
        assert cut >= 0, (text, self.buffer)
        head, self.buffer = self.buffer[: cut + len(text)], self.buffer[cut + len(text) :]
        return head


def test_chat_server_serves_real_clients() -> None:
    """`chat.py --serve PORT`: the server alone, driven by plain sockets."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "chat.py"), "--serve", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "chat server on" in proc.stdout.readline()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as ann,
            socket.create_connection(("127.0.0.1", port), timeout=5) as ben,
        ):
            a, b = LineReader(ann), LineReader(ben)
            ann.sendall(b"ann\n")
            assert a.until(b"here: nobody else\n").endswith(b"hello ann; here: nobody else\n")
            ben.sendall(b"ann\n")
            assert (
                b.until(b"taken; your nickname?\n")
                == b"welcome! your nickname?\nann is taken; your nickname?\n"
            )
            ben.sendall(b"ben\n")
            assert b.until(b"\n") == b"hello ben; here: ann\n"
            assert a.until(b"\n") == b"* ben joined\n"
            ben.sendall(b"split ")
            ben.sendall(b"line\r\n/quit\n")
            assert a.until(b"\n") == b"<ben> split line\n"
            assert b.until(b"\n") == b"bye ben\n"
            assert ben.recv(100) == b""  # the server ended the connection
            assert a.until(b"\n") == b"* ben left\n"
            assert a.buffer == b""
    finally:
        proc.terminate()
        proc.wait(timeout=10)
