"""Scenario: Happy Eyeballs attempt timeouts (custom lookup, autoSelectFamilyAttemptTimeout 100).

A "black hole" listener on 127.0.0.2:<port> never accepts, and its accept
queue is filled first (client connections opened one by one until one does
not complete): a SYN to it is then dropped and the connection attempt hangs.
(Here it is a plain blocking ``socket`` with backlog 0 that nobody accepts
on.)  A real server listens on 127.0.0.1:<port>, the same port.

  first: lookup -> [127.0.0.2, 127.0.0.1]: attempt .2,
         'connectionAttemptTimeout' for .2, attempt .1, 'connect'.
  all:   lookup -> [127.0.0.2, 127.0.0.3]: attempt .2 times out, .3 is
         refused (the last attempt has no timeout) -> 'error' AggregateError
         (code of the first error, ETIMEDOUT; .errors: ETIMEDOUT,
         ECONNREFUSED) then 'close'(True).

Traced: the 'lookup' events, attempts, timeouts, failures (error fields),
'connect', 'error' (name, code, message, and each of .errors), 'close',
auto_select_family_attempted_addresses (ports printed as <port>).
Twin: tests/node/he_timeout.js.
"""
# compare: per-side (each case is a side of its own; they run one after the other,
#          and the server's events are a side of their own).

import select
import socket
from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, watchdog

import tokionet as net


def black_hole() -> tuple[socket.socket, list[socket.socket]]:
    """A listener on 127.0.0.2 that never accepts, with a full accept queue."""
    hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    hole.bind(("127.0.0.2", 0))
    hole.listen(0)
    fillers: list[socket.socket] = []
    while True:
        if len(fillers) >= 16:
            raise RuntimeError("the accept queue of 127.0.0.2 never filled up")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        fillers.append(s)
        s.connect_ex(hole.getsockname())
        _, writable, _ = select.select([], [s], [], 0.15)
        if not writable:  # this one hangs: the queue is full
            return hole, fillers


def run_case(name: str, port: int, addresses: list[str], after: Callable[[], None]) -> None:
    def norm_port(p: Any) -> Any:
        return "<port>" if p == port else p

    def norm_attempted(lst: list[str] | None) -> list[str] | None:
        return None if lst is None else [a.replace(f":{port}", ":<port>") for a in lst]

    def lookup(hostname: str, options: dict[str, Any], callback: Callable[..., None]) -> None:
        callback(None, [{"address": a, "family": 4} for a in addresses])

    client = net.Socket()

    def on_connect() -> None:
        emit(
            name,
            "connect",
            remoteAddress=client.remote_address,
            attempted=norm_attempted(client.auto_select_family_attempted_addresses),
        )
        client.end()

    def on_error(err: BaseException) -> None:
        errors = getattr(err, "errors", None)
        emit(
            name,
            "error",
            error=error_fields(err),
            isAggregate=isinstance(err, net.AggregateError),
            errors=[error_fields(e) for e in errors] if isinstance(errors, (list, tuple)) else None,
            attempted=norm_attempted(client.auto_select_family_attempted_addresses),
        )

    def on_close(had_error: bool) -> None:
        emit(name, "close", hadError=had_error)
        after()

    client.on(
        "lookup",
        lambda err, address, family, host: emit(
            name, "lookup", err=error_fields(err), address=address, family=family, host=host
        ),
    )
    client.on(
        "connectionAttempt",
        lambda ip, p, family: emit(name, "connectionAttempt", ip=ip, port=norm_port(p), family=family),
    )
    client.on(
        "connectionAttemptFailed",
        lambda ip, p, family, err: emit(
            name, "connectionAttemptFailed", ip=ip, port=norm_port(p), family=family, error=error_fields(err)
        ),
    )
    client.on(
        "connectionAttemptTimeout",
        lambda ip, p, family: emit(name, "connectionAttemptTimeout", ip=ip, port=norm_port(p), family=family),
    )
    client.on("connect", on_connect)
    client.on("data", lambda d: None)
    client.on("error", on_error)
    client.on("close", on_close)
    client.connect(
        {"port": port, "host": "example.test", "lookup": lookup, "autoSelectFamilyAttemptTimeout": 100}
    )


def main(port: int) -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", remoteAddress=conn.remote_address)
        conn.on("data", lambda d: None)
        conn.on("end", lambda: emit("server", "end"))

    server = net.create_server(on_connection)
    server.listen(
        port,
        "127.0.0.1",
        lambda: run_case(
            "first",
            port,
            ["127.0.0.2", "127.0.0.1"],
            lambda: run_case("all", port, ["127.0.0.2", "127.0.0.3"], server.close),
        ),
    )


if __name__ == "__main__":
    watchdog()
    hole, fillers = black_hole()
    try:
        net.run(lambda: main(hole.getsockname()[1]))
    finally:
        for s in fillers:
            s.close()
        hole.close()
