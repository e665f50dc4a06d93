"""Scenario: a custom `lookup` answering several addresses (Happy Eyeballs).

A server listens on 127.0.0.1:<port>.  A client (net.Socket(), listeners
attached first, then socket.connect({'port': port, 'host': 'example.test',
'lookup': lookup})) gets from its lookup, synchronously, [127.0.0.3,
127.0.0.1] (both family 4): nothing listens on 127.0.0.3:<port> -> refused,
then 127.0.0.1 connects.  Traced: how the lookup is called (hostname, the
options' keys and values -- Node: {'all': True, 'family': None (undefined),
'hints': 32 (dns.ADDRCONFIG)} --, whether the callback is callable), every 'lookup'
event (all four arguments), 'connectionAttempt', 'connectionAttemptFailed'
(with the error), 'connectionAttemptTimeout', 'connect', 'ready',
auto_select_family_attempted_addresses (ports printed as <port>),
remote_address; then the client ends and the server closes.  Side 'sync':
which client events ran before socket.connect() returned (in Node the lookup
is called, and its synchronous answer acted on, inside connect()).
Twin: tests/node/custom_lookup.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, watchdog

import tokionet as net


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", remoteAddress=conn.remote_address)

        def on_close(had_error: bool) -> None:
            emit("server", "close", hadError=had_error)
            server.close()

        conn.on("data", lambda d: emit("server", "data", length=len(d)))
        conn.on("end", lambda: emit("server", "end"))
        conn.on("close", on_close)

    server = net.create_server(on_connection)
    server.on("close", lambda: emit("server", "closeServer"))

    def on_listening() -> None:
        port = server.address()["port"]

        def norm_port(p: Any) -> Any:
            return "<port>" if p == port else p

        def norm_attempted(lst: list[str] | None) -> list[str] | None:
            return None if lst is None else [a.replace(f":{port}", ":<port>") for a in lst]

        returned = False
        before: list[str] = []

        def trace(event: str, **fields: Any) -> None:
            if not returned:
                before.append(event)
            emit("client", event, **fields)

        def lookup(hostname: str, options: dict[str, Any], callback: Callable[..., None]) -> None:
            keys = sorted(options)
            trace(
                "lookupCalled",
                hostname=hostname,
                keys=keys,
                options={k: options[k] for k in keys},
                callback="function" if callable(callback) else type(callback).__name__,
            )
            callback(None, [{"address": "127.0.0.3", "family": 4}, {"address": "127.0.0.1", "family": 4}])

        client = net.Socket()

        def on_connect() -> None:
            trace(
                "connect",
                connecting=client.connecting,
                remoteAddress=client.remote_address,
                remotePortMatches=client.remote_port == port,
                attempted=norm_attempted(client.auto_select_family_attempted_addresses),
            )
            client.end()

        client.on(
            "lookup",
            lambda err, address, family, host: trace(
                "lookup", err=error_fields(err), address=address, family=family, host=host
            ),
        )
        client.on(
            "connectionAttempt",
            lambda ip, p, family: trace("connectionAttempt", ip=ip, port=norm_port(p), family=family),
        )
        client.on(
            "connectionAttemptFailed",
            lambda ip, p, family, err: trace(
                "connectionAttemptFailed", ip=ip, port=norm_port(p), family=family, error=error_fields(err)
            ),
        )
        client.on(
            "connectionAttemptTimeout",
            lambda ip, p, family: trace("connectionAttemptTimeout", ip=ip, port=norm_port(p), family=family),
        )
        client.on("connect", on_connect)
        client.on("ready", lambda: trace("ready"))
        client.on("error", lambda err: trace("error", error=error_fields(err)))
        client.on("end", lambda: trace("end"))
        client.on("close", lambda had_error: trace("close", hadError=had_error))
        client.on("data", lambda d: trace("data", length=len(d)))

        client.connect({"port": port, "host": "example.test", "lookup": lookup})
        returned = True
        emit(
            "sync",
            "connectReturned",
            before=before,
            connecting=client.connecting,
            attempted=norm_attempted(client.auto_select_family_attempted_addresses),
        )

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
