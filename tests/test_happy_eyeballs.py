"""Happy Eyeballs and custom lookups on loopback: Node's attempt order,
the attempt events, the attempt timeout, AggregateError, and blockList
checks per attempt."""

from __future__ import annotations

import socket as pysocket
from collections.abc import Iterator
from typing import Any

import pytest

import tokionet as net


def closed_port() -> int:
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def full_backlog() -> Iterator[tuple[str, int]]:
    """A listener on 127.0.0.2 whose accept queue is full: a connect to it
    gets no answer (its SYN is dropped), so the attempt times out."""
    lst = pysocket.socket()
    lst.bind(("127.0.0.2", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    for _ in range(4):
        f = pysocket.socket()
        f.setblocking(False)
        try:
            f.connect(("127.0.0.2", port))
        except BlockingIOError:
            pass
        fillers.append(f)
    yield "127.0.0.2", port
    for f in fillers:
        f.close()
    lst.close()


def lookup_returning(addresses: list[tuple[str, int]]) -> Any:
    def lookup(hostname: str, options: dict[str, Any], callback: Any) -> None:
        assert options["all"] is True
        callback(None, [{"address": a, "family": f} for a, f in addresses])

    return lookup


def trace(sock: Any, log: list[Any]) -> None:
    for name in ("lookup", "connectionAttempt", "connectionAttemptFailed", "connectionAttemptTimeout"):
        sock.on(
            name,
            lambda *a, name=name: log.append((name, *[x for x in a if not isinstance(x, BaseException)])),
        )


def test_refused_address_then_a_working_one() -> None:
    log: list[Any] = []
    dead = closed_port()

    def main() -> None:
        server = net.create_server(lambda s: s.end(b"ok"))

        def ready() -> None:
            port = server.address()["port"]
            # The same port on 127.0.0.3 refuses; 127.0.0.1 listens. A
            # custom lookup may answer at once, inside connect(), as in
            # Node: listeners go on first.
            c = net.Socket()
            trace(c, log)
            c.on("data", lambda d: log.append(("data", d)))

            def closed(h: bool) -> None:
                log.append(("attempted", c.autoSelectFamilyAttemptedAddresses))
                server.close()

            c.on("close", closed)
            c.connect(port, "example.test", lookup=lookup_returning([("127.0.0.3", 4), ("127.0.0.1", 4)]))

        server.listen(0, "127.0.0.1", ready)

    del dead
    net.run(main)
    names = [e[0] for e in log]
    assert names[:2] == ["lookup", "lookup"], log
    assert names[2:5] == ["connectionAttempt", "connectionAttemptFailed", "connectionAttempt"]
    assert log[2][1] == "127.0.0.3" and log[4][1] == "127.0.0.1"
    assert ("data", b"ok") in log
    attempted = log[-1][1]
    assert [a.split(":")[0] for a in attempted] == ["127.0.0.3", "127.0.0.1"]


def test_every_attempt_fails_with_an_aggregate_error(full_backlog: tuple[str, int]) -> None:
    host, port = full_backlog
    out: list[Any] = []

    def main() -> None:
        c = net.Socket()
        trace(c, out)
        c.on("error", lambda e: out.append(("error", e)))
        c.connect(
            port,
            "example.test",
            lookup=lookup_returning([(host, 4), ("127.0.0.3", 4)]),
            auto_select_family_attempt_timeout=50,
        )

    net.run(main)
    names = [e[0] for e in out]
    assert "connectionAttemptTimeout" in names
    err = dict((e[0], e[1]) for e in out if e[0] == "error")["error"]
    assert isinstance(err, net.AggregateError) and isinstance(err, net.NodeError)
    assert err.code == "ETIMEDOUT"
    assert [e.code for e in err.errors] == ["ETIMEDOUT", "ECONNREFUSED"]


def test_blocked_address_is_skipped() -> None:
    log: list[Any] = []

    def main() -> None:
        server = net.create_server(lambda s: s.end(b"ok"))
        bl = net.BlockList()
        bl.add_address("127.0.0.3")

        def ready() -> None:
            c = net.Socket(block_list=bl)
            trace(c, log)
            c.on("close", lambda h: server.close())
            c.resume()
            c.connect(
                server.address()["port"],
                "example.test",
                lookup=lookup_returning([("127.0.0.3", 4), ("127.0.0.1", 4)]),
            )

        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert ("connectionAttemptFailed", "127.0.0.3", log[2][2], 4) in log
    assert next(e for e in log if e[0] == "connectionAttempt")[1] == "127.0.0.1"


def test_blocked_single_address_is_err_ip_blocked() -> None:
    out: list[Any] = []

    def main() -> None:
        bl = net.BlockList()
        bl.add_address("127.0.0.1")
        c = net.connect({"port": closed_port(), "host": "127.0.0.1", "blockList": bl})
        c.on("connectionAttempt", lambda *a: out.append("attempt"))
        c.on("error", lambda e: out.append(e.code))
        c.on("close", lambda h: out.append(("close", h)))

    net.run(main)
    assert out == ["attempt", "ERR_IP_BLOCKED", ("close", True)]


def test_lookup_errors_and_bad_answers() -> None:
    out: list[Any] = []

    def main() -> None:
        def failing(host: str, options: dict[str, Any], cb: Any) -> None:
            cb(OSError("no such host"))

        def not_an_ip(host: str, options: dict[str, Any], cb: Any) -> None:
            cb(None, "not-an-ip", 4)

        a = net.Socket()
        a.on("lookup", lambda err, *rest: out.append(("lookup", str(err), rest)))
        a.on("error", lambda e: out.append(("a-error", str(e))))
        a.connect(80, "a.test", lookup=failing, family=4)
        b = net.Socket()
        b.on("error", lambda e: out.append(("b-error", e.code, str(e))))
        b.connect(80, "b.test", lookup=not_an_ip, family=4)

    net.run(main)
    assert ("lookup", "no such host", (None, None, "a.test")) in out
    assert ("a-error", "no such host") in out
    assert ("b-error", "ERR_INVALID_IP_ADDRESS", "Invalid IP address: 'not-an-ip'") in out


def test_server_block_list_drops_blocked_peers_silently() -> None:
    out: list[Any] = []

    def main() -> None:
        bl = net.BlockList()
        bl.add_address("127.0.0.1")

        def on_connection(sock: Any) -> None:
            out.append(("connection", sock.remote_address))
            sock.end()
            server.close()

        server = net.create_server({"blockList": bl}, on_connection)
        server.on("drop", lambda d: out.append("drop"))

        def ready() -> None:
            port = server.address()["port"]
            blocked = net.connect(port, "127.0.0.1")
            blocked.on("error", lambda e: out.append(("blocked-error", e.code)))
            blocked.on("close", lambda h: (out.append("blocked-close"), allowed()))
            blocked.resume()

            def allowed() -> None:
                # From 127.0.0.2: the kernel would pick 127.0.0.1 otherwise.
                net.connect(port=port, host="127.0.0.1", local_address="127.0.0.2").resume()

        server.listen(0, "0.0.0.0", ready)

    net.run(main)
    # The blocked peer sees its connection closed and the server says
    # nothing; a peer that is not blocked is served as usual.
    assert out[0] == "blocked-close"
    assert out[-1] == ("connection", "127.0.0.2")
    assert "drop" not in out
