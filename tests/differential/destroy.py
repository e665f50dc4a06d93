"""Scenario: destroy() without and with an error, and on a socket that never had a handle.

  A: the client calls destroy() on 'connect'        -> 'close'(False), no 'error';
     a write after that gets ERR_STREAM_DESTROYED in its callback, and no 'error'
  B: the client calls destroy(err) on 'connect'     -> 'error'(err) once, 'close'(True);
     a second destroy(err2) emits nothing more; destroy() returns the socket
  C: Socket().destroy() (never connected)           -> 'close' with no argument

B starts when both ends of A have closed (and A's write callback has run), C
when both ends of B have.  The
server side sees a peer FIN each time ('end', then 'close'(False)).
Twin: tests/node/destroy.js.
"""
# compare: per-side (the clients' and the server's events interleave freely).

from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, watchdog

import tokionet as net


def main() -> None:
    closes = 0
    steps: list[Callable[[], None]] = []

    def closed() -> None:
        # Each step waits for the two ends' 'close' (A: its write callback
        # instead of the client's 'close'); then the next step starts.
        nonlocal closes
        closes += 1
        if closes % 2 == 0:
            steps.pop(0)()

    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server")

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error)
            closed()

        conn.on("data", lambda d: emit("server", "data", obj="socket"))
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("error", lambda err: emit("server", "error", obj="socket", error=error_fields(err)))
        conn.on("close", on_close)

    server = net.create_server(on_connection)

    def connect_a() -> None:
        a = net.connect(server.address()["port"], "127.0.0.1")

        def on_connect() -> None:
            emit("clientA", "connect")
            ret = a.destroy()
            emit(
                "clientA",
                "destroyed",
                returnsSelf=ret is a,
                destroyed=a.destroyed,
                readyState=a.ready_state,
                connecting=a.connecting,
            )

        def on_write_done(*cb_args: Any) -> None:
            emit(
                "clientA",
                "writeCallback",
                nargs=len(cb_args),
                err=error_fields(cb_args[0] if cb_args else None),
            )
            closed()

        def on_close(*args: Any) -> None:
            emit("clientA", "close", args=list(args), destroyed=a.destroyed)
            ret = a.write(b"x", callback=on_write_done)
            emit("clientA", "writeReturned", value=ret)

        a.on("connect", on_connect)
        a.on("error", lambda err: emit("clientA", "error", error=error_fields(err)))
        a.on("end", lambda: emit("clientA", "end"))
        a.on("close", on_close)
        steps.append(connect_b)

    def connect_b() -> None:
        boom = Exception("boom")
        b = net.connect(server.address()["port"], "127.0.0.1")

        def on_connect() -> None:
            emit("clientB", "connect")
            ret = b.destroy(boom)
            emit(
                "clientB", "destroyed", returnsSelf=ret is b, destroyed=b.destroyed, readyState=b.ready_state
            )
            ret2 = b.destroy(Exception("second"))
            emit("clientB", "destroyedAgain", returnsSelf=ret2 is b)

        def on_close(*args: Any) -> None:
            emit("clientB", "close", args=list(args), destroyed=b.destroyed)
            closed()

        b.on("connect", on_connect)
        b.on("error", lambda err: emit("clientB", "error", same=err is boom, error=error_fields(err)))
        b.on("close", on_close)
        steps.append(unconnected)

    def unconnected() -> None:
        c = net.Socket()
        emit("clientC", "created", readyState=c.ready_state, pending=c.pending, destroyed=c.destroyed)

        def on_close(*args: Any) -> None:
            emit("clientC", "close", args=list(args), destroyed=c.destroyed)
            server.close()

        c.on("error", lambda err: emit("clientC", "error", error=error_fields(err)))
        c.on("close", on_close)
        ret = c.destroy()
        emit("clientC", "destroyed", returnsSelf=ret is c, destroyed=c.destroyed, readyState=c.ready_state)

    server.on("close", lambda: emit("server", "close", obj="server"))
    server.listen(0, "127.0.0.1", connect_a)


if __name__ == "__main__":
    watchdog()
    net.run(main)
