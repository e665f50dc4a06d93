"""The suite's loop option really applies (``--loop=asyncio|uvloop``, see
conftest.py), and tokionet works under pytest-asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from typing import Any

import pytest

import tokionet as net


def within(seconds: float) -> Any:
    """``asyncio.timeout`` (3.11+; on 3.10 the conftest alarm bounds the test).

    Not ``asyncio.wait_for(net.once(...))``: on Python < 3.12 it runs the
    ``once`` coroutine in a new task, so its listener is attached a tick late
    and an event emitted on the next tick is missed (see
    ``test_once_listens_from_the_call``).
    """
    timeout = getattr(asyncio, "timeout", None)
    return timeout(seconds) if timeout is not None else contextlib.nullcontext()


def is_uvloop(loop: asyncio.AbstractEventLoop) -> bool:
    return type(loop).__module__.split(".")[0] == "uvloop"


def loop_kind(loop: asyncio.AbstractEventLoop) -> str:
    if is_uvloop(loop):
        return "uvloop"
    return "tokionet" if isinstance(loop, net.EventLoop) else "asyncio"


def check(loop: asyncio.AbstractEventLoop, loop_name: str) -> None:
    assert loop_kind(loop) == loop_name, type(loop)
    if loop_name != "uvloop":
        assert isinstance(loop, asyncio.BaseEventLoop), type(loop)


async def echo_once(payload: bytes) -> bytes:
    """A server echoing one connection, and a client reading it to the end."""
    server = net.create_server(lambda sock: sock.pipe(sock))
    server.listen(0, "127.0.0.1")
    async with within(5):
        await net.once(server, "listening")
    address = server.address()
    assert isinstance(address, dict)
    async with server:
        client = net.connect(address["port"], "127.0.0.1")
        received = bytearray()
        async with within(5):
            await net.once(client, "connect")
            client.end(payload)
            async for chunk in client:
                assert isinstance(chunk, bytes)
                received.extend(chunk)
    return bytes(received)


def test_run_uses_tokionets_loop_under_asyncios_default_policy() -> None:
    """With no policy installed (the run's policy is set aside), ``run()`` makes
    tokionet's ``EventLoop``; ``loop_factory`` still chooses."""
    seen: list[asyncio.AbstractEventLoop] = []

    def main() -> None:
        seen.append(asyncio.get_running_loop())

    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(None)
    try:
        net.run(main)
        net.run(main, loop_factory=asyncio.new_event_loop)
    finally:
        asyncio.set_event_loop_policy(policy)
    assert [loop_kind(loop) for loop in seen] == ["tokionet", "asyncio"]


def test_run_without_loop_factory_uses_the_option(loop_name: str) -> None:
    seen: list[asyncio.AbstractEventLoop] = []
    got: list[bytes] = []

    async def main() -> None:
        seen.append(asyncio.get_running_loop())
        got.append(await echo_once(b"net.run"))

    net.run(main)
    check(seen[0], loop_name)
    assert got == [b"net.run"]


def test_asyncio_run_uses_the_option(loop_name: str) -> None:
    async def main() -> tuple[asyncio.AbstractEventLoop, bytes]:
        return asyncio.get_running_loop(), await echo_once(b"asyncio.run")

    loop, data = asyncio.run(main())
    check(loop, loop_name)
    assert data == b"asyncio.run"


def test_subprocesses_use_the_option(loop_name: str) -> None:
    """The examples and the differential twins run in their own interpreter."""
    code = "import asyncio; print(type(asyncio.new_event_loop()).__qualname__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    expected = {"uvloop": "Loop", "tokionet": "EventLoop", "asyncio": "_UnixSelectorEventLoop"}
    assert out.stdout.strip() == expected[loop_name], out.stdout
    assert os.environ["TOKIONET_TEST_LOOP"] == loop_name


@pytest.mark.asyncio
async def test_under_pytest_asyncio(loop_name: str) -> None:
    check(asyncio.get_running_loop(), loop_name)
    assert await echo_once(b"pytest-asyncio " * 1000) == b"pytest-asyncio " * 1000


@pytest.mark.asyncio
async def test_pytest_asyncio_errors_and_events(loop_name: str) -> None:
    """A refused connect surfaces as Node's error, through `once`, on the test's loop."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = net.connect(port, "127.0.0.1")
    closes: list[bool] = []
    client.on("close", closes.append)
    async with within(5):
        with pytest.raises(ConnectionRefusedError) as info:
            await net.once(client, "connect")
        assert info.value.code == "ECONNREFUSED"  # type: ignore[attr-defined]
        while not closes:
            await asyncio.sleep(0.01)
    assert closes == [True] and client.destroyed


def test_once_listens_from_the_call() -> None:
    async def main() -> None:
        server = net.create_server()
        server.listen(0, "127.0.0.1")
        waiter = net.once(server, "listening")
        try:
            assert server.listener_count("listening") == 1
        finally:
            async with within(5):
                await waiter
            server.close()

    asyncio.run(main())
