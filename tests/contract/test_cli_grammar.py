"""One CLI grammar on every subcommand (issue 18): the same spelling for the same kind of option,
``--config`` wherever options exist, and every default shown exactly once in ``--help``."""

from __future__ import annotations

import argparse
import re

import pytest

from bonaware.cli.main import COMMANDS, command_parser, main


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """(label, parser) of every command, and of every sub-action of commands that have them."""
    out = []
    for name in COMMANDS:
        parser, _ = command_parser(name)
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if subs:
            out += [(f"{name} {action}", sub) for a in subs for action, sub in a.choices.items()]
        else:
            out.append((name, parser))
    return out


PARSERS = _parsers()
IDS = [label for label, _ in PARSERS]


def _shown(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)]


def _help_line(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    return parser._get_formatter()._expand_help(action)


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and not isinstance(action, argparse._SubParsersAction)


@pytest.mark.parametrize(("label", "parser"), PARSERS, ids=IDS)
def test_help_shows_every_default_exactly_once(label, parser):
    for action in _shown(parser):
        text = _help_line(parser, action)
        count = len(re.findall(r"\bdefault\b\s*:", text, flags=re.IGNORECASE))
        if not _takes_value(action) or (not action.option_strings and action.choices):
            assert count == 0, (label, action.dest, text)  # flags and choice positionals have no default
        else:
            assert count == 1, (label, action.dest, text)


@pytest.mark.parametrize(("label", "parser"), PARSERS, ids=IDS)
def test_every_command_with_options_takes_a_config_file(label, parser):
    options = [a for a in _shown(parser) if a.option_strings and _takes_value(a)]
    if options:
        assert any("--config" in a.option_strings for a in options), label


def test_task_and_verifier_options_have_one_spelling_everywhere():
    shown = {label: {s for a in _shown(p) for s in a.option_strings} for label, p in PARSERS}
    for label, flags in shown.items():
        free_form = {f for f in flags if re.fullmatch(r"--\w+[-_]args?", f)}  # KEY=VALUE,... options
        assert all(f.endswith("_args") for f in free_form), (label, free_form)
        assert all("-" not in f[2:] or f in {"--list-methods", "--no-progress"} for f in flags), (label, flags)
    for label in ("train", "eval", "sample", "demo", "train-verifier", "verify", "tasks"):
        assert "--task_args" in shown[label], label


def test_hidden_old_spellings_still_parse(tmp_path, capsys):
    # --task-arg (verify/tasks before issue 18), dashes for underscores, --in for verify --samples
    assert main(["tasks", "arith", "--task-arg=zzz=1"]) == 2
    assert "zzz" in capsys.readouterr().err
    assert main(["tasks", "arith", "--task-args=n_test=7"]) == 0
    assert re.search(r"arith .* 7\n", capsys.readouterr().out)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"problem_id": "arith/add1/6+7", "completion": "13\\n"}\n')
    out = tmp_path / "scored.jsonl"
    assert main(["verify", "--task=arith", f"--in={rows}", f"--out={out}", "--verifier=noisy",
                 "--verifier-arg=target_auc=0.9", "--verifier-arg=seed=3"]) == 0
    assert out.is_file() and "accuracy 1.0000" in capsys.readouterr().out


def test_list_options_are_comma_separated_and_yaml_lists(tmp_path):
    from bonaware.config import parse_config
    from bonaware.evaluation.config import EvalConfig, ReportConfig

    assert parse_config(EvalConfig, ["--temperatures=0.5,1"]).temperatures == [0.5, 1.0]
    cfg = tmp_path / "r.yaml"
    cfg.write_text("runs: [a, b]\nnames: [x, y]\nn_boot: 10\n")
    r = parse_config(ReportConfig, ["--config", str(cfg), "--n-boot=20"])
    assert (r.runs, r.names, r.n_boot) == (["a", "b"], ["x", "y"], 20)
    assert parse_config(ReportConfig, ["--config", str(cfg), "c"]).runs == ["c"]  # positionals override YAML
