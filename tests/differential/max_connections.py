"""Scenario: server.max_connections = 1.

A second client, connecting while the first is open, is accepted by the
kernel, then dropped by the server: the server emits 'drop' with a dict of
Node's keys {localAddress, localPort, localFamily, remoteAddress, remotePort,
remoteFamily} (the server's port traced as '<server>', others as '<port>';
client2 checks, once closed, that the dropped peer was itself), and the
dropped client sees a plain EOF.  Once client2 has closed, client1 ends and
the server closes.  Twin: tests/node/max_connections.js.
"""
# compare: per-side (the clients' and the server's events interleave freely).

from typing import Any

from _trace import data_fields, emit, watchdog

import tokionet as net


def main() -> None:
    server_port: int | None = None
    client1: net.Socket | None = None
    client2_port: int | None = None
    dropped: dict[str, Any] | None = None

    def port_name(port: object) -> object:
        if port == server_port:
            return "<server>"
        return "<port>" if isinstance(port, int) else port

    def connect2() -> None:
        client2 = net.connect(server_port, "127.0.0.1")

        def on_connect() -> None:
            nonlocal client2_port
            client2_port = client2.local_port
            emit("client2", "connect")

        def on_close(had_error: bool) -> None:
            was_dropped = dropped is not None and dropped["remotePort"] == client2_port
            emit("client2", "close", hadError=had_error, wasDropped=was_dropped)
            assert client1 is not None
            client1.end()

        client2.on("connect", on_connect)
        client2.on("data", lambda d: emit("client2", "data", **data_fields(d)))
        client2.on("end", lambda: emit("client2", "end"))
        client2.on("error", lambda err: emit("client2", "error", code=getattr(err, "code", None)))
        client2.on("close", on_close)

    def on_connection(conn: net.Socket) -> None:
        emit(
            "server",
            "connection",
            obj="server",
            remotePort=port_name(conn.remote_port),
            maxConnections=server.max_connections,
        )

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error)
            server.close()

        conn.on("data", lambda d: emit("server", "data", obj="socket", **data_fields(d)))
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("close", on_close)
        connect2()

    def on_drop(data: dict[str, Any]) -> None:
        nonlocal dropped
        dropped = data
        out = {key: port_name(data[key]) if key.endswith("Port") else data[key] for key in sorted(data)}
        emit("server", "drop", obj="server", data=out)

    server = net.create_server(on_connection)
    server.max_connections = 1
    server.on("drop", on_drop)
    server.on("close", lambda: emit("server", "close", obj="server"))

    def on_listening() -> None:
        nonlocal server_port, client1
        server_port = server.address()["port"]
        emit("server", "listening", obj="server", maxConnections=server.max_connections)
        client1 = c1 = net.connect(server_port, "127.0.0.1")
        c1.on("connect", lambda: emit("client1", "connect"))
        c1.on("end", lambda: emit("client1", "end"))
        c1.on("close", lambda had_error: emit("client1", "close", hadError=had_error))

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
