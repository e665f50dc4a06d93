"""Interpreter exit with open sockets and a running runtime neither hangs nor
crashes: a listening server, connected sockets with queued writes and a
connect in progress are all open when the interpreter exits, normally, through
``sys.exit`` in a listener, or on an uncaught exception."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SETUP = textwrap.dedent(
    """
    import asyncio, os, sys
    import tokionet as net

    held = []

    def open_everything(on_connected):
        server = net.create_server(lambda c: (c.pause(), held.append(c), on_connected(c)))
        held.append(server)

        def listening():
            port = server.address()["port"]
            for _ in range(5):
                c = net.connect(port, "127.0.0.1")
                c.write(b"q" * (4 << 20))  # more than the kernel takes: writes stay queued
                held.append(c)

        server.listen(0, "127.0.0.1", listening)
    """
)

SCENARIOS = {
    # The loop is left running in a thread-less state: the interpreter just ends.
    "plain exit": (
        """
        async def main():
            got = asyncio.get_running_loop().create_future()
            open_everything(lambda c: got.done() or got.set_result(None))
            await got
            held.append(net.connect(1, "127.0.0.1"))  # a connect in progress
        loop = asyncio.new_event_loop()
        loop.run_until_complete(main())
        print("leaving")
        """,
        0,
    ),
    "sys.exit in a listener": (
        """
        def main():
            n = [0]
            def connected(c):
                n[0] += 1
                if n[0] == 3:
                    held.append(net.connect(1, "127.0.0.1"))
                    print("leaving")
                    sys.exit(7)
            open_everything(connected)
        net.run(main)
        """,
        7,
    ),
    "uncaught exception": (
        """
        def main():
            def connected(c):
                print("leaving")
                raise RuntimeError("boom")
            open_everything(connected)
        net.run(main)
        """,
        1,
    ),
    "exception with the loop still open": (
        """
        async def main():
            got = asyncio.get_running_loop().create_future()
            open_everything(lambda c: got.done() or got.set_result(None))
            await got
            print("leaving")
            raise RuntimeError("boom")
        asyncio.new_event_loop().run_until_complete(main())
        """,
        1,
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_interpreter_exit_with_open_sockets(name: str) -> None:
    body, code = SCENARIOS[name]
    script = SETUP + textwrap.dedent(body)
    try:
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{name}: the interpreter did not exit within 15 s\n{e.stderr!r}")
    assert proc.stdout.strip() == "leaving", (proc.stdout, proc.stderr[-3000:])
    assert proc.returncode == code, (proc.returncode, proc.stderr[-3000:])
    if code == 1:
        assert "RuntimeError: boom" in proc.stderr
    else:
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
