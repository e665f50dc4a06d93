"""Scenario: a socket's addresses are read from the descriptor when first
asked for, as Node's _getsockname()/_getpeername() do.

Each case is one connection to the same server on 127.0.0.1
('<case>.server' and '<case>.client' are its two ends).

  unread:     nobody reads an address before 'close' -> at 'close' every
              address is None and address() is {} on both ends.
  connection: the server reads them in 'connection', the client in
              'connect' -> at 'close' the local ones are gone (no handle),
              the remote ones were cached and survive.
  end:        the server reads them first in 'end' (the peer has ended, the
              server has not: getpeername still answers) -> the remote ones
              survive 'close'.
  destroyed:  the server destroys the connection in 'connection' and only
              then reads: everything is None at once.

Ports print as 'server' (the server's port), 'other' or None.
Twin: tests/node/addresses.js.
"""
# compare: per-side (the two ends' events interleave freely).

from typing import Any

from _trace import emit, watchdog

import tokionet as net

CASES = ["unread", "connection", "end", "destroyed"]
state = {"current": 0, "port": 0}


def port_name(port: int | None) -> str | None:
    return None if port is None else "server" if port == state["port"] else "other"


def addresses(sock: net.Socket) -> dict[str, Any]:
    a = sock.address()
    return {
        "local": [sock.local_address, port_name(sock.local_port), sock.local_family],
        "remote": [sock.remote_address, port_name(sock.remote_port), sock.remote_family],
        "address": [a.get("address"), port_name(a.get("port")), a.get("family")],
    }


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        name = CASES[state["current"]]
        side = f"{name}.server"
        if name == "connection":
            emit(side, "connection", **addresses(conn))

        def on_end() -> None:
            if name == "end":
                emit(side, "end", **addresses(conn))

        conn.on("end", on_end)
        conn.on("error", lambda err: None)
        conn.on("close", lambda *_: emit(side, "close", **addresses(conn)))
        if name == "destroyed":
            conn.destroy()
            emit(side, "destroyed", **addresses(conn))

    server = net.create_server(on_connection)

    def run_case() -> None:
        if state["current"] == len(CASES):
            server.close()
            return
        name = CASES[state["current"]]
        side = f"{name}.client"
        client = net.connect(state["port"], "127.0.0.1")
        open_ends = [2]

        def done(*_: Any) -> None:
            open_ends[0] -= 1
            if open_ends[0] == 0:
                state["current"] += 1
                run_case()

        def on_connect() -> None:
            if name == "connection":
                emit(side, "connect", **addresses(client))
            if name != "destroyed":
                client.end()

        def on_close(*_: Any) -> None:
            emit(side, "close", **addresses(client))
            done()

        server.once("connection", lambda conn: conn.on("close", done))
        client.on("connect", on_connect)
        client.on("error", lambda err: None)
        client.on("close", on_close)

    def on_listening() -> None:
        state["port"] = server.address()["port"]
        run_case()

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
