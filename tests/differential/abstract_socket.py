"""Scenario: an echo over a Linux abstract Unix socket name (a leading NUL byte).

The name is '\\0tokionet-diff-<pid>-<random>' and never touches the file
system.  The server listens on the name; the client connects with
net.connect(name), writes 'ping', gets the echo and ends; the server closes
after its socket closed.  server.address() is printed as "<name>" when it is
the name; the remote/local addresses of both ends and address() are traced
(None for pipes).  Once both are closed, a new connection to the name is
refused (ECONNREFUSED, syscall connect).  Twin: tests/node/abstract_socket.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

import os
import secrets
from typing import Any

from _trace import data_fields, emit, watchdog

import tokionet as net

NAME = f"\0tokionet-diff-{os.getpid()}-{secrets.token_hex(6)}"


def norm_address(a: Any) -> Any:
    if a == NAME:
        return "<name>"
    if isinstance(a, str):
        return "a string, not the name"
    return a


def endpoints(sock: net.Socket) -> dict[str, Any]:
    return {
        "remoteAddress": sock.remote_address,
        "remotePort": sock.remote_port,
        "localAddress": sock.local_address,
        "address": sock.address(),
    }


def main() -> None:
    pending = 2

    def done() -> None:
        nonlocal pending
        pending -= 1
        if pending > 0:
            return
        late = net.connect(NAME)
        late.on("connect", lambda: emit("late", "connect"))
        late.on(
            "error",
            lambda err: emit(
                "late",
                "error",
                code=getattr(err, "code", None),
                syscall=getattr(err, "syscall", None),
            ),
        )
        late.on("close", lambda had_error: emit("late", "close", hadError=had_error))

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
            )

        conn.on("data", on_data)
        conn.on("end", lambda: emit("server", "end", obj="socket"))
        conn.on("close", on_close)

    def on_server_close() -> None:
        emit(
            "server",
            "close",
            obj="server",
            listening=server.listening,
            address=norm_address(server.address()),
        )
        done()

    server = net.create_server(on_connection)
    server.on(
        "listening",
        lambda: emit("server", "listening", obj="server", address=norm_address(server.address())),
    )
    server.on("close", on_server_close)

    def on_listening() -> None:
        client = net.connect(NAME)

        def on_connect() -> None:
            emit("client", "connect", readyState=client.ready_state, **endpoints(client))
            client.write(b"ping")

        def on_data(d: bytes) -> None:
            emit("client", "data", **data_fields(d))
            client.end()

        def on_close(had_error: bool) -> None:
            emit("client", "close", hadError=had_error)
            done()

        client.on("connect", on_connect)
        client.on("data", on_data)
        client.on("end", lambda: emit("client", "end"))
        client.on("finish", lambda: emit("client", "finish"))
        client.on("close", on_close)

    server.listen(NAME, on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
