"""tokionet echo server for the shared load generator (``../shared/bench/run.py``).

    python benches/echo_server.py --port 9000 [--mode data|pipe] [--loop tokionet|asyncio|uvloop]
    python benches/echo_server.py --path /tmp/echo.sock --mode pipe

Modes, as the Node anchors (``servers/node_net.js``):
  data: ``create_server(lambda c: c.on('data', c.write))``  (no backpressure)
  pipe: ``create_server(lambda c: c.pipe(c))``              (stream backpressure)

``--no-delay`` sets Node's ``noDelay`` server option (TCP_NODELAY on every
accepted socket), as uvloop, asyncio and the C server do on their own; without
it the sockets keep Node's default, Nagle's algorithm on.
Loops: ``tokionet`` (default) runs the server under ``tokionet.run`` (Node's
process model, on tokionet's own ``EventLoop``); ``asyncio`` / ``uvloop``
create the server inside
``asyncio.run`` / ``uvloop.run`` and serve until SIGTERM.  An ``'error'``
listener on every connection keeps a peer reset (the load generator closing
sockets with data in flight) from ending the process.  Prints ``READY`` once
listening.  Loopback and unix sockets only.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

import tokionet as net


def make_server(mode: str, no_delay: bool = False) -> Any:
    def ignore(err: BaseException) -> None:
        pass

    if mode == "pipe":

        def on_connection(conn: Any) -> None:
            conn.on("error", ignore)
            conn.pipe(conn)

    else:

        def on_connection(conn: Any) -> None:
            conn.on("error", ignore)
            conn.on("data", conn.write)

    return net.create_server({"noDelay": no_delay}, on_connection)


def listen(server: Any, args: argparse.Namespace) -> None:
    def ready() -> None:
        sys.stdout.write("READY\n")
        sys.stdout.flush()

    if args.path:
        server.listen(path=args.path, backlog=args.backlog, callback=ready)
    else:
        server.listen(port=args.port, host=args.host, backlog=args.backlog, callback=ready)


async def serve_forever(args: argparse.Namespace) -> None:
    """Plain asyncio (or uvloop): the server lives as long as this coroutine."""
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    server = make_server(args.mode, args.no_delay)
    listen(server, args)
    try:
        await stop
    finally:
        server.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    ap.add_argument("--port", type=int)
    ap.add_argument("--path", help="unix socket path instead of --port")
    ap.add_argument("--mode", choices=["data", "pipe"], default="data")
    ap.add_argument("--loop", choices=["tokionet", "asyncio", "uvloop"], default="tokionet")
    ap.add_argument("--backlog", type=int, default=4096)
    ap.add_argument("--no-delay", action="store_true", help="noDelay on accepted sockets (no Nagle)")
    args = ap.parse_args()
    if (args.port is None) == (args.path is None):
        ap.error("give exactly one of --port and --path")

    if args.loop == "tokionet":
        # SIGTERM's default action ends the process, which is all the runner needs.
        net.run(lambda: listen(make_server(args.mode, args.no_delay), args))
    elif args.loop == "uvloop":
        import uvloop

        uvloop.run(serve_forever(args))
    else:
        asyncio.run(serve_forever(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
