"""Scenario: write after end() and write after destroy.

On 'connect' the client calls end('a') then write('b', cb): write returns
False, cb and 'error' get ERR_STREAM_WRITE_AFTER_END ("write after end"),
'error' comes once and the socket closes with had_error True.  After 'close',
write('c', cb) still gets ERR_STREAM_WRITE_AFTER_END (ended is checked before
destroyed) in cb, and emits no second 'error'.  The server side traces only
'connection' and 'close': whether the 'a' sent before the destroy reaches it
is a matter of timing, not of contract.  Python only: the error is a
tokionet.NodeError.  Twin: tests/node/write_after_end.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

from typing import Any

from _trace import emit, error_fields, python_check, watchdog

import tokionet as net


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server")

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket")
            server.close()

        conn.on("error", lambda err: None)
        conn.resume()
        conn.on("close", on_close)

    server = net.create_server(on_connection)

    def on_listening() -> None:
        client = net.connect(server.address()["port"], "127.0.0.1")
        errors = 0

        def on_connect() -> None:
            emit("client", "connect")
            client.end(b"a")
            emit("client", "ended", readyState=client.ready_state, writableEnded=client.writable_ended)
            ret = client.write(
                b"b",
                callback=lambda *args: emit(
                    "client", "writeCallback", nargs=len(args), err=error_fields(args[0] if args else None)
                ),
            )
            emit("client", "writeReturned", value=ret, destroyed=client.destroyed)

        def on_error(err: BaseException) -> None:
            nonlocal errors
            errors += 1
            python_check("client", isinstance(err, net.NodeError), f"NodeError: {err!r}")
            emit("client", "error", count=errors, error=error_fields(err))

        def on_close(had_error: bool) -> None:
            emit("client", "close", hadError=had_error, errors=errors)

            def on_written(*args: Any) -> None:
                emit(
                    "client",
                    "writeAfterDestroyCallback",
                    nargs=len(args),
                    err=error_fields(args[0] if args else None),
                    errors=errors,
                )

            ret = client.write(b"c", callback=on_written)
            emit("client", "writeAfterDestroyReturned", value=ret)

        client.on("connect", on_connect)
        client.on("error", on_error)
        client.on("finish", lambda: emit("client", "finish"))
        client.on("close", on_close)

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
