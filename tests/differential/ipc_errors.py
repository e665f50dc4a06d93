"""Scenario: errors of Unix domain sockets (paths in a temporary directory, printed as "<dir>/...").

  missing:  net.connect(<dir>/missing.sock): no 'connectionAttempt' (TCP
            only), but 'connectionAttemptFailed'(path, None, None, err), then
            'error' ENOENT (syscall connect, address the path, message
            'connect ENOENT <path>') and 'close'(True).
  inuse:    listen(<dir>/file), a regular file that exists -> async 'error'
            EADDRINUSE (syscall listen, 'listen EADDRINUSE: address already
            in use <path>', and port -1), no 'listening'; the file is left in
            place.
  abstract: listen({'path': '\\0...', 'readableAll': True}) raises
            ERR_INVALID_ARG_VALUE (a TypeError); Node's message prints a JS
            object, so only name and code are traced.

Python only: the ENOENT error is a FileNotFoundError.  Twin: tests/node/ipc_errors.js.
"""
# compare: per-side (each case is a side of its own; they run one after the other).

import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, error_name, python_check, watchdog

import tokionet as net

DIR = tempfile.mkdtemp(prefix="tokionet-diff-")


def norm_paths(v: Any) -> Any:
    if isinstance(v, str):
        return v.replace(DIR, "<dir>")
    if isinstance(v, dict):
        return {k: norm_paths(x) for k, x in v.items()}
    return v


def missing(after: Callable[[], None]) -> None:
    client = net.connect(os.path.join(DIR, "missing.sock"))
    emit("missing", "connecting", connecting=client.connecting)

    def on_error(err: BaseException) -> None:
        python_check("missing", isinstance(err, FileNotFoundError), f"FileNotFoundError: {err!r}")
        emit(
            "missing",
            "error",
            error=norm_paths(error_fields(err)),
            destroyed=client.destroyed,
            connecting=client.connecting,
        )

    def on_close(had_error: bool) -> None:
        emit("missing", "close", hadError=had_error, readyState=client.ready_state)
        after()

    client.on("connectionAttempt", lambda *args: emit("missing", "connectionAttempt"))
    client.on(
        "connectionAttemptFailed",
        lambda ip, port, family, err: emit(
            "missing",
            "connectionAttemptFailed",
            ip=norm_paths(ip),
            port=port,
            family=family,
            error=norm_paths(error_fields(err)),
        ),
    )
    client.on("connect", lambda: emit("missing", "connect"))
    client.on("error", on_error)
    client.on("close", on_close)


def inuse(after: Callable[[], None]) -> None:
    file = os.path.join(DIR, "file")
    with open(file, "w", encoding="latin-1") as f:
        f.write("not a socket")
    server = net.create_server()
    returned = False

    def on_error(err: BaseException) -> None:
        with open(file, encoding="latin-1") as f:
            content = f.read()
        emit(
            "inuse",
            "error",
            sync=not returned,
            error=norm_paths(error_fields(err)),
            errPort=getattr(err, "port", None),
            listening=server.listening,
            fileExists=os.path.exists(file),
            fileContent=content,
        )
        after()

    server.on("listening", lambda: emit("inuse", "listening"))
    server.on("close", lambda: emit("inuse", "close"))
    server.on("error", on_error)
    server.listen(file)
    returned = True
    emit("inuse", "listenReturned", listening=server.listening)


def abstract(after: Callable[[], None]) -> None:
    server = net.create_server()
    try:
        server.listen({"path": f"\0tokionet-diff-abstract-{os.getpid()}", "readableAll": True})
        emit("abstract", "noThrow", listening=server.listening)
        server.close()
    except Exception as err:
        emit(
            "abstract",
            "thrown",
            name=error_name(err),
            code=getattr(err, "code", None),
            listening=server.listening,
        )
    after()


def main() -> None:
    missing(lambda: inuse(lambda: abstract(lambda: emit("done", "done"))))


if __name__ == "__main__":
    watchdog()
    try:
        net.run(main)
    finally:
        shutil.rmtree(DIR, ignore_errors=True)
