"""Stream behaviour that is glue around the core: ``pipe``/``unpipe``,
``async for chunk in socket``, ``async with server``, and the text decoders
Node has and Python's codecs lack (``hex``, ``base64`` that keep partial
groups across chunks)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
from collections.abc import AsyncIterator, Callable
from typing import Any

from tokionet._tokionet import Socket

__all__ = [
    "aiter_socket",
    "binary_decoder",
    "demote_core_pipe",
    "pipe",
    "server_aenter",
    "server_aexit",
    "unpipe",
]


class _BinaryDecoder:
    """An incremental bytes-to-text decoder for Node's ``hex`` and ``base64``."""

    def __init__(self, codec: str) -> None:
        self.codec = codec
        self.rest = b""

    def decode(self, data: bytes, final: bool = False) -> str:
        if self.codec == "hex":
            return binascii.hexlify(data).decode("ascii")
        data = self.rest + data
        cut = len(data) if final else len(data) - len(data) % 3
        self.rest = data[cut:]
        encode = base64.b64encode if self.codec == "base64" else base64.urlsafe_b64encode
        text = encode(data[:cut]).decode("ascii")
        return text.rstrip("=") if self.codec == "base64url" else text


def binary_decoder(codec: str) -> _BinaryDecoder:
    return _BinaryDecoder(codec)


# --- pipe ---------------------------------------------------------------------


class _Pipe:
    """One source piped into one destination, with Node's backpressure:
    the source pauses when ``dest.write`` returns False and resumes on the
    destination's ``'drain'``.

    Between two tokionet sockets whose source has no other reader, the bytes
    move inside the core instead, and the core keeps that pipe's listeners
    (``Socket._core_pipe``): no ``_Pipe`` then."""

    def __init__(self, src: Any, dest: Any, end: bool) -> None:
        self.src, self.dest, self.end = src, dest, end

    def on_data(self, chunk: Any) -> None:
        if self.dest.write(chunk) is False:
            self.src.pause()

    def on_drain(self) -> None:
        self.src.resume()

    def on_end(self) -> None:
        # Node: {end: false} unpipes instead of ending the destination.
        if self.end:
            self.dest.end()
        else:
            unpipe(self.src, self.dest)

    def on_dest_gone(self, *_: Any) -> None:
        unpipe(self.src, self.dest)

    def attach(self) -> None:
        self.src.on("end", self.on_end)
        self.dest.on("close", self.on_dest_gone)
        self.dest.on("finish", self.on_dest_gone)
        self.src.on("data", self.on_data)
        self.dest.on("drain", self.on_drain)

    def detach(self) -> None:
        self.src.remove_listener("data", self.on_data)
        self.dest.remove_listener("drain", self.on_drain)
        self.src.remove_listener("end", self.on_end)
        self.dest.remove_listener("close", self.on_dest_gone)
        self.dest.remove_listener("finish", self.on_dest_gone)


def _pipes(src: Any) -> list[_Pipe]:
    """The pipes out of ``src``. They live on the socket itself: they go with
    it (the collector sees them through its ``__dict__``), and a socket never
    meets the pipes of another that had its ``id`` before it."""
    pipes: list[_Pipe] = src.__dict__.get("_pipes", [])
    return pipes


def pipe(self: Any, dest: Any, options: dict[str, Any] | None = None, *, end: bool = True) -> Any:
    """``src.pipe(dest[, {end}])``: returns ``dest``."""
    src = self
    if options is not None and "end" in options:
        end = bool(options["end"])
    if isinstance(src, Socket) and isinstance(dest, Socket) and src._core_pipe(dest, end):
        return dest
    p = _Pipe(src, dest, end)
    src.__dict__.setdefault("_pipes", []).append(p)
    p.attach()
    dest.emit("pipe", src)
    if src.is_paused() is False:
        src.resume()
    return dest


def demote_core_pipe(src: Any, dest: Any, end: bool) -> None:
    """A ``'data'`` listener arrived on a core-piped source: the core has
    taken its pipe's listeners off, and the pipe goes on through listeners,
    so that both see every chunk."""
    p = _Pipe(src, dest, end)
    src.__dict__.setdefault("_pipes", []).append(p)
    p.attach()


def unpipe(self: Any, dest: Any = None) -> Any:
    """``src.unpipe([dest])``: returns ``src``."""
    src = self
    # A core pipe is the source's only pipe: a second one reads through a
    # 'data' listener, which moves the first onto listeners too.
    if isinstance(src, Socket) and src._core_unpipe(dest):
        return src
    pipes = _pipes(src)
    for p in [p for p in pipes if dest is None or p.dest is dest]:
        p.detach()
        pipes.remove(p)
        p.dest.emit("unpipe", src)
    return src


# --- async iteration ----------------------------------------------------------

_HIGH, _LOW = 16, 4


async def _iterate(sock: Any) -> AsyncIterator[Any]:
    loop = asyncio.get_running_loop()
    chunks: collections.deque[Any] = collections.deque()
    state: dict[str, Any] = {"done": False, "error": None, "waiter": None}

    def wake() -> None:
        w = state["waiter"]
        if w is not None and not w.done():
            w.set_result(None)

    def on_data(chunk: Any) -> None:
        chunks.append(chunk)
        if len(chunks) >= _HIGH:
            sock.pause()
        wake()

    def on_end() -> None:
        state["done"] = True
        wake()

    def on_error(err: BaseException) -> None:
        state["error"] = err
        wake()

    def on_close(*_: Any) -> None:
        state["done"] = True
        wake()

    handlers: list[tuple[str, Callable[..., None]]] = [
        ("data", on_data),
        ("end", on_end),
        ("error", on_error),
        ("close", on_close),
    ]
    for name, h in handlers:
        sock.on(name, h)
    try:
        while True:
            if chunks:
                chunk = chunks.popleft()
                if len(chunks) <= _LOW and sock.is_paused():
                    sock.resume()
                yield chunk
                continue
            if state["error"] is not None:
                raise state["error"]
            if state["done"]:
                return
            state["waiter"] = loop.create_future()
            await state["waiter"]
    finally:
        for name, h in handlers:
            sock.remove_listener(name, h)


def aiter_socket(self: Any) -> AsyncIterator[Any]:
    """``async for chunk in socket``: chunks until ``'end'``; an ``'error'``
    is raised."""
    return _iterate(self)


# --- async with server ------------------------------------------------------


async def server_aenter(self: Any) -> Any:
    return self


async def server_aexit(self: Any, *exc: object) -> None:
    """Closes the server (``Symbol.asyncDispose``) and waits for ``'close'``."""
    server = self
    if not server.listening:
        return
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def closed(*args: Any) -> None:
        if not done.done():
            done.set_result(None)

    server.close(closed)
    await done
