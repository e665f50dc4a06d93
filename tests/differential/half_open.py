"""Scenario: half-open connections with allow_half_open=True on both ends.

The client writes 'ping' and ends; the server, having seen 'end', is
'writeOnly', still writes 'pong' and only then ends; the client, 'readOnly'
since its end(), receives 'pong' and the server's FIN, and both close.
Twin: tests/node/half_open.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

import asyncio

from _trace import data_fields, emit, watchdog

import tokionet as net


def main() -> None:
    loop = asyncio.get_running_loop()

    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server", allowHalfOpen=conn.allow_half_open)

        def answer() -> None:
            emit("server", "readyState", obj="socket", value=conn.ready_state, destroyed=conn.destroyed)
            ret = conn.write(b"pong")
            emit("server", "write", obj="socket", returned=ret)
            conn.end()
            emit("server", "readyState", obj="socket", value=conn.ready_state)

        def on_end() -> None:
            emit("server", "end", obj="socket", readyState=conn.ready_state, destroyed=conn.destroyed)
            # The listening server keeps run() alive while this timer is pending.
            loop.call_later(0.05, answer)

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error, readyState=conn.ready_state)
            server.close()

        conn.on("data", lambda d: emit("server", "data", obj="socket", **data_fields(d)))
        conn.on("end", on_end)
        conn.on("finish", lambda: emit("server", "finish", obj="socket", readyState=conn.ready_state))
        conn.on("close", on_close)

    server = net.create_server(on_connection, allow_half_open=True)
    server.on("close", lambda: emit("server", "close", obj="server"))

    def on_listening() -> None:
        client = net.connect(port=server.address()["port"], host="127.0.0.1", allow_half_open=True)

        def on_connect() -> None:
            emit("client", "connect", allowHalfOpen=client.allow_half_open)
            client.write(b"ping")
            client.end()
            emit("client", "readyState", value=client.ready_state)

        client.on("connect", on_connect)
        client.on("data", lambda d: emit("client", "data", **data_fields(d)))
        client.on("finish", lambda: emit("client", "finish", readyState=client.ready_state))
        client.on("end", lambda: emit("client", "end", readyState=client.ready_state))
        client.on(
            "close",
            lambda had_error: emit("client", "close", hadError=had_error, readyState=client.ready_state),
        )

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
