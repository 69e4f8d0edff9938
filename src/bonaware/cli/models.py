"""List and build the embedded models (docs/models.md).

  bonaware models list                       names, descriptions, cache state, measured pass@k
  bonaware models build tiny                 pre-train the tiny model into the cache (~3-4 CPU-minutes)
  bonaware models build tiny --seed 1 --target_pass_at_1 0.1
                                             a variant (any TinyConfig field); load it by its folder
  bonaware models build tiny-code            pre-train tiny-code on the pyfunc code task (TinyConfig fields too)
  bonaware models build smollm2-135m         convert SmolLM2-135M-Instruct from its GGUF file (~20 s)

The cache folder is $BONAWARE_CACHE (default ~/.cache/bonaware). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil

from bonaware.config import add_config_arguments, config_from_args
from bonaware.errors import BonawareError
from bonaware.models import EMBEDDED, TinyConfig, build_model, cache_root, tiny, tiny_code
from bonaware.models.cache import read_meta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("list", help="list the embedded models and whether they are built")
    build = sub.add_parser("build", help="build (or convert) an embedded model into the cache",
                           description="Build an embedded model; the TinyConfig options are for 'tiny' and "
                                       "'tiny-code' (defaults shown are tiny's; tiny-code's: docs/models.md).")
    build.add_argument("name", choices=list(EMBEDDED), help="embedded model name")
    build.add_argument("--force", action="store_true", help="delete an existing cache entry and rebuild it")
    build.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_config_arguments(build, TinyConfig)


def _row(row: dict) -> str:
    return "  ".join(f"{k}={v:.3f}" for k, v in row.items() if k != "problems")


def _eval_line(meta: dict) -> str:
    ev = meta.get("eval")
    if not ev:
        return ""
    return f"{ev.get('split', 'test')} (T={ev['temperature']}, {ev['all']['problems']} problems): {_row(ev['all'])}"


def _build(args: argparse.Namespace):
    progress = not args.no_progress
    tiny_options = [f.name for f in dataclasses.fields(TinyConfig) if getattr(args, f.name) is not None]
    # the models bonaware pre-trains itself take TinyConfig fields (tiny-code: its own defaults)
    pretrained = {tiny.NAME: (tiny, TinyConfig), tiny_code.NAME: (tiny_code, tiny_code.TinyCodeConfig)}
    if args.name not in pretrained:
        if tiny_options or args.config:
            option = tiny_options[0] if tiny_options else "config"
            raise BonawareError(f"--{option} applies to {' and '.join(map(repr, pretrained))} only, "
                                f"not to {args.name!r}")
        return build_model(args.name, force=args.force, progress=progress)
    module, config_class = pretrained[args.name]
    cfg = config_from_args(config_class, args)
    if args.force and (old := module.cached(cfg)) is not None:
        shutil.rmtree(old)
    return module.build(cfg, progress=progress)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        print(f"cache: {cache_root()}")
        for name, spec in EMBEDDED.items():
            folder = spec.cached()
            state = f"built  {folder}" if folder else "not built"
            print(f"{name:<14} {spec.description}\n{'':<14} {state}")
            if folder and (line := _eval_line(read_meta(folder))):
                print(f"{'':<14} {line}")
        return 0
    folder = _build(args)
    meta = read_meta(folder)
    print(f"{args.name}: {folder}")
    if meta.get("train"):
        train = meta["train"]
        curve = train["val_pass_at_1"]
        last = f", validation pass@1 {curve[-1][1]:.3f}" if curve else ""
        print(f"pre-training stopped at step {train['stopped_at']} of {train['max_steps']}{last}")
    if meta.get("eval"):
        print(_eval_line(meta))
        for family, row in meta["eval"]["families"].items():
            print(f"  {family:<6} ({row['problems']:>3} problems)  {_row(row)}")
    return 0
