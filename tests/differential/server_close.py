"""Scenario: server.close().

  live: close() while a connection is open stops listening at once (listening
        False, address() None) but keeps the connection; the server's 'close'
        (and the close() callback, with no error) comes only after that
        connection has ended.  A second close() on the closed server gets
        ERR_SERVER_NOT_RUNNING (and, as in Node, emits 'close' again).
  idle: close() on a server that never listened: the callback gets
        ERR_SERVER_NOT_RUNNING, and 'close' is emitted all the same.

Twin: tests/node/server_close.js.
"""
# compare: per-side (the server's and the client's events interleave freely;
#          'idle' is a side of its own and runs after 'live' has finished).

from typing import Any

from _trace import data_fields, emit, error_fields, watchdog

import tokionet as net


def idle() -> None:
    s = net.create_server()
    s.on("close", lambda *args: emit("idle", "close", nargs=len(args)))
    ret = s.close(
        lambda *args: emit(
            "idle", "closeCallback", nargs=len(args), err=error_fields(args[0] if args else None)
        )
    )
    emit("idle", "closeCalled", returnsSelf=ret is s, listening=s.listening)


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server")

        def on_second_close(*again: Any) -> None:
            emit(
                "server",
                "secondCloseCallback",
                nargs=len(again),
                err=error_fields(again[0] if again else None),
            )
            idle()

        def on_closed(*args: Any) -> None:
            emit("server", "closeCallback", nargs=len(args), err=error_fields(args[0] if args else None))
            server.close(on_second_close)

        ret = server.close(on_closed)
        emit(
            "server",
            "closeCalled",
            returnsSelf=ret is server,
            listening=server.listening,
            address=server.address(),
        )
        conn.on("data", lambda d: emit("server", "data", obj="socket", **data_fields(d)))
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("close", lambda had_error: emit("server", "close", obj="socket", hadError=had_error))
        conn.write(b"still served")

    server = net.create_server(on_connection)
    server.on("close", lambda: emit("server", "close", obj="server", listening=server.listening))

    def on_listening() -> None:
        emit("server", "listening", obj="server", listening=server.listening)
        client = net.connect(server.address()["port"], "127.0.0.1")

        def on_data(d: bytes) -> None:
            emit("client", "data", **data_fields(d))
            client.end()

        client.on("data", on_data)
        client.on("end", lambda: emit("client", "end"))
        client.on("close", lambda had_error: emit("client", "close", hadError=had_error))

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
