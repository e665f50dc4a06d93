"""tokionet's own event loop: asyncio's selector loop whose poller is the hub's
epoll set. The whole suite also runs on it (``--loop=tokionet``); these tests
check what only a poller does: descriptors of the loop's own (level-triggered,
as asyncio expects), wake-ups from other threads, timers, signals,
subprocesses, and that tokionet's sockets need no reader of their own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import selectors
import signal
import socket
import subprocess
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


async def echo_server() -> net.Server:
    server = net.create_server(lambda c: c.pipe(c))
    server.listen(0, "127.0.0.1")
    await net.once(server, "listening")
    return server


def test_stop_from_a_listener_ends_run_forever() -> None:
    """The poller serves sockets without returning to the loop while asyncio has
    nothing to do; stop() only sets a flag, so it must wake the poller."""
    loop = net.new_event_loop()
    accepted: list[net.Socket] = []
    clients: list[socket.socket] = []

    async def listen() -> net.Server:
        server = net.create_server(lambda c: (accepted.append(c), loop.stop()))
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        return server

    server = loop.run_until_complete(listen())
    port = server.address()["port"]
    client = threading.Timer(0.1, lambda: clients.append(socket.create_connection(("127.0.0.1", port), 5)))
    watchdog = threading.Timer(5, loop.call_soon_threadsafe, (loop.stop,))
    try:
        client.start()
        watchdog.start()
        start = time.monotonic()
        loop.run_forever()
        elapsed = time.monotonic() - start
        assert len(accepted) == 1
        assert elapsed < 4, "run_forever() went on after a listener's loop.stop()"
    finally:
        watchdog.cancel()
        client.join(5)
        for c in clients:
            c.close()
        for s in accepted:
            s.destroy()
        server.close()
        loop.run_until_complete(asyncio.sleep(0.01))
        loop.close()


def test_callbacks_and_timers_from_listeners_run_at_once() -> None:
    """A listener's call_later() and call_soon() end the wait the loop entered
    before they existed (its timeout was set by a 10 s timer)."""

    async def main() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        timer, soon = loop.create_future(), loop.create_future()

        def on_data(chunk: bytes) -> None:
            if chunk.startswith(b"t"):
                loop.call_later(0.05, lambda: timer.set_result(time.monotonic()))
            else:
                loop.call_soon(soon.set_result, None)

        server = net.create_server(lambda c: c.on("data", on_data))
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        async with server:
            client = net.connect(server.address()["port"], "127.0.0.1")
            try:
                await net.once(client, "connect")
                await asyncio.sleep(0.05)
                start = time.monotonic()
                client.write(b"t")
                fired = await asyncio.wait_for(timer, 10)
                timer_took = time.monotonic() - start
                assert fired - start >= 0.04
                start = time.monotonic()
                client.write(b"s")
                await asyncio.wait_for(soon, 10)
                soon_took = time.monotonic() - start
            finally:
                client.destroy()
        return timer_took, soon_took

    timer_took, soon_took = run(main)
    assert timer_took < 2, "a listener's call_later() waited for the loop's earlier timeout"
    assert soon_took < 2, "a listener's call_soon() waited for the loop's earlier timeout"


def test_timers_keep_time_while_sockets_keep_the_poller_busy() -> None:
    async def main() -> tuple[int, int]:
        server = await echo_server()
        async with server:
            client = net.connect(server.address()["port"], "127.0.0.1")
            await net.once(client, "connect")
            received = 0

            def on_data(chunk: bytes) -> None:
                nonlocal received
                received += len(chunk)

            # Traffic for at most 1.5 s whatever the timers do, so that a
            # poller that never returns makes the test fail, not hang.
            until = time.monotonic() + 1.5
            payload = b"x" * 65536

            def pump() -> None:
                while time.monotonic() < until and client.write(payload):
                    pass

            client.on("data", on_data)
            client.on("drain", pump)
            pump()
            ticks = 0
            start = time.monotonic()
            while time.monotonic() - start < 0.5:
                await asyncio.sleep(0.01)
                ticks += 1
            busy = received
            client.destroy()
        return ticks, busy

    ticks, busy = run(main)
    assert busy > 1_000_000, "the echo did not keep the poller busy"
    assert ticks >= 10, f"10 ms sleeps ran {ticks} times in 0.5 s of echo traffic"


SIGINT_SERVER = """
import sys
import tokionet as net

def main():
    server = net.create_server(lambda c: c.pipe(c))
    server.listen(0, "127.0.0.1", lambda: print(server.address()["port"], flush=True))

try:
    net.run(main)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
"""


def test_ctrl_c_interrupts_a_server_busy_with_core_pipes() -> None:
    """While the poller serves sockets without returning to the loop, and no
    Python runs per chunk, a SIGINT that arrives outside the wait must still
    run Python's handler (KeyboardInterrupt)."""
    child = subprocess.Popen([sys.executable, "-c", SIGINT_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        client = socket.create_connection(("127.0.0.1", port), 5)
        stop = threading.Event()

        def send() -> None:
            with contextlib.suppress(OSError):
                while not stop.is_set():
                    client.sendall(b"x" * 65536)

        def receive() -> None:
            with contextlib.suppress(OSError):
                while not stop.is_set() and client.recv(1 << 20):
                    pass

        threads = [threading.Thread(target=send, daemon=True), threading.Thread(target=receive, daemon=True)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        try:
            status = child.wait(10)
        finally:
            stop.set()
            client.close()
            for t in threads:
                t.join(5)
        assert status == 3, "SIGINT did not stop the busy server"
        assert child.stdout.read().strip() == "interrupted"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(5)


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
