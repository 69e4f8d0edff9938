"""experiments/: every script parses, every shared config loads into its dataclass, and every
experiment is written up in docs/results.md with the command that reproduces it (issue 9)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from exp_scripts import load_script

from bonaware.config import from_dict, load_yaml
from bonaware.evaluation.config import EvalConfig
from bonaware.training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
EXP = ROOT / "experiments"
SCRIPTS = sorted(EXP.glob("*/*.sh"))


def test_every_numbered_experiment_has_a_run_script():
    folders = sorted(p for p in EXP.iterdir() if p.is_dir() and re.match(r"\d\d_", p.name))
    assert len(folders) >= 9
    assert all((f / "run.sh").is_file() for f in folders), [f.name for f in folders]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("script", SCRIPTS + [EXP / "common.sh"], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_script_is_valid_bash(script):
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.parametrize("name", ["tiny_train.yaml", "tiny_code_train.yaml", "09_smollm2_headline/train.yaml"])
def test_train_configs_load_and_validate(name):
    cfg = from_dict(TrainConfig, load_yaml(EXP / name), where=name)
    assert cfg.steps >= 1 and cfg.batch_prompts >= 1


@pytest.mark.parametrize("name", ["tiny_eval.yaml", "tiny_code_eval.yaml", "09_smollm2_headline/eval.yaml"])
def test_eval_configs_load_and_validate(name):
    cfg = from_dict(EvalConfig, load_yaml(EXP / name), where=name)
    assert cfg.n >= 1


def test_results_page_names_each_experiment_and_its_command():
    text = (ROOT / "docs" / "results.md").read_text()
    for script in SCRIPTS:
        rel = script.relative_to(ROOT).as_posix()
        assert f"bash {rel}" in text, f"docs/results.md does not give the command for {rel}"


def test_results_page_links_only_existing_files():
    text = (ROOT / "docs" / "results.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if target.startswith("http"):
            continue
        assert (ROOT / "docs" / target).exists(), f"docs/results.md links a missing file: {target}"


def test_summarize_prints_the_reports_own_numbers(tmp_path):
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "evaluation"))
    from eval_synth import write_synth

    from bonaware.evaluation.report import write_report

    for name, shift in (("base", 0.0), ("tuned", 0.25)):
        write_synth(tmp_path / name / "samples.jsonl", num_prompts=8, n=8, temperatures=(1.0,), seed=5, shift=shift)
    write_report([tmp_path / "base", tmp_path / "tuned"], tmp_path / "rep", n_boot=50)
    mod = load_script("summarize.py")
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    absolute = mod.table(rep, ["pass@1", "bon@8"])
    s = rep["runs"]["tuned"]["per_temperature"]["1"]["pass"]
    assert f"| tuned | {s['mean'][0]:.3f} [{s['lo'][0]:.3f}, {s['hi'][0]:.3f}] |" in absolute
    diff = mod.table(rep, ["pass@4"], diff=True)
    d = rep["paired"]["pass"]["tuned"]
    i = d["ks"].index(4)
    assert f"{d['mean'][i]:+.3f} [{d['lo'][i]:+.3f}, {d['hi'][i]:+.3f}]" in diff and "| base |" not in diff
    # tokens: the mean completion length the report's inference-cost section holds; no paired difference
    tokens = rep["runs"]["base"]["per_temperature"]["1"]["cost"]["completion_tokens_mean"]
    assert f"| base | {tokens:.1f} |" in mod.table(rep, ["tokens"])
    with pytest.raises(SystemExit, match="tokens has no paired difference"):
        mod.table(rep, ["pass@4", "tokens"], diff=True)
    with pytest.raises(SystemExit, match="neither inputs.json nor report.json"):
        mod.main(["table", str(tmp_path / "missing")])
    assert mod.main(["table", str(tmp_path / "rep"), "--metrics", "pass@2,maj@4"]) == 0


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_common_sh_publishes_every_evaluation_and_reports_from_the_committed_copies(tmp_path):
    import json
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "evaluation"))
    from eval_synth import write_synth

    bonaware = Path(sys.executable).parent / "bonaware"
    if not bonaware.exists():
        pytest.skip("needs the bonaware console script next to the interpreter")
    runs, results = tmp_path / "runs", tmp_path / "results"
    for name, seeds in (("base", [0]), ("tuned", [0, 1])):
        for s in seeds:
            d = runs / "03_x" / "eval" / name / f"seed{s}"
            write_synth(d / "samples.jsonl", num_prompts=6, n=4, temperatures=(1.0,), seed=s, shift=0.1 * s)
            (d / "run.json").write_text(json.dumps({"name": name, "train_seed": s}))
            (d / "metrics.json").write_text("{}")  # evaluated earlier, before compact files existed
    script = f"""
        source {EXP / 'common.sh'}
        for d in {runs}/03_x/eval/base/seed0 {runs}/03_x/eval/tuned/seed0 {runs}/03_x/eval/tuned/seed1; do
          evaluate "$d" --n 4
        done
        report {results}/03_x {runs}/03_x/eval/base {runs}/03_x/eval/tuned --verifier oracle --n_boot 50
    """
    env = {"PATH": "/usr/bin:/bin", "BONAWARE": str(bonaware), "RUNS": str(runs), "RESULTS": str(results),
           "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "HOME": str(tmp_path)}
    subprocess.run(["bash", "-c", script], check=True, env=env, cwd=ROOT, capture_output=True)
    data = results / "03_x" / "data"
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()) == [
        "base/seed0/samples.npz.xz", "tuned/seed0/samples.npz.xz", "tuned/seed1/samples.npz.xz"]
    inputs = json.loads((results / "03_x" / "inputs.json").read_text())
    assert inputs["runs"] == ["data/base", "data/tuned"]
    report = json.loads((results / "03_x" / "report.json").read_text())
    assert report["groups"]["tuned"]["seeds"] == [0, 1]
    # a seed evaluated before the report was written (elsewhere) but published after it: the report reads
    # the published copies, so it is stale and is rewritten with that seed
    d = runs / "03_x" / "eval" / "tuned" / "seed2"
    write_synth(d / "samples.jsonl", num_prompts=6, n=4, temperatures=(1.0,), seed=2, shift=0.2)
    (d / "run.json").write_text(json.dumps({"name": "tuned", "train_seed": 2}))
    (d / "metrics.json").write_text("{}")
    for f in d.iterdir():
        os.utime(f, (1.0e9, 1.0e9))  # older than the report
    script = f"""
        source {EXP / 'common.sh'}
        evaluate {d} --n 4
        report {results}/03_x {runs}/03_x/eval/base {runs}/03_x/eval/tuned --verifier oracle --n_boot 50
    """
    subprocess.run(["bash", "-c", script], check=True, env=env, cwd=ROOT, capture_output=True)
    report = json.loads((results / "03_x" / "report.json").read_text())
    assert report["groups"]["tuned"]["seeds"] == [0, 1, 2]


def test_choose_lr_scores_compact_val_runs_as_their_metrics_json(tmp_path, capsys):
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "evaluation"))
    from eval_synth import write_synth

    from bonaware.evaluation.compact import compact_run
    from bonaware.evaluation.metrics import write_metrics
    from bonaware.evaluation.samples import load_samples

    want = {}
    for lr, shift in (("1e-4", 0.0), ("3e-4", 0.2)):
        d = tmp_path / "full" / "grpo" / f"lr{lr}"
        write_synth(d / "samples.jsonl", num_prompts=7, n=8, temperatures=(1.0,), seed=2, shift=shift)
        e = write_metrics(load_samples(d), d, n_boot=20)["per_temperature"]["1"]
        want[lr] = 0.5 * (e["pass"]["mean"][3] + e["bon"]["noisy"]["mean"][3])
        compact_run(d, tmp_path / "data" / "grpo" / f"lr{lr}")
    mod = load_script("choose_lr.py")
    mod.main([str(tmp_path / "data"), "grpo", "--k", "4", "--verifier", "noisy"])
    best = max(want, key=want.get)
    assert capsys.readouterr().out.startswith(f"grpo {best}  val_score={want[best]:.4f}")


def test_the_code_experiment_tabulates_verdict_status_shares_first_and_last_steps(tmp_path, capsys):
    mod = load_script("14_code/statuses.py")
    run = tmp_path / "rl_s" / "seed1"
    run.mkdir(parents=True)
    rows = ["step,reward,status/passed,status/failed,status/error,status/timeout,status/oom,status/other"]
    rows += [f"{s},0.1,0.1,0.8,0.1,0.0,0.0,0.0" for s in range(1, 4)]   # first steps: 10% error
    rows += [f"{s},0.2,0.2,0.5,0.0,0.3,0.0,0.0" for s in range(4, 7)]   # last steps: 30% timeout
    (run / "metrics.csv").write_text("\n".join(rows) + "\n")
    assert mod.main([str(tmp_path), "--window", "3"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == ("| rl_s | 1 | 6 | 0.100→0.200 | 0.800→0.500 | 0.100→0.000 | 0.000→0.300 | 0.000→0.000 "
                    "| 0.000→0.000 |")
    assert mod.main([str(tmp_path / "nothing")]) == 2


def test_the_code_experiment_s_saved_status_copy_reads_back_to_the_same_table(tmp_path, capsys):
    mod = load_script("14_code/statuses.py")
    run = tmp_path / "train" / "grpo" / "seed0"
    run.mkdir(parents=True)
    rows = ["step,loss,status/passed,status/failed,status/error,status/timeout,status/oom,status/other"]
    rows += [f"{s},0.5,0.25,0.5,0.25,0.0,0.0,0.0" for s in range(1, 5)]
    (run / "metrics.csv").write_text("\n".join(rows) + "\n")
    assert mod.main([str(tmp_path / "train"), "--save", str(tmp_path / "saved")]) == 0
    first = capsys.readouterr().out
    saved = (tmp_path / "saved" / "grpo" / "seed0" / "metrics.csv").read_text().splitlines()
    assert saved[0] == "step,status/passed,status/failed,status/error,status/timeout,status/oom,status/other"
    assert mod.main([str(tmp_path / "saved")]) == 0
    assert capsys.readouterr().out == first


def test_training_summary_calls_a_run_collapsed_only_when_its_windowed_reward_halves_or_goes_non_finite():
    mod = load_script("train_curves.py")
    w = mod.WINDOW

    def rows(rewards, grads=None):
        grads = grads or [1.0] * len(rewards)
        return [{"step": i + 1, "reward": r, "grad_norm": g, "mean_abs_weight": 0.5, "frac_all_wrong": 0.25}
                for i, (r, g) in enumerate(zip(rewards, grads))]

    # one lucky batch (0.9) in a flat run: the single-best-step rule called this diverged; the windowed rule does not
    noisy = [0.2] * (3 * w)
    noisy[w] = 0.9
    assert not mod.run_stats(rows(noisy))["collapsed"]
    # the reward falls from 0.4 to 0.1 and stays there: collapsed
    assert mod.run_stats(rows([0.4] * (2 * w) + [0.1] * (2 * w)))["collapsed"]
    # a non-finite gradient norm anywhere: collapsed
    grads = [1.0] * (2 * w)
    grads[3] = float("nan")
    assert mod.run_stats(rows([0.2] * (2 * w), grads))["collapsed"]
    # gradient-norm columns: median, max, and the steps above 10x the median
    st = mod.run_stats(rows([0.2] * 5, [1.0, 1.0, 2.0, 50.0, 1.0]))
    assert (st["median_grad_norm"], st["max_grad_norm"], st["spikes"]) == (1.0, 50.0, 1)
    assert (st["mean_abs_weight"], st["frac_all_wrong"]) == (0.5, 0.25)


def test_training_curves_collect_the_logs_into_one_csv_that_the_summary_and_plot_read(tmp_path, capsys):
    mod = load_script("train_curves.py")
    for name, seed in (("bon_rlb_16", 0), ("grpo", 1)):
        run = tmp_path / "train" / name / f"seed{seed}"
        run.mkdir(parents=True)
        lines = ["step,loss,reward,grad_norm,obj/mean_abs_weight,obj/frac_all_wrong"]
        lines += [f"{s},0.0,0.25,{2.0 if s % 2 else 1.0},0.125,{0.5 if s < 3 else 0.0}" for s in range(1, 5)]
        (run / "metrics.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "train" / "grpo" / "seed2").mkdir()  # started elsewhere, nothing logged yet: left out
    mod.main(["collect", str(tmp_path / "train")])
    csv_path = tmp_path / "training.csv"
    csv_path.write_text(capsys.readouterr().out)
    mod.main(["summary", str(csv_path)])
    out = capsys.readouterr().out.splitlines()
    assert out[2] == "| bon_rlb_16 | 0 | 0.250 | 0.250 | 0.125 | 0.25 | 2 | 2 | 0 | no |"
    assert out[3] == "| grpo | 1 | 0.250 | 0.250 | 0.125 | 0.25 | 2 | 2 | 0 | no |"
    # runs named <method>_<N'> get one column per N', the others one of their own
    mod.main(["plot", str(csv_path), str(tmp_path / "training.png"), "--clip", "1"])
    assert (tmp_path / "training.png").stat().st_size > 0
