"""Property tests (hypothesis): BlockList.check against a rule-by-rule model
of Node's matching, and is_ip on arbitrary text."""

from __future__ import annotations

import ipaddress
import re

from hypothesis import given, settings
from hypothesis import strategies as st

import tokionet as net

MAPPED = 0xFFFF << 32

# --- BlockList ---------------------------------------------------------------


def _bits(addr: str) -> tuple[int, int]:
    ip = ipaddress.ip_address(addr)
    return ip.version, int(ip)


def _as_v6(version: int, value: int) -> int:
    return MAPPED | value if version == 4 else value


def _mapped(value: int) -> int | None:
    return value & 0xFFFFFFFF if value >> 32 == 0xFFFF else None


def _compare(a: tuple[int, int], b: tuple[int, int]) -> int | None:
    """Node's SocketAddress::compare: None when the two do not compare."""
    (va, xa), (vb, xb) = a, b
    if va == 6 and vb == 4:
        xa = _mapped(xa)  # type: ignore[assignment]
        if xa is None:
            return None
    elif va == 4 and vb == 6:
        xb = _mapped(xb)  # type: ignore[assignment]
        if xb is None:
            return None
    return (xa > xb) - (xa < xb)


def _model_match(rule: tuple, probe: tuple[int, int]) -> bool:
    kind = rule[0]
    if kind == "address":
        a = rule[1]
        if a[0] == probe[0]:
            return a[1] == probe[1]
        return _as_v6(*a) == _as_v6(*probe)
    if kind == "range":
        lo, hi = _compare(probe, rule[1]), _compare(probe, rule[2])
        return lo is not None and hi is not None and lo >= 0 and hi <= 0
    net_, prefix = rule[1], rule[2]
    if net_[0] == 4 and probe[0] == 6:
        v = _mapped(probe[1])
        if v is None:
            return False
        probe = (4, v)
    if net_[0] == 4:
        mask = ((1 << prefix) - 1) << (32 - prefix)
        return probe[1] & mask == net_[1] & mask
    p = _as_v6(*probe)
    mask = ((1 << prefix) - 1) << (128 - prefix)
    return p & mask == net_[1] & mask


def _addr(draw_ints: int, kind: int) -> str:
    base = ["10.0.0.0", "::ffff:10.0.0.0", "::10.0.0.0", "2001:db8::"][kind]
    version, value = _bits(base)
    value |= draw_ints
    return str(ipaddress.ip_address(value)) if version == 4 else str(ipaddress.IPv6Address(value))


addresses = st.builds(_addr, st.integers(0, 0x3FF), st.integers(0, 3))
rules = st.lists(
    st.one_of(
        st.tuples(st.just("address"), addresses),
        st.tuples(st.just("range"), addresses, addresses),
        st.tuples(st.just("subnet"), addresses, st.integers(0, 128)),
    ),
    max_size=12,
)


def _family(addr: str) -> str:
    return "ipv4" if ipaddress.ip_address(addr).version == 4 else "ipv6"


@settings(max_examples=400, deadline=None)
@given(rules, st.lists(addresses, min_size=1, max_size=20))
def test_blocklist_check_agrees_with_rule_by_rule_model(rule_list: list[tuple], probes: list[str]) -> None:
    bl = net.BlockList()
    model: list[tuple] = []
    for rule in rule_list:
        kind, a = rule[0], rule[1]
        try:
            if kind == "address":
                bl.add_address(a, _family(a))
                model.append(("address", _bits(a)))
            elif kind == "range":
                start = net.SocketAddress(address=a, family=_family(a))
                end = net.SocketAddress(address=rule[2], family=_family(rule[2]))
                bl.add_range(start, end)
                model.append(("range", _bits(a), _bits(rule[2])))
            else:
                prefix = min(rule[2], 32 if _family(a) == "ipv4" else 128)
                bl.add_subnet(a, prefix, _family(a))
                model.append(("subnet", _bits(a), prefix))
        except ValueError:
            pass
        except TypeError as e:
            assert e.code == "ERR_INVALID_ARG_VALUE"  # type: ignore[attr-defined]
            assert _compare(_bits(a), _bits(rule[2])) == 1
    assert len(bl.rules) == len(model)
    for p in probes:
        expected = any(_model_match(r, _bits(p)) for r in model)
        assert bl.check(p, _family(p)) is expected, (p, bl.rules)


# --- is_ip -------------------------------------------------------------------

V4SEG = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
V4 = rf"(?:{V4SEG}\.){{3}}{V4SEG}"
S = r"(?:[0-9a-fA-F]{1,4})"
V6 = (
    rf"(?:(?:{S}:){{7}}(?:{S}|:)|(?:{S}:){{6}}(?:{V4}|:{S}|:)|(?:{S}:){{5}}(?::{V4}|(?::{S}){{1,2}}|:)|"
    rf"(?:{S}:){{4}}(?:(?::{S}){{0,1}}:{V4}|(?::{S}){{1,3}}|:)|(?:{S}:){{3}}(?:(?::{S}){{0,2}}:{V4}|(?::{S}){{1,4}}|:)|"
    rf"(?:{S}:){{2}}(?:(?::{S}){{0,3}}:{V4}|(?::{S}){{1,5}}|:)|(?:{S}:){{1}}(?:(?::{S}){{0,4}}:{V4}|(?::{S}){{1,6}}|:)|"
    rf"(?::(?:(?::{S}){{0,5}}:{V4}|(?::{S}){{1,7}}|:)))(?:%[0-9a-zA-Z\-.:]{{1,}})?"
)
# Python's \Z is JavaScript's $ without the m flag.
PY_V4 = re.compile(rf"{V4}\Z", re.ASCII)
PY_V6 = re.compile(rf"{V6}\Z", re.ASCII)

ip_like = st.text(alphabet="0123456789abcdefABCDEF:.%-xyz\n ", max_size=45)
any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=64)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(ip_like, any_text))
def test_is_ip_is_nodes_regex(s: str) -> None:
    v4 = PY_V4.match(s) is not None
    v6 = PY_V6.match(s) is not None
    assert net.is_ipv4(s) is v4
    assert net.is_ipv6(s) is v6
    assert net.is_ip(s) == (4 if v4 else 6 if v6 else 0)


@given(any_text)
def test_is_ip_never_raises(s: str) -> None:
    assert net.is_ip(s) in (0, 4, 6)
    assert net.is_ip(s + "\ud800") == 0


def test_is_ip_on_huge_and_hostile_strings() -> None:
    assert net.is_ip("1" * 1_000_000) == 0
    assert net.is_ip(("1:" * 500_000) + "1") == 0
    assert net.is_ip("::1%" + "a" * 1_000_000) == 6
    assert net.is_ip("::1" + "%a" * 500_000) == 0
    assert net.is_ip("1.2.3.4\0") == 0
    assert net.is_ip("\ud800") == 0


@settings(max_examples=500, deadline=None)
@given(any_text)
def test_parsers_fail_cleanly(s: str) -> None:
    sa = net.SocketAddress.parse(s)
    assert sa is None or isinstance(sa, net.SocketAddress)
    bl = net.BlockList()
    assert bl.check(s) is False
    try:
        bl.from_json([s])
    except net.NodeError as e:
        assert e.code in ("ERR_INVALID_ADDRESS", "ERR_OUT_OF_RANGE")
    try:
        net.SocketAddress(address=s, family="ipv6")
    except net.NodeError as e:
        assert e.code == "ERR_INVALID_ADDRESS"
