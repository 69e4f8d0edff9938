"""bonaware.config vs transformers.HfArgumentParser on the command lines bonaware's scripts use (issue 18).

Prints, for a config with the field types bonaware's configs have, what each parser makes of the
same argv (the value, or the error), and the import time of each in fresh interpreters (median of
``--repeats``), side by side. Record results in docs/benchmarks.md.

    PYTHONPATH=src python benchmarks/bench_config_parsers.py
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Demo:
    """Field types of bonaware's configs."""

    steps: int = field(default=10, metadata={"help": "optimiser steps"})
    method: Literal["rl", "pass_at_k"] = field(default="rl", metadata={"help": "objective"})
    temperatures: list[float] = field(default_factory=lambda: [0.7, 1.0], metadata={"help": "temperatures"})
    k: int | None = field(default=None, metadata={"help": "target N"})
    out: str | None = field(default=None, metadata={"help": "output folder"})


CASES = [
    ["--temperatures=0.3,1.0"],          # the list syntax of experiments/*.sh and the docs
    ["--temperatures", "0.3", "1.0"],    # HfArgumentParser's list syntax
    ["--k=none"],                        # reset an Optional (e.g. one a YAML file set)
    ["--out=none"],
    ["--steps=abc"],
]


def _hf(argv: list[str]) -> str:
    from transformers import HfArgumentParser

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            (cfg,) = HfArgumentParser(Demo).parse_args_into_dataclasses(argv)
        return repr(cfg)
    except SystemExit:
        return "error: " + err.getvalue().strip().splitlines()[-1]


def _ours(argv: list[str]) -> str:
    from bonaware.config import parse_config
    from bonaware.errors import BonawareError

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return repr(parse_config(Demo, argv))
    except BonawareError as exc:
        return f"error: {exc}"
    except SystemExit:
        return "error: " + err.getvalue().strip().splitlines()[-1]


def _yaml_cases() -> list[tuple[str, str, str]]:
    from transformers import HfArgumentParser

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write("steps: abc\n")
    try:
        hf = repr(HfArgumentParser(Demo).parse_yaml_file(fh.name)[0])
    except Exception as exc:  # noqa: BLE001 - report whatever it raises
        hf = f"error: {exc}"
    return [("YAML 'steps: abc'", hf, _ours(["--config", fh.name]))]


def _import_seconds(statement: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| argv | HfArgumentParser | bonaware.config |\n|---|---|---|")
    for argv in CASES:
        print(f"| `{' '.join(argv)}` | {_hf(argv)} | {_ours(argv)} |")
    for label, hf, ours in _yaml_cases():
        print(f"| {label} | {hf} | {ours} |")
    base = _import_seconds("pass", args.repeats)
    hf = _import_seconds("from transformers import HfArgumentParser", args.repeats)
    ours = _import_seconds("import bonaware.config", args.repeats)
    print(f"\nimport, median of {args.repeats} fresh interpreters (minus a bare interpreter {base:.2f} s): "
          f"HfArgumentParser {hf - base:.2f} s, bonaware.config {ours - base:.2f} s, "
          f"ratio {(hf - base) / max(ours - base, 1e-3):.0f}x")


if __name__ == "__main__":
    main()
