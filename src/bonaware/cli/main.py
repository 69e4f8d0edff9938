"""``bonaware`` entry point.

Each subcommand lives in its own module ``bonaware.cli.<name>`` that defines
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only when their command
runs, so ``bonaware toy`` or ``bonaware --help`` never pay for importing torch.
To add a command: write the module and add one line to :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bonaware import __version__
from bonaware.errors import BonawareError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("bonaware.cli.demo", "the main job: base vs BoN-unaware vs BoN-aware fine-tuning, Bo-N/pass@N report"),
    "train": ("bonaware.cli.train", "fine-tune a policy with any registered method (BoN-aware or baseline)"),
    "toy": ("bonaware.cli.toy", "exact tabular demo: every objective on categorical policies, in seconds"),
    "verify": ("bonaware.cli.verify", "score completions (JSONL) with a verifier: adds correct/score/status"),
    "tasks": ("bonaware.cli.tasks", "list tasks with their split sizes, kind and default verifier"),
    "eval": ("bonaware.cli.eval", "sample, score and evaluate pass@k / BoN@k / maj@k for every k <= n, per T"),
    "report": ("bonaware.cli.report", "markdown report with plots comparing evaluation runs (from saved samples)"),
    "advise": ("bonaware.cli.advise", "which model, N and T for an inference budget: calibrated prediction + CI"),
    "compact": ("bonaware.cli.compact", "write an eval run's compact samples.npz.xz (every number, no texts)"),
    "models": ("bonaware.cli.models", "list the embedded models; build one into the cache"),
    "train-verifier": ("bonaware.cli.train_verifier", "train a learned verifier on samples, print held-out AUC"),
    "sample": ("bonaware.cli.sample", "sample n completions per prompt to resumable JSONL (for verify)"),
}


def _top_parser() -> argparse.ArgumentParser:
    lines = "\n".join(f"  {name:<16} {text}" for name, (_, text) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="bonaware",
        description="Inference-aware fine-tuning for Best-of-N sampling and pass@N.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"commands:\n{lines}\n\nRun 'bonaware COMMAND --help' for a command's options.",
        usage="bonaware [--version] COMMAND [options]",
    )
    parser.add_argument("--version", action="version", version=f"bonaware {__version__}")
    return parser


def command_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    """The argument parser of command ``name`` and its module."""
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"bonaware {name}", description=module.__doc__ or help_text,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    if not argv or argv[0].startswith("-"):
        top.parse_args(argv)  # handles --help / --version
        top.print_help()
        return 0 if not argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        top.print_usage(sys.stderr)
        print(f"bonaware: error: unknown command {name!r}; choose from {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    parser, module = command_parser(name)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except BonawareError as exc:
        print(f"bonaware {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"bonaware {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
