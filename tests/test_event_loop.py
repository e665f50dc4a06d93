"""tokionet's own event loop: asyncio's selector loop whose poller is the hub's
epoll set. The whole suite also runs on it (``--loop=tokionet``); these tests
check what only a poller does: descriptors of the loop's own (level-triggered,
as asyncio expects), wake-ups from other threads, timers, signals,
subprocesses, and that tokionet's sockets need no reader of their own."""

from __future__ import annotations

import asyncio
import os
import select
import selectors
import signal
import socket
import sys
import threading
import time

import pytest
from test_loops import echo_once, loop_kind

import tokionet as net
from tokionet import _tokionet


def run(coro_fn):  # type: ignore[no-untyped-def]
    loop = net.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(coro_fn(), 10))
    finally:
        loop.close()


def test_is_a_selector_loop_on_the_hubs_epoll_set() -> None:
    loop = net.new_event_loop()
    try:
        assert isinstance(loop, asyncio.SelectorEventLoop)
        selector = loop._selector  # type: ignore[attr-defined]
        assert isinstance(selector, selectors.EpollSelector)
        assert isinstance(selector._selector, _tokionet.HubPoller)
        fd = selector.fileno()
        assert fd >= 0
    finally:
        loop.close()
    with pytest.raises(ValueError, match="closed epoll"):
        selector._selector.fileno()
    assert selector._selector.closed


def test_tokionet_sockets_need_no_reader() -> None:
    """The echo runs, and the loop watches only its own self-pipe."""

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        watched_before = set(loop._selector.get_map())  # type: ignore[attr-defined]
        server = net.create_server(lambda c: c.pipe(c))
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        async with server:
            client = net.connect(server.address()["port"], "127.0.0.1")
            await net.once(client, "connect")
            client.end(b"x" * 300_000)
            got = bytearray()
            async for chunk in client:
                got += chunk
            assert set(loop._selector.get_map()) == watched_before  # type: ignore[attr-defined]
        return bytes(got)

    assert run(main) == b"x" * 300_000


def test_own_descriptors_are_level_triggered() -> None:
    """A reader that takes one byte per call is called again while bytes are left."""

    async def main() -> list[bytes]:
        loop = asyncio.get_running_loop()
        a, b = socket.socketpair()
        a.setblocking(False)
        got: list[bytes] = []
        done = loop.create_future()

        def on_readable() -> None:
            got.append(a.recv(1))
            if len(got) == 3:
                loop.remove_reader(a)
                done.set_result(None)

        loop.add_reader(a, on_readable)
        b.send(b"abc")
        await done
        writable = loop.create_future()
        loop.add_writer(b, lambda: writable.done() or writable.set_result(True))
        assert await writable
        loop.remove_writer(b)
        a.close()
        b.close()
        return got

    assert run(main) == [b"a", b"b", b"c"]


def test_wakes_for_other_threads_and_timers() -> None:
    async def main() -> tuple[str, float]:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        threading.Timer(0.05, lambda: loop.call_soon_threadsafe(fut.set_result, "woken")).start()
        woken = await fut
        start = time.monotonic()
        await asyncio.sleep(0.05)
        return woken, time.monotonic() - start

    woken, slept = run(main)
    assert woken == "woken"
    assert 0.04 <= slept < 5


def test_signal_handlers_run() -> None:
    async def main() -> int:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR1, fut.set_result, signal.SIGUSR1)
        loop.call_later(0.02, os.kill, os.getpid(), signal.SIGUSR1)
        try:
            return await fut
        finally:
            loop.remove_signal_handler(signal.SIGUSR1)

    assert run(main) == signal.SIGUSR1


def test_keyboard_interrupt_while_waiting_is_raised() -> None:
    """A signal whose Python handler raises interrupts the wait, as with select.epoll."""
    loop = net.new_event_loop()
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(asyncio.sleep(5))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        loop.close()


def test_subprocesses_and_streams() -> None:
    # Before Python 3.12 subprocesses take their child watcher from the
    # policy: asyncio's, whatever loop's policy this run installed.
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(None)
    try:
        out, data = run(subprocess_and_stream)
    finally:
        asyncio.set_event_loop_policy(policy)
    assert out.strip() == b"child"
    assert data == b"from tokionet"


async def subprocess_and_stream() -> tuple[bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "print('child')", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    server = net.create_server(lambda c: c.end(b"from tokionet"))
    server.listen(0, "127.0.0.1")
    await net.once(server, "listening")
    async with server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.address()["port"])
        data = await reader.read()
        writer.close()
        await writer.wait_closed()
    return out, data


def test_poller_speaks_select_epoll() -> None:
    poller = _tokionet.HubPoller()
    a, b = socket.socketpair()
    try:
        poller.register(a.fileno(), select.EPOLLIN)
        with pytest.raises(FileExistsError):
            poller.register(a.fileno(), select.EPOLLIN)
        assert poller.poll(0) == []
        b.send(b"x")
        assert poller.poll(1) == [(a.fileno(), select.EPOLLIN)]
        assert poller.poll(0) == [(a.fileno(), select.EPOLLIN)]  # level-triggered
        poller.modify(a.fileno(), select.EPOLLOUT)
        assert poller.poll(0) == [(a.fileno(), select.EPOLLOUT)]
        poller.unregister(a.fileno())
        assert poller.poll(0) == []
        with pytest.raises(FileNotFoundError):
            poller.unregister(a.fileno())
    finally:
        poller.close()
        a.close()
        b.close()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="asyncio.run has loop_factory from Python 3.12")
def test_asyncio_run_with_its_loop_factory() -> None:
    async def main() -> tuple[str, bytes]:
        return loop_kind(asyncio.get_running_loop()), await echo_once(b"asyncio.run")

    assert asyncio.run(main(), loop_factory=net.new_event_loop) == ("tokionet", b"asyncio.run")  # type: ignore[call-arg]
