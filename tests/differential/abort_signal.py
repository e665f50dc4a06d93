"""Scenario: AbortSignal on sockets and servers.

Each client connects to a server of its own on 127.0.0.1, whose side is
'<case>.server'.

  beforeConnect: net.connect(port, host, signal=ac.signal), then ac.abort()
                 at once, before the connection is established -> destroyed
                 at once; 'error' AbortError (name AbortError, code ABORT_ERR,
                 'The operation was aborted') then 'close'(True); no 'connect'.
                 signal.reason is an AbortError.  The server never sees the
                 connection (Node connects on a later tick).
  afterConnect:  net.Socket(signal=...).connect(port, host); ac.abort('stop')
                 in 'connect' -> 'error' AbortError then 'close'(True);
                 signal.reason is 'stop'.  The server's end
                 ('afterConnect.server') sees 'end' and 'close'(False).
  listen:        server2.listen({'port': 0, 'host': ..., 'signal': ...});
                 ac.abort() after 'listening' -> listening False at once, then
                 server2 'close' (address() None).

Signals that are already aborted are in abort_signal_preaborted.
Twin: tests/node/abort_signal.js.
"""
# compare: per-side (each case is a side of its own; they run one after the other).
# requires: tokionet.AbortController

from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, error_name, watchdog

import tokionet as net


def signal_state(signal: Any) -> dict[str, Any]:
    r = signal.reason
    return {
        "aborted": signal.aborted,
        "reason": None if r is None else r if isinstance(r, str) else {"name": error_name(r)},
    }


def trace_client(name: str, c: net.Socket, signal: Any, after: Callable[[], None] | None) -> None:
    def on_close(*args: Any) -> None:
        emit(name, "close", args=list(args), readyState=c.ready_state)
        if after is not None:
            after()

    c.on("connect", lambda: emit(name, "connect"))
    c.on(
        "error",
        lambda err: emit(
            name, "error", error=error_fields(err), destroyed=c.destroyed, signal=signal_state(signal)
        ),
    )
    c.on("close", on_close)


def join(n: int, after: Callable[[], None]) -> Callable[[], None]:
    """Calls after() once it has been called n times."""
    left = n

    def one() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            after()

    return one


# A server for each case that connects: its connections are traced under
# '<case>.server' (in Node the connection aborted before it was established
# never reaches a server).  on_server_side_close[0](side) runs when such a
# connection closes.
on_server_side_close: list[Callable[[str], object]] = [lambda side: None]


def server_for(side: str) -> net.Server:
    def on_connection(conn: net.Socket) -> None:
        def on_close(had_error: bool) -> None:
            emit(side, "close", hadError=had_error)
            on_server_side_close[0](side)

        emit(side, "connection")
        conn.on("data", lambda d: None)
        conn.on("end", lambda: emit(side, "end"))
        conn.on("error", lambda err: emit(side, "error", error=error_fields(err)))
        conn.on("close", on_close)

    return net.create_server(on_connection)


def before_connect(port: int, after: Callable[[], None]) -> None:
    ac = net.AbortController()
    c = net.connect(port, "127.0.0.1", signal=ac.signal)
    trace_client("beforeConnect", c, ac.signal, after)
    emit("beforeConnect", "connecting", connecting=c.connecting)
    ac.abort()
    emit(
        "beforeConnect",
        "aborted",
        destroyed=c.destroyed,
        connecting=c.connecting,
        signal=signal_state(ac.signal),
    )


def after_connect(port: int, after: Callable[[], None]) -> None:
    ac = net.AbortController()
    c = net.Socket(signal=ac.signal)
    done = join(2, after)
    on_server_side_close[0] = lambda side: side == "afterConnect.server" and done()
    trace_client("afterConnect", c, ac.signal, done)

    def on_connect() -> None:
        ac.abort("stop")
        emit("afterConnect", "aborted", destroyed=c.destroyed, signal=signal_state(ac.signal))

    c.on("connect", on_connect)
    c.connect(port, "127.0.0.1")


def listen(after: Callable[[], None]) -> None:
    ac = net.AbortController()
    server2 = net.create_server()

    def on_listening() -> None:
        emit("listen", "listening", listening=server2.listening)
        ac.abort()
        emit("listen", "aborted", listening=server2.listening, signal=signal_state(ac.signal))

    def on_close() -> None:
        emit("listen", "close", listening=server2.listening, address=server2.address())
        after()

    server2.on("listening", on_listening)
    server2.on("error", lambda err: emit("listen", "error", error=error_fields(err)))
    server2.on("close", on_close)
    server2.listen({"port": 0, "host": "127.0.0.1", "signal": ac.signal})


def main() -> None:
    servers = [server_for("beforeConnect.server"), server_for("afterConnect.server")]

    def on_listening() -> None:
        port_a, port_b = (server.address()["port"] for server in servers)

        def close_all() -> None:
            for server in servers:
                server.close()

        before_connect(port_a, lambda: after_connect(port_b, lambda: listen(close_all)))

    servers[0].listen(0, "127.0.0.1", lambda: servers[1].listen(0, "127.0.0.1", on_listening))


if __name__ == "__main__":
    watchdog()
    net.run(main)
