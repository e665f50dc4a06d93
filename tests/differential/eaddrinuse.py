"""Scenario: listen on a port already in use -> EADDRINUSE.

Server A listens on an ephemeral port; server B listens on the same port and
gets 'error' (syscall 'listen', message "listen EADDRINUSE: address already in
use 127.0.0.1:<port>"), no 'listening' and no 'close'; B can listen again
afterwards (on port 0), then both close.  Python only: the error is an
OSError with errno EADDRINUSE.  Twin: tests/node/eaddrinuse.js.
"""
# compare: global (one thing happens at a time).

import asyncio
import errno

from _trace import emit, error_fields, python_check, watchdog

import tokionet as net


def main() -> None:
    loop = asyncio.get_running_loop()
    a = net.create_server()
    a.on("close", lambda: emit("a", "close"))

    def on_a_listening() -> None:
        port = a.address()["port"]
        emit("a", "listening")
        b = net.create_server()

        def on_b_listening() -> None:
            emit("b", "listening", listening=b.listening, samePort=b.address()["port"] == port)
            b.close(lambda *args: a.close())

        def on_b_error(err: BaseException) -> None:
            python_check(
                "b",
                isinstance(err, OSError) and err.errno == errno.EADDRINUSE,
                f"OSError(EADDRINUSE): {err!r}",
            )
            emit(
                "b",
                "error",
                error=error_fields(err),
                portMatches=getattr(err, "port", None) == port,
                listening=b.listening,
                address=b.address(),
            )
            # Server A keeps run() alive while this timer is pending.
            loop.call_later(0.02, lambda: b.listen(0, "127.0.0.1"))

        b.on("listening", on_b_listening)
        b.on("close", lambda: emit("b", "close"))
        b.once("error", on_b_error)
        ret = b.listen(port, "127.0.0.1")
        emit("b", "listenCalled", returnsSelf=ret is b)

    a.listen(0, "127.0.0.1", on_a_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
