"""Existing descriptors: ``Socket(fd=...)`` and ``listen({'fd': ...})``,
with Node's ERR_INVALID_FD_TYPE for descriptors of the wrong kind."""

from __future__ import annotations

import os
import socket as pysocket
from pathlib import Path
from typing import Any

import pytest

import tokionet as net


def test_socket_from_a_connected_descriptor() -> None:
    a, b = pysocket.socketpair()
    out: list[Any] = []

    def main() -> None:
        s = net.Socket(fd=a.detach())
        out.append((s.pending, s.ready_state))
        s.on("data", lambda d: (out.append(d), s.end(b"pong")))
        b.sendall(b"ping")
        b.shutdown(pysocket.SHUT_WR)

    net.run(main)
    assert out == [(False, "open"), b"ping"]
    assert b.recv(10) == b"pong"
    b.close()


def test_listen_on_an_inherited_descriptor() -> None:
    lst = pysocket.socket()
    lst.bind(("127.0.0.1", 0))
    port = lst.getsockname()[1]
    got: list[bytes] = []

    def main() -> None:
        server = net.create_server(lambda s: s.end(b"from fd"))

        def ready() -> None:
            assert server.address() == {"address": "127.0.0.1", "family": "IPv4", "port": port}
            c = net.connect(port, "127.0.0.1")
            c.on("data", got.append)
            c.on("close", lambda h: server.close())

        server.listen({"fd": lst.detach()}, ready)

    net.run(main)
    assert got == [b"from fd"]


def test_descriptors_of_the_wrong_kind(tmp_path: Path) -> None:
    f = open(tmp_path / "file", "w")
    udp = pysocket.socket(pysocket.AF_INET, pysocket.SOCK_DGRAM)
    closed_fd = os.dup(0)
    os.close(closed_fd)
    try:
        for fd, kind in ((f.fileno(), "FILE"), (udp.fileno(), "UDP"), (closed_fd, "UNKNOWN")):
            with pytest.raises(TypeError) as ei:
                net.Socket(fd=fd)
            assert ei.value.code == "ERR_INVALID_FD_TYPE"  # type: ignore[attr-defined]
            assert str(ei.value) == f"Unsupported fd type: {kind}"
    finally:
        f.close()
        udp.close()


def test_listen_on_another_servers_handle() -> None:
    got: list[Any] = []

    def main() -> None:
        first = net.create_server()

        def ready() -> None:
            port = first.address()["port"]
            second = net.create_server(lambda s: s.end(b"second"))

            def second_ready() -> None:
                got.append(second.address()["port"] == port)
                first.close()
                c = net.connect(port, "127.0.0.1")
                c.on("data", got.append)
                c.on("close", lambda h: second.close())

            second.listen({"handle": first}, second_ready)

        first.listen(0, "127.0.0.1", ready)

    net.run(main)
    assert got == [True, b"second"]
