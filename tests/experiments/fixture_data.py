"""The committed fixture of tests/experiments: compact run data, report folders, claims and a results page.

    python tests/experiments/fixture_data.py      # rewrites tests/experiments/fixtures/ (then commit it)

Synthetic evaluation runs on the same 12 prompts: a latent success probability per prompt (shared by
every run, so comparisons are paired), moved by each run group's ``shift`` and by a per-seed offset
(training-seed variation). Groups: ``base`` (one run), ``better``, ``worse`` and ``same`` (three
training seeds each, in ``seed<k>/`` folders). Only the compact ``samples.npz.xz`` files are written.
The tables of ``results.md`` and ``claims.md`` are then filled in by
``experiments/summarize.py check --write``: the tests regenerate them from the data and must get them
back exactly; they also check the numbers against the estimators and that edits are caught.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

from bonaware.evaluation.compact import COMPACT_FILE, write_compact
from bonaware.evaluation.report import write_report
from bonaware.evaluation.samples import group_rows, make_row

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
ROOT = HERE.parents[1]
PROMPTS, N, TEMPERATURES = 12, 8, (0.7, 1.0)
GROUPS = {"base": (0.0, [0]), "better": (0.3, [0, 1, 2]), "worse": (-0.3, [0, 1, 2]), "same": (0.0, [0, 1, 2])}
TRAINING = {"method": "bon_rlb_p", "n_prime": 8, "steps": 10, "logged_rows": 10, "tokens": 12800.0,
            "tokens_source": "tokens", "seconds": 4.0, "flops": 7.7e10, "train_dir": "runs/fixture/train"}


def run_rows(group: str, seed: int) -> list[dict]:
    """The samples rows of one run: a seed-dependent offset on top of the group's shift."""
    shift, _ = GROUPS[group]
    latent = np.random.default_rng(0).uniform(0.05, 0.7, PROMPTS)
    rng = np.random.default_rng([sorted(GROUPS).index(group), seed])
    offset = 0.0 if group == "base" else rng.normal(0, 0.04)
    rows = []
    for t in TEMPERATURES:
        for i in range(PROMPTS):
            p = float(np.clip(latent[i] * (1.3 - 0.4 * t) + shift + offset, 0.0, 1.0))
            correct = (rng.random(N) < p).astype(int)
            answers = [str(i) if c else (None if rng.random() < 0.1 else f"w{rng.integers(1 + int(4 * t))}")
                       for c in correct]
            texts = [f"{a} is the answer" + " x" * int(rng.integers(0, 3)) for a in answers]
            scores = {"noisy": [float(s) for s in np.round(correct + rng.normal(0, 0.8, N), 1)],
                      "oracle": [float(c) for c in correct]}
            rows.append(make_row(f"p{i:02d}", t, texts, correct, scores, answers,
                                 [int(x) for x in rng.integers(2, 9, N)], 6 + i % 3))
    return rows


def write_runs(root: Path) -> dict[str, list[Path]]:
    """Every group's run folders under ``root/exp/data`` (compact files only)."""
    folders = {}
    for group, (_, seeds) in GROUPS.items():
        folders[group] = []
        for seed in seeds:
            folder = root / "exp" / "data" / group / (f"seed{seed}" if len(seeds) > 1 else "")
            meta = {"name": group, "model": f"fixture/{group}", "task": "synthetic", "seed": 0, "train_seed": seed,
                    "num_params": 1000}
            samples = group_rows(((r, "fixture") for r in run_rows(group, seed)), meta=meta)
            samples.training = None if group == "base" else {**TRAINING, "method": group}
            folder.mkdir(parents=True, exist_ok=True)
            write_compact(samples, folder / COMPACT_FILE)
            folders[group].append(folder)
    return folders


def write_reports(root: Path, runs: dict[str, list[Path]]) -> None:
    """Report folders keeping only inputs.json (what a results page commits besides report.md)."""
    seed0 = [runs[g][0] for g in ("base", "better", "worse", "same")]
    specs = {"exp/report": (seed0, {}), "exp/vs_same": (seed0[1:], {"baseline": "same"}),
             "exp/sub/a": ([runs["base"][0], runs["better"][1]], {"verifier": "oracle"}),
             "exp/sub/b": ([runs["base"][0], runs["worse"][1]], {"verifier": "oracle"}),
             # run groups: the seed folders themselves (bonaware report reads each as one group)
             "exp/groups": ([runs["base"][0]] + [runs[g][0].parent for g in ("better", "worse", "same")],
                            {"verifier": "noisy"})}
    for rel, (dirs, options) in specs.items():
        out = root / rel
        write_report(dirs, out, n_boot=200, make_plots=False, **options)
        for f in out.iterdir():
            if f.name != "inputs.json":
                f.unlink()


def main() -> int:
    results = FIXTURES / "results"
    if results.exists():
        shutil.rmtree(results)
    write_reports(results, write_runs(results))
    sys.path.insert(0, str(ROOT / "experiments"))
    import summarize

    for page in ("results.md", "claims.md"):
        if summarize.main(["check", str(FIXTURES / page), "--write"]) != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
