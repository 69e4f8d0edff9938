"""Drawing N completions per prompt *with their log-probs*: HFSampler vs the usual transformers path.

* ``hf`` (the usual path): ``model.generate(do_sample=True, num_return_sequences=N)`` — every
  prompt is copied N times and all copies are prefilled — then the log-probs the trainer needs
  are recomputed by a full forward over prompt + completion (fp32 ``log_softmax`` over ``[N, L, V]``),
  one prompt's N sequences per forward. ``generate`` is the first half alone (no log-probs), shown
  so that the prefix-sharing gain can be told apart from the saved second pass.
* ``ours``: :class:`bonaware.sampling.HFSampler` — each prompt prefilled once, its KV cache shared
  by the N continuations, log-probs recorded while sampling (no second pass).

Same random-weight model of SmolLM2-135M's shape (30 layers, hidden 576, 9/3 heads, vocab 49,152,
fp32), same prompts, T = 1, top-p = 1, top-k off, no EOS (every completion has exactly
``--completion`` tokens, so both variants do the same amount of decoding). Each variant runs in its
own process; memory is the peak RSS above the RSS after the model is built (see _measure.py).

    PYTHONPATH=src python benchmarks/bench_sampling.py                      # 4 settings
    PYTHONPATH=src python benchmarks/bench_sampling.py --n 16 --ratio 4
"""

from __future__ import annotations

import argparse
import json
import time

from _measure import cpu_s, elapsed, peak_mb, random_llama, reset_peak, rss_mb, run_variant


def _tokenizer(vocab_size: int):
    """A word-level tokenizer over ``t0..t{V-1}`` (pad = t0, no EOS), enough to decode random ids."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel({f"t{i}": i for i in range(vocab_size)}, unk_token="t1"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="t0", unk_token="t1")


def child(args: argparse.Namespace) -> None:
    import torch

    from bonaware.sampling import HFSampler, SamplingParams, naive_sequence_logprobs

    torch.set_num_threads(args.threads)
    dev = args.device
    model = random_llama(dev, args.dtype, num_hidden_layers=args.layers)
    vocab = model.config.vocab_size
    tokenizer = _tokenizer(vocab)
    g = torch.Generator().manual_seed(0)
    prompts = [torch.randint(2, vocab, (args.prompt,), generator=g).tolist() for _ in range(args.prompts)]

    def ours(prompt_ids, new_tokens):
        sampler = HFSampler(model, tokenizer, batch_size=len(prompt_ids) * args.n, show_progress=False)
        out = sampler.sample(prompt_ids, SamplingParams(n=args.n, max_new_tokens=new_tokens, seed=0))
        return sum(len(c.token_ids) for row in out for c in row)

    def usual(prompt_ids, new_tokens):
        torch.manual_seed(0)
        ids = torch.tensor(prompt_ids, device=dev)  # equal lengths: no padding needed
        with torch.no_grad():
            seqs = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                do_sample=True,
                num_return_sequences=args.n,
                max_new_tokens=new_tokens,
                temperature=1.0,
                top_p=1.0,
                top_k=0,
                pad_token_id=0,
            )
            completions = seqs[:, ids.shape[1] :].view(len(prompt_ids), args.n, -1)
            if args.variant == "hf":  # the trainer's log-probs: a second, full pass
                for p, cs in zip(prompt_ids, completions):
                    naive_sequence_logprobs(model, p, cs.tolist())
        return completions.numel()

    run = ours if args.variant == "ours" else usual
    run([p[:8] for p in prompts], 2)  # warm-up
    base = rss_mb(dev)
    reset_peak(dev)
    start, cpu_start = time.perf_counter(), cpu_s()
    tokens = run(prompts, args.completion)
    seconds, cpu = elapsed(start, dev), cpu_s() - cpu_start
    if dev.startswith("cuda"):
        cpu = seconds  # on a GPU the host's CPU time is not the cost: compare synchronised wall time
    print(
        json.dumps(
            dict(
                variant=args.variant,
                seconds=seconds,
                cpu_s=cpu,
                tokens=tokens,
                base_mb=base,
                peak_mb=peak_mb(dev),
                working_mb=peak_mb(dev) - base,
            )
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--variant", choices=["ours", "hf", "generate"], default="ours", help=argparse.SUPPRESS
    )
    parser.add_argument("--prompt", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, nargs="+", default=[4, 16], help="completions per prompt")
    parser.add_argument(
        "--ratio", type=int, nargs="+", default=[4, 1], help="prompt:completion length ratios"
    )
    parser.add_argument("--completion", type=int, default=32, help="completion tokens")
    parser.add_argument("--prompts", type=int, default=2, help="prompts per call")
    parser.add_argument("--layers", type=int, default=30, help="decoder layers (30 = SmolLM2-135M)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (on cuda, 'cpu s' is synchronised GPU wall time "
                                                         "and memory is peak GPU allocation)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"], help="model weights")
    args = parser.parse_args()
    if args.child:
        args.n = args.n[0]
        return child(args)

    print(
        f"random Llama, SmolLM2-135M shape ({args.layers} layers), {args.dtype} on {args.device}, "
        f"{args.threads} thread(s); "
        f"{args.prompts} prompts x N completions of {args.completion} tokens; "
        "cpu s = user+sys CPU time of the measured call, wall s = its elapsed time"
    )
    print(
        " ".join(["P:C".rjust(8), "N".rjust(3), "variant", " cpu s", "wall s", "working MiB", "peak RSS MiB"])
    )
    for ratio in args.ratio:
        for n in args.n:
            prompt_len = ratio * args.completion
            flags = dict(
                n=n,
                prompt=prompt_len,
                completion=args.completion,
                prompts=args.prompts,
                layers=args.layers,
                threads=args.threads,
                device=args.device,
                dtype=args.dtype,
            )
            flags = [x for k, v in flags.items() for x in (f"--{k}", str(v))]
            res = {v: run_variant(__file__, ["--variant", v, *flags]) for v in ("hf", "generate", "ours")}
            for variant, r in res.items():
                print(
                    f"{prompt_len:>4}:{args.completion:<3} {n:>3} {variant:>7} {r['cpu_s']:>6.1f} "
                    f"{r['seconds']:>6.1f} {r['working_mb']:>11.0f} {r['peak_mb']:>12.0f}"
                )
            hf, gen, ours = res["hf"], res["generate"], res["ours"]
            cpu, wall = hf["cpu_s"] / ours["cpu_s"], hf["seconds"] / ours["seconds"]
            mem, peak = ours["working_mb"] / hf["working_mb"], ours["peak_mb"] / hf["peak_mb"]
            print(
                f"{'':>12} ours vs usual: {cpu:.2f}x less CPU time ({wall:.2f}x wall), "
                f"working memory {mem:.2f}x, peak RSS {peak:.2f}x"
            )
            cpu_g, mem_g = gen["cpu_s"] / ours["cpu_s"], ours["working_mb"] / gen["working_mb"]
            print(
                f"{'':>12} ours vs generate alone (no log-probs): {cpu_g:.2f}x less CPU time, "
                f"working memory {mem_g:.2f}x"
            )


if __name__ == "__main__":
    main()
