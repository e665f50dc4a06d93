"""Scenario: a server's blockList.

The server (block_list with 127.0.0.1) listens on 0.0.0.0:<port>.

  blocked: a client from 127.0.0.1 connects to 127.0.0.1:<port>: the kernel
           completes the handshake, so the client sees 'connect', then the
           server closes the connection silently (no 'connection', no 'drop',
           not counted): the client sees 'end' then 'close'(False).
  allowed: then a client bound with local_address '127.0.0.2' is served: the
           server sees 'connection' (remote_address 127.0.0.2), echoes 'ping'
           and ends; get_connections() counts it alone.

The server closes after the allowed connection closed.
Twin: tests/node/blocklist_server.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

from collections.abc import Callable
from typing import Any

from _trace import data_fields, emit, error_fields, watchdog

import tokionet as net


def client(name: str, options: dict[str, Any], after: Callable[[], None] | None = None) -> None:
    c = net.connect(options)

    def on_connect() -> None:
        emit(name, "connect", localAddress=c.local_address, remoteAddress=c.remote_address)
        if name == "allowed":
            c.write(b"ping")

    def on_close(had_error: bool) -> None:
        emit(name, "close", hadError=had_error)
        if after is not None:
            after()

    c.on("connect", on_connect)
    c.on("data", lambda d: emit(name, "data", **data_fields(d)))
    c.on("end", lambda: emit(name, "end"))
    c.on("error", lambda err: emit(name, "error", error=error_fields(err)))
    c.on("close", on_close)


def main() -> None:
    block_list = net.BlockList()
    block_list.add_address("127.0.0.1")

    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", remoteAddress=conn.remote_address)
        server.get_connections(
            lambda err, count: emit("server", "getConnections", err=error_fields(err), count=count)
        )

        def on_data(d: bytes) -> None:
            emit("server", "data", **data_fields(d))
            conn.end(d)

        def on_close(had_error: bool) -> None:
            emit("server", "socketClose", hadError=had_error)
            server.close()

        conn.on("data", on_data)
        conn.on("end", lambda: emit("server", "end"))
        conn.on("close", on_close)

    server = net.create_server({"blockList": block_list}, on_connection)
    server.on("drop", lambda *args: emit("server", "drop"))
    server.on("error", lambda err: emit("server", "error", error=error_fields(err)))
    server.on("close", lambda: emit("server", "close"))

    def on_listening() -> None:
        port = server.address()["port"]
        emit(
            "server",
            "listening",
            address=server.address()["address"],
            blockList=server.block_list is block_list,
        )

        def after_blocked() -> None:
            def on_count(err: BaseException | None, count: int) -> None:
                emit("server", "countAfterBlocked", err=error_fields(err), count=count)
                client("allowed", {"port": port, "host": "127.0.0.1", "localAddress": "127.0.0.2"})

            server.get_connections(on_count)

        client("blocked", {"port": port, "host": "127.0.0.1"}, after_blocked)

    server.listen(0, "0.0.0.0", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
