"""Peak memory of log-prob scoring for training: chunked ``sequence_logprobs`` vs the naive path.

Naive: ``model(prompt + completion).logits`` for N rows, fp32 ``log_softmax`` over the full
``[N, L, V]`` tensor, gather the targets, backward. Ours: prompt once, completions against the
shared cache, ``lm_head`` + fp32 log-softmax ``chunk_size`` positions at a time under checkpoint.
Both run forward + backward of ``sum(log-probs)`` (gradients for every parameter) on a random
Llama with SmolLM2-135M's vocabulary (49,152) and width (576); ``--layers`` sets the depth
(30 = the full SmolLM2-135M shape; 2 = the scorer's own memory, where the logits dominate).
Each variant runs in its own process; memory is peak RSS above the RSS after setup (see _measure.py).
A third variant, ``decoder``, runs only the decoder part of ours (shared-prompt hidden states,
backward from their sum): subtracting it shows what the log-prob head itself costs.

    PYTHONPATH=src python benchmarks/bench_logprobs.py                 # both depths
    PYTHONPATH=src python benchmarks/bench_logprobs.py --layers 2
"""

from __future__ import annotations

import argparse
import json
import time

from _measure import elapsed, peak_mb, random_llama, reset_peak, rss_mb, run_variant


def child(args: argparse.Namespace) -> None:
    import torch

    from bonaware.sampling import hf_model, logprobs, naive_sequence_logprobs, sequence_logprobs

    torch.set_num_threads(args.threads)
    dev = args.device
    model = random_llama(dev, args.dtype, num_hidden_layers=args.layers)
    if args.train == "body":  # LoRA-like: the (tied) embedding / lm_head matrix gets no gradient
        model.get_output_embeddings().weight.requires_grad_(False)
    if args.checkpointing:  # HF activation checkpointing: decoder layers recomputed in backward
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        model.train()  # checkpointing acts in train mode only; the random config has no dropout
    g = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size
    prompt = torch.randint(1, vocab, (args.prompt_len,), generator=g).tolist()  # ids: built on the CPU
    completions = [
        torch.randint(1, vocab, (args.length - args.prompt_len,), generator=g).tolist() for _ in range(args.n)
    ]

    def run(p, cs):
        if args.variant == "decoder":  # the decoder's own share: shared-prompt hidden states, no head
            body, _ = hf_model.decoder_and_head(model)
            targets, mask = hf_model.right_pad(cs, 0, torch.device(dev))
            if hf_model.hf_checkpointing_active(model):
                hidden = logprobs._hidden_recompute_prompt(body, p, targets, mask)
            else:
                hidden = logprobs._hidden_shared_prompt(model, body, p, targets, mask)
            hidden.sum().backward()
            return hidden.detach().sum(-1)
        if args.variant == "chunked":
            lp = sequence_logprobs(model, p, cs, chunk_size=args.chunk_size)
        else:
            lp = naive_sequence_logprobs(model, p, cs)
        lp.sum().backward()
        return lp.detach()

    run(prompt[:4], [c[:4] for c in completions])  # warm-up: kernels, allocator
    model.zero_grad(set_to_none=True)
    base = rss_mb(dev)
    reset_peak(dev)
    start = time.perf_counter()
    lp = run(prompt, completions)
    seconds = elapsed(start, dev)
    print(
        json.dumps(
            dict(
                variant=args.variant,
                layers=args.layers,
                train=args.train,
                seconds=seconds,
                base_mb=base,
                peak_mb=peak_mb(dev),
                working_mb=peak_mb(dev) - base,
                logp_sum=float(lp.double().sum()),
            )
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--variant", choices=["chunked", "naive", "decoder"], default="chunked", help=argparse.SUPPRESS
    )
    parser.add_argument("--layers", type=int, nargs="+", default=[2, 30], help="decoder depths to measure")
    parser.add_argument("--n", type=int, default=4, help="completions per prompt")
    parser.add_argument("--length", type=int, default=512, help="prompt + completion tokens per row")
    parser.add_argument("--prompt-len", type=int, default=64, help="prompt tokens")
    parser.add_argument("--chunk-size", type=int, default=256, help="sequence_logprobs chunk_size")
    parser.add_argument(
        "--train",
        nargs="+",
        choices=["full", "body"],
        default=["body", "full"],
        help="which parameters get gradients: all, or all but the embedding/lm_head matrix",
    )
    parser.add_argument("--checkpointing", action="store_true", help="enable HF activation checkpointing")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (memory: peak RSS, or peak GPU allocation)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"], help="model weights")
    args = parser.parse_args()
    if args.child:
        args.layers, args.train = args.layers[0], args.train[0]
        return child(args)

    full_logits_mb = args.n * args.length * 49152 * 4 / 2**20
    print(
        f"N={args.n}, length={args.length} (prompt {args.prompt_len}), vocab 49152, hidden 576, "
        f"{args.device}, {args.dtype}, chunk_size={args.chunk_size}, "
        f"activation checkpointing {'on' if args.checkpointing else 'off'}; "
        f"one fp32 [N, L, V] logits tensor = {full_logits_mb:.0f} MiB"
    )
    peak_name = "peak GPU MiB" if args.device.startswith("cuda") else "peak RSS MiB"
    print(f"{'layers':>6} {'grads':>5} {'variant':>8} {'time s':>7} {'working MiB':>12} {peak_name:>13}")
    common = [
        "--n",
        str(args.n),
        "--length",
        str(args.length),
        "--prompt-len",
        str(args.prompt_len),
        "--chunk-size",
        str(args.chunk_size),
        "--threads",
        str(args.threads),
        "--device",
        args.device,
        "--dtype",
        args.dtype,
        *(["--checkpointing"] if args.checkpointing else []),
    ]
    for layers in args.layers:
        for train in args.train:
            res = {}
            for variant in ("naive", "chunked", "decoder"):
                r = run_variant(
                    __file__, ["--variant", variant, "--layers", str(layers), "--train", train, *common]
                )
                res[variant] = r
                print(
                    f"{layers:>6} {train:>5} {variant:>8} {r['seconds']:>7.1f} {r['working_mb']:>12.0f} "
                    f"{r['peak_mb']:>13.0f}"
                )
            naive, ours = res["naive"], res["chunked"]
            rel = abs(naive["logp_sum"] - ours["logp_sum"]) / abs(naive["logp_sum"])
            mem, peak = ours["working_mb"] / naive["working_mb"], ours["peak_mb"] / naive["peak_mb"]
            print(
                f"{'':>13} chunked/naive: working memory {mem:.2f}x, peak {peak:.2f}x, "
                f"time {ours['seconds'] / naive['seconds']:.2f}x (sum log-prob rel. diff {rel:.1e})"
            )


if __name__ == "__main__":
    main()
