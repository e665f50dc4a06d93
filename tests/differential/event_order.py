"""Scenario: the order of events on both ends of one connection.

The client writes 'hello'; the server answers end('bye'); the client
(allow_half_open False) ends in turn when it sees the server's FIN; the server
closes itself after its accepted socket closes.  Twin: tests/node/event_order.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

from _trace import data_fields, emit, watchdog

import tokionet as net


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server")
        emit("server", "readyState", obj="socket", value=conn.ready_state)

        def on_data(d: bytes) -> None:
            emit("server", "data", obj="socket", **data_fields(d))
            conn.end(b"bye")
            emit("server", "readyState", obj="socket", value=conn.ready_state)

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error, readyState=conn.ready_state)
            server.close()

        conn.on("data", on_data)
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("finish", lambda: emit("server", "finish", obj="socket"))
        conn.on("close", on_close)

    server = net.create_server(on_connection)
    server.on("listening", lambda: emit("server", "listening", obj="server"))
    server.on("close", lambda: emit("server", "close", obj="server"))

    def on_listening() -> None:
        client = net.connect(server.address()["port"], "127.0.0.1")
        emit("client", "readyState", value=client.ready_state, connecting=client.connecting)

        def on_connect() -> None:
            emit("client", "connect", readyState=client.ready_state, connecting=client.connecting)
            client.write(b"hello")

        client.on("connect", on_connect)
        client.on("ready", lambda: emit("client", "ready"))
        client.on("data", lambda d: emit("client", "data", **data_fields(d)))
        client.on("end", lambda: emit("client", "end", destroyed=client.destroyed))
        client.on("finish", lambda: emit("client", "finish"))
        client.on(
            "close",
            lambda had_error: emit(
                "client",
                "close",
                hadError=had_error,
                readyState=client.ready_state,
                destroyed=client.destroyed,
            ),
        )

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
