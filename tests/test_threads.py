"""Sockets and servers belong to their loop's thread: calls from another
thread are refused with a clear error (never a crash or a silent race), and
a process forked after tokionet started refuses to use it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

import tokionet as net


def call_from_thread(fn: Any) -> BaseException | None:
    caught: list[BaseException | None] = [None]

    def run() -> None:
        try:
            fn()
        except BaseException as e:
            caught[0] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(5)
    assert not t.is_alive()
    return caught[0]


def test_a_socket_or_server_used_from_another_thread_is_refused() -> None:
    seen: dict[str, Any] = {}

    def main() -> None:
        server = net.create_server(lambda c: c.pipe(c))

        def ready() -> None:
            client = net.connect(server.address()["port"], "127.0.0.1")
            calls = {
                "write": lambda: client.write(b"x"),
                "end": lambda: client.end(),
                "destroy": lambda: client.destroy(),
                "pause": lambda: client.pause(),
                "set_timeout": lambda: client.set_timeout(10),
                "server.close": lambda: server.close(),
                "server.get_connections": lambda: server.get_connections(lambda *a: None),
            }
            for name, call in calls.items():
                seen[name] = call_from_thread(call)
            # Nothing happened to them: the owning thread carries on.
            got: list[bytes] = []
            client.on("data", got.append)

            def done() -> None:
                seen["echo"] = b"".join(got)
                server.close()

            client.on("end", done)
            client.end(b"still here")

        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert seen.pop("echo") == b"still here"
    for name, err in seen.items():
        assert isinstance(err, RuntimeError), (name, err)
        assert "another thread" in str(err), (name, err)


def test_a_socket_not_yet_bound_to_a_loop_may_be_made_anywhere() -> None:
    made: list[Any] = []
    assert call_from_thread(lambda: made.append(net.Socket())) is None
    assert made and not made[0].connecting


FORK = textwrap.dedent(
    """
    import asyncio, os, sys
    import tokionet as net

    async def listen_once():
        server = net.create_server()
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        server.close()

    asyncio.run(listen_once())
    pid = os.fork()
    if pid == 0:
        try:
            asyncio.run(listen_once())
            print("child used it")
        except RuntimeError as e:
            print("child refused:", e)
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid, 0)
    asyncio.run(listen_once())
    print("parent fine")
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="fork")
def test_a_forked_child_is_refused_and_the_parent_goes_on() -> None:
    out = subprocess.run([sys.executable, "-c", FORK], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith("child refused: tokionet cannot run in a process forked"), lines
    assert lines[-1] == "parent fine"
