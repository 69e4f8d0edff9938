"""Wire format of the sandbox: values of exact builtin types, framed messages, file-descriptor passing.

The judge (trusted, ``judge.py``) and the sandboxed program (``candidate.py``) exchange only *data*
in this format: ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``,
``bytearray``, ``range`` and ``list``/``tuple``/``dict``/``set``/``frozenset`` of these, plus
numbered *handles* that stand for anything else the program returned (docs/security.md §Channel).
:func:`decode` is the strict parser the judge uses on bytes the program wrote: it only ever builds
objects of those exact types (never a subclass, never through ``pickle``, ``marshal`` or ``eval``),
with bounded nesting, and refuses anything malformed, truncated or trailing.

Self-contained (standard library only, Python 3.8+): the sandbox and judge processes receive it as
source text (module ``bonaware_sandbox_wire``); the library imports it normally.
"""

import array
import socket
import struct
import time

MAX_DEPTH = 100  # nesting of containers; deeper values are refused on both sides
_DOUBLE = struct.Struct("<d")
_COMPLEX = struct.Struct("<dd")
_HEADER = struct.Struct(">I")
MAX_FDS = 8

(_NONE, _TRUE, _FALSE, _INT, _FLOAT, _COMPLEX_T, _STR, _BYTES, _BYTEARRAY, _LIST, _TUPLE, _DICT, _SET,
 _FROZENSET, _RANGE, _HANDLE) = b"NTFIDCSBALUMEZRH"
_SEQUENCES = {list: _LIST, tuple: _TUPLE, set: _SET, frozenset: _FROZENSET}
_EXACT = frozenset({type(None), bool, int, float, complex, str, bytes, bytearray, range, dict, *_SEQUENCES})


class WireError(Exception):
    """Malformed, over-limit or unsendable data."""


class WireTimeout(WireError):
    """No complete message before the deadline."""


class WireClosed(WireError):
    """The other side closed the channel."""


def _varint(n, out):
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def encode(value, on_other=None, max_bytes=1 << 26):
    """``value`` as bytes. Objects that are not exact data go to ``on_other(obj)``, which returns
    ``("data", replacement)`` or ``("handle", kind, number)`` or raises :class:`WireError`."""
    out = bytearray()
    _encode(value, out, on_other, 0, max_bytes)
    return bytes(out)


def _encode(value, out, on_other, depth, max_bytes):
    if len(out) > max_bytes:
        raise WireError(f"value larger than {max_bytes} bytes")
    kind = type(value)
    if value is None:
        out.append(_NONE)
    elif kind is bool:
        out.append(_TRUE if value else _FALSE)
    elif kind is int:
        raw = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
        out.append(_INT)
        _varint(len(raw), out)
        out += raw
    elif kind is float:
        out.append(_FLOAT)
        out += _DOUBLE.pack(value)
    elif kind is complex:
        out.append(_COMPLEX_T)
        out += _COMPLEX.pack(value.real, value.imag)
    elif kind is str or kind is bytes or kind is bytearray:
        raw = value.encode("utf-8", "surrogatepass") if kind is str else value
        out.append(_STR if kind is str else _BYTES if kind is bytes else _BYTEARRAY)
        _varint(len(raw), out)
        out += raw
    elif kind is range:
        out.append(_RANGE)
        for part in (value.start, value.stop, value.step):
            _encode(part, out, on_other, depth, max_bytes)
    elif kind in _SEQUENCES or kind is dict:
        if depth >= MAX_DEPTH:
            raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
        out.append(_DICT if kind is dict else _SEQUENCES[kind])
        _varint(len(value), out)
        if kind is dict:
            for key, item in value.items():
                _encode(key, out, on_other, depth + 1, max_bytes)
                _encode(item, out, on_other, depth + 1, max_bytes)
        else:
            for item in value:
                _encode(item, out, on_other, depth + 1, max_bytes)
    else:
        if on_other is None:
            raise WireError(f"a value of type {kind.__name__} is not data")
        answer = on_other(value)
        if answer[0] == "data":
            if type(answer[1]) not in _EXACT:  # one substitution, to exact data: no loop
                raise WireError(f"a value of type {kind.__name__} has no data form")
            _encode(answer[1], out, on_other, depth, max_bytes)
        else:
            _, letter, number = answer
            out.append(_HANDLE)
            out += letter.encode("ascii")[:1]
            _varint(number, out)


def decode(data, on_handle=None):
    """The value encoded in ``data`` (bytes), built from exact builtin types only.

    ``on_handle(kind, number)`` builds the object a handle stands for (the judge's proxies); without
    it a handle is an error. Raises :class:`WireError` on anything malformed or trailing.
    """
    reader = _Reader(bytes(data), on_handle)
    value = reader.value(0)
    if reader.pos != len(reader.data):
        raise WireError(f"{len(reader.data) - reader.pos} trailing bytes")
    return value


class _Reader:
    def __init__(self, data, on_handle):
        self.data, self.pos, self.on_handle = data, 0, on_handle

    def take(self, n):
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise WireError("truncated value")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def varint(self):
        result, shift = 0, 0
        while True:
            if shift > 63:
                raise WireError("length field too long")
            byte = self.take(1)[0]
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    def count(self):
        n = self.varint()
        if n > len(self.data) - self.pos:  # every element takes at least one byte
            raise WireError("element count exceeds the message")
        return n

    def value(self, depth):
        tag = self.take(1)[0]
        if tag == _NONE:
            return None
        if tag in (_TRUE, _FALSE):
            return tag == _TRUE
        if tag == _INT:
            return int.from_bytes(self.take(self.count()), "little", signed=True)
        if tag == _FLOAT:
            return _DOUBLE.unpack(self.take(8))[0]
        if tag == _COMPLEX_T:
            real, imag = _COMPLEX.unpack(self.take(16))
            return complex(real, imag)
        if tag == _STR:
            try:
                return self.take(self.count()).decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                raise WireError("invalid UTF-8 in a string") from None
        if tag == _BYTES:
            return self.take(self.count())
        if tag == _BYTEARRAY:
            return bytearray(self.take(self.count()))
        if tag == _RANGE:
            parts = [self.value(depth) for _ in range(3)]
            if not all(type(p) is int for p in parts) or parts[2] == 0:
                raise WireError("malformed range")
            return range(*parts)
        if tag == _HANDLE:
            kind = chr(self.take(1)[0])
            number = self.varint()
            if self.on_handle is None:
                raise WireError("unexpected handle")
            return self.on_handle(kind, number)
        if depth >= MAX_DEPTH:
            raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
        if tag == _DICT:
            out = {}
            for _ in range(self.count()):
                key = self.value(depth + 1)
                try:
                    out[key] = self.value(depth + 1)
                except TypeError:
                    raise WireError(f"unhashable dict key of type {type(key).__name__}") from None
            return out
        if tag in (_LIST, _TUPLE, _SET, _FROZENSET):
            items = [self.value(depth + 1) for _ in range(self.count())]
            if tag == _LIST:
                return items
            if tag == _TUPLE:
                return tuple(items)
            try:
                return set(items) if tag == _SET else frozenset(items)
            except TypeError:
                raise WireError("unhashable set element") from None
        raise WireError(f"unknown type tag {tag!r}")


# ---- framing: a 4-byte big-endian length, then the payload ----------------------------------------


def send(sock, payload, fds=()):
    """Send one frame on a connected stream socket, optionally carrying ``fds`` (SCM_RIGHTS)."""
    data = _HEADER.pack(len(payload)) + payload
    if fds:
        sent = sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        data = data[sent:]
    if data:
        sock.sendall(data)


def receive(sock, max_bytes, deadline=None, with_fds=False):
    """Receive one frame (``(payload, fds)`` if ``with_fds``). ``deadline``: a ``time.monotonic()``
    value after which :class:`WireTimeout` is raised; None waits forever."""
    fds = []
    header = _read(sock, _HEADER.size, deadline, fds if with_fds else None)
    size = _HEADER.unpack(header)[0]
    if size > max_bytes:
        for fd in fds:
            _close(fd)
        raise WireError(f"message of {size} bytes exceeds the limit of {max_bytes}")
    payload = _read(sock, size, deadline, None)
    return (payload, fds) if with_fds else payload


def _read(sock, n, deadline, fds):
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WireTimeout("no answer before the deadline")
            sock.settimeout(remaining)
        try:
            if fds is not None:
                space = socket.CMSG_SPACE(MAX_FDS * array.array("i").itemsize)
                chunk, ancillary, _, _ = sock.recvmsg(n - got, space)
                for level, kind, raw in ancillary:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        received = array.array("i")
                        received.frombytes(raw[:len(raw) - len(raw) % received.itemsize])
                        fds.extend(received)
            else:
                chunk = sock.recv(min(n - got, 1 << 20))
        except socket.timeout:  # noqa: UP041 - not TimeoutError before Python 3.10
            raise WireTimeout("no answer before the deadline") from None
        except OSError as exc:
            raise WireClosed(f"channel error: {exc}") from None
        if not chunk:
            raise WireClosed("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _close(fd):
    try:
        import os

        os.close(fd)
    except OSError:
        pass
