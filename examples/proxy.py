"""A TCP port forwarder: every connection to the proxy is piped to a backend
and back. Both pipes run inside tokionet's core (no Python per chunk).

Run: python examples/proxy.py   (starts a backend, the proxy and a client)
"""

from __future__ import annotations

import tokionet as net


def port_of(server: net.Server) -> int:
    """The port a TCP server listens on (`address()` is a dict for TCP)."""
    address = server.address()
    assert isinstance(address, dict)
    return int(address["port"])


def forward(client: net.Socket, backend_port: int) -> None:
    upstream = net.connect(backend_port, "127.0.0.1")
    client.pipe(upstream)
    upstream.pipe(client)
    # Either side failing tears down the other, as a proxy should.
    client.on("error", lambda err: upstream.destroy())
    upstream.on("error", lambda err: client.destroy(err))


def main() -> None:
    backend = net.create_server(lambda s: s.end(b"hello from the backend\n"))

    def backend_ready() -> None:
        backend_port = port_of(backend)
        proxy = net.create_server(lambda c: forward(c, backend_port))

        def proxy_ready() -> None:
            client = net.connect(port_of(proxy), "127.0.0.1")
            client.on("data", lambda data: print(f"client got {data!r} through the proxy"))
            client.on("close", lambda had_error: (proxy.close(), backend.close()))

        proxy.listen(0, "127.0.0.1", proxy_ready)

    backend.listen(0, "127.0.0.1", backend_ready)


if __name__ == "__main__":
    net.run(main)
