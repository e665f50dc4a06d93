"""Scenario: socket.set_timeout() fires 'timeout' on an idle socket and does not close it.

The client sets a 100 ms timeout with a callback (attached with
once('timeout'), so it runs after the 'timeout' listener added before it); on
'timeout' it disables the timer (set_timeout(0)), shows the socket is still
open by a round trip through the echoing server, then ends.
Twin: tests/node/set_timeout.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

from _trace import data_fields, emit, watchdog

import tokionet as net


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server")

        def on_data(d: bytes) -> None:
            emit("server", "data", obj="socket", **data_fields(d))
            conn.write(d)

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error)
            server.close()

        conn.on("data", on_data)
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("close", on_close)

    server = net.create_server(on_connection)

    def on_listening() -> None:
        client = net.connect(server.address()["port"], "127.0.0.1")
        emit("client", "timeoutProperty", value=client.timeout)
        timeouts = 0

        def on_timeout() -> None:
            nonlocal timeouts
            timeouts += 1
            emit(
                "client",
                "timeout",
                count=timeouts,
                readyState=client.ready_state,
                destroyed=client.destroyed,
                timeout=client.timeout,
            )
            ret = client.set_timeout(0)
            emit("client", "setTimeout0", returnsSelf=ret is client, timeout=client.timeout)
            client.write(b"still open")

        def on_connect() -> None:
            emit("client", "connect")
            ret = client.set_timeout(100, lambda: emit("client", "timeoutCallback", count=timeouts))
            emit("client", "setTimeout", returnsSelf=ret is client, timeout=client.timeout)

        def on_data(d: bytes) -> None:
            emit("client", "data", **data_fields(d))
            client.end()

        client.on("timeout", on_timeout)
        client.on("connect", on_connect)
        client.on("data", on_data)
        client.on("end", lambda: emit("client", "end"))
        client.on("close", lambda had_error: emit("client", "close", hadError=had_error, timeouts=timeouts))

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
