"""Run groups in ``bonaware report``: seed folders and same-name runs form groups with seed-aware statistics;
single-seed reports say that their CIs cover prompt noise only."""

import json

import numpy as np
import pytest
from eval_synth import write_synth

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.estimators import paired_seed_difference, probability_of_improvement, seed_bootstrap_ci
from bonaware.evaluation.curves import all_ks, metric_curve
from bonaware.evaluation.groups import collect_groups, is_seed_folder, train_seed_of
from bonaware.evaluation.report import load_run, write_report
from bonaware.io import write_json_atomic

BOX = {"level": 0.95, "n_boot": 200, "seed": 0}


def _run(folder, name, shift, data_seed, train_seed=None, **meta):
    write_synth(folder / "samples.jsonl", num_prompts=10, n=8, temperatures=(1.0,), seed=data_seed, shift=shift)
    write_json_atomic(folder / "run.json", {"name": name, "model": f"{name}/{data_seed}", "task": "synth",
                                            "train_seed": train_seed, **meta})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("groups")
    _run(d / "base", "base", 0.0, 4)
    for s in range(3):  # a seed folder, as `bonaware eval --model runs/x` writes it
        _run(d / "tuned" / f"seed{s}", "tuned", 0.2 + 0.03 * s, 10 + s, train_seed=s, group="tuned")
        _run(d / f"other_{s}", "other", 0.1, 20 + s, train_seed=s)  # the same group, given run by run
    return d


@pytest.fixture(scope="module")
def report(runs):
    out = runs / "report"
    args = ["report", str(runs / "base"), str(runs / "tuned"), *(str(runs / f"other_{s}") for s in range(3)),
            "--out", str(out), "--n_boot", "200"]
    assert main(args) == 0
    return out, json.loads((out / "report.json").read_text()), (out / "report.md").read_text()


def _curves(folders, metric="pass", ks=None):
    runs = [load_run(f).at(1.0) for f in folders]
    ks = all_ks(8) if ks is None else ks
    return np.stack([metric_curve(r, metric, "noisy", ks) for r in runs])


def test_seed_folder_and_same_name_runs_form_groups(runs, report):
    _, rep, md = report
    assert list(rep["groups"]) == ["base", "tuned", "other"] and rep["baseline_group"] == "base"
    tuned, other = rep["groups"]["tuned"], rep["groups"]["other"]
    assert tuned["seeds"] == [0, 1, 2] and tuned["seed_aware"] and other["seeds"] == [0, 1, 2]
    assert tuned["runs"] == ["tuned [seed 0]", "tuned [seed 1]", "tuned [seed 2]"]
    assert rep["groups"]["base"] == {**rep["groups"]["base"], "seeds": [None], "seed_aware": False, "runs": ["base"]}
    assert set(rep["runs"]) == {"base", *tuned["runs"], *other["runs"]}  # per-run sections: every seed a run
    assert "## Training seeds: seed-aware estimates and comparisons" in md and "![seeds](seeds.png)" in md
    assert (runs / "report" / "seeds.png").is_file() and (runs / "report" / "paired_seeds.png").is_file()
    assert "**tuned** (seeds 0, 1, 2)" in md
    assert "**base** is a single run (one training seed, or an untrained model): its intervals cover prompt noise" in md


def test_group_numbers_are_the_seed_aware_estimators_on_the_per_prompt_curves(runs, report):
    _, rep, md = report
    tuned = _curves([runs / "tuned" / f"seed{s}" for s in range(3)])
    base = _curves([runs / "base"])
    g = rep["groups"]["tuned"]["metrics"]["pass"]
    ci = seed_bootstrap_ci(tuned, **BOX)
    np.testing.assert_allclose([g["mean"], g["lo"], g["hi"]], [ci.mean, ci.lo, ci.hi], rtol=1e-12)
    np.testing.assert_allclose(g["per_seed"], tuned.mean(axis=1), rtol=1e-12)
    c = rep["comparisons"]["tuned"]
    assert c["baseline"] == "base" and c["ks"] == list(range(1, 9))
    d, pi = paired_seed_difference(tuned, base, **BOX), probability_of_improvement(tuned, base, **BOX)
    m = c["metrics"]["pass"]
    np.testing.assert_allclose([m["mean"], m["lo"], m["hi"]], [d.mean, d.lo, d.hi], rtol=1e-12)
    assert m["significant"] == [bool(lo > 0 or hi < 0) for lo, hi in zip(d.lo, d.hi)]
    np.testing.assert_allclose([m["p_improve"][k] for k in ("mean", "lo", "hi")], [pi.mean, pi.lo, pi.hi])
    # the tables show them: group row, one row per seed, the difference and P(A > B)
    assert f"| tuned | pass | 3 | {g['mean'][0]:.3f} [{g['lo'][0]:.3f}, {g['hi'][0]:.3f}]" in md
    assert f"| ↳ seed 2 | pass |  | {g['per_seed'][2][0]:.3f} |" in md
    assert f"| tuned | pass | 3 vs 1 | {m['mean'][0]:+.3f} [{m['lo'][0]:+.3f}, {m['hi'][0]:+.3f}]" in md
    p = m["p_improve"]
    assert f"{p['mean'][0]:.2f} [{p['lo'][0]:.2f}, {p['hi'][0]:.2f}]" in md
    assert "P(A > B)" in rep["tables_markdown"] and "Seed-aware 95% CIs" in rep["tables_markdown"]


def test_single_seed_report_says_its_cis_cover_prompt_noise_only(runs, tmp_path):
    out = write_report([runs / "base", runs / "other_0"], tmp_path, n_boot=200)
    md, rep = out.read_text(), json.loads((tmp_path / "report.json").read_text())
    assert ("Each run here is a single run (one training seed, or an untrained model): its intervals cover prompt "
            "noise only") in md
    assert "## Training seeds" not in md and not (tmp_path / "seeds.png").exists()
    assert not any(g["seed_aware"] for g in rep["groups"].values())
    # with one seed the group statistics are the prompt-only ones of the per-run metrics
    run = rep["runs"]["other"]["per_temperature"]["1"]["pass"]
    g = rep["groups"]["other"]["metrics"]["pass"]
    np.testing.assert_allclose([g["mean"], g["lo"], g["hi"]], [run["mean"], run["lo"], run["hi"]], rtol=1e-12)
    c, paired = rep["comparisons"]["other"]["metrics"]["pass"], rep["paired"]["pass"]["other"]
    cols = [k - 1 for k in paired["ks"]]  # the same prompt draws: the prompt-only paired bootstrap exactly
    for key in ("mean", "lo", "hi", "significant"):
        np.testing.assert_allclose(np.array(c[key])[cols], paired[key], rtol=1e-12)
    assert set(rep["comparisons"]["other"]["metrics"]["pass"]["p_improve"]["mean"]) <= {0.0, 0.5, 1.0}


def test_same_name_runs_without_distinct_training_seeds_stay_separate(runs, tmp_path):
    groups = collect_groups([runs / "other_0", runs / "other_1"], ["x", "x"], load_run)
    assert [g.name for g in groups] == ["x"] and groups[0].seeds == [0, 1]
    groups = collect_groups([runs / "base", runs / "base"], ["x", "y"], load_run)
    assert [g.name for g in groups] == ["x", "y"]
    for name in ("a", "b"):  # no training seed: told apart by folder, as before groups existed
        _run(tmp_path / name, "same", 0.0, 1)
    names = [g.name for g in collect_groups([tmp_path / "a", tmp_path / "b"], None, load_run)]
    assert names == ["same (a)", "same (b)"]
    with pytest.raises(BonawareError, match="run names are not unique"):
        collect_groups([tmp_path / "a", tmp_path / "a"], None, load_run)
    with pytest.raises(BonawareError, match="--baseline 'zz' is not one of the runs"):
        write_report([runs / "base"], tmp_path / "r", baseline="zz")


def test_training_seed_comes_from_run_json_or_the_training_config(tmp_path):
    assert train_seed_of({"train_seed": 3}) == 3 and train_seed_of({}) is None
    (tmp_path / "config.json").write_text(json.dumps({"seed": 7}))
    assert train_seed_of({"train_dir": str(tmp_path)}) == 7
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(BonawareError, match="config.json:1: not valid JSON"):
        train_seed_of({"train_dir": str(tmp_path)})
    assert is_seed_folder(tmp_path) is False


def test_seed_folder_without_recorded_seeds_uses_the_folder_names(runs, tmp_path):
    for s in (1, 4):
        _run(tmp_path / "g" / f"seed{s}", "g", 0.1, s)  # run.json has train_seed null (older runs)
    (g,) = collect_groups([tmp_path / "g"], None, load_run)
    assert g.name == "g" and g.seeds == [1, 4] and g.member_names == ["g [seed 1]", "g [seed 4]"]
