"""Configs are documented dataclasses, loadable from YAML, overridable with ``--key=value``.

Every config field carries its help text (:func:`option`); each command's ``--help`` is generated
from it, with the default shown once, so documentation and behaviour cannot drift apart.
Precedence, lowest first: dataclass default < ``--config file.yaml`` < command line.

    @dataclass
    class ToyConfig:
        steps: int = option(200, "optimiser steps")

    cfg = parse_config(ToyConfig, ["--steps=50"])

One grammar on every command: ``--name=value`` or ``--name value`` (``--name-with-dashes`` is
accepted too; help shows the underscore spelling). Supported field types: ``int``, ``float``,
``str``, ``bool`` (``--flag``, ``--flag=false``), ``Optional[...]`` of those (``none`` means None),
``list[int|float|str]`` / ``tuple[...]`` and ``Literal[...]`` (choices). **Lists are
comma-separated on the command line** (``--temperatures=0.3,1.0``) and YAML lists in files: one
token per option, the spelling every script and config already uses, unambiguous next to
positional arguments (``bonaware report RUN...``); list items never contain commas (verifier specs
separate their options with ``:``). Free-form options of a task, verifier or objective are one
string ``--task_args=KEY=VALUE,...`` (:func:`parse_kv`) / ``--verifier=NAME[:KEY=VALUE...]``.

Why not ``transformers.HfArgumentParser`` (or jsonargparse/tyro/draccus): measured against this
module's tests (tests/foundation/test_config.py), it reads lists only as space-separated values
(``--temperatures=0.3,1.0`` is rejected, so every existing script would break), cannot set an
``Optional`` back to None (``--k=none`` is rejected, ``--out=none`` becomes the string 'none'),
has no ``--config`` YAML whose values flags override, does not type-check YAML values
(``steps: abc`` passes through as a string), and importing it costs seconds where this module
costs 0.2–0.3 s (every ``bonaware CMD --help``; benchmarks/bench_config_parsers.py,
docs/benchmarks.md). Replacing the ~40 lines of :func:`add_config_arguments` would need more glue
than it saves; the YAML/type layer (:func:`convert`) would stay either way.

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


def option(default: Any, help_text: str, *, default_text: str | None = None, positional: bool = False,
           aliases: dict[str, str | None] | None = None, **kwargs: Any) -> Any:
    """A documented config field: ``field(default=..., metadata={"help": help_text, ...})``.

    Args:
        default: the value; a list default gets a ``default_factory`` copy, so instances never share one.
        help_text: one line for ``--help`` and the docs, without the default (``--help`` appends it).
        default_text: how ``--help`` shows the default when the value alone does not say it, e.g.
            ``"the model"`` for a None that means "derived from --model".
        positional: a command-line positional argument (``bonaware report RUN...``) instead of ``--name``.
        aliases: hidden old spellings, ``{flag: None}`` for the same value under another name, or
            ``{flag: sep}`` for a repeatable ``flag KEY=VALUE`` whose values are appended to the
            option's value with ``sep`` (``{"--task-arg": ","}``).
    """
    metadata: dict[str, Any] = {"help": help_text}
    if default_text is not None:
        metadata["default_text"] = default_text
    if positional:
        metadata["positional"] = True
    if aliases:
        metadata["aliases"] = dict(aliases)
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata, **kwargs)
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


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
    from bonaware.io import read_text_utf8

    text = read_text_utf8(path)
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


def show_default(f: dataclasses.Field) -> str:
    """The default of field ``f`` as ``--help`` shows it: in command-line spelling (``none``,
    ``true``, comma-separated lists, ``''`` for empty), or the field's ``default_text``."""
    if "default_text" in f.metadata:
        return f.metadata["default_text"]
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    if isinstance(value, (list, tuple)):
        value = ",".join(map(str, value))
    if value is None or isinstance(value, bool):
        return str(value).lower()
    return str(value) if value != "" else "''"


def _alias_dest(name: str, index: int) -> str:
    return f"_alias_{index}_{name}"


def add_config_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add ``--config`` and one argument per field of ``cls``: help from the field's metadata with its
    default once; ``--name-with-dashes`` and the field's ``aliases`` accepted but not shown."""
    parser.add_argument("--config", metavar="YAML", default=None,
                        help="YAML file of option values; options given here override it (default: none)")
    for f, tp in _resolved_fields(cls):
        inner, optional = _unwrap_optional(tp)
        is_list = get_origin(inner) in (list, tuple)
        help_text = f"{help_of(f)} (default: {show_default(f)})"
        if get_origin(inner) is Literal:
            help_text += f" [choices: {', '.join(map(str, get_args(inner)))}]"
        metavar = f.name.upper() + (",..." if is_list else "")
        if f.metadata.get("positional"):
            parser.add_argument(f.name, nargs="*" if is_list else "?", default=None, metavar=f.name.upper(),
                                help=help_text)
            continue
        kw: dict[str, Any] = {"dest": f.name, "default": None, "metavar": metavar}
        if inner is bool and not optional:
            kw.update(nargs="?", const="true", metavar="BOOL")
        parser.add_argument(f"--{f.name}", help=help_text, **kw)
        hidden = [f"--{f.name.replace('_', '-')}"] if "_" in f.name else []
        for i, (flag, sep) in enumerate(f.metadata.get("aliases", {}).items()):
            if sep is None:
                hidden.append(flag)
            else:
                parser.add_argument(flag, dest=_alias_dest(f.name, i), action="append", default=None,
                                    help=argparse.SUPPRESS)
        if hidden:
            parser.add_argument(*hidden, help=argparse.SUPPRESS, **kw)


def _given(f: dataclasses.Field, args: argparse.Namespace, base: Any) -> Any:
    """The command-line value of field ``f`` (None when not given), with alias values appended to
    ``base`` (the flag's or else the YAML/default value)."""
    value = getattr(args, f.name, None)
    if f.metadata.get("positional") and value == []:
        value = None
    for i, (_, sep) in enumerate(f.metadata.get("aliases", {}).items()):
        pieces = getattr(args, _alias_dest(f.name, i), None)
        if sep is not None and pieces:
            start = value if value is not None else base
            value = ("" if start is None else str(start)) + "".join(sep + piece for piece in pieces)
    return value


def config_from_args(cls: type[C], args: argparse.Namespace) -> C:
    """Build ``cls`` from parsed arguments: defaults < ``--config`` YAML < command line."""
    data: dict = {}
    if getattr(args, "config", None):
        data.update(load_yaml(args.config))
    fields = {f.name: (f, tp) for f, tp in _resolved_fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise BonawareError(f"{args.config}: unknown key(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    where = {k: f"{args.config}: {k}" for k in data}
    for name, (f, _) in fields.items():
        base = data.get(name, f.default if f.default is not dataclasses.MISSING else None)
        value = _given(f, args, base)
        if value is not None:
            data[name] = value
            where[name] = name if f.metadata.get("positional") else f"--{name}"
    kwargs = {k: convert(v, fields[k][1], where[k]) for k, v in data.items()}
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
