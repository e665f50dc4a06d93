"""Scenario: signals that are already aborted when they are given (Node's quirks included).

  socket:  net.Socket(signal=...), never connected: not destroyed when the
           constructor returns; on a later tick 'error' AbortError (name
           AbortError, code ABORT_ERR, 'The operation was aborted') and
           'close' with no argument (the socket never had a handle);
           ready_state 'writeOnly' by then.
  connect: net.connect(port, host, signal=...): connect() returns with
           destroyed False and connecting True; on a later tick 'error'
           AbortError and 'close' with no argument are emitted, and the
           connection then goes on all the same: 'connect' (the scenario
           destroys the socket there: 'close'(False)); the server's end
           ('connect.server') sees 'end' and 'close'(False).
  listen:  server2.listen({'port': 0, 'host': ..., 'signal': ...}):
           listening True when listen() returns, then 'close' on a later tick
           with no 'listening'.

Twin: tests/node/abort_signal_preaborted.js.
"""
# compare: per-side (each case is a side of its own; they run one after the other).
# requires: tokionet.AbortController

from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, watchdog

import tokionet as net


def aborted() -> Any:
    ac = net.AbortController()
    ac.abort()
    return ac.signal


def trace_client(name: str, c: net.Socket) -> None:
    c.on("connect", lambda: emit(name, "connect"))
    c.on(
        "error",
        lambda err: emit(
            name, "error", error=error_fields(err), destroyed=c.destroyed, connecting=c.connecting
        ),
    )


def join(n: int, after: Callable[[], None]) -> Callable[[], None]:
    """Calls after() once it has been called n times."""
    left = n

    def one() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            after()

    return one


def socket_case(after: Callable[[], None]) -> None:
    c = net.Socket(signal=aborted())
    trace_client("socket", c)

    def on_close(*args: Any) -> None:
        emit("socket", "close", args=list(args), destroyed=c.destroyed, readyState=c.ready_state)
        after()

    c.on("close", on_close)
    emit("socket", "constructed", destroyed=c.destroyed, readyState=c.ready_state)


def connect_case(server: net.Server, after: Callable[[], None]) -> None:
    done = join(2, after)

    def on_connection(conn: net.Socket) -> None:
        def on_close(had_error: bool) -> None:
            emit("connect.server", "close", hadError=had_error)
            done()

        emit("connect.server", "connection")
        conn.on("data", lambda d: None)
        conn.on("end", lambda: emit("connect.server", "end"))
        conn.on("error", lambda err: emit("connect.server", "error", error=error_fields(err)))
        conn.on("close", on_close)

    server.on("connection", on_connection)
    returned = False
    c = net.connect(server.address()["port"], "127.0.0.1", signal=aborted())
    c.on("error", lambda err: emit("connect", "errorTiming", insideConnect=not returned))
    trace_client("connect", c)
    closes = 0

    def on_close(*args: Any) -> None:
        nonlocal closes
        emit("connect", "close", args=list(args), readyState=c.ready_state)
        closes += 1
        if closes == 2:
            done()

    c.on("close", on_close)
    c.on("connect", lambda: c.destroy())
    returned = True
    emit("connect", "connectReturned", destroyed=c.destroyed, connecting=c.connecting)


def listen_case(after: Callable[[], None]) -> None:
    server2 = net.create_server()

    def on_close() -> None:
        emit("listen", "close", listening=server2.listening, address=server2.address())
        after()

    server2.on("listening", lambda: emit("listen", "listening", listening=server2.listening))
    server2.on("error", lambda err: emit("listen", "error", error=error_fields(err)))
    server2.on("close", on_close)
    server2.listen({"port": 0, "host": "127.0.0.1", "signal": aborted()})
    emit("listen", "listenReturned", listening=server2.listening)


def main() -> None:
    server = net.create_server()
    server.listen(
        0,
        "127.0.0.1",
        lambda: socket_case(lambda: connect_case(server, lambda: listen_case(server.close))),
    )


if __name__ == "__main__":
    watchdog()
    net.run(main)
