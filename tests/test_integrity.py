"""Integrity under load: 500 concurrent tokionet connections to a tokionet echo server.

Each client sends ``BYTES_PER_CONNECTION`` bytes of seeded random data in
random-sized chunks of 1 B to 1 MiB (honouring ``write()``'s backpressure),
pauses and resumes its reading side at random, ends, and checks
that the sha256 and length of what came back equal what it sent; with the
'data'-listener echo server, the server side also hashes what it received, so
the upload is checked on its own.  The echo server runs in two modes, a
``'data'`` listener that writes back and ``socket.pipe(socket)``.

Afterwards every connection and the server are closed, and the process's open
file descriptors are back to their count after a warm-up run (the warm-up lets
the runtime open the few fds it keeps for good).

``TOKIONET_SOAK=1`` runs the long version: 10 MiB each way per connection,
5 GB per mode, 10 GB over both modes.

The work runs in a child process (this file run as a script), so a hang is
bounded by a timeout and the fd count is not disturbed by pytest's own files.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SOAK = os.environ.get("TOKIONET_SOAK") == "1"
CONNECTIONS = 500
# Each way per connection: 512 KiB (250 MiB per mode); soak: 10 MiB (5 GB per mode).
BYTES_PER_CONNECTION = (10 << 20) if SOAK else (512 << 10)
MAX_CHUNK_LOG2 = 20  # chunk sizes are 2**uniform(0, 20) bytes: 1 B .. 1 MiB, mostly small
PAUSE_PROBABILITY = 0.05  # per chunk read: pause the reading side for up to 5 ms
SEED = 20240624
SESSION_TIMEOUT_S = 2400.0 if SOAK else 90.0  # inside the child, for all the connections of one run
CHILD_TIMEOUT_S = 3000.0 if SOAK else 180.0  # the child process as a whole


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _session(net: Any, mode: str, connections: int, nbytes: int, seed: int) -> dict[str, Any]:
    """One echo server, ``connections`` concurrent clients; returns what went wrong, if anything."""
    loop = asyncio.get_running_loop()
    server_received: dict[int, tuple[str, int]] = {}
    server_errors: list[str] = []

    def on_connection(conn: Any) -> None:
        conn.on("error", lambda err: server_errors.append(repr(err)))
        if mode == "pipe":
            conn.pipe(conn)
            return
        digest = hashlib.sha256()
        count = 0
        peer_port = conn.remote_port

        def on_data(chunk: bytes) -> None:
            nonlocal count
            digest.update(chunk)
            count += len(chunk)
            # A well-behaved echo, as Node's docs write it: the server's own
            # writes meet the client's pauses, and must not pile up.
            if not conn.write(chunk):
                conn.pause()

        def on_end() -> None:
            server_received[peer_port] = (digest.hexdigest(), count)

        conn.on("data", on_data)
        conn.on("drain", conn.resume)
        conn.on("end", on_end)

    server = net.create_server(on_connection)
    listening = loop.create_future()
    server.on("error", lambda err: listening.done() or listening.set_exception(err))
    server.listen(0, "127.0.0.1", 1024, lambda: listening.done() or listening.set_result(None))
    await asyncio.wait_for(listening, 10)
    port = server.address()["port"]

    async def client(index: int) -> dict[str, Any]:
        rng = random.Random(seed * 100_003 + index)
        sent, received = hashlib.sha256(), hashlib.sha256()
        state: dict[str, Any] = {
            "sent": 0,
            "received": 0,
            "ended": False,
            "error": None,
            "local_port": None,
            "pauses": 0,
        }
        done = loop.create_future()
        sock = net.connect(port, "127.0.0.1")

        def pump() -> None:
            while state["sent"] < nbytes:
                size = min(int(2 ** rng.uniform(0, MAX_CHUNK_LOG2)), nbytes - state["sent"])
                chunk = rng.randbytes(size)
                sent.update(chunk)
                state["sent"] += size
                if not sock.write(chunk):
                    return  # wait for 'drain'
            if not state["ended"]:
                state["ended"] = True
                sock.end()

        def on_connect() -> None:
            state["local_port"] = sock.local_port
            pump()

        def on_data(chunk: bytes) -> None:
            received.update(chunk)
            state["received"] += len(chunk)
            if rng.random() < PAUSE_PROBABILITY:
                state["pauses"] += 1
                sock.pause()
                loop.call_later(rng.uniform(0, 0.005), sock.resume)

        def on_error(err: BaseException) -> None:
            state["error"] = repr(err)

        def on_close(*args: Any) -> None:
            if not done.done():
                done.set_result(None)

        sock.on("connect", on_connect)
        sock.on("drain", pump)
        sock.on("data", on_data)
        sock.on("error", on_error)
        sock.on("close", on_close)
        await done
        return {
            "index": index,
            "local_port": state["local_port"],
            "sent": (sent.hexdigest(), state["sent"]),
            "received": (received.hexdigest(), state["received"]),
            "error": state["error"],
            "pauses": state["pauses"],
        }

    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(client(i) for i in range(connections))), SESSION_TIMEOUT_S
        )
    finally:
        closed = loop.create_future()
        server.close(lambda *args: closed.done() or closed.set_result(None))
    await asyncio.wait_for(closed, 10)

    problems = []
    for r in results:
        if r["error"] is not None:
            problems.append(f"client {r['index']}: error {r['error']}")
        if r["received"] != r["sent"]:
            problems.append(f"client {r['index']}: sent {r['sent']}, echoed back {r['received']}")
        if mode == "data":
            upload = server_received.get(r["local_port"])
            if upload != r["sent"]:
                problems.append(f"client {r['index']}: sent {r['sent']}, server received {upload}")
        if r["sent"][1] != nbytes:
            problems.append(f"client {r['index']}: sent {r['sent'][1]} bytes, not {nbytes}")
    problems.extend(f"server socket error: {e}" for e in server_errors)
    return {
        "connections": len(results),
        "problems": problems,
        "pauses": sum(r["pauses"] for r in results),
        "bytes_each_way": sum(r["sent"][1] for r in results),
    }


def child(mode: str) -> dict[str, Any]:
    import tokionet as net

    outcome: dict[str, Any] = {}

    async def warm_up() -> None:
        outcome["warm_up"] = await _session(net, mode, 4, 64 * 1024, SEED - 1)

    async def main() -> None:
        outcome["run"] = await _session(net, mode, CONNECTIONS, BYTES_PER_CONNECTION, SEED)

    net.run(warm_up)
    fds_before = _fd_count()
    started = time.monotonic()
    net.run(main)
    outcome["seconds"] = round(time.monotonic() - started, 2)
    # Sockets may be closed by the runtime just after their 'close': give it a moment.
    deadline = time.monotonic() + 2.0
    while _fd_count() != fds_before and time.monotonic() < deadline:
        time.sleep(0.05)
    outcome["fds_before"] = fds_before
    outcome["fds_after"] = _fd_count()
    outcome["fds_open_after"] = sorted(_describe_fds())
    outcome["vmhwm_kib"] = _vmhwm_kib()
    return outcome


def _vmhwm_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def _describe_fds() -> list[str]:
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.append(f"{fd}->{os.readlink(f'/proc/self/fd/{fd}')}")
        except OSError:
            pass
    return out


@pytest.mark.parametrize("mode", ["data", "pipe"])
def test_500_concurrent_echo_connections_keep_every_byte_and_leak_no_fd(mode: str) -> None:
    net = pytest.importorskip("tokionet")
    if not hasattr(net, "Server"):
        pytest.skip("tokionet.Server is not implemented yet")
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), mode],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the integrity run ({mode}) did not finish in {CHILD_TIMEOUT_S} s\n{e.stderr!r}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert proc.returncode == 0 and lines, f"exit status {proc.returncode}\n{proc.stderr[-5000:]}"
    outcome = json.loads(lines[-1])
    for phase in ("warm_up", "run"):
        assert not outcome[phase]["problems"], f"{phase}: " + "\n".join(outcome[phase]["problems"][:30])
    assert outcome["run"]["connections"] == CONNECTIONS
    assert outcome["run"]["pauses"] > 0, "the reading side was never paused"
    if SOAK:
        print(f"integrity {mode}: " + json.dumps({k: v for k, v in outcome.items() if k != "fds_open_after"}))
    assert outcome["fds_after"] == outcome["fds_before"], (
        f"open fds: {outcome['fds_before']} before, {outcome['fds_after']} after: {outcome['fds_open_after']}"
    )


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1] if len(sys.argv) > 1 else "data")))
