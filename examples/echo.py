"""An echo server and a client exchanging lines, with every event printed.

Run: python examples/echo.py
"""

from __future__ import annotations

from typing import Any

import tokionet as net

LINES = [b"hello\n", b"from tokionet\n", b"bye\n"]


def main() -> None:
    def on_connection(sock: net.Socket) -> None:
        print(f"server: connection from {sock.remote_address}:{sock.remote_port}")
        sock.on("data", lambda data: (print(f"server: data {data!r}"), sock.write(data)))
        sock.on("end", lambda: print("server: end"))
        sock.on("close", lambda had_error: print(f"server: close (had_error={had_error})"))

    server = net.create_server(on_connection)
    server.on("close", lambda: print("server: close"))

    def listening() -> None:
        address = server.address()
        assert isinstance(address, dict)
        print(f"server: listening on {address['address']}:{address['port']}")
        client = net.connect(address["port"], "127.0.0.1")
        pending = list(LINES)
        received = bytearray()

        def on_data(data: Any) -> None:
            print(f"client: data {data!r}")
            received.extend(data)
            if received.endswith(b"\n") and pending:
                client.write(pending.pop(0))
            elif not pending:
                client.end()

        client.on("connect", lambda: (print("client: connect"), client.write(pending.pop(0))))
        client.on("ready", lambda: print("client: ready"))
        client.on("data", on_data)
        client.on("end", lambda: print("client: end"))
        client.on("finish", lambda: print("client: finish"))

        def on_close(had_error: bool) -> None:
            print(f"client: close (had_error={had_error})")
            server.close()

        client.on("close", on_close)

    server.listen(0, "127.0.0.1", listening)


if __name__ == "__main__":
    net.run(main)
    print("done: no handle left, run() returned")
