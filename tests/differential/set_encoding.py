"""Scenario: set_encoding('utf8') with a multi-byte character split across two writes.

The server writes 'h' + the first two bytes of '€' (E2 82 AC), waits until
the client has seen that first chunk, then writes the last byte + 'i' and
ends.  The client's 'data' events are str: 'h' (the partial character held
back), then '€i'.  Twin: tests/node/set_encoding.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

from _trace import data_fields, emit, watchdog

import tokionet as net


def main() -> None:
    conn: net.Socket | None = None
    chunks = 0

    def on_connection(c: net.Socket) -> None:
        nonlocal conn
        conn = c
        emit("server", "connection", obj="server")

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error)
            server.close()

        c.on("end", lambda: emit("server", "end", obj="socket"))
        c.on("close", on_close)
        c.resume()
        c.write(bytes([0x68, 0xE2, 0x82]))

    server = net.create_server(on_connection)

    def on_listening() -> None:
        client = net.connect(server.address()["port"], "127.0.0.1")
        ret = client.set_encoding("utf8")
        emit("client", "setEncoding", returnsSelf=ret is client)
        text = ""

        def on_data(d: str) -> None:
            nonlocal chunks, text
            chunks += 1
            text += d
            emit("client", "data", **data_fields(d))
            if chunks == 1:
                assert conn is not None
                conn.end(bytes([0xAC, 0x69]))

        client.on("data", on_data)
        client.on("end", lambda: emit("client", "end", text=text))
        client.on("close", lambda had_error: emit("client", "close", hadError=had_error))

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
