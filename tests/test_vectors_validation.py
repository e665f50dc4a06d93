"""Argument validation recorded from Node 24 (validation.json).

Each subject that tokionet implements runs here; the others are listed in
one skip with the reason, so the count of what is not covered stays visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tokionet as net

from _vectors import JsOnly, decode, decode_args, expect_error, load


@pytest.fixture(autouse=True)
def restore_defaults() -> Iterator[None]:
    yield
    net.set_default_auto_select_family(True)
    net.set_default_auto_select_family_attempt_timeout(250)


def _defaults_state() -> dict[str, Any]:
    return {
        "getDefaultAutoSelectFamily": net.getDefaultAutoSelectFamily(),
        "getDefaultAutoSelectFamilyAttemptTimeout": net.getDefaultAutoSelectFamilyAttemptTimeout(),
    }


def _module_function(node_name: str) -> Callable[[list[Any]], Any]:
    return lambda args: getattr(net, node_name)(*args)


SUBJECTS: dict[str, Callable[[list[Any]], Any]] = {
    f"net.{name}": _module_function(name)
    for name in (
        "setDefaultAutoSelectFamily",
        "setDefaultAutoSelectFamilyAttemptTimeout",
        "getDefaultAutoSelectFamily",
        "getDefaultAutoSelectFamilyAttemptTimeout",
    )
}


def cases() -> list[dict[str, Any]]:
    return list(load("validation.json")["cases"])


def test_implemented_subjects_match_node() -> None:
    failures = []
    ran = 0
    for c in cases():
        run = SUBJECTS.get(c["subject"])
        if run is None:
            continue
        try:
            args = decode_args(c["args"])
        except JsOnly:
            continue
        ran += 1
        # Every case starts from Node's defaults.
        net.set_default_auto_select_family(True)
        net.set_default_auto_select_family_attempt_timeout(250)
        sync = c["sync"]
        try:
            got = run(args)
        except Exception as exc:
            if "error" not in sync:
                failures.append(f"{c['js']}: raised {exc!r}")
                continue
            try:
                expect_error(sync["error"], exc)
            except AssertionError as ae:
                failures.append(f"{c['js']}: {ae}")
        else:
            expected = decode(sync.get("returned"))
            if "error" in sync:
                failures.append(f"{c['js']}: returned {got!r}, expected {sync['error']}")
            elif got != (None if sync["returned"] == {"$type": "undefined"} else expected):
                failures.append(f"{c['js']}: returned {got!r}, expected {expected!r}")
        if "state" in c and _defaults_state() != c["state"]:
            failures.append(f"{c['js']}: state {_defaults_state()} != {c['state']}")
    assert not failures, "\n".join(failures)
    assert ran >= 10


def test_subjects_that_need_sockets() -> None:
    pending = sorted({c["subject"] for c in cases()} - set(SUBJECTS))
    if pending:
        n = sum(c["subject"] in pending for c in cases())
        pytest.skip(f"{n} cases need Server/Socket (not built yet): {', '.join(pending)}")
