"""Faults: what a socket and a server do when things go wrong.

Peer reset mid-write, a peer that vanishes during connect, ``destroy()`` with
pending writes, ``server.close()`` under load, EMFILE at accept, a listener
that raises, and KeyboardInterrupt inside ``run()``. Each check is about the
order and the count of events and callbacks, never about timing.
"""

from __future__ import annotations

import asyncio
import socket as pysocket
import subprocess
import sys
import textwrap
from typing import Any

import pytest

net = pytest.importorskip("tokionet")


async def _listening(server: Any) -> int:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    server.listen(0, "127.0.0.1", lambda: ready.done() or ready.set_result(None))
    await asyncio.wait_for(ready, 10)
    return int(server.address()["port"])


async def _closed(sock: Any) -> Any:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    sock.on("close", lambda *a: done.done() or done.set_result(a))
    return done


def test_peer_reset_mid_write_gives_one_error_then_close_true() -> None:
    events: list[Any] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        got_data = loop.create_future()

        def on_conn(conn: Any) -> None:
            def first(chunk: bytes) -> None:
                conn.reset_and_destroy()  # RST while the client is still writing
                got_data.done() or got_data.set_result(None)

            conn.once("data", first)

        server = net.create_server(on_conn)
        port = await _listening(server)
        client = net.connect(port, "127.0.0.1")
        closed = await _closed(client)
        chunk = b"x" * (256 * 1024)

        def pump() -> None:
            while not client.destroyed and client.write(chunk):
                pass

        client.on("connect", pump)
        client.on("drain", pump)
        client.on("error", lambda err: events.append(("error", getattr(err, "code", repr(err)))))
        client.on("close", lambda *a: events.append(("close", *a)))
        await asyncio.wait_for(got_data, 10)
        await asyncio.wait_for(closed, 10)
        server.close()

    net.run(main)
    assert len(events) == 2, events
    assert events[0][0] == "error" and events[0][1] in ("ECONNRESET", "EPIPE"), events
    assert events[1] == ("close", True), events


def test_peer_vanishing_during_connect_errors_once_and_closes() -> None:
    for _ in range(20):
        events: list[Any] = []

        async def main(events: list[Any] = events) -> None:
            raw = pysocket.socket()
            raw.bind(("127.0.0.1", 0))
            raw.listen(8)
            port = raw.getsockname()[1]
            client = net.connect(port, "127.0.0.1")
            closed = await _closed(client)
            client.on("connect", lambda: events.append(("connect",)))
            client.on("error", lambda err: events.append(("error", getattr(err, "code", repr(err)))))
            client.on("close", lambda *a: events.append(("close", *a)))
            client.on("data", lambda d: None)
            raw.close()  # the queued connection is reset; later attempts are refused
            await asyncio.wait_for(closed, 10)

        net.run(main)
        errors = [e for e in events if e[0] == "error"]
        assert len(errors) == 1 and errors[0][1] in ("ECONNRESET", "ECONNREFUSED"), events
        assert events[-1] == ("close", True), events
        assert events.count(("connect",)) <= 1, events


@pytest.mark.parametrize("reason", [None, "error"])
def test_destroy_with_pending_writes_calls_each_callback_once(reason: str | None) -> None:
    calls: list[tuple[int, Any]] = []
    events: list[Any] = []
    boom = RuntimeError("boom")
    writes = 40

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = net.create_server(lambda conn: conn.pause())  # never reads
        port = await _listening(server)
        client = net.connect(port, "127.0.0.1")
        closed = await _closed(client)
        connected = loop.create_future()
        client.on("connect", lambda: connected.set_result(None))
        client.on("error", lambda err: events.append(("error", err)))
        client.on("close", lambda *a: events.append(("close", *a)))
        await asyncio.wait_for(connected, 10)
        for i in range(writes):
            client.write(b"y" * (1 << 20), callback=lambda err=None, i=i: calls.append((i, err)))
        await asyncio.sleep(0.05)
        client.destroy(boom if reason else None)
        client.write(b"late", callback=lambda err=None: calls.append((-1, err)))
        await asyncio.wait_for(closed, 10)
        server.close()

    net.run(main)
    indices = [i for i, _ in calls]
    assert sorted(indices) == [-1, *range(writes)], f"each callback exactly once: {indices}"
    flushed = [i for i, e in calls if e is None]
    failed = [(i, e) for i, e in calls if e is not None]
    assert failed, "a 40 MiB queue to a peer that never reads cannot all be flushed"
    assert all(i < min(j for j, _ in failed if j >= 0) for i in flushed), "flushed writes are a prefix"
    for i, e in failed:
        code = getattr(e, "code", None)
        if i == -1:
            assert code == "ERR_STREAM_DESTROYED", (i, e)
        else:
            assert e is boom or code in ("ERR_STREAM_DESTROYED", "ECANCELED"), (i, e)
    if reason:
        assert events == [("error", boom), ("close", True)], events
    else:
        assert events == [("close", False)], events


def test_server_close_under_load_lets_connections_finish() -> None:
    order: list[str] = []
    echoed: list[int] = []
    server_side: list[Any] = []
    undestroyed: list[int] = []
    conns = 30
    nbytes = 256 * 1024

    async def main() -> None:
        loop = asyncio.get_running_loop()
        all_accepted = loop.create_future()
        accepted = [0]

        def on_conn(c: Any) -> None:
            c.pipe(c)
            c.on("close", lambda *a: order.append("srv-conn-close"))
            server_side.append(c)
            accepted[0] += 1
            if accepted[0] == conns:
                all_accepted.set_result(None)

        server = net.create_server(on_conn)
        port = await _listening(server)
        all_closed = loop.create_future()
        server_closed = loop.create_future()
        started = loop.create_future()
        left = [conns]

        def client(index: int) -> None:
            c = net.connect(port, "127.0.0.1")
            got = [0]

            def on_data(d: bytes) -> None:
                got[0] += len(d)
                if not started.done():
                    started.set_result(None)

            def on_close(had_error: bool) -> None:
                echoed.append(got[0])
                order.append("conn-close")
                left[0] -= 1
                if not left[0]:
                    all_closed.set_result(None)

            c.on("data", on_data)
            c.on("close", on_close)
            c.on("error", lambda err: order.append(f"conn-error {err!r}"))
            c.end(b"z" * nbytes)

        for i in range(conns):
            client(i)
        await asyncio.wait_for(all_accepted, 10)
        await asyncio.wait_for(started, 10)

        def on_server_close(*a: Any) -> None:
            # Node emits the server's 'close' on the tick after the last
            # connection's _destroy(), so that connection's own 'close' may
            # still be to come, but none may be left undestroyed.
            undestroyed.append(sum(not c.destroyed for c in server_side))
            order.append("server-close")
            server_closed.set_result(a)

        server.close(on_server_close)
        # New connections are refused once the server is closed.
        late = net.connect(port, "127.0.0.1")
        late_err = loop.create_future()
        late.on("error", lambda err: late_err.done() or late_err.set_result(err))
        err = await asyncio.wait_for(late_err, 10)
        assert err.code == "ECONNREFUSED"
        await asyncio.wait_for(all_closed, 20)
        await asyncio.wait_for(server_closed, 10)

    net.run(main)
    assert echoed == [nbytes] * conns, echoed
    assert undestroyed == [0], undestroyed
    assert order.count("srv-conn-close") == conns, order
    assert order.count("server-close") == 1, order


EMFILE_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, resource, socket
    import tokionet as net

    N = 40
    out = {"errors": [], "accepted": 0}

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        server = net.create_server()
        server.on("error", lambda err: out["errors"].append(err.code))
        def on_conn(c):
            out["accepted"] += 1
            c.on("error", lambda e: None)
            if out["accepted"] == N and not done.done():
                done.set_result(None)
        server.on("connection", on_conn)
        ready = loop.create_future()
        server.listen(0, "127.0.0.1", 64, lambda: ready.set_result(None))
        await ready
        port = server.address()["port"]
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        clients = []
        for _ in range(N):
            s = socket.socket()
            s.connect(("127.0.0.1", port))  # completes in the backlog
            clients.append(s)
        nfds = len(os.listdir("/proc/self/fd"))
        resource.setrlimit(resource.RLIMIT_NOFILE, (nfds + 5, hard))
        while "EMFILE" not in out["errors"]:
            await asyncio.sleep(0.01)
        out["accepted_at_limit"] = out["accepted"]
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        await asyncio.wait_for(done, 20)
        for s in clients:
            s.close()
        server.close()

    net.run(main)
    print(json.dumps(out))
    """
)


def test_emfile_at_accept_is_an_error_and_the_server_recovers() -> None:
    proc = subprocess.run([sys.executable, "-c", EMFILE_SCRIPT], capture_output=True, text=True, timeout=25)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "EMFILE" in out["errors"], out
    assert out["accepted_at_limit"] < 40, out
    assert out["accepted"] == 40, out


def test_raising_listener_in_plain_asyncio_leaves_other_connections_going() -> None:
    caught: list[BaseException] = []
    echoed: list[bytes] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda lp, ctx: caught.append(ctx.get("exception")))
        server = net.create_server(lambda c: c.pipe(c))
        port = await _listening(server)
        futs = []
        for i in range(5):
            c = net.connect(port, "127.0.0.1")
            buf: list[bytes] = []
            closed = await _closed(c)
            futs.append(closed)

            def bad(d: bytes) -> None:
                raise ValueError("listener failed")

            c.on("data", buf.append)
            if i == 2:
                c.on("data", bad)
            c.on("end", lambda buf=buf: echoed.append(b"".join(buf)))
            c.end(f"msg{i}".encode())
        await asyncio.wait_for(asyncio.gather(*futs), 10)
        server.close()

    asyncio.run(main())
    assert any(isinstance(e, ValueError) for e in caught), caught
    assert sorted(echoed) == [f"msg{i}".encode() for i in range(5)], echoed


def test_unhandled_error_in_plain_asyncio_still_closes_socket_and_server() -> None:
    """An 'error' with no listener raises inside the emit (Node would crash);
    the loop's exception handler gets it, and the socket's 'close' and the
    server's still come: nothing is left half-open."""
    caught: list[BaseException] = []
    events: list[Any] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda lp, ctx: caught.append(ctx.get("exception")))
        got_data = loop.create_future()
        conn_closed = loop.create_future()

        def on_conn(conn: Any) -> None:
            conn.once("data", lambda _: got_data.done() or got_data.set_result(None))
            conn.on("close", lambda *a: conn_closed.done() or conn_closed.set_result(a))

        server = net.create_server(on_conn)
        port = await _listening(server)
        client = net.connect(port, "127.0.0.1")
        client.write(b"hello")
        await asyncio.wait_for(got_data, 10)
        client.reset_and_destroy()
        events.append(("close", *await asyncio.wait_for(conn_closed, 10)))
        server_closed = loop.create_future()
        server.close(lambda *a: server_closed.set_result(None))
        await asyncio.wait_for(server_closed, 10)
        events.append("server closed")

    asyncio.run(main())
    assert [getattr(e, "code", None) for e in caught] == ["ECONNRESET"], caught
    assert events == [("close", True), "server closed"], events


def test_raising_listener_in_run_is_raised_from_run_and_closes_handles() -> None:
    state: dict[str, Any] = {}

    def main() -> None:
        server = net.create_server(lambda c: c.pipe(c))
        state["server"] = server

        def listening() -> None:
            c = net.connect(server.address()["port"], "127.0.0.1")
            state["client"] = c

            def bad(d: bytes) -> None:
                raise ValueError("uncaught")

            c.on("data", bad)
            c.write(b"hello")

        server.listen(0, "127.0.0.1", listening)

    with pytest.raises(ValueError, match="uncaught"):
        net.run(main)
    assert not state["server"].listening
    assert state["client"].destroyed
    net.run(lambda: None)  # the next run starts clean


KBI_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal
    import tokionet as net

    def main():
        server = net.create_server(lambda c: c.pipe(c))
        def listening():
            c = net.connect(server.address()["port"], "127.0.0.1")
            c.write(b"x" * 100000)
            asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGINT)
        server.listen(0, "127.0.0.1", listening)

    net.run(lambda: None)  # the runtime's own few fds, kept for good
    before = len(os.listdir("/proc/self/fd"))
    try:
        net.run(main)
    except KeyboardInterrupt:
        print("interrupted")
    net.run(lambda: None)
    import gc; gc.collect()
    print("fds", before, len(os.listdir("/proc/self/fd")))
    """
)


def test_keyboard_interrupt_inside_run_propagates_and_the_runtime_is_reusable() -> None:
    proc = subprocess.run([sys.executable, "-c", KBI_SCRIPT], capture_output=True, text=True, timeout=25)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.split("\n")
    assert lines[0] == "interrupted", proc.stdout


def test_uncaught_error_in_run_leaves_no_descriptor_behind() -> None:
    # With a socket piped into itself (the echo server): its pipe used to keep
    # the socket and its loop's hub (an eventfd and two epoll fds) alive.
    proc = subprocess.run([sys.executable, "-c", KBI_SCRIPT], capture_output=True, text=True, timeout=25)
    lines = proc.stdout.split("\n")
    _, before, after = lines[1].split()
    assert int(after) == int(before), proc.stdout
