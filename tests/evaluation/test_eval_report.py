"""``bonaware report``: files, numbers consistent with the samples, errors; ``bonaware eval`` config."""

import json

import numpy as np
import pytest
from eval_synth import write_synth

from bonaware.cli.main import main
from bonaware.config import parse_config
from bonaware.errors import BonawareError
from bonaware.evaluation.compare import paired_comparison
from bonaware.evaluation.config import EvalConfig
from bonaware.evaluation.generate import find_train_dir
from bonaware.evaluation.metrics import compute_metrics
from bonaware.evaluation.report import load_run, weight_curves, write_report
from bonaware.io import write_json_atomic

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    train = d / "train_tuned"
    train.mkdir()
    (train / "metrics.csv").write_text("step,tokens_per_s,step_seconds\n1,100,2\n2,100,2\n")
    (train / "final").mkdir()
    for name, shift in (("base", 0.0), ("tuned", 0.25)):
        write_synth(d / name / "samples.jsonl", num_prompts=10, n=8, temperatures=(0.5, 1.0), seed=4, shift=shift)
        write_json_atomic(d / name / "run.json", {"name": name, "model": name, "task": "synth", "num_params": 500,
                                                  "train_dir": find_train_dir(str(train / "final")) if shift else None})
    return d


@pytest.fixture(scope="module")
def report(runs):
    out = runs / "report"
    assert main([  "report", str(runs / "base"), str(runs / "tuned"), "--out", str(out), "--n_boot", "200"]) == 0
    return out, json.loads((out / "report.json").read_text()), (out / "report.md").read_text()


def test_report_writes_markdown_json_and_every_png_it_links(report):
    out, _, md = report
    linked = [line.split("(")[1].rstrip(")") for line in md.splitlines() if line.startswith("![")]
    assert {"curves.png", "paired.png", "compute.png", "pfail.png", "verifiers.png", "diversity.png", "weights.png",
            "heatmap_0.png", "heatmap_1.png", "coscaling_0.png", "coscaling_1.png"} == set(linked)
    for name in linked:
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000
    for section in ("## Best-of-N and pass@N vs N", "## Paired differences vs base", "## Co-scaling",
                    "## Compute efficiency", "## Per-prompt failure probability", "## Verifier quality",
                    "## Diversity", "## BoN-RLB weights"):
        assert section in md


def test_single_temperature_runs_get_no_degenerate_heatmap_or_coscaling_plot(tmp_path):
    for name, shift in (("base", 0.0), ("tuned", 0.25)):
        write_synth(tmp_path / name / "samples.jsonl", num_prompts=6, n=8, temperatures=(1.0,), seed=3, shift=shift)
    out = write_report([tmp_path / "base", tmp_path / "tuned"], tmp_path / "report", n_boot=50)
    md = out.read_text()
    assert not list(out.parent.glob("heatmap_*.png")) and not list(out.parent.glob("coscaling_*.png"))
    assert "heatmap" not in md and "one sampling temperature" in md
    assert "| pass | 1 |" in md  # the co-scaling fit table is still there


def test_report_numbers_are_recomputed_from_the_samples(runs, report):
    _, rep, md = report
    assert rep["baseline"] == "base" and rep["temperature"] == 1.0 and rep["verifier"] == "noisy"
    box = {"level": 0.95, "n_boot": 200, "seed": 0}
    sets = {name: load_run(runs / name) for name in ("base", "tuned")}
    for name, s in sets.items():
        want = json.loads(json.dumps(compute_metrics(s, **box)))
        assert rep["runs"][name]["per_temperature"] == want["per_temperature"]
    diff = paired_comparison(sets, "base", temperature=1.0, metric="bon", verifier="noisy", ks=[1, 2, 4, 8], **box)
    assert rep["paired"]["bon"] == diff
    e = rep["runs"]["tuned"]["per_temperature"]["1"]["bon"]["noisy"]
    assert f"| tuned | BoN [noisy] | {e['mean'][0]:.3f} [{e['lo'][0]:.3f}, {e['hi'][0]:.3f}]" in md
    assert [sv["N"] for sv in rep["savings"]["tuned"]] == [1, 2, 4, 8]
    pf = rep["p_fail"]["tuned"]
    assert pf["easier"] + pf["harder"] + pf["same"] == 10
    assert rep["training"]["tuned"]["tokens"] == 400 and "base" not in rep["training"]
    assert rep["training"]["tuned"]["flops"] == 6 * 500 * 400 and "Training compute" in md
    # the headline tables alone, for the demo's terminal output
    assert rep["tables_markdown"].startswith("At T = 1:") and "| tuned | BoN [noisy] |" in rep["tables_markdown"]
    assert "Difference vs base" in rep["tables_markdown"]


def test_weight_curves_match_the_paper_table():
    w = weight_curves([8, 32], np.array([0.5, 0.9, 0.99]))  # paper.md §3.3 table
    np.testing.assert_allclose(w[8]["g_plus"], [0.063, 6.72, 96.5], rtol=0.01)
    np.testing.assert_allclose(w[8]["g_minus"], [8, 72, 792], rtol=1e-9)
    np.testing.assert_allclose(w[32]["g_bar_plus"], [7.5e-9, 0.126, 0.852], rtol=0.01)


def test_report_errors_name_the_problem(runs, tmp_path):
    with pytest.raises(BonawareError, match="does not exist"):
        write_report([runs / "base", tmp_path / "nope"], tmp_path / "r")
    with pytest.raises(BonawareError, match=r"--temperature 0.7 is not shared by all runs"):
        write_report([runs / "base"], tmp_path / "r", temperature=0.7)
    with pytest.raises(BonawareError, match="--verifier 'x' is not in every run"):
        write_report([runs / "base"], tmp_path / "r", verifier="x")
    with pytest.raises(BonawareError, match="--names has 1 names for 2 run folders"):
        write_report([runs / "base", runs / "tuned"], tmp_path / "r", names=["a"])
    with pytest.raises(BonawareError, match="--baseline 'z'"):
        write_report([runs / "base"], tmp_path / "r", baseline="z")


def test_eval_config_parses_flags_and_rejects_bad_values():
    cfg = parse_config(EvalConfig, ["--n=8", "--temperatures=0.5,1", "--verifier=noisy:target_auc=0.7,oracle",
                                    "--num_prompts=none"])
    assert cfg.n == 8 and cfg.temperatures == [0.5, 1.0] and cfg.num_prompts is None
    assert cfg.verifier == ["noisy:target_auc=0.7", "oracle"]
    assert EvalConfig().verifier == ["noisy:target_auc=0.85"] and EvalConfig().model == "tiny"
    with pytest.raises(BonawareError, match="--temperatures repeats a value"):
        parse_config(EvalConfig, ["--temperatures=1,1"])
    with pytest.raises(BonawareError, match="--n must be >= 1"):
        parse_config(EvalConfig, ["--n=0"])


def test_find_train_dir_only_for_a_final_folder_next_to_metrics_csv(runs, tmp_path):
    assert find_train_dir(str(runs / "train_tuned" / "final")) == str((runs / "train_tuned").resolve())
    assert find_train_dir(str(runs / "base")) is None and find_train_dir("tiny") is None


def test_verifier_specs_parse_into_name_and_options():
    from bonaware.verifiers import parse_verifier_spec

    assert parse_verifier_spec("oracle") == ("oracle", {})
    assert parse_verifier_spec("noisy:target_auc=0.85:seed=2") == ("noisy", {"target_auc": 0.85, "seed": 2})
    with pytest.raises(BonawareError, match="'x' is not key=value"):
        parse_verifier_spec("noisy:x")
