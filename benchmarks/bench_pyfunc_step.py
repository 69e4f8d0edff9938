"""One RL step on the ``pyfunc`` code task: where the time goes (sampling / verifying / update).

Runs bonaware's trainer on a pyfunc model (default the embedded ``tiny-code``) with B prompts × N
samples, and splits each step's wall and CPU time into *sampling* (``Trainer._sample``),
*verifying* (``Trainer._score``: the oracle, and the verifier for verifier-scored methods) and the
rest (*update*: weights, log-probs, backward, AdamW, value head). The same steps are run with the
task's checker on its fast path (``pyfunc``: known bodies judged without a sandbox run) and without
it (``fast=False``: every distinct program in the sandbox, as the ``code`` verifier), side by side,
so the ratio is measured on one machine at one time. First step not timed; medians of the rest.
Also printed: the share of samples the fast path judged, and the status shares of the last step.

    PYTHONPATH=src python benchmarks/bench_pyfunc_step.py                      # B=16, N=8, 6 steps
    PYTHONPATH=src python benchmarks/bench_pyfunc_step.py --method grpo --steps 4 --model /path/to/model
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from _measure import cpu_s


def run(args: argparse.Namespace, checker: str, out: str) -> dict:
    import torch

    from bonaware.training.config import TrainConfig
    from bonaware.training.trainer import Trainer
    from bonaware.verifiers import get_verifier, parse_verifier_spec

    torch.set_num_threads(1)
    cfg = TrainConfig(model=args.model, task="pyfunc", task_args=args.task_args, method=args.method,
                      batch_prompts=args.B, n_prime=args.N, max_new_tokens=args.M, steps=args.steps, ckpt_every=0,
                      device="cpu", out=out, seed=args.seed, verifier=args.verifier)
    trainer = Trainer(cfg, progress=False)
    trainer.oracle = get_verifier("oracle", trainer.task, fast=checker == "fast")  # the task's checker: pyfunc
    if trainer.verifier is not None and checker != "fast":  # e.g. public_tests: its runs in the sandbox too
        name, kwargs = parse_verifier_spec(args.verifier)
        trainer.verifier = get_verifier(name, trainer.task, **kwargs, fast=False)
    spent: dict[str, list[float]] = {"sample": [0.0, 0.0], "verify": [0.0, 0.0]}

    def timed(name, fn):
        def wrapper(*a, **k):
            w0, c0 = time.perf_counter(), cpu_s()
            try:
                return fn(*a, **k)
            finally:
                spent[name][0] += time.perf_counter() - w0
                spent[name][1] += cpu_s() - c0
        return wrapper

    trainer._sample = timed("sample", trainer._sample)
    trainer._score = timed("verify", trainer._score)
    rows = []
    for step in range(args.steps):
        for v in spent.values():
            v[:] = [0.0, 0.0]
        w0, c0 = time.perf_counter(), cpu_s()
        metrics, _ = trainer.train_step()
        trainer.step += 1
        wall, cpu = time.perf_counter() - w0, cpu_s() - c0
        if step:
            rows.append({"step_wall": wall, "step_cpu": cpu, "sample_wall": spent["sample"][0],
                         "verify_wall": spent["verify"][0], "verify_cpu_self": spent["verify"][1],
                         "update_wall": wall - spent["sample"][0] - spent["verify"][0], "reward": metrics["reward"]})
    known, sandboxed = trainer.oracle.checker.known, trainer.oracle.checker.sandboxed
    med = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0]}
    med["fast_path_share"] = round(known / max(1, known + sandboxed), 3)
    med["last_statuses"] = {k: round(v, 3) for k, v in metrics.items() if k.startswith("status/")}
    return {"checker": checker, **med}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tiny-code")
    parser.add_argument("--method", default="bon_rlb_p")
    parser.add_argument("--verifier", default="public_tests", help="the verifier of verifier-scored methods")
    parser.add_argument("--task_args", default="families=affine,pair,nonlin,cond")
    parser.add_argument("--B", type=int, default=16)
    parser.add_argument("--N", type=int, default=8)
    parser.add_argument("--M", type=int, default=48)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkers", default="fast,sandbox", help="fast: the pyfunc checker's fast path; "
                        "sandbox: every sample in the code sandbox (fast=False, i.e. the code verifier)")
    args = parser.parse_args()
    for checker in args.checkers.split(","):
        with tempfile.TemporaryDirectory() as out:
            print(json.dumps(run(args, checker, out)), flush=True)


if __name__ == "__main__":
    main()
