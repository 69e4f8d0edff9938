"""Configs are documented dataclasses, loadable from YAML, overridable with ``--key=value``.

Every config field carries its help text in ``field(metadata={"help": ...})``; the CLI's ``--help``
is generated from it, so documentation and behaviour cannot drift apart. Precedence, lowest first:
dataclass default < ``--config file.yaml`` < command-line ``--key=value`` (or ``--key value``).

    @dataclass
    class ToyConfig:
        steps: int = field(default=200, metadata={"help": "optimiser steps"})

    cfg = parse_config(ToyConfig, ["--steps=50"])

Supported field types: ``int``, ``float``, ``str``, ``bool`` (``--flag``, ``--flag=false``),
``Optional[...]`` of those (``none`` means None), ``list[int|float|str]`` / ``tuple[...]``
(comma-separated on the command line, a YAML list in files) and ``Literal[...]`` (choices).
A config may define ``validate(self)`` that raises :class:`BonawareError` for bad values.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from bonaware.errors import BonawareError

C = TypeVar("C")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def option(default: Any, help_text: str, **kwargs: Any) -> Any:
    """A documented config field: ``field(default=..., metadata={"help": help_text})``.

    A list default gets a ``default_factory`` copy, so instances never share one list.
    """
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata={"help": help_text}, **kwargs)
    return dataclasses.field(default=default, metadata={"help": help_text}, **kwargs)


def parse_scalar(value: str) -> Any:
    """``"3"`` → 3, ``"0.5"`` → 0.5, ``"true"``/``"false"``/``"none"`` → True/False/None, else the string.

    Used for free-form ``key=value`` options (task, verifier and objective arguments).
    """
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(value.lower(), value)


def help_of(f: dataclasses.Field) -> str:
    """The documented help text of a config field (every field must have one)."""
    text = f.metadata.get("help")
    if not text:
        raise TypeError(f"config field {f.name!r} has no help text")
    return text


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
    return tp, False


def convert(value: Any, tp: Any, where: str) -> Any:
    """Convert a string (command line) or YAML value to the field type ``tp``; errors name ``where``."""
    tp, optional = _unwrap_optional(tp)
    if optional and (value is None or (isinstance(value, str) and value.lower() in {"none", "null", ""})):
        return None
    origin = get_origin(tp)
    try:
        if origin is Literal:
            choices = get_args(tp)
            for c in choices:
                if value == c or str(value) == str(c):
                    return c
            raise BonawareError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}")
        if origin in (list, tuple):
            (inner, *_rest) = get_args(tp) or (str,)
            items = value if isinstance(value, (list, tuple)) else [v for v in str(value).split(",") if v != ""]
            out = [convert(v, inner, where) for v in items]
            return out if origin is list else tuple(out)
        if tp is bool:
            if isinstance(value, bool):
                return value
            s = str(value).lower()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise BonawareError(f"{where}: expected true/false, got {value!r}")
        if tp is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if tp is float:
            number = float(value)
            if not math.isfinite(number):  # no option means anything by NaN or infinity
                raise BonawareError(f"{where}: expected a finite number, got {value!r}")
            return number
        if tp is str:
            return str(value)
    except BonawareError:
        raise
    except (TypeError, ValueError):
        raise BonawareError(f"{where}: expected {getattr(tp, '__name__', tp)}, got {value!r}") from None
    return value


def _resolved_fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if f.init]


def load_yaml(path: str | Path) -> dict:
    """Read a YAML config file into a dict (clear error for a missing file or bad YAML)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise BonawareError(f"no such config file: {str(path)!r}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BonawareError(f"{path}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise BonawareError(f"{where}: invalid YAML ({getattr(exc, 'problem', None) or 'parse error'})") from None
    if not isinstance(data, dict):
        raise BonawareError(f"{path}: expected a mapping of config keys at the top level")
    return data


def from_dict(cls: type[C], data: dict, where: str = "config") -> C:
    """Build ``cls`` from a dict (YAML), converting types; unknown keys are an error."""
    fields = {f.name: (f, tp) for f, tp in _resolved_fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise BonawareError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    kwargs = {k: convert(v, fields[k][1], f"{where}: {k}") for k, v in data.items()}
    cfg = cls(**kwargs)
    _validate(cfg)
    return cfg


def to_dict(cfg: Any) -> dict:
    """A config as a plain dict (tuples become lists), e.g. to save next to a run."""
    out = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        out[f.name] = list(v) if isinstance(v, tuple) else v
    return out


def _validate(cfg: Any) -> None:
    validate = getattr(cfg, "validate", None)
    if callable(validate):
        validate()


def add_config_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add one ``--name`` option per field of ``cls`` (help from the field's metadata)."""
    parser.add_argument("--config", metavar="YAML", help="YAML file with config values (flags override it)")
    for f, tp in _resolved_fields(cls):
        inner, optional = _unwrap_optional(tp)
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        help_text = f"{help_of(f)} (default: {shown})"
        if get_origin(inner) is Literal:
            help_text += f" [choices: {', '.join(map(str, get_args(inner)))}]"
        names = [f"--{f.name}"]
        if "_" in f.name:
            names.append(f"--{f.name.replace('_', '-')}")
        if inner is bool and not optional:
            parser.add_argument(*names, dest=f.name, nargs="?", const="true", default=None,
                                metavar="BOOL", help=help_text)
        else:
            parser.add_argument(*names, dest=f.name, default=None, metavar=f.name.upper(), help=help_text)


def config_from_args(cls: type[C], args: argparse.Namespace) -> C:
    """Build ``cls`` from parsed arguments: defaults < ``--config`` YAML < flags."""
    data: dict = {}
    if getattr(args, "config", None):
        data.update(load_yaml(args.config))
    fields = {f.name: tp for f, tp in _resolved_fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise BonawareError(f"{args.config}: unknown key(s) {', '.join(unknown)}")
    where = {k: f"{args.config}: {k}" for k in data}
    for name in fields:
        value = getattr(args, name, None)
        if value is not None:
            data[name] = value
            where[name] = f"--{name}"
    kwargs = {k: convert(v, fields[k], where[k]) for k, v in data.items()}
    cfg = cls(**kwargs)
    _validate(cfg)
    return cfg


def parse_config(cls: type[C], argv: list[str] | None = None, prog: str | None = None) -> C:
    """Parse ``argv`` into a ``cls`` config (used by scripts and tests)."""
    parser = argparse.ArgumentParser(prog=prog, description=cls.__doc__)
    add_config_arguments(parser, cls)
    return config_from_args(cls, parser.parse_args(argv))


def parse_kv(text: str, where: str) -> dict[str, object]:
    """Parse ``'a=1,b=x,y'`` into ``{'a': 1, 'b': 'x,y'}``.

    A comma-separated piece without ``=`` continues the previous value, so list-valued options
    read naturally (``families=add1,add2,n_test=100``). Numbers and true/false/none are converted.
    """
    raw: dict[str, str] = {}
    last = None
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" in part:
            last, value = (s.strip() for s in part.split("=", 1))
            raw[last] = value
        elif last is None:
            raise BonawareError(f"{where}: expected key=value, got {part!r}")
        else:
            raw[last] += "," + part
    return {k: parse_scalar(v) for k, v in raw.items()}
