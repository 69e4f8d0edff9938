"""One GRPO training step: bonaware's trainer vs ``trl.GRPOTrainer`` on the same model, batch and N.

Both run GRPO advantages (our ``--method=grpo``; TRL's default group normalisation) on the
embedded ``tiny`` model (char-level Llama, 4 layers, hidden 64, fp32, CPU), the ``arith`` task and
the oracle reward, B prompts × N completions of at most M new tokens, no KL term (TRL's default
``beta=0``; ours with the KL delay past the run). A step is sampling + scoring + loss + AdamW step.
The first step of each is a warm-up and not timed; the reported time is the median over the
remaining steps (wall and process CPU seconds; the machine may be shared). Completions may differ in
length (ours stops at the task's stop string, TRL only at EOS or M), so TRL's mean completion length
is printed too (ours is at most M).

    PYTHONPATH=src python benchmarks/bench_train_step.py                    # B=8, N=8, M=8, 4 steps
    PYTHONPATH=src python benchmarks/bench_train_step.py --B 16 --N 4 --steps 6
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from _measure import cpu_s


def ours(args: argparse.Namespace, out: str) -> dict:
    from bonaware.training.config import TrainConfig
    from bonaware.training.trainer import Trainer

    cfg = TrainConfig(model="tiny", task="arith", method="grpo", batch_prompts=args.B, n_prime=args.N,
                      max_new_tokens=args.M, steps=args.steps, kl_delay=10**6, ckpt_every=0, device="cpu",
                      out=out, seed=0)
    trainer = Trainer(cfg, progress=False)
    walls, cpus, zero_info = [], [], []
    for step in range(args.steps):
        w0, c0 = time.perf_counter(), cpu_s()
        metrics, _ = trainer.train_step()
        trainer.step += 1
        if step:  # the first step warms up
            walls.append(time.perf_counter() - w0)
            cpus.append(cpu_s() - c0)
            zero_info.append(metrics["frac_zero_info"])
    # groups with all-equal rewards get zero GRPO weight; ours skips their log-prob passes, TRL does not
    return {**_summary("bonaware Trainer (grpo)", walls, cpus, args), "frac_zero_info": statistics.mean(zero_info)}


def trl(args: argparse.Namespace, out: str) -> dict:
    import datasets
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from bonaware.integrations.trl import problems_dataset, verifier_reward_fn
    from bonaware.models import load_model

    model, tok = load_model("tiny", device="cpu")
    rows = problems_dataset("arith", "train", n=max(64, args.B * args.steps), seed=0, tokenizer=tok)
    walls: list[float] = []
    cpus: list[float] = []

    class Clock(TrainerCallback):
        def on_step_begin(self, *a, **k):
            self.w0, self.c0 = time.perf_counter(), cpu_s()

        def on_step_end(self, *a, **k):
            walls.append(time.perf_counter() - self.w0)
            cpus.append(cpu_s() - self.c0)

    cfg = GRPOConfig(output_dir=out, per_device_train_batch_size=args.B * args.N, num_generations=args.N,
                     max_completion_length=args.M, max_steps=args.steps, learning_rate=3e-4, report_to="none",
                     use_cpu=True, save_strategy="no", logging_steps=1, seed=0, dataloader_num_workers=0,
                     disable_tqdm=True)
    trainer = GRPOTrainer(model=model, args=cfg, processing_class=tok, train_dataset=datasets.Dataset.from_list(rows),
                          reward_funcs=[verifier_reward_fn("arith", "oracle")], callbacks=[Clock()])
    trainer.train()
    lengths = [row["completions/mean_length"] for row in trainer.state.log_history if "completions/mean_length" in row]
    return {**_summary("trl.GRPOTrainer", walls[1:], cpus[1:], args), "mean_completion_len": statistics.mean(lengths)}


def _summary(name: str, walls: list[float], cpus: list[float], args: argparse.Namespace) -> dict:
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {"variant": name, "step_wall_s": wall, "step_cpu_s": cpu, "samples_per_s": args.B * args.N / wall,
            "timed_steps": len(walls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--B", type=int, default=8, help="prompts per step")
    parser.add_argument("--N", type=int, default=8, help="completions per prompt")
    parser.add_argument("--M", type=int, default=8, help="max new tokens per completion")
    parser.add_argument("--steps", type=int, default=4, help="steps per variant (the first is not timed)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()
    if args.steps < 2:
        parser.error("--steps must be >= 2 (the first step is a warm-up)")
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        results = [ours(args, d1), trl(args, d2)]
    print(f"B={args.B} N={args.N} M={args.M} threads={args.threads}")
    print(f"{'variant':<26} {'step wall s':>12} {'step CPU s':>11} {'samples/s':>10}")
    for r in results:
        print(f"{r['variant']:<26} {r['step_wall_s']:>12.3f} {r['step_cpu_s']:>11.3f} {r['samples_per_s']:>10.1f}")
    print(f"ours: fraction of zero-information groups (skipped in the loss pass): {results[0]['frac_zero_info']:.2f}")
    print(f"TRL mean completion length: {results[1]['mean_completion_len']:.1f} tokens (max {args.M})")
    print(f"ratio samples/s ours/trl: {results[0]['samples_per_s'] / results[1]['samples_per_s']:.2f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
