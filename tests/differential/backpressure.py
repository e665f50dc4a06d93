"""Scenario: backpressure.

The server pauses its accepted socket (pause_on_connect); the client writes
16 KiB chunks until write() returns False.  A 'drain' while the reader is
still paused (possible where the kernel had room after all) just makes the
writer fill again; once no 'drain' has come for 200 ms after a False write, the
reader resumes, and the next 'drain' is traced and the client ends.  The
server checks it got every byte.  Traced: the first False write (not how many
writes it took: that depends on kernel buffers), the resume, the drain, and
the byte counts as booleans.  Twin: tests/node/backpressure.js.
"""
# compare: per-side (the client's and the server's events interleave freely).

import asyncio

from _trace import emit, watchdog

import tokionet as net

CHUNK = b"x" * (16 * 1024)
CAP = 64 * 1024 * 1024  # never buffer more than this, whatever happens
STALL_S = 0.2


def main() -> None:
    loop = asyncio.get_running_loop()
    conn: net.Socket | None = None
    client: net.Socket | None = None
    connected = started = resumed = drain_traced = first_false = capped = False
    total = received = drains = 0

    def start() -> None:
        nonlocal started
        if started or conn is None or not connected:
            return
        started = True
        fill()

    def resume_if_stalled(seen: int) -> None:
        nonlocal resumed
        assert conn is not None
        if drains == seen and not resumed:
            resumed = True
            emit("server", "resume", obj="socket", isPaused=conn.is_paused())
            conn.resume()

    def fill() -> None:
        nonlocal total, first_false, capped, resumed
        assert client is not None and conn is not None
        while total < CAP:
            total += len(CHUNK)
            if not client.write(CHUNK):
                if not first_false:
                    first_false = True
                    emit(
                        "client",
                        "write",
                        returned=False,
                        full=client.writable_length >= client.writable_high_water_mark,
                        writableHighWaterMark=client.writable_high_water_mark,
                    )
                # The listening server keeps run() alive while this timer is pending.
                loop.call_later(STALL_S, resume_if_stalled, drains)
                return
        if not capped:
            capped = True
            emit("client", "cap")
            resumed = True
            conn.resume()

    def on_connection(c: net.Socket) -> None:
        nonlocal conn
        conn = c
        emit("server", "connection", obj="server", isPaused=c.is_paused())

        def on_data(d: bytes) -> None:
            nonlocal received
            received += len(d)

        def on_close(had_error: bool) -> None:
            emit("server", "close", obj="socket", hadError=had_error)
            server.close()

        c.on("data", on_data)
        c.on("end", lambda: emit("server", "end", obj="socket", bytesMatch=received == total))
        c.on("close", on_close)
        start()

    server = net.create_server(on_connection, pause_on_connect=True)

    def on_listening() -> None:
        nonlocal client
        client = sock = net.connect(server.address()["port"], "127.0.0.1")

        def on_connect() -> None:
            nonlocal connected
            emit("client", "connect")
            connected = True
            start()

        def on_drain() -> None:
            nonlocal drains, drain_traced
            drains += 1
            if not resumed:
                fill()
            elif not drain_traced:
                drain_traced = True
                emit("client", "drain", readerResumed=resumed, writableLength=sock.writable_length)
                sock.end()

        sock.on("connect", on_connect)
        sock.on("drain", on_drain)
        sock.on("finish", lambda: emit("client", "finish"))
        sock.on("end", lambda: emit("client", "end"))
        sock.on(
            "close",
            lambda had_error: emit(
                "client", "close", hadError=had_error, bytesWrittenMatch=sock.bytes_written == total
            ),
        )

    server.listen(0, "127.0.0.1", on_listening)


if __name__ == "__main__":
    watchdog()
    net.run(main)
