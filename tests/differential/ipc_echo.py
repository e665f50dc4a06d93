"""Scenario: an echo over a Unix domain socket (a path in a temporary directory).

The server listens on <dir>/echo.sock; the client connects with
net.connect(path), writes 'ping', gets the echo, and ends.  Traced: both
ends' events, server.address() (the path, printed as "<path>"),
remote_address/local_address/remote_port and address() of the client and of
the accepted socket (None for pipes), and after server.close(): whether the
socket file still exists (Node unlinks it) and what server.address() returns
(Node keeps returning the path).  Twin: tests/node/ipc_echo.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

import os
import shutil
import tempfile
from typing import Any

from _trace import data_fields, emit, watchdog

import tokionet as net

DIR = tempfile.mkdtemp(prefix="tokionet-diff-")
PATH = os.path.join(DIR, "echo.sock")


def norm_address(a: Any) -> Any:
    if a == PATH:
        return "<path>"
    if isinstance(a, str):
        return "a string, not the path"
    return a


def endpoints(sock: net.Socket) -> dict[str, Any]:
    return {
        "remoteAddress": sock.remote_address,
        "remotePort": sock.remote_port,
        "remoteFamily": sock.remote_family,
        "localAddress": sock.local_address,
        "localPort": sock.local_port,
        "address": sock.address(),
    }


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", obj="server", **endpoints(conn))

        def on_data(d: bytes) -> None:
            emit("server", "data", obj="socket", **data_fields(d))
            conn.write(d)

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error)
            server.close()
            emit(
                "server",
                "closeCalled",
                listening=server.listening,
                address=norm_address(server.address()),
                fileExists=os.path.exists(PATH),
            )

        conn.on("data", on_data)
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("finish", lambda: emit("server", "finish", obj="socket"))
        conn.on("close", on_close)

    server = net.create_server(on_connection)
    server.on(
        "listening",
        lambda: emit(
            "server",
            "listening",
            obj="server",
            address=norm_address(server.address()),
            fileExists=os.path.exists(PATH),
        ),
    )
    server.on(
        "close",
        lambda: emit(
            "server",
            "close",
            obj="server",
            listening=server.listening,
            address=norm_address(server.address()),
            fileExists=os.path.exists(PATH),
        ),
    )

    def on_listening() -> None:
        client = net.connect(PATH)
        emit("client", "connecting", connecting=client.connecting, readyState=client.ready_state)

        def on_connect() -> None:
            emit("client", "connect", readyState=client.ready_state, **endpoints(client))
            client.write(b"ping")

        def on_data(d: bytes) -> None:
            emit("client", "data", **data_fields(d))
            client.end()

        client.on("connect", on_connect)
        client.on("ready", lambda: emit("client", "ready"))
        client.on("data", on_data)
        client.on("end", lambda: emit("client", "end"))
        client.on("finish", lambda: emit("client", "finish"))
        client.on(
            "close",
            lambda had_error: emit(
                "client",
                "close",
                hadError=had_error,
                bytesRead=client.bytes_read,
                bytesWritten=client.bytes_written,
                remoteAddress=client.remote_address,
            ),
        )

    server.listen(PATH, on_listening)


if __name__ == "__main__":
    watchdog()
    try:
        net.run(main)
    finally:
        shutil.rmtree(DIR, ignore_errors=True)
