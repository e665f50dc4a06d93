"""net.Server and net.Socket on real loopback sockets: events, their order,
half-open, destroy, timeouts, backpressure, errors, encodings, pipes, and
the Python extras (async for, async with, run())."""

from __future__ import annotations

import asyncio
import os
import socket as pysocket
from collections.abc import Callable
from typing import Any

import pytest

import tokionet as net


def trace_into(log: list[Any], side: str, sock: Any, *events: str) -> None:
    for name in events:
        sock.on(name, lambda *a, name=name: log.append((side, name, *a)))


def serve(on_connection: Callable[[Any], None], ready: Callable[[int], None], **opts: Any) -> Any:
    server = net.create_server(opts, on_connection) if opts else net.create_server(on_connection)
    server.listen(0, "127.0.0.1", lambda: ready(server.address()["port"]))
    return server


def test_echo_and_event_order_on_both_sides() -> None:
    log: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            trace_into(log, "server", sock, "end", "finish", "close")
            sock.on("data", lambda d: (log.append(("server", "data", d)), sock.end(d)))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            trace_into(log, "client", c, "connectionAttempt", "connect", "ready", "end", "finish", "close")
            c.on("data", lambda d: log.append(("client", "data", d)))
            c.write(b"hello")

        server = serve(on_conn, ready)

    net.run(main)
    client = [e for e in log if e[0] == "client"]
    server_side = [e for e in log if e[0] == "server"]
    assert [e[1] for e in client] == [
        "connectionAttempt",
        "connect",
        "ready",
        "data",
        "end",
        "finish",
        "close",
    ]
    assert client[0][2:] == ("127.0.0.1", client[0][3], 4)
    assert client[3] == ("client", "data", b"hello")
    assert client[-1] == ("client", "close", False)
    assert server_side[0] == ("server", "data", b"hello")
    assert [e[1] for e in server_side] == ["data", "finish", "end", "close"]


def test_half_open_keeps_the_other_side_writable() -> None:
    states: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            def on_end() -> None:
                states.append(("server-after-end", sock.ready_state))
                sock.end(b"late reply")

            sock.on("data", lambda d: None)
            sock.on("end", on_end)
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1", allow_half_open=True)
            got: list[bytes] = []
            c.on("data", got.append)
            c.on("connect", lambda: (c.end(b"bye"), states.append(("client-after-end", c.readyState))))
            c.on("end", lambda: states.append(("client-data", b"".join(got))))
            c.on("close", lambda h: states.append(("client-close", h)))

        server = serve(on_conn, ready, allow_half_open=True)

    net.run(main)
    assert ("client-after-end", "readOnly") in states
    assert ("server-after-end", "writeOnly") in states
    assert ("client-data", b"late reply") in states
    assert ("client-close", False) in states


def test_destroy_with_and_without_error() -> None:
    log: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.on("error", lambda e: log.append(("server-error", type(e).__name__)))
            sock.on("close", lambda h: log.append(("server-close", h)))
            sock.resume()
            seen.append(sock)
            if len(seen) == 2:
                server.close()

        seen: list[Any] = []

        def ready(port: int) -> None:
            a = net.connect(port, "127.0.0.1")
            b = net.connect(port, "127.0.0.1")
            a.on("close", lambda h: log.append(("a-close", h)))
            b.on("error", lambda e: log.append(("b-error", str(e))))
            b.on("close", lambda h: log.append(("b-close", h)))
            a.on("connect", lambda: a.destroy())
            b.on("connect", lambda: b.destroy(RuntimeError("boom")))
            assert a.destroy is not None

        server = serve(on_conn, ready)

    net.run(main)
    assert ("a-close", False) in log
    assert ("b-error", "boom") in log
    assert log.index(("b-error", "boom")) < log.index(("b-close", True))
    assert log.count(("server-close", False)) == 2


def test_destroyed_socket_properties_and_write_errors() -> None:
    out: list[Any] = []

    def main() -> None:
        s = net.Socket()
        assert (s.ready_state, s.pending, s.connecting, s.destroyed) == ("open", True, False, False)
        assert s.address() == {} and s.remote_address is None and s.bytes_read == 0
        s.on("error", lambda e: out.append(("error", e.code)))
        s.on("close", lambda *a: out.append(("close", a)))
        assert s.write("x", lambda e: out.append(("cb", e.code))) is False

    net.run(main)
    assert out == [("cb", "ERR_SOCKET_CLOSED"), ("error", "ERR_SOCKET_CLOSED"), ("close", ())]


def test_write_after_end_and_after_destroy() -> None:
    out: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.resume()
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")

            def connected() -> None:
                c.end()
                assert c.write(b"x", lambda e: out.append(("cb", e.code))) is False
                assert c.destroyed

            c.on("connect", connected)
            c.on("error", lambda e: out.append(("error", e.code)))
            c.on(
                "close",
                lambda h: (
                    out.append(("close", h)),
                    c.write(b"y", lambda e: out.append(("cb2", e.code))),
                ),
            )

        server = serve(on_conn, ready)

    net.run(main)
    assert out[:3] == [
        ("cb", "ERR_STREAM_WRITE_AFTER_END"),
        ("error", "ERR_STREAM_WRITE_AFTER_END"),
        ("close", True),
    ]
    assert out[3] == ("cb2", "ERR_STREAM_WRITE_AFTER_END")


def test_timeout_fires_and_does_not_close() -> None:
    out: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.resume()
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.set_timeout(50)

            def timed_out() -> None:
                out.append(("timeout", c.destroyed, c.timeout))
                c.destroy()

            c.on("timeout", timed_out)

        server = serve(on_conn, ready)

    net.run(main)
    assert out == [("timeout", False, 50)]


def test_timeout_is_rearmed_by_activity() -> None:
    """Reads keep an idle timeout from firing; it fires once they stop."""
    out: list[Any] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        timed_out = loop.create_future()
        accepted = loop.create_future()
        server = net.create_server(lambda sock: accepted.set_result(sock))
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        c = net.connect(server.address()["port"], "127.0.0.1")
        c.on("data", lambda d: None)
        c.on("timeout", lambda: timed_out.done() or timed_out.set_result(loop.time()))
        await net.once(c, "connect")
        peer = await asyncio.wait_for(accepted, 10)
        c.set_timeout(300)
        start = loop.time()
        while loop.time() - start < 0.9:  # three timeouts' worth of activity
            peer.write(b"x")
            await asyncio.sleep(0.05)
            if timed_out.done():
                break
        quiet_from = loop.time()
        out.append(("during activity", timed_out.done()))
        fired = await asyncio.wait_for(timed_out, 10)
        out.append(("after", fired - quiet_from >= 0.2))
        c.destroy()
        peer.destroy()
        server.close()

    asyncio.run(main())
    assert out == [("during activity", False), ("after", True)]


def test_backpressure_and_drain() -> None:
    out: list[Any] = []
    chunk = b"x" * 65536

    def main() -> None:
        received = bytearray()

        def on_conn(sock: Any) -> None:
            sock.pause()
            server.close()

            def later() -> None:
                sock.on("data", received.extend)
                sock.resume()

            asyncio.get_running_loop().call_later(0.2, later)
            sock.on("end", lambda: (out.append(("received", len(received))), sock.end()))

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")

            def fill() -> None:
                written = 0
                while c.write(chunk):
                    written += len(chunk)
                written += len(chunk)
                out.append(("full", True))

                def drained() -> None:
                    out.append(("drain", c.writable_length))
                    c.end()
                    out.append(("total", written))

                c.once("drain", drained)

            c.on("connect", fill)
            c.resume()

        server = serve(on_conn, ready)

    net.run(main)
    assert out[0] == ("full", True)
    assert out[1] == ("drain", 0)
    total = dict(out)["total"]
    assert dict(out)["received"] == total


def test_a_single_write_of_the_mark_returns_false() -> None:
    rets: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.resume()
            sock.on("end", sock.end)
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("connect", lambda: (rets.append(c.write(b"a" * 65536)), rets.append(c.write(b"b")), c.end()))
            c.resume()

        server = serve(on_conn, ready)

    net.run(main)
    # The first write completes at once on loopback, so the second fits.
    assert rets == [False, True]


def test_server_close_waits_for_live_connections() -> None:
    out: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            server.close(lambda *a: out.append(("close-cb", a)))
            out.append(("listening", server.listening))
            sock.on("data", lambda d: sock.end())

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("connect", lambda: asyncio.get_running_loop().call_later(0.1, c.write, b"go"))
            c.resume()
            c.on("close", lambda h: out.append(("client-close", h)))

        server = serve(on_conn, ready)
        server.on("close", lambda: out.append(("server-close",)))

    net.run(main)
    assert out[0] == ("listening", False)
    # The server's 'close' waits for its connection to go (Node counts it
    # gone when that socket is destroyed, not when the client closes).
    assert out.index(("server-close",)) > out.index(("listening", False))
    assert ("close-cb", ()) in out


def test_close_of_a_server_that_never_listened() -> None:
    out: list[Any] = []

    def main() -> None:
        s = net.create_server()
        s.on("close", lambda: out.append("close"))
        s.close(lambda err: out.append(err.code))

    net.run(main)
    assert out == ["close", "ERR_SERVER_NOT_RUNNING"]


def test_max_connections_drops_with_node_data() -> None:
    out: list[Any] = []

    def main() -> None:
        server = net.create_server(lambda s: s.resume())
        server.max_connections = 1
        assert server.maxConnections == 1

        def drop(data: dict[str, Any]) -> None:
            out.append(sorted(data))
            server.close()
            for s in clients:
                s.destroy()

        server.on("drop", drop)
        clients: list[Any] = []

        def ready() -> None:
            port = server.address()["port"]
            for _ in range(2):
                c = net.connect(port, "127.0.0.1")
                c.on("error", lambda e: None)
                c.resume()
                clients.append(c)

        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert out == [
        ["localAddress", "localFamily", "localPort", "remoteAddress", "remoteFamily", "remotePort"]
    ]


def test_econnrefused_has_node_fields() -> None:
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out: list[Any] = []

    def main() -> None:
        c = net.connect(port, "127.0.0.1")
        c.on("connectionAttemptFailed", lambda *a: out.append(("failed", a[:3])))
        c.on("error", lambda e: out.append(e))
        c.on("close", lambda h: out.append(("close", h)))

    net.run(main)
    assert out[0] == ("failed", ("127.0.0.1", port, 4))
    err = out[1]
    assert isinstance(err, ConnectionRefusedError) and isinstance(err, net.NodeError)
    assert (err.errno, err.code, err.syscall, err.address, err.port) == (
        111,
        "ECONNREFUSED",
        "connect",
        "127.0.0.1",
        port,
    )
    assert str(err) == f"connect ECONNREFUSED 127.0.0.1:{port}"
    assert out[2] == ("close", True)


def test_eaddrinuse_is_emitted_not_raised() -> None:
    out: list[Any] = []

    def main() -> None:
        a = net.create_server()

        def listening() -> None:
            port = a.address()["port"]
            b = net.create_server()
            b.on("error", lambda e: (out.append(e), a.close()))
            assert b.listen(port, "127.0.0.1") is b

        a.listen(0, "127.0.0.1", listening)

    net.run(main)
    err = out[0]
    assert isinstance(err, OSError) and err.code == "EADDRINUSE" and err.syscall == "listen"
    assert str(err).startswith("listen EADDRINUSE: address already in use 127.0.0.1:")


def test_set_encoding_keeps_split_characters_whole() -> None:
    got: list[Any] = []
    text = "héllo wörld €"

    def main() -> None:
        def on_conn(sock: Any) -> None:
            data = text.encode()
            split = data.index("€".encode()) + 1
            sock.write(data[:split])
            asyncio.get_running_loop().call_later(0.05, sock.end, data[split:])
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.set_encoding("utf8")
            c.on("data", got.append)

        server = serve(on_conn, ready)

    net.run(main)
    assert all(isinstance(g, str) for g in got)
    assert "".join(got) == text


def test_a_data_listener_that_changes_the_socket_mid_stream() -> None:
    """The first chunk is bytes; its listener pauses the socket, sets an
    encoding, asks the peer for more and resumes on a later tick. What follows
    is text, in order, whether it came while paused or not, and bytes_read
    counts every byte (a read emitted straight from the event must still be
    decoded once an encoding is set, and be buffered while paused)."""
    got: list[Any] = []
    counts: list[int] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.write(b"first")
            sock.on("data", lambda d: sock.end("wörld €".encode()))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")

            def on_data(d: Any) -> None:
                got.append(d)
                if len(got) == 1:
                    c.pause()
                    c.set_encoding("utf8")
                    c.write(b"more")
                    asyncio.get_running_loop().call_soon(c.resume)

            c.on("data", on_data)
            c.on("end", lambda: counts.append(c.bytes_read))

        server = serve(on_conn, ready)

    net.run(main)
    assert got[0] == b"first"
    assert all(isinstance(g, str) for g in got[1:])
    assert "".join(got[1:]) == "wörld €"
    assert counts == [len(b"first") + len("wörld €".encode())]


def test_pipe_echoes_with_backpressure() -> None:
    payload = os.urandom(1 << 20)
    got = bytearray()

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.pipe(sock)
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("data", got.extend)
            c.on("connect", lambda: c.end(payload))

        server = serve(on_conn, ready)

    net.run(main)
    assert bytes(got) == payload


def test_async_iteration_and_async_with() -> None:
    async def main() -> None:
        server = net.create_server(lambda s: s.end(b"one two three"))
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        async with server:
            c = net.connect(server.address()["port"], "127.0.0.1")
            chunks = [chunk async for chunk in c]
            assert b"".join(chunks) == b"one two three"
        assert not server.listening

    net.run(main)


def test_run_raises_a_listeners_exception_and_closes_everything() -> None:
    def main() -> None:
        server = net.create_server()

        def boom(sock: Any) -> None:
            raise ValueError("listener failed")

        server.on("connection", boom)

        def ready() -> None:
            net.connect(server.address()["port"], "127.0.0.1").resume()

        server.listen(0, "127.0.0.1", ready)

    with pytest.raises(ValueError, match="listener failed"):
        net.run(main)


def test_unhandled_error_event_ends_run() -> None:
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    with pytest.raises(ConnectionRefusedError):
        net.run(lambda: net.connect(port, "127.0.0.1"))


def test_unref_lets_run_return() -> None:
    def main() -> None:
        server = net.create_server()
        server.listen(0, "127.0.0.1")
        server.unref()

    net.run(main)


def test_get_connections_and_socket_addresses() -> None:
    out: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            out.append(("server-remote", sock.remote_address, sock.remote_family, sock.server is server))
            server.get_connections(lambda err, n: (out.append(("count", err, n)), sock.end()))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")

            def connected() -> None:
                out.append(("client", c.remote_port == port, c.address()["family"], c.localFamily))

            c.on("connect", connected)
            c.resume()

        server = serve(on_conn, ready)

    net.run(main)
    assert ("client", True, "IPv4", "IPv4") in out
    assert ("server-remote", "127.0.0.1", "IPv4", True) in out
    assert ("count", None, 1) in out


def test_reset_and_destroy_resets_the_peer() -> None:
    out: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.on("data", lambda d: None)
            sock.on("error", lambda e: out.append(("server-error", e.code)))
            sock.on("close", lambda h: out.append(("server-close", h)))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("connect", lambda: asyncio.get_running_loop().call_later(0.05, c.reset_and_destroy))
            c.on("close", lambda h: out.append(("client-close", h)))

        server = serve(on_conn, ready)

    net.run(main)
    assert ("client-close", False) in out
    assert ("server-error", "ECONNRESET") in out
    assert ("server-close", True) in out


def test_many_connections_byte_counts() -> None:
    n, size = 50, 20000
    totals: list[int] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.pipe(sock)

        done = [0]

        def ready(port: int) -> None:
            for i in range(n):
                c = net.connect(port, "127.0.0.1")
                buf = bytearray()
                c.on("data", buf.extend)

                def closed(h: bool, c: Any = c, buf: bytearray = buf) -> None:
                    totals.append(len(buf))
                    assert c.bytes_read == len(buf) and c.bytes_written == size
                    done[0] += 1
                    if done[0] == n:
                        server.close()

                c.on("close", closed)
                c.end(bytes([i % 256]) * size)

        server = serve(on_conn, ready)

    net.run(main)
    assert totals == [size] * n


def test_works_under_uvloop() -> None:
    uvloop = pytest.importorskip("uvloop")
    got: list[bytes] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.on("data", lambda d: sock.end(d))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("data", got.append)
            c.write(b"uv")

        server = serve(on_conn, ready)

    net.run(main, loop_factory=uvloop.new_event_loop)
    assert got == [b"uv"]


def test_pipe_between_sockets_runs_in_the_core() -> None:
    payload = os.urandom(3 << 20)
    got = bytearray()
    seen: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.pipe(sock)
            # No 'data' listener: the bytes never reach Python on this side.
            seen.append(sock.listener_count("data"))
            sock.on("close", lambda h: seen.append((sock.bytes_read, sock.bytes_written)))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("data", got.extend)
            c.on("connect", lambda: c.end(payload))

        server = serve(on_conn, ready)

    net.run(main)
    assert bytes(got) == payload
    assert seen == [0, (len(payload), len(payload))]


def test_a_data_listener_on_a_piped_socket_sees_every_chunk() -> None:
    payload = os.urandom(1 << 20)
    echoed = bytearray()
    tapped = bytearray()

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.pipe(sock)
            asyncio.get_running_loop().call_later(0.01, lambda: sock.on("data", tapped.extend))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("data", echoed.extend)

            def send() -> None:
                # Half now, half once the tap is in place.
                c.write(payload[: len(payload) // 2])
                asyncio.get_running_loop().call_later(0.1, c.end, payload[len(payload) // 2 :])

            c.on("connect", send)

        server = serve(on_conn, ready)

    net.run(main)
    assert bytes(echoed) == payload
    # The tap sees at least everything sent after it was attached, in order.
    assert payload.endswith(bytes(tapped)) and len(tapped) >= len(payload) // 2


def test_a_core_pipe_has_a_pipes_events_and_listeners() -> None:
    # pipe() between sockets runs in the core but looks like a pipe through
    # listeners: 'pipe' and 'unpipe' on the destination, the source's 'end'
    # and the destination's 'close'/'finish' listened to until unpiped, and
    # after unpipe() the bytes go to 'data' listeners again.
    log: list[Any] = []
    got: list[bytes] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            sock.on("pipe", lambda src: log.append(("pipe", src is sock)))
            sock.on("unpipe", lambda src: log.append(("unpipe", src is sock)))
            assert sock.pipe(sock) is sock
            counts = ("end", "close", "finish", "data")
            log.append(("piped", [sock.listener_count(n) for n in counts]))
            sock.once("data", lambda d: None)  # moves the pipe onto listeners
            log.append(("tapped", [sock.listener_count(n) for n in counts]))
            assert sock.unpipe() is sock
            log.append(("unpiped", [sock.listener_count(n) for n in counts]))
            sock.remove_all_listeners("data")
            sock.pipe(sock)
            log.append(("piped again", [sock.listener_count(n) for n in counts]))
            sock.unpipe(object())  # not its destination: nothing happens
            sock.unpipe(sock)
            log.append(("unpiped again", [sock.listener_count(n) for n in counts]))
            sock.on("data", lambda d: (got.append(d), sock.end(b"bye")))
            server.close()

        def ready(port: int) -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("data", got.append)
            c.on("connect", lambda: c.write(b"hi"))

        server = serve(on_conn, ready)

    net.run(main)
    assert log == [
        ("pipe", True),
        ("piped", [1, 1, 1, 0]),
        ("tapped", [1, 1, 1, 2]),
        ("unpipe", True),
        ("unpiped", [0, 0, 0, 1]),
        ("pipe", True),
        ("piped again", [1, 1, 1, 0]),
        ("unpipe", True),
        ("unpiped again", [0, 0, 0, 0]),
    ]
    assert got == [b"hi", b"bye"]


def accept_pair(on_pair: Callable[[Any, Any], None], clients: list[Any]) -> Any:
    """A server that hands its first two connections to ``on_pair`` in the
    order they were made (the second client connects once the first is
    connected) and closes; ``clients`` gets the two client sockets."""
    conns: list[Any] = []

    def on_conn(sock: Any) -> None:
        conns.append(sock)
        if len(conns) == 2:
            server.close()
            on_pair(*conns)

    def ready(port: int) -> None:
        def connect() -> None:
            c = net.connect(port, "127.0.0.1")
            c.on("error", lambda e: None)
            clients.append(c)
            if len(clients) == 1:
                c.on("connect", connect)

        connect()

    server = serve(on_conn, ready)
    return server


def test_a_second_pipe_from_a_core_piped_socket_gets_every_byte_too() -> None:
    # The first pipe runs in the core; the second reads through a 'data'
    # listener, which moves the first onto listeners: both get everything.
    payload = os.urandom(1 << 18)
    echoed = bytearray()
    copied = bytearray()
    ended: list[str] = []

    def main() -> None:
        clients: list[Any] = []

        def on_pair(src: Any, other: Any) -> None:
            for c, buf, name in ((clients[0], echoed, "src"), (clients[1], copied, "other")):
                c.on("data", buf.extend)
                c.on("end", lambda name=name: ended.append(name))
            src.pipe(src)
            src.pipe(other, {"end": False})
            clients[0].end(payload)
            asyncio.get_running_loop().call_later(1.0, lambda: (clients[1].destroy(), other.destroy()))

        accept_pair(on_pair, clients)

    net.run(main)
    assert bytes(echoed) == payload and bytes(copied) == payload
    # {end: False}: the second destination was not ended by the source.
    assert ended == ["src"]


@pytest.mark.parametrize("tap", [False, True], ids=["core", "listeners"])
def test_a_pipe_without_end_unpipes_when_its_source_ends(tap: bool) -> None:
    # Node: with {end: false} the source's 'end' unpipes ('unpipe' on the
    # destination) and leaves the destination open; in the core or through
    # listeners (a 'data' listener on the source) alike.
    log: list[Any] = []

    def main() -> None:
        clients: list[Any] = []

        def on_pair(dest: Any, src: Any) -> None:
            dest.on("unpipe", lambda s: log.append(("unpipe", s is src)))
            if tap:
                src.on("data", lambda d: log.append(("data", d)))
            src.pipe(dest, {"end": False})
            src.on("end", lambda: log.append(("end", dest.writable_ended, src.listener_count("end"))))
            src.on("close", lambda h: (dest.destroy(), clients[0].destroy()))
            clients[1].end(b"x")

        accept_pair(on_pair, clients)

    net.run(main)
    assert log[-2:] == [("unpipe", True), ("end", False, 1)]


def test_onread_fills_the_callers_buffer() -> None:
    buf = bytearray(4)
    got: list[Any] = []

    def main() -> None:
        server = net.create_server(lambda s: s.end(b"0123456789"))

        def ready() -> None:
            def on_read(nread: int, b: bytearray) -> None:
                got.append(bytes(b[:nread]))

            c = net.Socket(onread={"buffer": buf, "callback": on_read})
            c.on("data", lambda d: got.append(("data event", d)))
            c.on("close", lambda h: server.close())
            c.connect(server.address()["port"], "127.0.0.1")

        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert b"".join(got) == b"0123456789"
    assert all(len(g) <= 4 for g in got)


def test_listen_on_a_host_name_resolves_off_the_loop() -> None:
    out: list[Any] = []

    def main() -> None:
        server = net.create_server()

        def listening() -> None:
            out.append(server.address()["address"])
            server.close()

        server.listen(0, "localhost", listening)
        # The bind waits for the lookup, as in Node.
        out.append(server.listening)

    net.run(main)
    assert out[0] is False
    assert out[1] in ("127.0.0.1", "::1")


def test_sockets_left_open_under_asyncio_run_are_closed_with_their_loop() -> None:
    def count_fds() -> int:
        # Sockets only: a closed loop's hub (its epoll set) is freed with its
        # last reference, which a reference cycle may hold until collected.
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
            except OSError:
                pass
        return count

    async def leave_open() -> None:
        server = net.create_server(lambda s: s.resume())
        server.listen(0, "127.0.0.1")
        await net.once(server, "listening")
        c = net.connect(server.address()["port"], "127.0.0.1")
        await net.once(c, "connect")

    asyncio.run(leave_open())
    before = count_fds()
    # The next loop's first socket sweeps up after the closed one.
    asyncio.run(leave_open())
    asyncio.run(asyncio.sleep(0))

    async def sweep() -> None:
        net.Socket()
        net.create_server().listen(0, "127.0.0.1")
        await asyncio.sleep(0.05)

    asyncio.run(sweep())
    # Loop 1's server, client and accepted socket are gone; the sweeping
    # loop's listening server is open.
    assert count_fds() <= before - 3 + 1
