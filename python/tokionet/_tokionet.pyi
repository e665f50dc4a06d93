"""Type stubs for the compiled core, ``tokionet._tokionet``.

Node's camelCase names are the same objects as the PEP 8 ones; they are
attached by ``tokionet/__init__.py`` and declared here so that both type-check.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Literal, final

from typing_extensions import Self, disjoint_base

__version__: str
__all__ = [
    "BlockList",
    "EventEmitter",
    "HubPoller",
    "LoopCtx",
    "Server",
    "Socket",
    "SocketAddress",
    "__version__",
    "_loop_ctx",
    "configure",
    "connect",
    "get_default_auto_select_family",
    "get_default_auto_select_family_attempt_timeout",
    "is_ip",
    "is_ipv4",
    "is_ipv6",
    "set_default_auto_select_family",
    "set_default_auto_select_family_attempt_timeout",
]

def is_ip(input: object = ...) -> Literal[0, 4, 6]:
    """``net.isIP(input)``: ``6`` for an IPv6 address, ``4`` for an IPv4 address, else ``0``.

    Node's own rules, quirks included: an IPv6 zone index is accepted
    (``is_ip('fe80::1%eth0') == 6``), an IPv4 part with a leading zero is not
    (``is_ip('01.2.3.4') == 0``), nor is a trailing newline. A value that is not a
    ``str`` gives ``0`` without raising. Runs in Rust.

    Args:
        input: The text to test.
    """

def is_ipv4(input: object = ...) -> bool:
    """``net.isIPv4(input)``: ``True`` if ``input`` is an IPv4 address (``is_ip(input) == 4``).

    Args:
        input: The text to test; a non-``str`` gives ``False``.
    """

def is_ipv6(input: object = ...) -> bool:
    """``net.isIPv6(input)``: ``True`` if ``input`` is an IPv6 address (``is_ip(input) == 6``).

    Args:
        input: The text to test; a non-``str`` gives ``False``.
    """

def get_default_auto_select_family() -> bool:
    """``net.getDefaultAutoSelectFamily()``: the default of the ``auto_select_family`` connect option.

    ``True`` unless changed: connections to a host name try its IPv6 and IPv4
    addresses in turn (Happy Eyeballs, RFC 8305 section 5).
    """

def set_default_auto_select_family(value: bool = ...) -> None:
    """``net.setDefaultAutoSelectFamily(value)``: sets the default of the ``auto_select_family`` option.

    Args:
        value: The new default.

    Raises:
        NodeTypeError: ``ERR_INVALID_ARG_TYPE`` when ``value`` is not a ``bool``.
    """

def get_default_auto_select_family_attempt_timeout() -> int:
    """``net.getDefaultAutoSelectFamilyAttemptTimeout()``: the default attempt timeout, in milliseconds.

    How long a Happy Eyeballs attempt may take before the next address is tried;
    ``250`` unless changed.
    """

def set_default_auto_select_family_attempt_timeout(value: int = ...) -> None:
    """``net.setDefaultAutoSelectFamilyAttemptTimeout(value)``: sets the default attempt timeout.

    Args:
        value: Milliseconds, an ``int`` from 1 to 2**31 - 1; values below 10 are stored as 10.

    Raises:
        NodeTypeError: ``ERR_INVALID_ARG_TYPE`` when ``value`` is not a number.
        NodeRangeError: ``ERR_OUT_OF_RANGE`` when it is not an integer in range.
    """

@final
class SocketAddress:
    """``net.SocketAddress``: an IP address, a port and an IPv6 flow label.

    Immutable, hashable, comparable (``==``) and picklable. Built from keyword
    options or one dict with Node's keys; an address is normalised as libuv
    prints it (``'0:0:0:0:0:0:0:1'`` becomes ``'::1'``).

    Example:
        ```python
        sa = SocketAddress(address="::1", family="ipv6", port=8080)
        sa.to_json()  # {'address': '::1', 'port': 8080, 'family': 'ipv6', 'flowlabel': 0}
        ```
    """

    def __new__(
        cls,
        options: Mapping[str, Any] | SocketAddress = ...,
        /,
        *,
        address: str = ...,
        port: int | str = ...,
        family: str = ...,
        flowlabel: int = ...,
    ) -> SocketAddress:
        """``new net.SocketAddress([options])``.

        Args:
            options: A dict with Node's keys (``address``, ``port``, ``family``,
                ``flowlabel``), or another ``SocketAddress`` to copy.
            address: The IP address; default ``'127.0.0.1'`` for IPv4, ``'::'`` for IPv6.
            port: ``0`` to ``65535`` (a numeric ``str`` is accepted, as in Node); default ``0``.
            family: ``'ipv4'`` (default) or ``'ipv6'``.
            flowlabel: An IPv6 flow label, ``0`` to ``0xFFFFF``; default ``0``.

        Raises:
            NodeError: ``ERR_INVALID_ADDRESS`` when ``address`` is not of the given family.
            NodeTypeError: ``ERR_INVALID_ARG_TYPE`` / ``ERR_INVALID_ARG_VALUE`` for wrong types or families.
            NodeRangeError: ``ERR_SOCKET_BAD_PORT`` / ``ERR_OUT_OF_RANGE`` for values out of range.
        """
    @property
    def address(self) -> str:
        """The IP address, normalised (``'::1'``, ``'127.0.0.1'``)."""
    @property
    def port(self) -> int:
        """The port, ``0`` to ``65535``."""
    @property
    def family(self) -> Literal["ipv4", "ipv6"]:
        """``'ipv4'`` or ``'ipv6'`` (lower case, as in Node's ``SocketAddress``)."""
    @property
    def flowlabel(self) -> int:
        """The IPv6 flow label (``0`` for IPv4)."""
    def to_json(self) -> dict[str, Any]:
        """``socketaddress.toJSON()``: a dict with the keys ``address``, ``port``, ``family``, ``flowlabel``.

        Passing that dict back to ``SocketAddress`` gives an equal address.
        """
    def toJSON(self) -> dict[str, Any]:
        """Node's name for [`to_json`][tokionet.SocketAddress.to_json], the same method."""
    @staticmethod
    def parse(input: str = ...) -> SocketAddress | None:
        """``SocketAddress.parse(input)``: parses ``'1.2.3.4:80'``, ``'[::1]:80'`` or a bare address.

        Hosts are parsed as WHATWG URL hosts, as Node does (``'127.1:443'`` is
        ``127.0.0.1`` port 443), and a port equal to ``80`` is dropped to ``0`` as a
        URL's default port is.

        Returns:
            The address, or ``None`` when ``input`` is not an IP address with an optional port.
        """
    @staticmethod
    def is_socket_address(value: object = ...) -> bool:
        """``SocketAddress.isSocketAddress(value)``: ``True`` if ``value`` is a ``SocketAddress``."""
    @staticmethod
    def isSocketAddress(value: object = ...) -> bool:
        """Node's name for [`is_socket_address`][tokionet.SocketAddress.is_socket_address], the same
        method.
        """
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]: ...

@final
class BlockList:
    """``net.BlockList``: rules that block IP addresses, ranges and subnets.

    Checks run in Rust against merged intervals, so a check costs about the same
    with 10 rules as with 100,000. An IPv4 rule also matches the IPv4-mapped IPv6
    form of its addresses (``::ffff:10.1.2.3``), as in Node. Give one to
    ``create_server(block_list=...)`` to refuse peers, or to ``connect(...,
    block_list=...)`` to refuse destinations (``ERR_IP_BLOCKED``).

    Example:
        ```python
        bl = BlockList()
        bl.add_subnet("10.0.0.0", 8)
        bl.check("10.1.2.3")  # True
        ```
    """

    def __new__(cls) -> BlockList:
        """``new net.BlockList()``: an empty list."""
    def add_address(self, address: str | SocketAddress = ..., type: str = ...) -> None:
        """``blockList.addAddress(address[, type])``: blocks one address.

        Args:
            address: An address string or a ``SocketAddress``.
            type: ``'ipv4'`` (default) or ``'ipv6'``; ignored for a ``SocketAddress``.
        """
    def addAddress(self, address: str | SocketAddress = ..., type: str = ...) -> None:
        """Node's name for [`add_address`][tokionet.BlockList.add_address], the same method."""
    def add_range(
        self, start: str | SocketAddress = ..., end: str | SocketAddress = ..., type: str = ...
    ) -> None:
        """``blockList.addRange(start, end[, type])``: blocks every address from ``start`` to ``end``,
        inclusive.

        Args:
            start: The first address (a string or a ``SocketAddress``).
            end: The last address; must not be below ``start`` (``ERR_INVALID_ARG_VALUE``).
            type: ``'ipv4'`` (default) or ``'ipv6'``.
        """
    def addRange(
        self, start: str | SocketAddress = ..., end: str | SocketAddress = ..., type: str = ...
    ) -> None:
        """Node's name for [`add_range`][tokionet.BlockList.add_range], the same method."""
    def add_subnet(self, net: str | SocketAddress = ..., prefix: int = ..., type: str = ...) -> None:
        """``blockList.addSubnet(net, prefix[, type])``: blocks a subnet in CIDR form.

        Args:
            net: The network address (a string or a ``SocketAddress``).
            prefix: The prefix length: ``0`` to ``32`` for IPv4, ``0`` to ``128`` for IPv6
                (``ERR_OUT_OF_RANGE`` otherwise).
            type: ``'ipv4'`` (default) or ``'ipv6'``.
        """
    def addSubnet(self, net: str | SocketAddress = ..., prefix: int = ..., type: str = ...) -> None:
        """Node's name for [`add_subnet`][tokionet.BlockList.add_subnet], the same method."""
    def check(self, address: str | SocketAddress = ..., type: str = ...) -> bool:
        """``blockList.check(address[, type])``: ``True`` if a rule matches ``address``.

        An address that does not parse as ``type`` is not blocked (``False``), as in Node.

        Args:
            address: An address string or a ``SocketAddress``.
            type: ``'ipv4'`` (default) or ``'ipv6'``.
        """
    @property
    def rules(self) -> list[str]:
        """``blockList.rules``: the rules as Node prints them, newest first.

        For example ``['Subnet: IPv4 10.0.0.0/8', 'Address: IPv6 2001:db8::1']``.
        """
    def to_json(self) -> list[str]:
        """``blockList.toJSON()``: the rules, as ``rules`` lists them."""
    def toJSON(self) -> list[str]:
        """Node's name for [`to_json`][tokionet.BlockList.to_json], the same method."""
    def from_json(self, data: str | Sequence[str] = ...) -> None:
        """``blockList.fromJSON(value)``: adds the rules of a ``to_json()`` list or of its JSON text.

        Rules are added in the order given, so ``rules`` lists them newest first
        (the reverse of the input), as Node does.
        """
    def fromJSON(self, data: str | Sequence[str] = ...) -> None:
        """Node's name for [`from_json`][tokionet.BlockList.from_json], the same method."""
    @staticmethod
    def is_block_list(value: object = ...) -> bool:
        """``BlockList.isBlockList(value)``: ``True`` if ``value`` is a ``BlockList``."""
    @staticmethod
    def isBlockList(value: object = ...) -> bool:
        """Node's name for [`is_block_list`][tokionet.BlockList.is_block_list], the same method."""

@disjoint_base
class EventEmitter:
    """``events.EventEmitter``: named events and the listeners they call, in order.

    [`Socket`][tokionet.Socket] and [`Server`][tokionet.Server] are emitters, and
    the class can be subclassed. ``emit()`` calls the listeners at once, in the
    order they were added, with the arguments given; I/O events are emitted on a
    later turn of the asyncio loop, never inside the call that caused them. Every
    method also exists under Node's name (``on``/``addListener``,
    ``off``/``removeListener``, ``removeAllListeners``, ...), the same object.
    Methods that add or remove listeners return the emitter, so calls chain.
    ``'newListener'`` and ``'removeListener'`` are emitted as in Node.
    """

    def __new__(cls, *args: object, **kwargs: object) -> Self: ...
    def add_listener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.addListener(event, listener)``: adds ``listener`` at the end of ``event``'s list
        (``on`` is the same method).
        """
    def addListener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """Node's name for [`add_listener`][tokionet.EventEmitter.add_listener], the same method."""
    def on(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.on(event, listener)``: adds ``listener`` at the end of ``event``'s list."""
    def once(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.once(event, listener)``: adds a listener that is removed before its first call."""
    def prepend_listener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.prependListener(event, listener)``: adds ``listener`` at the front of the list."""
    def prependListener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """Node's name for [`prepend_listener`][tokionet.EventEmitter.prepend_listener], the same method."""
    def prepend_once_listener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.prependOnceListener(event, listener)``: a ``once`` listener at the front of the list."""
    def prependOnceListener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """Node's name for [`prepend_once_listener`][tokionet.EventEmitter.prepend_once_listener], the same
        method.
        """
    def remove_listener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.removeListener(event, listener)``: removes the most recently added instance of
        ``listener`` (``off`` is the same method).
        """
    def removeListener(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """Node's name for [`remove_listener`][tokionet.EventEmitter.remove_listener], the same method."""
    def off(self, event: object, listener: Callable[..., object] = ...) -> Self:
        """``emitter.off(event, listener)``: removes the most recently added instance of ``listener``."""
    def remove_all_listeners(self, event: object = ...) -> Self:
        """``emitter.removeAllListeners([event])``: removes every listener of ``event``, or of every event."""
    def removeAllListeners(self, event: object = ...) -> Self:
        """Node's name for [`remove_all_listeners`][tokionet.EventEmitter.remove_all_listeners], the same
        method.
        """
    def emit(self, event: object, /, *args: Any) -> bool:
        """``emitter.emit(event, *args)``: calls each listener of ``event`` with ``args``, synchronously.

        An ``'error'`` with no listener raises its argument (or a ``NodeError`` with
        code ``ERR_UNHANDLED_ERROR`` if that is not an exception).

        Returns:
            ``True`` if the event had listeners.
        """
    def listeners(self, event: object) -> list[Callable[..., Any]]:
        """``emitter.listeners(event)``: a copy of ``event``'s listeners (``once`` wrappers unwrapped)."""
    def raw_listeners(self, event: object) -> list[Callable[..., Any]]:
        """``emitter.rawListeners(event)``: a copy of ``event``'s listeners, ``once`` wrappers included."""
    def rawListeners(self, event: object) -> list[Callable[..., Any]]:
        """Node's name for [`raw_listeners`][tokionet.EventEmitter.raw_listeners], the same method."""
    def listener_count(self, event: object, listener: Callable[..., object] | None = ...) -> int:
        """``emitter.listenerCount(event[, listener])``: how many listeners ``event`` has (or how many
        times ``listener`` is among them).
        """
    def listenerCount(self, event: object, listener: Callable[..., object] | None = ...) -> int:
        """Node's name for [`listener_count`][tokionet.EventEmitter.listener_count], the same method."""
    def event_names(self) -> list[Any]:
        """``emitter.eventNames()``: the events that have listeners, in the order they were first added."""
    def eventNames(self) -> list[Any]:
        """Node's name for [`event_names`][tokionet.EventEmitter.event_names], the same method."""
    def set_max_listeners(self, n: float = ...) -> Self:
        """``emitter.setMaxListeners(n)``: the count above which adding a listener warns.

        Beyond it a ``MaxListenersExceededWarning`` is issued (once per event); ``0``
        or ``math.inf`` means no limit. The default is 10.
        """
    def setMaxListeners(self, n: float = ...) -> Self:
        """Node's name for [`set_max_listeners`][tokionet.EventEmitter.set_max_listeners], the same method."""
    def get_max_listeners(self) -> float:
        """``emitter.getMaxListeners()``: the current limit (10 unless set)."""
    def getMaxListeners(self) -> float:
        """Node's name for [`get_max_listeners`][tokionet.EventEmitter.get_max_listeners], the same method."""

@disjoint_base
class Socket(EventEmitter):
    """``net.Socket``: a TCP connection or a Unix domain socket, with Node's stream semantics.

    Usually made by [`connect`][tokionet.connect] or handed to a server's
    ``'connection'`` listener. Events: ``'connect'``, ``'ready'``, ``'data'``
    (``bytes``, or ``str`` after ``set_encoding``), ``'drain'``, ``'end'``,
    ``'finish'``, ``'timeout'``, ``'error'``, ``'close'`` (``had_error``),
    ``'lookup'``, ``'connectionAttempt'``, ``'connectionAttemptFailed'``,
    ``'connectionAttemptTimeout'``. ``Stream`` is the same class.

    Beyond Node: ``async for chunk in socket`` reads until ``'end'`` (an
    ``'error'`` is raised from the loop).
    """

    def __new__(cls, options: Mapping[str, Any] | int | None = ..., /, **kwargs: Any) -> Self: ...
    def __init__(self, options: Mapping[str, Any] | int | None = None, /, **kwargs: Any) -> None:
        """``new net.Socket([options])``: a socket that is not connected yet (see
        [`connect`][tokionet.Socket.connect]).

        Options, as one dict with Node's keys or as keywords in PEP 8 form:
        ``allow_half_open`` (default ``False``), ``block_list`` (a
        [`BlockList`][tokionet.BlockList] of refused destinations), ``fd`` (wrap an
        existing socket descriptor; an ``int`` as ``options`` means the same),
        ``readable``/``writable`` (with ``fd``), ``keep_alive``,
        ``keep_alive_initial_delay`` (ms), ``no_delay``, ``high_water_mark``,
        ``onread`` (``{'buffer': bytearray, 'callback': fn}``: data goes into the
        caller's buffer and ``fn(nread, buffer)`` is called instead of ``'data'``),
        ``signal`` (an [`AbortSignal`][tokionet.AbortSignal] that destroys the socket).
        """
    def connect(self, *args: Any, **kwargs: Any) -> Self:
        """``socket.connect()``: starts connecting this socket; returns it.

        Node's forms: ``connect(port, host='localhost', connect_listener=None)``,
        ``connect(path, connect_listener=None)``, ``connect(options,
        connect_listener=None)``, and keywords. TCP options: ``port`` (required),
        ``host``, ``local_address``, ``local_port``, ``family`` (``0``, ``4`` or ``6``),
        ``hints``, ``lookup`` (a custom ``lookup(hostname, options, callback)``),
        ``auto_select_family``, ``auto_select_family_attempt_timeout`` (ms), and the
        constructor's options. IPC: ``path``. Host names are looked up with
        ``getaddrinfo`` off the loop thread. A connect error is emitted as
        ``'error'`` (a ``ConnectionRefusedError`` ..., or an
        [`AggregateError`][tokionet.AggregateError] when every Happy Eyeballs
        attempt failed), then ``'close'``.
        """
    def write(
        self,
        data: bytes | bytearray | memoryview | str | None = None,
        encoding: str | Callable[..., object] | None = None,
        callback: Callable[..., object] | None = None,
    ) -> bool:
        """``socket.write(data[, encoding][, callback])``: queues ``data`` for sending.

        Data written before ``'connect'`` is sent once connected; nothing written
        before ``end()`` is lost or reordered unless the socket is destroyed.

        Args:
            data: ``bytes``, ``bytearray``, ``memoryview`` or ``str``.
            encoding: For a ``str``: ``'utf8'`` (default), ``'latin1'``, ``'ascii'``,
                ``'hex'``, ``'base64'``, ... May be the callback instead, as in Node.
            callback: Called with ``None`` once the data is handed to the kernel, or
                with the error.

        Returns:
            ``False`` when the socket's writable length has reached the high-water mark
            (64 KiB by default): wait for ``'drain'`` before writing more.
        """
    def end(
        self,
        data: bytes | bytearray | memoryview | str | Callable[..., object] | None = None,
        encoding: str | Callable[..., object] | None = None,
        callback: Callable[..., object] | None = None,
    ) -> Self:
        """``socket.end([data[, encoding]][, callback])``: writes ``data`` if given, then half-closes.

        The peer sees end of stream (TCP FIN) after every byte written before.
        ``callback`` runs on ``'finish'``. Returns the socket.
        """
    def destroy(self, error: BaseException | None = None) -> Self:
        """``socket.destroy([error])``: closes both directions now; queued data is dropped.

        With ``error``, ``'error'`` is emitted with it, then ``'close'`` with
        ``had_error=True``. Returns the socket.
        """
    def destroy_soon(self) -> None:
        """``socket.destroySoon()``: ``end()``, then destroy once everything is written."""
    def reset_and_destroy(self) -> Self:
        """``socket.resetAndDestroy()``: closes the TCP connection with a reset (RST) instead of a FIN; the
        peer sees ``ECONNRESET``.
        """
    def pause(self) -> Self:
        """``socket.pause()``: stops reading and ``'data'`` events; the peer is slowed by TCP flow control."""
    def resume(self) -> Self:
        """``socket.resume()``: reading and ``'data'`` events start again."""
    def is_paused(self) -> bool:
        """``socket.isPaused()``: ``True`` after ``pause()`` (or ``pause_on_connect``) until ``resume()``."""
    def set_encoding(self, encoding: str | None = None) -> Self:
        """``socket.setEncoding([encoding])``: ``'data'`` listeners get ``str`` decoded with ``encoding``
        (multi-byte characters are never split).
        """
    def set_timeout(self, timeout: float = ..., callback: Callable[[], object] = ...) -> Self:
        """``socket.setTimeout(timeout[, callback])``: emits ``'timeout'`` after ``timeout`` ms without
        activity.

        The socket is not closed: the listener decides (``socket.destroy()``, ``end()``...).
        ``0`` disables the timeout. ``callback`` is added as a ``'timeout'`` listener
        once. The idle timer does not keep [`run`][tokionet.run] alive.
        """
    def set_no_delay(self, no_delay: bool = ...) -> Self:
        """``socket.setNoDelay([no_delay])``: ``True`` (the default) disables Nagle's algorithm
        (``TCP_NODELAY``).
        """
    def set_keep_alive(self, enable: bool = ..., initial_delay: float = ...) -> Self:
        """``socket.setKeepAlive([enable][, initial_delay])``: TCP keep-alive on or off; ``initial_delay``
        in ms before the first probe.
        """
    def set_type_of_service(self, tos: int = ...) -> Self:
        """``socket.setTypeOfService(tos)``: sets the IP type-of-service byte (``IP_TOS`` /
        ``IPV6_TCLASS``), ``0`` to ``255``.
        """
    def get_type_of_service(self) -> int:
        """``socket.getTypeOfService()``: the IP type-of-service byte."""
    def address(self) -> dict[str, Any]:
        """``socket.address()``: the local ``{'address', 'family', 'port'}`` once connected; ``{}`` before,
        once destroyed, and for Unix domain sockets.
        """
    def ref(self) -> Self:
        """``socket.ref()``: the socket keeps [`run`][tokionet.run] alive again (the default)."""
    def unref(self) -> Self:
        """``socket.unref()``: the socket no longer keeps [`run`][tokionet.run] alive on its own."""
    def _after_init(self) -> None: ...
    def _begin_connect(self) -> None: ...
    def _core_pipe(self, dest: Socket, end: bool = True) -> bool: ...
    def _core_unpipe(self, dest: object = None) -> bool: ...
    def pipe(self, dest: Socket, options: Mapping[str, Any] | None = None, *, end: bool = True) -> Socket:
        """``socket.pipe(dest[, {'end': bool}])``: writes everything this socket reads to ``dest``; returns
        ``dest``.

        With Node's backpressure: reading pauses while ``dest`` is full and resumes
        on its ``'drain'``. ``dest`` is ended when this socket ends, unless
        ``end=False``. Between two tokionet sockets the bytes move inside the Rust
        core, with no Python call per chunk.
        """
    def unpipe(self, dest: Socket | None = None) -> Self:
        """``socket.unpipe([dest])``: stops piping to ``dest``, or to every destination; returns the
        socket.
        """
    def __aiter__(self) -> AsyncIterator[bytes | str]:
        """``async for chunk in socket``: the chunks read until ``'end'``; an ``'error'`` is raised."""
    @property
    def bytes_read(self) -> int:
        """``socket.bytesRead``: bytes received so far."""
    @property
    def bytes_written(self) -> int:
        """``socket.bytesWritten``: bytes sent so far (including those still queued, as in Node)."""
    @property
    def buffer_size(self) -> int | None:
        """``socket.bufferSize``: deprecated in Node; ``writable_length`` is the one to use."""
    @property
    def writable_length(self) -> int:
        """``socket.writableLength``: bytes written but not yet handed to the kernel."""
    @property
    def writable_high_water_mark(self) -> int:
        """``socket.writableHighWaterMark``: where ``write()`` starts returning ``False`` (65536 unless
        set).
        """
    @property
    def readable_length(self) -> int:
        """``socket.readableLength``: bytes read but not yet delivered to a listener."""
    @property
    def connecting(self) -> bool:
        """``socket.connecting``: ``True`` from ``connect()`` until ``'connect'`` or failure."""
    @property
    def pending(self) -> bool:
        """``socket.pending``: ``True`` until the socket is connected."""
    @property
    def destroyed(self) -> bool:
        """``socket.destroyed``: ``True`` once the socket is destroyed."""
    @property
    def ready_state(self) -> Literal["opening", "open", "readOnly", "writeOnly", "closed"]:
        """``socket.readyState``: ``'opening'``, ``'open'``, ``'readOnly'``, ``'writeOnly'`` or
        ``'closed'``.
        """
    @property
    def readable(self) -> bool:
        """``socket.readable``: ``True`` while data can still be read."""
    @property
    def writable(self) -> bool:
        """``socket.writable``: ``True`` while ``write()`` is allowed."""
    @property
    def readable_ended(self) -> bool:
        """``socket.readableEnded``: ``True`` once ``'end'`` was emitted."""
    @property
    def writable_ended(self) -> bool:
        """``socket.writableEnded``: ``True`` once ``end()`` was called."""
    @property
    def writable_finished(self) -> bool:
        """``socket.writableFinished``: ``True`` once everything written was flushed after ``end()``
        (``'finish'``).
        """
    @property
    def allow_half_open(self) -> bool:
        """``socket.allowHalfOpen``: ``False`` means the socket ends its side when the peer ends theirs."""
    @property
    def timeout(self) -> Any:
        """``socket.timeout``: the idle timeout set by ``set_timeout`` in ms, or ``None`` if never set."""
    @property
    def server(self) -> Server | None:
        """The [`Server`][tokionet.Server] that accepted this socket, or ``None`` for a client socket."""
    @property
    def remote_address(self) -> str | None:
        """``socket.remoteAddress``: the peer's IP address, or ``None`` when not connected (and for Unix
        domain sockets).

        As in Node it is asked of the kernel when first read and then kept: read before ``'close'``, it
        survives it; first read after the connection is gone, it is ``None``.
        """
    @property
    def remote_port(self) -> int | None:
        """``socket.remotePort``: the peer's port, or ``None``."""
    @property
    def remote_family(self) -> Literal["IPv4", "IPv6"] | None:
        """``socket.remoteFamily``: ``'IPv4'``, ``'IPv6'`` or ``None``."""
    @property
    def local_address(self) -> str | None:
        """``socket.localAddress``: the local IP address, or ``None`` (before connecting, for Unix domain
        sockets, and once destroyed, as in Node)."""
    @property
    def local_port(self) -> int | None:
        """``socket.localPort``: the local port, or ``None``."""
    @property
    def local_family(self) -> Literal["IPv4", "IPv6"] | None:
        """``socket.localFamily``: ``'IPv4'``, ``'IPv6'`` or ``None``."""
    @property
    def block_list(self) -> BlockList | None:
        """The ``block_list`` option's [`BlockList`][tokionet.BlockList], or ``None``."""
    @property
    def auto_select_family_attempted_addresses(self) -> list[str] | None:
        """``socket.autoSelectFamilyAttemptedAddresses``: the ``'ip:port'`` addresses tried by Happy Eyeballs.

        ``None`` unless a host name resolved to more than one address and
        ``auto_select_family`` was on.
        """
    # Node's names for the same members.
    setEncoding = set_encoding
    setKeepAlive = set_keep_alive
    setNoDelay = set_no_delay
    setTimeout = set_timeout
    setTypeOfService = set_type_of_service
    getTypeOfService = get_type_of_service
    destroySoon = destroy_soon
    resetAndDestroy = reset_and_destroy
    isPaused = is_paused
    bytesRead = bytes_read
    bytesWritten = bytes_written
    bufferSize = buffer_size
    readyState = ready_state
    remoteAddress = remote_address
    remotePort = remote_port
    remoteFamily = remote_family
    localAddress = local_address
    localPort = local_port
    localFamily = local_family
    writableLength = writable_length
    writableHighWaterMark = writable_high_water_mark
    readableLength = readable_length
    readableEnded = readable_ended
    writableEnded = writable_ended
    writableFinished = writable_finished
    allowHalfOpen = allow_half_open
    blockList = block_list
    autoSelectFamilyAttemptedAddresses = auto_select_family_attempted_addresses

@disjoint_base
class Server(EventEmitter):
    """``net.Server``: a TCP or Unix domain socket server.

    Events: ``'listening'``, ``'connection'`` (a [`Socket`][tokionet.Socket]),
    ``'drop'`` (a dict with ``localAddress``, ``localPort``, ``localFamily``,
    ``remoteAddress``, ``remotePort``, ``remoteFamily``), ``'error'``,
    ``'close'``. Beyond Node: ``async with server:`` closes it on exit and waits
    for ``'close'``.
    """

    def __new__(
        cls,
        options: Mapping[str, Any] | Callable[..., object] | None = ...,
        connection_listener: Callable[..., object] = ...,
        /,
        **kwargs: Any,
    ) -> Self:
        """``new net.Server([options][, connection_listener])`` (``create_server`` is the same).

        Options, as one dict with Node's keys or as keywords in PEP 8 form:
        ``allow_half_open`` (default ``False``), ``pause_on_connect``, ``no_delay``,
        ``keep_alive``, ``keep_alive_initial_delay`` (ms), ``high_water_mark`` (for
        accepted sockets; default 65536), ``block_list`` (a
        [`BlockList`][tokionet.BlockList] of refused peers: they are closed silently).

        Args:
            options: A dict of options, or the connection listener.
            connection_listener: Added as a ``'connection'`` listener.
        """
    def listen(self, *args: Any, **kwargs: Any) -> Self:
        """``server.listen()``: starts accepting connections; returns the server.

        Node's forms: ``listen(port=0, host=None, backlog=511, callback=None)``,
        ``listen(path, backlog, callback)``, ``listen(options, callback)`` with
        ``port``, ``host``, ``path``, ``backlog``, ``ipv6_only``, ``reuse_port``,
        ``exclusive``, ``readable_all``, ``writable_all``, ``signal``, ``fd`` or
        ``handle`` (another server), and keywords (``listen(port=0,
        host='127.0.0.1', callback=ready)``). Without a host it listens on ``::``
        (dual-stack) or ``0.0.0.0``. ``callback`` is added as a ``'listening'``
        listener. Bind errors (``EADDRINUSE``, ...) are emitted as ``'error'``.

        Raises:
            NodeError: ``ERR_SERVER_ALREADY_LISTEN`` when already listening.
            NodeRangeError: ``ERR_SOCKET_BAD_PORT`` for a bad port.
            NodeTypeError: ``ERR_INVALID_ARG_VALUE`` for options with neither ``port`` nor ``path``.
            RuntimeError: No asyncio event loop is running.
        """
    def _bind_deferred(self) -> None: ...
    def _close_later(self) -> None: ...
    def close(self, callback: Callable[..., object] | None = None) -> Self:
        """``server.close([callback])``: stops accepting; existing connections stay open.

        ``'close'`` is emitted once the last of them has closed; ``callback`` is
        added for it, and gets a ``NodeError`` with ``ERR_SERVER_NOT_RUNNING`` if the
        server was not listening. A Unix domain socket's file is removed. Returns
        the server.
        """
    def address(self) -> dict[str, Any] | str | None:
        """``server.address()``: where the server listens.

        Returns:
            ``{'address': '127.0.0.1', 'family': 'IPv4', 'port': 8124}`` for TCP, the
            path for a Unix domain socket, ``None`` when not listening.
        """
    def get_connections(self, callback: Callable[[BaseException | None, int], object] = ...) -> Self:
        """``server.getConnections(callback)``: calls ``callback(None, count)`` on a later tick with the
        number of open connections.
        """
    def ref(self) -> Self:
        """``server.ref()``: the server keeps [`run`][tokionet.run] alive while it listens (the default)."""
    def unref(self) -> Self:
        """``server.unref()``: the server no longer keeps [`run`][tokionet.run] alive on its own."""
    async def __aenter__(self) -> Self:
        """``async with server:`` returns the server."""
    async def __aexit__(self, *exc: object) -> None:
        """Closes the server (if listening) and waits for ``'close'`` (Node's ``Symbol.asyncDispose``)."""
    @property
    def listening(self) -> bool:
        """``server.listening``: ``True`` while the server accepts connections."""
    @property
    def max_connections(self) -> Any:
        """``server.maxConnections``: once this many connections are open, new ones are closed and ``'drop'``
        is emitted.

        ``None`` (no limit) unless set; ``0`` drops every connection.
        """
    @max_connections.setter
    def max_connections(self, value: Any) -> None: ...
    @property
    def allow_half_open(self) -> Any:
        """The ``allow_half_open`` option, given to every accepted socket."""
    drop_max_connection: Any
    """``server.dropMaxConnection``: read by Node only in cluster workers; kept for compatibility."""
    @property
    def pause_on_connect(self) -> bool:
        """The ``pause_on_connect`` option: accepted sockets start paused (no reads until ``resume()``)."""
    @property
    def no_delay(self) -> bool:
        """The ``no_delay`` option: accepted sockets get ``TCP_NODELAY``."""
    @property
    def keep_alive(self) -> bool:
        """The ``keep_alive`` option: accepted sockets get TCP keep-alive."""
    @property
    def keep_alive_initial_delay(self) -> int:
        """The ``keep_alive_initial_delay`` option, stored in whole seconds as Node stores it."""
    @property
    def high_water_mark(self) -> int:
        """The high-water mark of accepted sockets (65536 unless set)."""
    @property
    def block_list(self) -> BlockList | None:
        """The ``block_list`` option's [`BlockList`][tokionet.BlockList], or ``None``."""
    # Node's names for the same members.
    getConnections = get_connections
    maxConnections = max_connections
    dropMaxConnection = drop_max_connection
    allowHalfOpen = allow_half_open
    pauseOnConnect = pause_on_connect
    noDelay = no_delay
    keepAlive = keep_alive
    keepAliveInitialDelay = keep_alive_initial_delay
    highWaterMark = high_water_mark
    blockList = block_list

@final
class LoopCtx:
    """One event loop's I/O context (internal)."""

    @property
    def active_handles(self) -> int: ...
    def _drain(self) -> None: ...
    def _run_ticks(self) -> None: ...
    def _check_idle(self) -> None: ...
    def _wait_idle(self) -> asyncio.Future[None]: ...
    def _begin_run(self) -> asyncio.Future[None]: ...
    def _end_run(self) -> None: ...
    def _close_all(self) -> None: ...

def _loop_ctx(event_loop: asyncio.AbstractEventLoop) -> LoopCtx: ...

@final
class HubPoller:
    """A loop's epoll set behind ``select.epoll``'s interface (internal: the poller of
    [`EventLoop`][tokionet.EventLoop])."""

    def __init__(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def fileno(self) -> int: ...
    def register(self, fd: int, eventmask: int) -> None: ...
    def modify(self, fd: int, eventmask: int) -> None: ...
    def unregister(self, fd: int) -> None: ...
    def poll(self, timeout: float | None = None, maxevents: int = ...) -> list[tuple[int, int]]: ...
    def _watch(self, ready: object, scheduled: object) -> None: ...
    def close(self) -> None: ...

def configure(*, worker_threads: int = 0) -> bool:
    """Sets the number of I/O threads of the tokio runtime (an extension, not Node).

    Takes effect only before the first server listens or socket connects (the
    runtime starts then); ``0`` means the default: the ``TOKIONET_WORKER_THREADS``
    environment variable, else 1. Listeners always run on the asyncio loop's
    thread, whatever this number.

    Args:
        worker_threads: The number of I/O threads, or ``0`` for the default.

    Returns:
        ``True`` if the setting took effect, ``False`` if the runtime had already started.
    """

def connect(*args: Any, **kwargs: Any) -> Socket:
    """``net.connect()`` / ``net.createConnection()``: a new [`Socket`][tokionet.Socket], connecting.

    Node's forms, plus keyword options:

    - ``connect(port, host='localhost', connect_listener=None)``: TCP;
    - ``connect(path, connect_listener=None)``: a Unix domain socket (a path
      starting with ``'\\0'`` is a Linux abstract name);
    - ``connect(options, connect_listener=None)``: one dict with Node's keys
      (``{'port': 80, 'host': 'example.com', 'allowHalfOpen': True}``), or the same
      options as keyword arguments in PEP 8 form (``port=80, host=...,
      allow_half_open=True``).

    The options are those of the [`Socket`][tokionet.Socket] constructor and of
    [`Socket.connect`][tokionet.Socket.connect]. The listener, if given (also as
    ``callback=``), is added for ``'connect'`` once. Must be called while an
    asyncio loop runs (inside [`run`][tokionet.run] or a coroutine).

    Raises:
        NodeTypeError: Invalid arguments (``ERR_MISSING_ARGS``, ``ERR_INVALID_ARG_TYPE``, ...).
        NodeRangeError: An invalid port (``ERR_SOCKET_BAD_PORT``) or timeout.
        RuntimeError: No asyncio event loop is running.
    """
