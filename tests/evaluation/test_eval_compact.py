"""The compact samples file (``samples.npz.xz``) gives exactly the numbers of ``samples.jsonl``.

Checked on synthetic samples (ties, missing answers, n not a multiple of 8, several temperatures and
seeds) and on a real ``bonaware eval`` run of a random tiny model: metrics, ``bonaware report``'s
report.json from folders holding only the compact file, and the errors that name what is missing.
"""

from __future__ import annotations

import json
import lzma
import shutil

import numpy as np
import pytest
from eval_synth import write_synth

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.evaluation import diversity as diversity_module
from bonaware.evaluation.compact import (
    COMPACT_FILE,
    DIVERSITY_PARAMS,
    answer_ids,
    check_compact,
    compact_run,
    dense_ranks,
    load_compact,
    write_compact,
)
from bonaware.evaluation.metrics import _json_safe, compute_metrics
from bonaware.evaluation.report import recompute_report, write_report
from bonaware.evaluation.samples import load_samples


def _synth_run(folder, seed=0, shift=0.0, n=13, meta=None):
    folder.mkdir(parents=True, exist_ok=True)
    write_synth(folder / "samples.jsonl", num_prompts=11, n=n, temperatures=(0.5, 1.0), seed=seed, shift=shift)
    (folder / "run.json").write_text(json.dumps({"name": folder.name, "seed": 0, **(meta or {})}))
    return folder


def _compact_only(src, dst):
    dst.mkdir(parents=True)
    shutil.copy(src / COMPACT_FILE, dst / COMPACT_FILE)
    return dst


def test_dense_ranks_keep_order_and_ties_within_each_row():
    s = np.array([[0.5, -1.0, 0.5, 3.0], [2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(dense_ranks(s), [[1, 0, 1, 2], [0, 0, 0, 0]])


def test_answer_ids_number_distinct_answers_in_first_seen_order():
    np.testing.assert_array_equal(answer_ids([["7", None, "3", "7"], [None, None, "x", "y"]]),
                                  [[1, 0, 2, 1], [0, 0, 1, 2]])


def test_saved_diversity_parameters_are_the_metrics_defaults():
    import inspect

    sig = inspect.signature(diversity_module.diversity_per_prompt).parameters
    assert {k: sig[k].default for k in DIVERSITY_PARAMS} == DIVERSITY_PARAMS


@pytest.mark.parametrize("seed", [0, 3])
def test_every_metric_is_identical_from_the_compact_file(tmp_path, seed):
    run = _synth_run(tmp_path / "r", seed=2)
    full = load_samples(run)
    write_compact(full, tmp_path / COMPACT_FILE, diversity_seeds=[0, 3])
    compact = load_compact(tmp_path / COMPACT_FILE)
    assert compact.meta == full.meta and compact.at(1.0).completions is None
    a = json.dumps(_json_safe(compute_metrics(full, n_boot=60, seed=seed)))
    b = json.dumps(_json_safe(compute_metrics(compact, n_boot=60, seed=seed)))
    assert a == b
    # the oracle's order is R's: stored as a flag, not as ranks
    header = json.loads(bytes(np.load(__import__("io").BytesIO(lzma.decompress(
        (tmp_path / COMPACT_FILE).read_bytes())))["header"]).decode())
    assert header["temperatures"][0]["rank_of_correct"] == ["oracle"]


def test_report_from_compact_only_folders_equals_the_report_from_samples(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    (train / "metrics.csv").write_text("step,tokens,step_seconds\n1,100,0.5\n2,120,0.5\n")
    (train / "config.json").write_text(json.dumps({"method": "bon_rlb_p", "n_prime": 8}))
    runs = [_synth_run(tmp_path / "base", seed=1),
            _synth_run(tmp_path / "tuned", seed=2, shift=0.2, meta={"train_dir": str(train), "num_params": 1000})]
    for r in runs:
        compact_run(r)
    write_report(runs, tmp_path / "from_jsonl", n_boot=50, make_plots=False)
    shutil.rmtree(train)  # a fresh clone has no training folder: the compact file kept its compute
    only = [_compact_only(r, tmp_path / "clone" / r.name) for r in runs]
    write_report(only, tmp_path / "from_compact", n_boot=50, make_plots=False)
    want = (tmp_path / "from_jsonl" / "report.json").read_text()
    assert (tmp_path / "from_compact" / "report.json").read_text() == want
    assert json.loads(want)["training"]["tuned"]["tokens"] == 220.0
    # inputs.json names the runs relative to the report: the report's numbers are recomputable from it
    assert json.loads((tmp_path / "from_compact" / "inputs.json").read_text())["runs"] == ["../clone/base",
                                                                                          "../clone/tuned"]
    assert recompute_report(tmp_path / "from_compact") == json.loads(want)


def test_a_report_recomputed_without_maj_has_every_other_number_unchanged(tmp_path):
    # experiments/summarize.py recomputes without maj@k (its exact DP is most of the time) unless a table asks
    runs = [_synth_run(tmp_path / "base", seed=1), _synth_run(tmp_path / "tuned", seed=2, shift=0.2)]
    write_report(runs, tmp_path / "rep", n_boot=50, make_plots=False)
    full, fast = recompute_report(tmp_path / "rep"), recompute_report(tmp_path / "rep", majority=False)

    def drop_maj(x):
        if isinstance(x, dict):
            return {k: drop_maj(v) for k, v in x.items() if k != "maj" and k != "tables_markdown"}
        return [drop_maj(v) for v in x] if isinstance(x, list) else x

    assert "maj" in full["runs"]["base"]["per_temperature"]["1"] and "maj" in json.dumps(full["groups"])
    assert '"maj"' not in json.dumps(fast)
    assert drop_maj(fast) == drop_maj(full)


def test_a_real_eval_run_writes_a_compact_file_that_reproduces_its_report(tmp_path, model_dir):
    args = ["eval", f"--model={model_dir}", "--num_prompts=4", "--n=6", "--temperatures=0.7,1.3",
            "--max_new_tokens=5", "--device=cpu", "--n_boot=50", "--verifier=noisy:target_auc=0.9,oracle"]
    for name in ("a", "b"):  # eval seed 2: its metrics.json uses pair-sampling seed 2, reports seed 0
        assert main([*args, f"--out={tmp_path / name}", "--seed=2", f"--name={name}"]) == 0
    runs = [tmp_path / "a", tmp_path / "b"]
    assert all((r / COMPACT_FILE).is_file() for r in runs)
    assert check_compact(runs[1], runs[1] / COMPACT_FILE, n_boot=40) == []  # seeds 0 and 2
    metrics = json.loads((runs[1] / "metrics.json").read_text())  # computed by eval from samples.jsonl
    assert _json_safe(compute_metrics(load_compact(runs[1] / COMPACT_FILE), n_boot=50, seed=2)) == metrics
    write_report(runs, tmp_path / "r1", n_boot=40, make_plots=False)
    only = [_compact_only(r, tmp_path / "clone" / r.name) for r in runs]
    write_report(only, tmp_path / "r2", n_boot=40, make_plots=False)
    assert (tmp_path / "r1" / "report.json").read_text() == (tmp_path / "r2" / "report.json").read_text()


def test_compact_cli_converts_and_checks_and_refuses_bad_input(tmp_path, capsys):
    run = _synth_run(tmp_path / "r")
    assert main(["compact", str(run), "--out", str(tmp_path / "copy"), "--check"]) == 0
    assert "every metric identical" in capsys.readouterr().out
    assert (tmp_path / "copy" / COMPACT_FILE).is_file()
    assert main(["compact", str(tmp_path / "copy")]) == 2
    assert "no samples.jsonl" in capsys.readouterr().err
    assert main(["compact", str(run), str(run), "--out", str(tmp_path / "x")]) == 2


def test_statistics_that_need_texts_or_raw_scores_fail_clearly(tmp_path):
    run = _synth_run(tmp_path / "r")
    compact = load_samples(compact_run(run))
    with pytest.raises(BonawareError, match="seed 5 needs the completion texts"):
        compute_metrics(compact, n_boot=20, seed=5)
    g = compact.at(1.0)
    reordered = g.select(list(reversed(g.problem_ids)))
    from bonaware.evaluation.quality import verifier_auc

    full = load_samples(run / "samples.jsonl").at(1.0)
    got, want = verifier_auc(reordered, "noisy"), verifier_auc(full, "noisy")
    assert got["pooled_auc"] == want["pooled_auc"]  # the same prompts in another order: the counts still apply
    assert got["within_prompt_auc"] == pytest.approx(want["within_prompt_auc"])
    with pytest.raises(BonawareError, match="subset of the prompts needs the raw scores"):
        verifier_auc(g.select(g.problem_ids[:4]), "noisy")
    with pytest.raises(BonawareError, match="reordered or partial prompt set"):
        diversity_module.diversity_per_prompt(reordered)


def test_a_damaged_or_foreign_compact_file_is_one_clear_error(tmp_path):
    run = _synth_run(tmp_path / "r")
    path = compact_run(run)
    (tmp_path / "bad.npz.xz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(BonawareError, match="bad.npz.xz: not a readable compact samples file"):
        load_samples(tmp_path / "bad.npz.xz")
    with pytest.raises(BonawareError, match="holds neither samples.jsonl nor samples.npz.xz"):
        load_samples(tmp_path)


def test_compact_data_stays_within_its_size_budget(tmp_path):
    # 64 prompts x 64 samples with a continuous verifier (ranks ~5 bits) and the oracle (free), random
    # token counts (~3.3 bits): 2.0 bytes per sample; raw float32 scores alone would cost 4
    folder = tmp_path / "big"
    folder.mkdir()
    write_synth(folder / "samples.jsonl", num_prompts=64, n=64, temperatures=(1.0,), seed=0)
    path = compact_run(folder)
    assert path.stat().st_size / (64 * 64) < 2.5


def test_a_seed_folder_of_compact_only_runs_is_one_run_group(tmp_path):
    # bonaware eval --model <seed group> writes seed<s>/ runs; committed, they hold only samples.npz.xz
    for s in range(3):
        _synth_run(tmp_path / "full" / "tuned" / f"seed{s}", seed=10 + s, shift=0.2,
                   meta={"name": "tuned", "train_seed": s})
    _synth_run(tmp_path / "full" / "base", seed=1)
    for d in [tmp_path / "full" / "base", *(tmp_path / "full" / "tuned").iterdir()]:
        compact_run(d, tmp_path / "clone" / d.relative_to(tmp_path / "full"))
    for root in ("full", "clone"):
        write_report([tmp_path / root / "base", tmp_path / root / "tuned"], tmp_path / f"rep_{root}", n_boot=40,
                     make_plots=False)
    rep = json.loads((tmp_path / "rep_clone" / "report.json").read_text())
    assert rep["groups"]["tuned"]["seeds"] == [0, 1, 2] and rep["groups"]["tuned"]["seed_aware"]
    assert (tmp_path / "rep_full" / "report.json").read_text() == (tmp_path / "rep_clone" / "report.json").read_text()
