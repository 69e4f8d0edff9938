"""The wire format the judge parses: exact builtin data round-trips; everything else is refused.

The judge's side of the channel is :func:`wire.decode`. Whatever bytes the program writes, it either
raises :class:`WireError` or returns a value built only from exact builtin types (never a subclass,
never an object with methods of the program's), within the nesting limit.
"""

from __future__ import annotations

import collections
import math
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonaware.verifiers.sandbox import wire

EXACT = (type(None), bool, int, float, complex, str, bytes, bytearray, range, list, tuple, dict, set, frozenset)

scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2 ** 300), max_value=2 ** 300)
           | st.floats(allow_nan=True) | st.complex_numbers(allow_nan=True) | st.text() | st.binary()
           | st.binary().map(bytearray)
           | st.builds(range, st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 5)))
hashables = st.recursive(st.none() | st.booleans() | st.integers() | st.text() | st.binary()
                         | st.floats(allow_nan=False),
                         lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3), max_leaves=8)
data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                    | st.dictionaries(hashables, inner, max_size=4) | st.sets(hashables, max_size=4)
                    | st.frozensets(hashables, max_size=4), max_leaves=20)


def same(a, b) -> bool:
    """Equal, with exactly the same types everywhere, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def exact_only(value, depth=0) -> bool:
    if type(value) not in EXACT or depth > wire.MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(exact_only(k, depth + 1) and exact_only(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(exact_only(x, depth + 1) for x in value)
    return True


@settings(max_examples=150, deadline=None)
@given(data)
def test_exact_data_round_trips(value):
    assert same(wire.decode(wire.encode(value)), value)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_decode_to_exact_data_or_a_clear_error(raw):
    try:
        value = wire.decode(raw)
    except wire.WireError:
        return
    assert exact_only(value)


@settings(max_examples=150, deadline=None)
@given(data, st.data())
def test_corrupted_messages_never_yield_anything_but_exact_data(value, draw):
    raw = bytearray(wire.encode(value))
    for _ in range(draw.draw(st.integers(1, 4))):
        if raw:
            raw[draw.draw(st.integers(0, len(raw) - 1))] = draw.draw(st.integers(0, 255))
    try:
        decoded = wire.decode(bytes(raw))
    except wire.WireError:
        return
    assert exact_only(decoded)


class Sub(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


@pytest.mark.parametrize("value", [Sub("x"), True.__class__, object(), collections.OrderedDict(a=1),
                                   [1, Sub("y")], {"k": object()}, print])
def test_values_that_are_not_exact_data_are_refused_without_a_handler(value):
    with pytest.raises(wire.WireError, match="not data"):
        wire.encode(value)


def test_handles_are_built_only_by_the_judges_factory():
    raw = wire.encode(["a", object()], on_other=lambda obj: ("handle", "o", 7))
    with pytest.raises(wire.WireError, match="unexpected handle"):
        wire.decode(raw)
    assert wire.decode(raw, lambda kind, number: ("proxy", kind, number)) == ["a", ("proxy", "o", 7)]


def test_a_substitute_must_itself_be_exact_data():
    assert wire.decode(wire.encode(Sub("x"), on_other=lambda obj: ("data", str.__str__(obj)))) == "x"
    with pytest.raises(wire.WireError, match="no data form"):
        wire.encode(Sub("x"), on_other=lambda obj: ("data", obj))


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "truncated"), (b"S\x05ab", "element count exceeds"), (b"D\x00\x00", "truncated"),
    (b"NN", "trailing"), (b"X", "unknown type tag"),
    (b"S\x02\xff\xfe", "invalid UTF-8"), (b"L\xff\xff\xff\x0f", "element count exceeds"),
    (b"I" + b"\xff" * 11, "length field too long"), (b"E\x02L\x00L\x00", "unhashable"),
    (b"M\x01L\x00N", "unhashable dict key"), (b"RI\x01\x00I\x01\x05I\x01\x00", "malformed range"),
    (b"L\x01" * (wire.MAX_DEPTH + 1) + b"N", "nested deeper"),
])
def test_malformed_messages_are_refused(raw, message):
    with pytest.raises(wire.WireError, match=message):
        wire.decode(raw)


def test_values_nested_too_deeply_are_not_sent():
    value: list = []
    for _ in range(wire.MAX_DEPTH + 1):
        value = [value]
    with pytest.raises(wire.WireError, match="nested deeper"):
        wire.encode(value)
    recursive: list = []
    recursive.append(recursive)
    with pytest.raises(wire.WireError, match="nested deeper"):
        wire.encode(recursive)


def test_frames_carry_payloads_and_descriptors_and_respect_limits():
    a, b = socket.socketpair()
    r, w = socket.socketpair()
    try:
        wire.send(a, b"hello" * 1000, [r.fileno()])
        payload, fds = wire.receive(b, 1 << 20, with_fds=True)
        assert payload == b"hello" * 1000 and len(fds) == 1
        with socket.socket(fileno=fds[0]) as received:
            w.sendall(b"x")
            assert received.recv(1) == b"x"
        with pytest.raises(wire.WireTimeout):
            wire.receive(b, 10, deadline=0.0)
        wire.send(a, b"y" * 100)
        with pytest.raises(wire.WireError, match="exceeds the limit"):
            wire.receive(b, 10)
        b.recv(100)
        a.close()
        with pytest.raises(wire.WireClosed):
            wire.receive(b, 1 << 20)
    finally:
        for sock in (a, b, r, w):
            sock.close()
