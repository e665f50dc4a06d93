"""The ``signal`` option: AbortController / AbortSignal ending sockets and
servers as Node does (AbortError, code ABORT_ERR, cause = the reason)."""

from __future__ import annotations

from typing import Any

import pytest

import tokionet as net


def test_abort_after_connect_destroys_with_abort_error() -> None:
    out: list[Any] = []

    def main() -> None:
        ac = net.AbortController()
        server = net.create_server(lambda s: s.resume())

        def ready() -> None:
            c = net.connect(server.address()["port"], "127.0.0.1", signal=ac.signal)
            c.on("connect", lambda: ac.abort("stop"))
            c.on("error", lambda e: out.append((type(e).__name__, e.code, str(e), e.cause)))
            c.on("close", lambda h: (out.append(("close", h)), server.close()))

        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert out == [("AbortError", "ABORT_ERR", "The operation was aborted", "stop"), ("close", True)]


def test_abort_before_connect_completes() -> None:
    out: list[Any] = []

    def main() -> None:
        ac = net.AbortController()
        server = net.create_server(lambda s: s.resume())

        def ready() -> None:
            c = net.connect(server.address()["port"], "127.0.0.1", signal=ac.signal)
            ac.abort()
            out.append(c.destroyed)
            c.on("connect", lambda: out.append("connect"))
            c.on("error", lambda e: out.append(e.code))
            c.on("close", lambda h: (out.append(("close", h)), server.close()))

        server.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert out == [True, "ABORT_ERR", ("close", True)]


def test_an_aborted_signal_ends_a_new_socket_at_once() -> None:
    out: list[Any] = []

    def main() -> None:
        s = net.Socket(signal=net.AbortSignal.abort("early"))
        s.on("error", lambda e: out.append((e.code, e.cause)))
        s.on("close", lambda *a: out.append(("close", a)))

    net.run(main)
    assert out == [("ABORT_ERR", "early"), ("close", ())]


def test_listen_signal_closes_the_server() -> None:
    out: list[Any] = []

    def main() -> None:
        ac = net.AbortController()
        server = net.create_server()
        server.on("close", lambda: out.append(("close", server.listening)))
        server.listen({"port": 0, "host": "127.0.0.1", "signal": ac.signal}, lambda: ac.abort())

    net.run(main)
    assert out == [("close", False)]


def test_signal_must_be_a_signal() -> None:
    async def main() -> None:
        with pytest.raises(TypeError) as ei:
            net.create_server().listen({"port": 0, "signal": "x"})
        assert ei.value.code == "ERR_INVALID_ARG_TYPE"  # type: ignore[attr-defined]
        with pytest.raises(TypeError) as ei:
            net.Socket(signal=1)
        assert "AbortSignal" in str(ei.value)

    net.run(main)


def test_controller_and_signal_api() -> None:
    ac = net.AbortController()
    seen: list[Any] = []
    ac.signal.addEventListener("abort", lambda ev: seen.append(ev["type"]))
    assert not ac.signal.aborted
    ac.abort()
    ac.abort("again")
    assert ac.signal.aborted and isinstance(ac.signal.reason, net.AbortError)
    assert seen == ["abort"]
    with pytest.raises(net.AbortError):
        ac.signal.throw_if_aborted()
