"""The CLI's bad-input contract (src/bonaware/errors.py): every command answers bad input with ONE clear
error line naming the place, exit status 2, no traceback, and no (partial) output file.

Every case calls :func:`bonaware.cli.main.main` in-process (the code path of ``python -m bonaware``
without a fresh interpreter per case); the first case of each command also runs as a real
``python -m bonaware`` subprocess, so exit status and stderr are checked end to end.
"""

from __future__ import annotations

import importlib.util

import pytest
from _contract_helpers import check_clean_error, files_under, run_cli

from bonaware.cli.main import COMMANDS, main

PROC = "/proc/bonaware-contract/out"  # cannot be created, even by root

V = ["--task=arith", "--out={out}/v.jsonl"]  # verify: later flags win

# (command, argv, substrings the error line must contain); {in} = input folder, {out} = a fresh output path
CASES = [
    ("train", ["--n_prime=0"], ["--n_prime", ">= 1"]),
    ("train", ["--method=pass_at_k", "--k=9", "--n_prime=4"], ["--k=9", "--n_prime=4"]),
    ("train", ["--steps=abc"], ["--steps", "int", "abc"]),
    ("train", ["--lr=nan"], ["--lr"]),
    ("train", ["--config={in}/bad.yaml"], ["bad.yaml:2", "invalid YAML"]),
    ("train", ["--config={in}/unknown_key.yaml"], ["unknown_key.yaml", "no_such_key"]),
    ("train", ["--config={in}/not_mapping.yaml"], ["not_mapping.yaml", "mapping"]),
    ("train", ["--config={in}/missing.yaml"], ["missing.yaml"]),
    ("train", ["--config={in}/not_utf8.yaml"], ["not_utf8.yaml:2", "not UTF-8"]),
    ("train", ["--config={in}/inf_lr.yaml"], ["inf_lr.yaml", "lr", "finite"]),
    ("train", ["--lr=inf"], ["--lr", "finite"]),
    ("train", ["--method=bon_sft", "--objective_args=scale=nan", "--out={out}/run"], ["scale", "nan"]),
    ("train", ["--method=bon_sft", "--objective_args=scale=0", "--out={out}/run"], ["scale", "> 0"]),
    ("verify", V + ["--samples={in}/malformed.jsonl"], ["malformed.jsonl:2", "JSON"]),
    ("verify", V + ["--samples={in}/missing_field.jsonl"],
     ["missing_field.jsonl:1", "problem_id"]),
    ("verify", V + ["--samples={in}/wrong_type.jsonl"], ["wrong_type.jsonl:1", "problem_id"]),
    ("verify", V + ["--samples={in}/completions_not_strings.jsonl"],
     ["completions_not_strings.jsonl:1", "completions"]),
    ("verify", V + ["--samples={in}/unknown_problem.jsonl"], ["unknown_problem.jsonl:1", "arith/nope"]),
    ("verify", V + ["--samples={in}/empty_completions.jsonl"], ["empty_completions.jsonl:1", "'completions' is empty"]),
    ("verify", V + ["--samples={in}/empty.jsonl"], ["empty.jsonl", "no rows"]),
    ("verify", V + ["--samples={in}/nope.jsonl"], ["nope.jsonl"]),
    ("verify", V + ["--task=nope", "--samples={in}/ok.jsonl"], ["unknown task 'nope'"]),
    ("verify", V + ["--verifier=nope", "--samples={in}/ok.jsonl"], ["unknown verifier 'nope'"]),
    ("verify", V + ["--verifier=noisy:target_auc=1.5", "--samples={in}/ok.jsonl"],
     ["target_auc"]),
    ("verify", ["--out={out}/v.jsonl", "--samples={in}/ok.jsonl"], ["ok.jsonl", "--task"]),
    ("verify", V + ["--samples={in}/ok.jsonl", f"--out={PROC}/v.jsonl"], ["/proc/bonaware-contract"]),
    ("verify", V + ["--samples={in}/nan_field.jsonl"], ["nan_field.jsonl:1", "NaN is not valid JSON"]),
    ("verify", V + ["--samples={in}/inf_field.jsonl"], ["inf_field.jsonl:2", "-Infinity is not valid JSON"]),
    ("verify", V + ["--samples={in}/overflow_field.jsonl"], ["overflow_field.jsonl:1", "1e999"]),
    ("verify", V + ["--samples={in}/nan_field.json"], ["nan_field.json", "NaN is not valid JSON"]),
    ("verify", V + ["--samples={in}/not_utf8.jsonl"], ["not_utf8.jsonl:2", "not UTF-8", "0xff"]),
    ("verify", V + ["--task=humaneval", "--verifier=code:timeout=.inf",
                    "--samples={in}/humaneval.jsonl"], ["timeout", "(0, 86400]", ".inf"]),
    ("verify", V + ["--task=humaneval", "--verifier=code:timeout=1e300",
                    "--samples={in}/humaneval.jsonl"], ["timeout", "(0, 86400]", "1e+300"]),
    ("verify", V + ["--task=humaneval", "--verifier=code:wall_timeout=.nan",
                    "--samples={in}/humaneval.jsonl"], ["wall_timeout", "nan"]),
    ("verify", V + ["--verifier=math:timeout=.inf", "--samples={in}/ok.jsonl"], ["timeout", "inf"]),
    ("tasks", ["nope"], ["unknown task 'nope'"]),
    ("tasks", ["arith", "--task_args=zzz=1"], ["task 'arith'", "zzz"]),
    ("tasks", ["arith", "--task_args=novalue"], ["--task_args", "novalue"]),
    ("toy", ["--methods=nope", "--out={out}/toy"], ["methods", "nope"]),
    ("toy", ["--train_n=0", "--out={out}/toy"], ["train_n"]),
    ("toy", ["--eval_ns=0", "--out={out}/toy"], ["eval_ns"]),
    ("toy", ["--quiet", "--steps=1", "--methods=sft", f"--out={PROC}/toy"], ["/proc/bonaware-contract"]),
    ("eval", ["--n=0"], ["--n", ">= 1"]),
    ("eval", ["--temperatures=abc"], ["--temperatures", "abc"]),
    ("eval", ["--temperatures=inf"], ["--temperatures", "finite", "inf"]),
    ("eval", ["--temperatures=0.7,nan"], ["--temperatures", "nan"]),
    ("report", ["{in}/no_such_run", "--out={out}/r"], ["no_such_run"]),
    ("report", ["--out={out}/r"], ["at least one run folder"]),
    ("report", ["{in}/no_such_run", "--level=2", "--out={out}/r"], ["--level"]),
    ("report", ["{in}/run_without_samples", "--out={out}/r"], ["run_without_samples", "samples.jsonl"]),
    ("report", ["{in}/run_bad_samples", "--out={out}/r"], ["samples.jsonl:1"]),
    ("advise", ["{in}/no_such_run", "--out={out}/a"], ["no_such_run"]),
    ("advise", ["{in}/run_bad_samples", "--out={out}/a"], ["samples.jsonl:1"]),
    ("advise", ["{in}/no_such_run", "--budget=0", "--out={out}/a"], ["--budget", "> 0"]),
    ("advise", ["{in}/no_such_run", "--budget_unit=gallons", "--out={out}/a"], ["--budget_unit", "gallons"]),
    ("advise", ["--out={out}/a"], ["pilot run folder"]),
    ("eval", ["--allocation=adaptive"], ["--allocation adaptive", "--budget"]),
    ("eval", ["--budget=4"], ["--budget", "--allocation adaptive"]),
    ("compact", ["{in}/run_without_samples"], ["run_without_samples", "no samples.jsonl"]),
    ("compact", ["{in}/run_bad_samples", "--out={out}/c"], ["samples.jsonl:1"]),
    ("compact", ["{in}/run_bad_samples", "{in}/run_without_samples", "--out={out}/c"], ["--out takes one run folder"]),
]


def _fill(argv, inputs, out):
    return [a.replace("{in}", str(inputs)).replace("{out}", str(out)) for a in argv]


def _ids(cases):
    return [f"{c}:{' '.join(a)[:40]}" for c, a, _ in cases]


@pytest.mark.parametrize(("command", "argv", "needles"), CASES, ids=_ids(CASES))
def test_cli_bad_input_is_one_clear_error(command, argv, needles, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    before = files_under(tmp_path)
    code = main([command, *_fill(argv, inputs, out)])
    check_clean_error(code, capsys.readouterr().err, command, *needles)
    assert files_under(tmp_path) == before, "a failed command left files behind"


#: the real entry point in a subprocess, for the first case of each command (the rest run in-process)
FIRST_OF_EACH = [next(c for c in CASES if c[0] == name) for name in dict.fromkeys(c[0] for c in CASES)]


@pytest.mark.parametrize(("command", "argv", "needles"), FIRST_OF_EACH, ids=_ids(FIRST_OF_EACH))
def test_python_m_bonaware_bad_input_is_one_clear_error(command, argv, needles, inputs, tmp_path):
    out = tmp_path / "out"
    before = files_under(tmp_path)
    proc = run_cli(command, *_fill(argv, inputs, out), cwd=tmp_path)
    check_clean_error(proc.returncode, proc.stderr, command, *needles)
    assert files_under(tmp_path) == before, "a failed command left files behind"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_has_help_and_rejects_unknown_flags(command, capsys):
    if importlib.util.find_spec(COMMANDS[command][0]) is None:
        pytest.skip(f"{COMMANDS[command][0]} is registered in COMMANDS but not written yet")
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0 and f"bonaware {command}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main([command, "--no-such-flag"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "Traceback" not in err
    assert "unrecognized arguments: --no-such-flag" in err or "required" in err


def test_unknown_command_and_model_name_are_usage_errors(tmp_path):
    proc = run_cli("nope", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown command 'nope'" in proc.stderr
    proc = run_cli("models", "build", "nope", cwd=tmp_path)
    assert proc.returncode == 2 and "invalid choice: 'nope'" in proc.stderr and "Traceback" not in proc.stderr


# --- cases that load a model first: in-process ---------------------------------------------------
TRAIN = ["--task_args=families=add1", "--n_prime=2", "--batch_prompts=1", "--max_new_tokens=2", "--steps=1",
         "--device=cpu"]
MODEL_CASES = [
    ("train", ["--method=nope"], ["unknown method 'nope'"]),
    ("train", ["--task=nope"], ["unknown task 'nope'"]),
    ("train", ["--task_args=zzz=1"], ["task 'arith'", "zzz"]),
    ("train", ["--method=bon_rl_v", "--verifier=nope"], ["unknown verifier 'nope'"]),
    ("train", ["--method=bon_rl_v", "--verifier=noisy:target_auc=2"], ["target_auc"]),
    ("train", ["--objective_args=foo"], ["--objective_args", "foo"]),
    ("train", ["--objective_args=zzz=1"], ["--objective_args", "zzz"]),
    ("train", ["--method=grpo", "--n_prime=1"], ["--method=grpo", "--n_prime"]),
    ("train", ["--model={in}/no_such_model"], ["no_such_model"]),
    ("train", [f"--out={PROC}/train"], ["/proc/bonaware-contract"]),
    ("eval", ["--task=nope"], ["unknown task 'nope'"]),
    ("eval", ["--verifier=nope"], ["unknown verifier 'nope'"]),
    ("eval", ["--model={in}/no_such_model"], ["no_such_model"]),
    ("eval", [f"--out={PROC}/eval", "--n=2", "--num_prompts=1", "--temperatures=1.0", "--max_new_tokens=2"],
     ["/proc/bonaware-contract"]),
]


@pytest.mark.parametrize(("command", "argv", "needles"), MODEL_CASES, ids=_ids(MODEL_CASES))
def test_model_loading_commands_reject_bad_input_cleanly(command, argv, needles, inputs, model_dir, tmp_path,
                                                         capsys):
    out = tmp_path / "out"
    base = [f"--model={model_dir}", f"--out={out}"] + (TRAIN if command == "train" else [])
    before = files_under(tmp_path)
    code = main([command, *base, *_fill(argv, inputs, out)])  # later flags win
    check_clean_error(code, capsys.readouterr().err, command, *needles)
    assert files_under(tmp_path) == before, "a failed command left files behind"
