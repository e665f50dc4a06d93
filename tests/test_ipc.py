"""IPC: Unix domain sockets (paths in a temporary directory) and Linux
abstract names, with Node's errors and the socket file's life."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import tokionet as net


def test_echo_over_a_unix_socket_and_the_file_is_removed(tmp_path: Path) -> None:
    path = str(tmp_path / "echo.sock")
    out: list[Any] = []

    def main() -> None:
        def on_conn(sock: Any) -> None:
            out.append(("server-side", sock.remote_address, sock.address()))
            sock.pipe(sock)

        server = net.create_server(on_conn)

        def ready() -> None:
            out.append(("address", server.address(), os.path.exists(path)))
            c = net.connect(path)
            got = bytearray()
            c.on("data", got.extend)
            c.on("connect", lambda: c.end(b"over ipc" * 1000))

            def closed(h: bool) -> None:
                out.append(("echo", bytes(got) == b"over ipc" * 1000, c.remote_address, c.address()))
                server.close(lambda: out.append(("after-close", os.path.exists(path), server.address())))

            c.on("close", closed)

        server.listen(path, ready)

    net.run(main)
    assert ("address", path, True) in out
    assert ("server-side", None, {}) in out
    assert ("echo", True, None, {}) in out
    assert ("after-close", False, path) in out


def test_abstract_names_touch_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = f"\0tokionet-test-{os.getpid()}"
    got: list[bytes] = []

    def main() -> None:
        server = net.create_server(lambda s: s.end(b"abstract"))

        def ready() -> None:
            c = net.connect({"path": name})
            c.on("data", got.append)
            c.on("close", lambda h: server.close())

        server.listen({"path": name}, ready)

    net.run(main)
    assert got == [b"abstract"]
    assert os.listdir(tmp_path) == []


def test_abstract_names_refuse_permission_options() -> None:
    async def main() -> None:
        with pytest.raises(TypeError) as ei:
            net.create_server().listen({"path": "\0x", "readableAll": True})
        assert ei.value.code == "ERR_INVALID_ARG_VALUE"  # type: ignore[attr-defined]

    net.run(main)


def test_missing_path_and_existing_file_errors(tmp_path: Path) -> None:
    taken = tmp_path / "taken.sock"
    taken.write_text("")
    out: list[Any] = []

    def main() -> None:
        c = net.connect(str(tmp_path / "missing.sock"))
        c.on(
            "error", lambda e: out.append(("connect", type(e).__name__, e.code, e.syscall, e.address, str(e)))
        )
        s = net.create_server()
        s.on("error", lambda e: out.append(("listen", e.code, str(e))))
        s.listen(str(taken))

    net.run(main)
    missing = str(tmp_path / "missing.sock")
    assert ("connect", "FileNotFoundError", "ENOENT", "connect", missing, f"connect ENOENT {missing}") in out
    assert ("listen", "EADDRINUSE", f"listen EADDRINUSE: address already in use {taken}") in out
    # Node does not remove a file it did not make.
    assert taken.exists()


def test_readable_all_and_writable_all_set_the_mode(tmp_path: Path) -> None:
    path = str(tmp_path / "mode.sock")
    modes: list[int] = []

    def main() -> None:
        s = net.create_server()

        def ready() -> None:
            modes.append(os.stat(path).st_mode & 0o777)
            s.close()

        s.listen({"path": path, "readableAll": True, "writableAll": True}, ready)

    net.run(main)
    assert modes and modes[0] & 0o666 == 0o666
