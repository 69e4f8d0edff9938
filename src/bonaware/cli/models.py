"""List and build the embedded models (docs/models.md).

  bonaware models list                 names, descriptions, cache state and folder
  bonaware models build tiny           pre-train the tiny model into the cache (~2 min on 2 cores)
  bonaware models build smollm2-135m   convert SmolLM2-135M-Instruct from its GGUF file (~20 s)

The cache folder is $BONAWARE_CACHE (default ~/.cache/bonaware). Nothing is downloaded.
"""

from __future__ import annotations

import argparse

from bonaware.models import EMBEDDED, build_model, cache_root
from bonaware.models.cache import read_meta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("list", help="list the embedded models and whether they are built")
    build = sub.add_parser("build", help="build (or convert) an embedded model into the cache")
    build.add_argument("name", choices=list(EMBEDDED), help="embedded model name")
    build.add_argument("--force", action="store_true", help="delete an existing cache entry and rebuild it")
    build.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _eval_line(meta: dict) -> str:
    ev = meta.get("eval")
    if not ev:
        return ""
    row = ev["all"]
    ks = "  ".join(f"{k}={v:.3f}" for k, v in row.items() if k != "problems")
    return f"test (T={ev['temperature']}, {row['problems']} problems): {ks}"


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
    folder = build_model(args.name, force=args.force, progress=not args.no_progress)
    meta = read_meta(folder)
    print(f"{args.name}: {folder}")
    ev = meta.get("eval")
    if ev:
        print(_eval_line(meta))
        for family, row in ev["families"].items():
            ks = "  ".join(f"{k}={v:.3f}" for k, v in row.items() if k != "problems")
            print(f"  {family:<6} ({row['problems']:>3} problems)  {ks}")
    return 0
