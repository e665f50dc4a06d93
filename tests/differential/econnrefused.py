"""Scenario: connect to a closed port -> ECONNREFUSED.

A probe server listens on an ephemeral port and closes; the client then
connects there.  Node: 'connectionAttempt' -> 'connectionAttemptFailed' ->
'error' -> 'close'(True).  The error's fields are traced (errno as its
absolute value: negative in Node, positive in Python; the port normalised).
Python only: the error is a ConnectionRefusedError.  Twin: tests/node/econnrefused.js.
"""
# compare: global (one socket; the probe server is done before it starts).

from typing import Any

from _trace import emit, error_fields, python_check, watchdog

import tokionet as net


def main() -> None:
    probe = net.create_server()

    def on_probe_closed(*args: Any) -> None:
        client = net.connect(port, "127.0.0.1")
        emit("client", "connecting", connecting=client.connecting, readyState=client.ready_state)

        def on_error(err: BaseException) -> None:
            python_check(
                "client", isinstance(err, ConnectionRefusedError), f"ConnectionRefusedError: {err!r}"
            )
            emit(
                "client",
                "error",
                error=error_fields(err),
                portMatches=getattr(err, "port", None) == port,
                destroyed=client.destroyed,
                connecting=client.connecting,
            )

        client.on(
            "connectionAttempt",
            lambda ip, p, family: emit(
                "client", "connectionAttempt", ip=ip, portMatches=p == port, family=family
            ),
        )
        client.on(
            "connectionAttemptFailed",
            lambda ip, p, family, err: emit(
                "client",
                "connectionAttemptFailed",
                ip=ip,
                portMatches=p == port,
                family=family,
                error=error_fields(err),
            ),
        )
        client.on("connect", lambda: emit("client", "connect"))
        client.on("error", on_error)
        client.on(
            "close",
            lambda had_error: emit(
                "client",
                "close",
                hadError=had_error,
                readyState=client.ready_state,
                destroyed=client.destroyed,
            ),
        )

    def on_probe_listening() -> None:
        nonlocal port
        port = probe.address()["port"]
        probe.close(on_probe_closed)

    port = 0
    probe.listen(0, "127.0.0.1", on_probe_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
