"""Scenario: a client's blockList (a server listens on 127.0.0.1:<port> throughout).

  single:     net.connect({'port': port, 'host': '127.0.0.1', 'blockList': bl})
              with 127.0.0.1 blocked -> 'connectionAttempt' then 'error'
              ERR_IP_BLOCKED ('IP(127.0.0.1) is blocked by net.BlockList'), no
              'connectionAttemptFailed', 'close'(True); the server sees no
              connection.
  multi:      net.Socket(block_list=bl) then socket.connect({port, host,
              lookup}); the custom lookup answers [127.0.0.2, 127.0.0.1] with
              127.0.0.2 blocked: Happy Eyeballs records ERR_IP_BLOCKED for .2
              as a 'connectionAttemptFailed' (no 'connectionAttempt' for it,
              and it is not in auto_select_family_attempted_addresses), then
              connects to .1.
  allBlocked: the lookup answers [127.0.0.2, 127.0.0.3], both blocked ->
              'error' AggregateError (code ERR_IP_BLOCKED, .errors both
              ERR_IP_BLOCKED), auto_select_family_attempted_addresses [].

Twin: tests/node/blocklist_client.js.
"""
# compare: per-side (each case is a side of its own; they run one after the other,
#          and the server's events are a side of their own).

from collections.abc import Callable
from typing import Any

from _trace import emit, error_fields, watchdog

import tokionet as net


def lookup_of(addresses: list[str]) -> Callable[..., None]:
    def lookup(hostname: str, options: dict[str, Any], callback: Callable[..., None]) -> None:
        callback(None, [{"address": a, "family": 4} for a in addresses])

    return lookup


def run_case(
    name: str,
    port: int,
    block_list: net.BlockList,
    options: dict[str, Any],
    after: Callable[[], None],
) -> None:
    def norm_port(p: Any) -> Any:
        return "<port>" if p == port else p

    def norm_attempted(lst: list[str] | None) -> list[str] | None:
        return None if lst is None else [a.replace(f":{port}", ":<port>") for a in lst]

    # 'single' uses net.connect(options) (listeners attached after it returns:
    # nothing is emitted inside connect() for an IP literal); the others
    # net.Socket(block_list=...) and socket.connect(options) after the listeners.
    via_connect = "lookup" not in options
    if via_connect:
        client = net.connect({"port": port, "blockList": block_list, **options})
    else:
        client = net.Socket(block_list=block_list)

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
            errors=[error_fields(e) for e in errors] if isinstance(errors, (list, tuple)) else None,
            destroyed=client.destroyed,
            connecting=client.connecting,
            attempted=norm_attempted(client.auto_select_family_attempted_addresses),
        )

    def on_close(had_error: bool) -> None:
        emit(name, "close", hadError=had_error, readyState=client.ready_state)
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
    if not via_connect:
        client.connect({"port": port, **options})


def main() -> None:
    def on_connection(conn: net.Socket) -> None:
        emit("server", "connection", remoteAddress=conn.remote_address)
        conn.on("data", lambda d: None)
        conn.on("end", lambda: emit("server", "end"))

    server = net.create_server(on_connection)

    def on_listening() -> None:
        port = server.address()["port"]
        single = net.BlockList()
        single.add_address("127.0.0.1")
        others = net.BlockList()
        others.add_address("127.0.0.2")
        others.add_address("127.0.0.3")
        run_case(
            "single",
            port,
            single,
            {"host": "127.0.0.1"},
            lambda: run_case(
                "multi",
                port,
                others,
                {"host": "example.test", "lookup": lookup_of(["127.0.0.2", "127.0.0.1"])},
                lambda: run_case(
                    "allBlocked",
                    port,
                    others,
                    {"host": "example.test", "lookup": lookup_of(["127.0.0.2", "127.0.0.3"])},
                    server.close,
                ),
            ),
        )

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
