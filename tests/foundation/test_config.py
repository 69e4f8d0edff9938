"""Config system: documented dataclasses ⇄ YAML ⇄ --key=value, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from bonaware.config import add_config_arguments, from_dict, option, parse_config, to_dict
from bonaware.errors import BonawareError


@dataclass
class Demo:
    """A config used only by these tests."""

    steps: int = field(default=10, metadata={"help": "optimiser steps"})
    lr: float = field(default=1e-3, metadata={"help": "learning rate"})
    method: Literal["rl", "pass_at_k"] = field(default="rl", metadata={"help": "objective"})
    quick: bool = field(default=False, metadata={"help": "smoke-test mode"})
    ns: tuple[int, ...] = field(default=(1, 2, 4), metadata={"help": "values of N"})
    out: str | None = field(default=None, metadata={"help": "output folder"})

    def validate(self) -> None:
        if self.steps < 1:
            raise BonawareError(f"steps must be >= 1, got {self.steps}")


def test_defaults_when_no_flags():
    assert parse_config(Demo, []) == Demo()


def test_flags_override_types_and_forms():
    cfg = parse_config(Demo, ["--steps=5", "--lr", "0.5", "--method=pass_at_k", "--quick", "--ns=1,8", "--out=x"])
    assert cfg == Demo(steps=5, lr=0.5, method="pass_at_k", quick=True, ns=(1, 8), out="x")


def test_bool_flag_accepts_explicit_false():
    assert parse_config(Demo, ["--quick=false"]).quick is False


def test_yaml_then_flags_precedence(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("steps: 7\nlr: 0.1\nns: [2, 3]\n")
    cfg = parse_config(Demo, ["--config", str(path), "--lr=0.2"])
    assert (cfg.steps, cfg.lr, cfg.ns) == (7, 0.2, (2, 3))


def test_unknown_yaml_key_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("stepz: 7\n")
    with pytest.raises(BonawareError, match="stepz"):
        parse_config(Demo, ["--config", str(path)])


def test_bad_value_names_the_flag():
    with pytest.raises(BonawareError, match="--steps"):
        parse_config(Demo, ["--steps=abc"])
    with pytest.raises(BonawareError, match="not one of"):
        parse_config(Demo, ["--method=sft"])


def test_validate_runs():
    with pytest.raises(BonawareError, match="steps must be"):
        parse_config(Demo, ["--steps=0"])


def test_none_for_optional_and_roundtrip():
    cfg = parse_config(Demo, ["--out=none"])
    assert cfg.out is None
    assert from_dict(Demo, to_dict(cfg)) == cfg


def test_missing_config_file():
    with pytest.raises(BonawareError, match="no such config file"):
        parse_config(Demo, ["--config", "/nonexistent.yaml"])


@dataclass
class WithExtras:
    """Positional, aliased and default_text fields (the grammar of bonaware verify / report)."""

    runs: list[str] = option([], "run folders", positional=True)
    samples: str = option("s.jsonl", "samples file", aliases={"--in": None})
    task_args: str = option("", "task options", aliases={"--task-arg": ","})
    verifier: str | None = option(None, "verifier spec", default_text="the task's checker",
                                  aliases={"--verifier-arg": ":"})


def _help(cls) -> str:
    import argparse

    parser = argparse.ArgumentParser(prog="x")
    add_config_arguments(parser, cls)
    return " ".join(parser.format_help().split())


def test_help_shows_each_default_once_and_hides_old_spellings():
    text = _help(WithExtras)
    assert "(default: the task's checker)" in text and "(default: s.jsonl)" in text and "(default: '')" in text
    assert text.count("default:") == 5  # --config, runs, samples, task_args, verifier
    assert "--in" not in text and "--task-arg " not in text and "--task-args" not in text
    demo = _help(Demo)
    assert "(default: 1,2,4)" in demo and "(default: false)" in demo and "(default: none)" in demo


def test_positionals_and_aliases_parse_into_the_one_spelling(tmp_path):
    cfg = parse_config(WithExtras, ["a", "b", "--in=x.jsonl", "--task_args=p=1", "--task-arg", "q=2",
                                    "--verifier=noisy", "--verifier-arg=target_auc=0.7", "--verifier-arg=seed=1"])
    assert cfg == WithExtras(runs=["a", "b"], samples="x.jsonl", task_args="p=1,q=2",
                             verifier="noisy:target_auc=0.7:seed=1")
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("runs: [r]\ntask_args: p=1\n")
    cfg = parse_config(WithExtras, ["--config", str(yaml_file), "--task-arg=q=2"])
    assert (cfg.runs, cfg.task_args) == (["r"], "p=1,q=2")  # alias values extend the YAML value


def test_dashed_spelling_of_an_underscore_option_is_accepted():
    assert parse_config(WithExtras, ["--task-args=p=1"]).task_args == "p=1"
