"""EventEmitter and ``tokionet.once``: Node v24's lib/events.js semantics."""

from __future__ import annotations

import asyncio
import gc
import math
import warnings
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

import tokionet
from tokionet import EventEmitter, MaxListenersExceededWarning, NodeError, NodeRangeError, NodeTypeError

TIMEOUT = 5.0


def recorder() -> tuple[list[tuple[Any, ...]], Callable[..., None]]:
    calls: list[tuple[Any, ...]] = []

    def listener(*args: Any) -> None:
        calls.append(args)

    return calls, listener


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(coro, TIMEOUT)

    return asyncio.run(bounded())


# --- adding, emitting, order ---------------------------------------------------------------


def test_emit_calls_listeners_in_order_with_positional_args() -> None:
    e = EventEmitter()
    order: list[tuple[str, tuple[Any, ...]]] = []
    e.on("x", lambda *a: order.append(("a", a)))
    e.on("x", lambda *a: order.append(("b", a)))
    assert e.emit("x", 1, "two", None) is True
    assert order == [("a", (1, "two", None)), ("b", (1, "two", None))]


def test_emit_without_listeners_returns_false() -> None:
    e = EventEmitter()
    assert e.emit("nothing") is False
    e.on("other", lambda: None)
    assert e.emit("nothing", 1) is False


def test_emit_takes_the_event_positionally_only() -> None:
    with pytest.raises(TypeError):
        EventEmitter().emit(event="x")  # type: ignore[call-arg]


def test_methods_chain_and_return_the_emitter() -> None:
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    assert e.on("a", f) is e
    assert e.add_listener("a", f) is e
    assert e.once("a", f) is e
    assert e.prepend_listener("a", f) is e
    assert e.prepend_once_listener("a", f) is e
    assert e.off("a", f) is e
    assert e.remove_listener("a", f) is e
    assert e.remove_all_listeners("a") is e
    assert e.remove_all_listeners() is e
    assert e.set_max_listeners(3) is e


def test_the_same_listener_added_twice_runs_twice() -> None:
    e = EventEmitter()
    calls, f = recorder()
    e.on("x", f).on("x", f)
    e.emit("x", 1)
    assert calls == [(1,), (1,)]
    assert e.listener_count("x") == 2


def test_prepend_listener_runs_first() -> None:
    e = EventEmitter()
    order: list[str] = []
    e.on("x", lambda: order.append("on"))
    e.prepend_listener("x", lambda: order.append("prepended"))
    e.prepend_once_listener("x", lambda: order.append("prepended once"))
    e.emit("x")
    e.emit("x")
    assert order == ["prepended once", "prepended", "on", "prepended", "on"]


def test_once_runs_once_and_is_removed_before_it_runs() -> None:
    e = EventEmitter()
    counts: list[int] = []
    e.once("x", lambda *a: counts.append(e.listener_count("x")))
    assert e.emit("x", 1) is True
    assert e.emit("x", 2) is False
    assert counts == [0]


def test_once_listener_that_reemits_runs_once() -> None:
    e = EventEmitter()
    calls: list[int] = []

    def listener(n: int) -> None:
        calls.append(n)
        e.emit("x", n + 1)

    e.once("x", listener)
    e.emit("x", 0)
    assert calls == [0]


def test_listeners_unwraps_once_and_raw_listeners_does_not() -> None:
    e = EventEmitter()
    f, g = (lambda: None), (lambda: None)
    e.on("x", f).once("x", g)
    assert e.listeners("x") == [f, g]
    raw = e.raw_listeners("x")
    assert raw[0] is f
    assert raw[1] is not g
    assert raw[1].listener is g  # type: ignore[attr-defined]
    assert e.listeners("missing") == []
    assert e.raw_listeners("missing") == []


def test_calling_a_raw_once_wrapper_removes_it_and_runs_once() -> None:
    e = EventEmitter()
    calls, f = recorder()
    e.once("x", f)
    wrapper = e.raw_listeners("x")[0]
    wrapper(1, 2)
    wrapper(3)
    assert calls == [(1, 2)]
    assert e.listener_count("x") == 0


def test_a_callable_tuple_is_a_listener_alone_and_among_others() -> None:
    # A lone listener is stored as it is and two or more as a tuple: a
    # callable tuple subclass must still be one listener either way.
    class CallableTuple(tuple):  # type: ignore[type-arg]
        def __call__(self, *args: Any) -> None:
            calls.append(("tuple", *args))

    calls: list[tuple[Any, ...]] = []
    lone = CallableTuple((1, 2))
    e = EventEmitter().on("x", lone)
    assert e.listeners("x") == [lone] and e.listener_count("x") == 1
    assert e.emit("x", "a")
    other = lambda *args: calls.append(("other", *args))  # noqa: E731
    e.on("x", other)
    assert e.listeners("x") == [lone, other]
    e.emit("x", "b")
    e.off("x", other)
    assert e.raw_listeners("x") == [lone]
    e.emit("x", "c")
    e.off("x", lone)
    assert e.event_names() == [] and not e.emit("x", "d")
    assert calls == [("tuple", "a"), ("tuple", "b"), ("other", "b"), ("tuple", "c")]


def test_listeners_returns_a_copy() -> None:
    e = EventEmitter()
    e.on("x", print)
    e.listeners("x").clear()
    e.raw_listeners("x").clear()
    assert e.listeners("x") == [print]


# --- removal -----------------------------------------------------------------------------


def test_off_removes_the_most_recently_added_match() -> None:
    e = EventEmitter()
    order: list[str] = []

    def a() -> None:
        order.append("a")

    def b() -> None:
        order.append("b")

    e.on("x", a).on("x", b).on("x", a)
    e.off("x", a)
    assert e.listeners("x") == [a, b]
    e.emit("x")
    assert order == ["a", "b"]


def test_off_matches_a_once_wrappers_listener() -> None:
    e = EventEmitter()
    calls, f = recorder()
    e.once("x", f)
    e.off("x", f)
    assert e.emit("x") is False
    assert calls == []
    assert e.event_names() == []


def test_off_of_an_unknown_listener_changes_nothing() -> None:
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on("x", f)
    e.off("x", print).off("y", f)
    assert e.listeners("x") == [f]


def test_off_matches_equal_bound_methods() -> None:
    class Handler:
        def __init__(self) -> None:
            self.calls = 0

        def handle(self) -> None:
            self.calls += 1

    h = Handler()
    e = EventEmitter()
    e.on("x", h.handle)
    e.off("x", h.handle)
    assert e.emit("x") is False
    e.once("y", h.handle)
    assert e.listener_count("y", h.handle) == 1
    e.off("y", h.handle)
    assert e.listener_count("y") == 0


def test_removing_the_last_listener_removes_the_event() -> None:
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on("x", f).on("y", f)
    e.off("x", f)
    assert e.event_names() == ["y"]


def test_listeners_removed_during_emit_still_run_in_that_emit() -> None:
    e = EventEmitter()
    order: list[str] = []

    def b() -> None:
        order.append("b")

    def a() -> None:
        order.append("a")
        e.off("x", b)

    e.on("x", a).on("x", b)
    e.emit("x")
    e.emit("x")
    assert order == ["a", "b", "a"]


def test_listeners_added_during_emit_wait_for_the_next_one() -> None:
    e = EventEmitter()
    order: list[str] = []

    def late() -> None:
        order.append("late")

    def a() -> None:
        order.append("a")
        e.on("x", late)

    e.once("x", a)
    e.emit("x")
    assert order == ["a"]
    e.emit("x")
    assert order == ["a", "late"]


def test_remove_all_listeners_of_one_event() -> None:
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on("x", f).on("x", f).on("y", f)
    e.remove_all_listeners("x")
    assert e.event_names() == ["y"]
    e.remove_all_listeners("unknown")
    assert e.event_names() == ["y"]


def test_remove_all_listeners_of_every_event() -> None:
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on("x", f).once("y", f).on(None, f)
    e.remove_all_listeners()
    assert e.event_names() == []
    assert e.emit("x") is False


def test_remove_all_listeners_of_none_is_the_event_named_none() -> None:
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on(None, f).on("x", f)
    e.remove_all_listeners(None)
    assert e.event_names() == ["x"]


# --- newListener and removeListener ----------------------------------------------------------


def test_new_listener_is_emitted_before_the_listener_is_added() -> None:
    e = EventEmitter()
    seen: list[tuple[Any, Any, int]] = []
    e.on("newListener", lambda name, listener: seen.append((name, listener, e.listener_count(name))))
    f, g = (lambda: None), (lambda: None)
    e.on("x", f)
    e.once("x", g)
    e.prepend_listener("y", f)
    assert seen == [("x", f, 0), ("x", g, 1), ("y", f, 0)]


def test_new_listener_listener_can_insert_before_the_new_one() -> None:
    # The example of Node's documentation prints B, then A.
    e = EventEmitter()
    order: list[str] = []

    def on_new(name: str, listener: Any) -> None:
        if name == "event":
            e.on("event", lambda: order.append("B"))

    e.once("newListener", on_new)
    e.on("event", lambda: order.append("A"))
    e.emit("event")
    assert order == ["B", "A"]


def test_adding_the_new_listener_listener_does_not_announce_itself() -> None:
    e = EventEmitter()
    calls, f = recorder()
    e.on("newListener", f)
    assert calls == []
    e.on("newListener", print)
    assert calls == [("newListener", print)]


def test_remove_listener_is_emitted_after_removal() -> None:
    e = EventEmitter()
    seen: list[tuple[Any, Any, int]] = []
    f = lambda: None  # noqa: E731
    e.on("x", f).on("x", f)
    e.on("removeListener", lambda name, listener: seen.append((name, listener, e.listener_count(name))))
    e.off("x", f)
    e.off("x", f)
    e.off("x", f)
    assert seen == [("x", f, 1), ("x", f, 0)]


def test_remove_listener_reports_a_lone_fired_once_listener_unwrapped() -> None:
    e = EventEmitter()
    calls, rec = recorder()
    g = lambda: None  # noqa: E731
    e.on("removeListener", rec)
    e.once("x", g)
    e.emit("x")
    assert calls == [("x", g)]


def test_remove_listener_reports_the_wrapper_of_a_once_listener_among_others() -> None:
    # Node's quirk: with other listeners left, it reports what removeListener was given.
    e = EventEmitter()
    calls, rec = recorder()
    g = lambda: None  # noqa: E731
    e.on("x", print).once("x", g)
    e.on("removeListener", rec)
    e.emit("x")
    ((name, reported),) = calls
    assert name == "x"
    assert reported is not g
    assert reported.listener is g


def test_remove_all_listeners_of_one_event_reports_each_newest_first() -> None:
    e = EventEmitter()
    calls, rec = recorder()
    a, b = (lambda: None), (lambda: None)
    e.on("x", a).on("x", b)
    e.on("removeListener", rec)
    e.remove_all_listeners("x")
    assert calls == [("x", b), ("x", a)]


def test_remove_all_listeners_reports_every_event_then_stops() -> None:
    e = EventEmitter()
    calls, rec = recorder()
    a, b = (lambda: None), (lambda: None)
    e.on("x", a).on("y", b)
    e.on("removeListener", rec)
    e.remove_all_listeners()
    assert calls == [("x", a), ("y", b)]
    assert e.event_names() == []


def test_remove_all_listeners_without_a_remove_listener_listener_reports_nothing() -> None:
    e = EventEmitter()
    calls, rec = recorder()
    e.on("x", print)
    e.remove_all_listeners("x")
    e.on("removeListener", rec)
    e.off("removeListener", rec)
    assert calls == []


# --- errors -------------------------------------------------------------------------------


def test_unhandled_error_raises_the_exception_itself() -> None:
    e = EventEmitter()
    err = ConnectionResetError("gone")
    with pytest.raises(ConnectionResetError) as info:
        e.emit("error", err)
    assert info.value is err


def test_unhandled_error_of_a_non_exception_is_err_unhandled_error() -> None:
    e = EventEmitter()
    with pytest.raises(NodeError) as info:
        e.emit("error", "boom")
    assert info.value.code == "ERR_UNHANDLED_ERROR"
    assert str(info.value) == "Unhandled error. ('boom')"
    assert info.value.context == "boom"  # type: ignore[attr-defined]
    with pytest.raises(NodeError, match=r"^Unhandled error\.$"):
        e.emit("error")
    with pytest.raises(NodeError, match=r"^Unhandled error\. \(42\)$"):
        e.emit("error", 42)


def test_error_with_a_listener_is_just_an_event() -> None:
    e = EventEmitter()
    calls, f = recorder()
    err = ValueError("x")
    e.on("error", f)
    assert e.emit("error", err) is True
    assert calls == [(err,)]


def test_a_listeners_exception_propagates_and_stops_the_emit() -> None:
    e = EventEmitter()
    calls, f = recorder()

    def bad() -> None:
        raise KeyError("listener")

    e.on("x", bad).on("x", f)
    with pytest.raises(KeyError):
        e.emit("x")
    assert calls == []


@pytest.mark.parametrize(
    ("value", "received"),
    [
        (1, "type int (1)"),
        ("f", "type str ('f')"),
        (None, "None"),
    ],
)
@pytest.mark.parametrize(
    "method", ["on", "add_listener", "once", "prepend_listener", "prepend_once_listener", "off"]
)
def test_a_listener_must_be_callable(method: str, value: object, received: str) -> None:
    e = EventEmitter()
    with pytest.raises(NodeTypeError) as info:
        getattr(e, method)("x", value)
    assert info.value.code == "ERR_INVALID_ARG_TYPE"
    assert str(info.value) == f'The "listener" argument must be of type function. Received {received}'
    assert e.event_names() == []


def test_a_missing_listener_is_undefined() -> None:
    with pytest.raises(NodeTypeError, match=r"Received undefined$"):
        EventEmitter().on("x")


def test_unhashable_event_names_are_rejected() -> None:
    with pytest.raises(TypeError):
        EventEmitter().on([], print)


# --- names, counts, limits ------------------------------------------------------------------


def test_event_names_keep_insertion_order_and_any_hashable_name() -> None:
    e = EventEmitter()
    f = lambda *a: None  # noqa: E731
    e.on("b", f).on(2, f).on(("t", 1), f).on("a", f).on("b", f)
    assert e.event_names() == ["b", 2, ("t", 1), "a"]
    e.remove_all_listeners("b")
    e.on("b", f)
    assert e.event_names() == [2, ("t", 1), "a", "b"]
    calls, rec = recorder()
    e.on(("t", 1), rec)
    e.emit(("t", 1), "ok")
    assert calls == [("ok",)]


def test_listener_count_with_and_without_a_listener() -> None:
    e = EventEmitter()
    f, g = (lambda: None), (lambda: None)
    e.on("x", f).once("x", f).on("x", g)
    assert e.listener_count("x") == 3
    assert e.listener_count("x", f) == 2
    assert e.listener_count("x", g) == 1
    assert e.listener_count("x", print) == 0
    assert e.listener_count("x", None) == 3
    assert e.listener_count("none") == 0


def test_max_listeners_default_and_setting() -> None:
    e = EventEmitter()
    assert e.get_max_listeners() == 10
    assert e.set_max_listeners(3).get_max_listeners() == 3
    assert e.set_max_listeners(0).get_max_listeners() == 0
    assert e.set_max_listeners(math.inf).get_max_listeners() == math.inf
    assert e.set_max_listeners(2.5).get_max_listeners() == 2.5


@pytest.mark.parametrize(
    ("value", "received"),
    [(-1, "-1"), (-0.5, "-0.5"), ("5", "'5'"), (True, "True"), (None, "None")],
)
def test_set_max_listeners_rejects_what_is_not_a_non_negative_number(value: object, received: str) -> None:
    with pytest.raises(NodeRangeError) as info:
        EventEmitter().set_max_listeners(value)  # type: ignore[arg-type]
    assert info.value.code == "ERR_OUT_OF_RANGE"
    assert str(info.value) == (
        f'The value of "n" is out of range. It must be a non-negative number. Received {received}'
    )


def test_set_max_listeners_rejects_nan() -> None:
    with pytest.raises(NodeRangeError, match=r"Received nan$"):
        EventEmitter().set_max_listeners(math.nan)


def add(e: EventEmitter, name: str, n: int) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(n):
            e.on(name, lambda: None)
    return caught


def test_max_listeners_warning_once_per_event() -> None:
    e = EventEmitter()
    assert add(e, "foo", 10) == []
    (w,) = add(e, "foo", 5)
    assert w.category is MaxListenersExceededWarning
    assert issubclass(MaxListenersExceededWarning, RuntimeWarning)
    assert str(w.message) == (
        "Possible EventEmitter memory leak detected. 11 foo listeners added to [EventEmitter]. "
        "MaxListeners is 10. Use emitter.setMaxListeners() to increase limit"
    )
    assert isinstance(w.message, MaxListenersExceededWarning)
    assert w.message.emitter is e
    assert w.message.type == "foo"
    assert w.message.count == 11
    assert w.filename == __file__
    assert len(add(e, "bar", 11)) == 1


def test_max_listeners_warning_counts_once_and_prepend() -> None:
    e = EventEmitter().set_max_listeners(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e.once("x", print)
        e.prepend_once_listener("x", print)
    assert [str(w.message).split(".")[1] for w in caught] == [" 2 x listeners added to [EventEmitter]"]


def test_max_listeners_zero_means_unlimited() -> None:
    e = EventEmitter().set_max_listeners(0)
    assert add(e, "x", 50) == []


def test_max_listeners_warns_again_after_the_event_shrinks_to_one() -> None:
    e = EventEmitter().set_max_listeners(1)
    assert len(add(e, "x", 3)) == 1
    for f in e.listeners("x")[1:]:
        e.off("x", f)
    assert len(add(e, "x", 1)) == 1


def test_max_listeners_warning_names_the_subclass() -> None:
    class MyEmitter(EventEmitter):
        pass

    e = MyEmitter().set_max_listeners(1)
    (w,) = add(e, "x", 2)
    assert "2 x listeners added to [MyEmitter]. MaxListeners is 1." in str(w.message)


# --- the class -----------------------------------------------------------------------------


def test_node_names_are_the_same_objects() -> None:
    d = EventEmitter.__dict__
    for node, pep8 in {
        "on": "add_listener",
        "addListener": "add_listener",
        "off": "remove_listener",
        "removeListener": "remove_listener",
        "removeAllListeners": "remove_all_listeners",
        "prependListener": "prepend_listener",
        "prependOnceListener": "prepend_once_listener",
        "listenerCount": "listener_count",
        "eventNames": "event_names",
        "setMaxListeners": "set_max_listeners",
        "getMaxListeners": "get_max_listeners",
        "rawListeners": "raw_listeners",
    }.items():
        assert d[node] is d[pep8], node
    e = EventEmitter()
    _, f = recorder()
    e.addListener("x", f).prependOnceListener("x", f)
    assert e.listenerCount("x") == 2
    assert e.eventNames() == ["x"]
    assert e.rawListeners("x")[1] is f
    e.removeAllListeners()
    assert e.setMaxListeners(4).getMaxListeners() == 4


def test_exports() -> None:
    for name in ("EventEmitter", "MaxListenersExceededWarning", "once"):
        assert name in tokionet.__all__
    assert EventEmitter.__module__ == "tokionet"
    assert EventEmitter.__name__ == "EventEmitter"


def test_python_subclass_without_super_init() -> None:
    class Named(EventEmitter):
        def __init__(self, name: str) -> None:
            self.name = name

        def greet(self) -> bool:
            return self.emit("greet", self.name)

    n = Named("ada")
    calls, f = recorder()
    assert n.on("greet", f) is n
    assert n.greet() is True
    assert calls == [("ada",)]
    assert isinstance(n, EventEmitter)


def test_python_subclass_with_super_init_and_overrides() -> None:
    class Logged(EventEmitter):
        def __init__(self) -> None:
            super().__init__()
            self.log: list[Any] = []

        def emit(self, event: object, /, *args: Any) -> bool:
            self.log.append(event)
            return super().emit(event, *args)

    e = Logged()
    e.on("x", print)
    assert e.emit("y") is False
    assert e.log == ["y"]


def test_constructor_ignores_arguments_and_instances_take_attributes() -> None:
    e = EventEmitter({"captureRejections": False})
    e.custom = 1  # type: ignore[attr-defined]
    assert e.custom == 1  # type: ignore[attr-defined]
    assert weakref.ref(e)() is e


def test_reference_cycles_through_listeners_are_collected() -> None:
    def cyclic() -> weakref.ref[EventEmitter]:
        e = EventEmitter().set_max_listeners(1)
        e.on("x", lambda: e)
        e.once("y", lambda: e)
        e.prepend_once_listener("y", lambda: e)  # warns: a name in the warned set too
        e.custom = e  # type: ignore[attr-defined]
        return weakref.ref(e)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cyclic()
    gc.collect()
    assert ref() is None


# --- tokionet.once -----------------------------------------------------------------------------


def test_once_resolves_with_the_arguments_and_cleans_up() -> None:
    e = EventEmitter()

    async def main() -> tuple[Any, ...]:
        asyncio.get_running_loop().call_soon(e.emit, "ready", 1, "b")
        return await tokionet.once(e, "ready")

    assert run(main()) == (1, "b")
    assert e.event_names() == []


def test_once_raises_an_error_emitted_first_and_cleans_up() -> None:
    e = EventEmitter()
    err = ConnectionRefusedError("no")

    async def main() -> None:
        asyncio.get_running_loop().call_soon(e.emit, "error", err)
        await tokionet.once(e, "ready")

    with pytest.raises(ConnectionRefusedError) as info:
        run(main())
    assert info.value is err
    assert e.event_names() == []


def test_once_wraps_a_non_exception_error() -> None:
    e = EventEmitter()

    async def main() -> None:
        asyncio.get_running_loop().call_soon(e.emit, "error", "bad")
        await tokionet.once(e, "ready")

    with pytest.raises(NodeError) as info:
        run(main())
    assert info.value.code == "ERR_UNHANDLED_ERROR"
    assert str(info.value) == "Unhandled error. ('bad')"


def test_once_of_error_resolves_with_the_error() -> None:
    e = EventEmitter()
    err = ValueError("v")

    async def main() -> tuple[Any, ...]:
        asyncio.get_running_loop().call_soon(e.emit, "error", err)
        return await tokionet.once(e, "error")

    assert run(main()) == (err,)
    assert e.event_names() == []


def test_once_stops_listening_for_errors_as_soon_as_the_event_comes() -> None:
    e = EventEmitter()
    late = OSError("late")
    raised: list[BaseException] = []

    def both() -> None:
        e.emit("ready", 1)
        try:
            e.emit("error", late)
        except OSError as exc:
            raised.append(exc)

    async def main() -> tuple[Any, ...]:
        asyncio.get_running_loop().call_soon(both)
        return await tokionet.once(e, "ready")

    assert run(main()) == (1,)
    assert raised == [late]


def test_once_cancelled_removes_its_listeners() -> None:
    e = EventEmitter()

    async def main() -> None:
        task = asyncio.ensure_future(tokionet.once(e, "never"))
        await asyncio.sleep(0)
        assert sorted(e.event_names()) == ["error", "never"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert e.event_names() == []


def test_once_times_out_cleanly() -> None:
    e = EventEmitter()

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(tokionet.once(e, "never"), 0.01)

    run(main())
    assert e.event_names() == []
