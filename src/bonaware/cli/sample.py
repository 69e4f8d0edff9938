"""Sample n completions per prompt of a task into a JSON Lines file (resumable); no scoring.

One row per prompt: ``problem_id``, ``prompt`` (the formatted model input), ``temperature``,
``completions`` (n strings), ``n_tokens``, ``finish_reasons``, ``prompt_tokens``. The settings go
to ``<out>.run.json`` (e.g. ``samples.run.json``). Score the file with ``bonaware verify`` (it
reads ``problem_id`` + ``completions``) and train a verifier on the result with
``bonaware train-verifier``. See docs/sampling.md.

Resumable, and seeded like ``bonaware eval`` (:func:`bonaware.evaluation.generate.chunk_seed`):
prompts are sampled in fixed chunks of ``batch_prompts`` with a seed derived from (seed,
temperature, chunk), only chunks with a missing row are sampled again, and only missing rows are
appended — so a killed and restarted run writes exactly the rows of an uninterrupted one (and the
same completions ``bonaware eval`` draws with the same settings).

Examples:
  bonaware sample --model tiny --task arith --n 16 --temperature 1.0 --num_prompts 200 --out samples.jsonl
  bonaware verify --samples samples.jsonl --out scored.jsonl      # the task comes from samples.run.json
  bonaware train-verifier --samples scored.jsonl --task arith --out runs/verifier
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tqdm.auto import tqdm

from bonaware.config import add_config_arguments, config_from_args, option, to_dict
from bonaware.errors import BonawareError
from bonaware.evaluation.generate import chunk_seed
from bonaware.evaluation.samples import row_key
from bonaware.io import JsonlAppender, write_json_atomic
from bonaware.models.loading import MODEL_HELP

#: settings that change the rows; a resume must use the same ones
RESUME_KEYS = ("model", "task", "task_args", "split", "num_prompts", "n", "temperature", "top_p",
               "max_new_tokens", "seed", "batch_prompts", "backend")




@dataclass
class SampleConfig:
    """Configuration of ``bonaware sample``."""

    model: str = option("tiny", MODEL_HELP)
    task: str = option("arith", "task name (see 'bonaware tasks')")
    task_args: str = option("", "task options as KEY=VALUE,... pairs, e.g. 'families=add1'")
    split: Literal["train", "val", "test"] = option("test", "which split of the task to sample (train, val or test)")
    num_prompts: int | None = option(64, "number of problems (a seeded choice from the split; none = all)")
    n: int = option(16, "completions per prompt")
    temperature: float = option(1.0, "sampling temperature (0 = greedy)")
    top_p: float = option(1.0, "nucleus sampling threshold")
    max_new_tokens: int = option(32, "longest completion sampled")
    seed: int = option(0, "seed of the problem choice and the sampling")
    batch_prompts: int = option(8, "prompts sampled per chunk (the unit of resumption; keep it fixed to resume)")
    out: str = option("samples.jsonl", "output JSONL file; its settings go to <out without suffix>.run.json")
    backend: Literal["hf", "vllm"] = option("hf", "sampling engine: hf (transformers, CPU or GPU) or vllm (needs the "
                                            "vllm package and a CUDA GPU; docs/sampling.md)")
    vllm_args: str = option("", "vLLM engine options as key=value pairs (--backend=vllm), e.g. "
                            "'gpu_memory_utilization=0.5,max_model_len=2048'")
    device: str = option("auto", "cpu, cuda or auto")
    dtype: Literal["auto", "float32", "bfloat16"] = option("auto", "auto: float32 on CPU, bfloat16 on GPU")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for bad values (named by flag)."""
        checks = [
            (self.n >= 1, f"--n must be >= 1, got {self.n}"),
            (self.num_prompts is None or self.num_prompts >= 1, f"--num_prompts must be >= 1, got {self.num_prompts}"),
            (self.temperature >= 0, f"--temperature must be >= 0, got {self.temperature}"),
            (0 < self.top_p <= 1, f"--top_p must be in (0, 1], got {self.top_p}"),
            (self.max_new_tokens >= 1, f"--max_new_tokens must be >= 1, got {self.max_new_tokens}"),
            (self.batch_prompts >= 1, f"--batch_prompts must be >= 1, got {self.batch_prompts}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise BonawareError(msg)

    def __post_init__(self) -> None:
        self.validate()


def run_file(out: str | Path) -> Path:
    """The settings file of a samples file: ``samples.jsonl`` → ``samples.run.json``."""
    return Path(out).with_suffix(".run.json")


def check_resume(out: Path, meta: dict) -> None:
    """Refuse to append to ``out`` if it was written with different settings."""
    path = run_file(out)
    if not path.is_file():
        if out.is_file() and out.stat().st_size > 0:
            raise BonawareError(f"{out} exists but {path} does not: cannot tell its settings; use another --out")
        return
    try:
        old = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BonawareError(f"{path}: malformed JSON ({exc.msg})") from None
    for key in RESUME_KEYS:
        if key in old and old[key] != meta[key]:
            raise BonawareError(f"{out} already holds samples with {key}={old[key]!r} (now {meta[key]!r}); "
                                "use another --out, or the same settings to resume")


def write_samples(problem_ids: Sequence[str], prompts: Sequence[str], path: str | Path, temperature: float,
                  sample_fn: Callable[[list[str], int], list[list[Any]]],
                  prompt_tokens_fn: Callable[[list[str]], list[int]], *, seed: int = 0, batch_prompts: int = 8,
                  progress: bool = True) -> int:
    """Append the rows of the prompts not yet in ``path``; returns how many rows were written.

    ``sample_fn(prompts, seed)`` → per prompt, n completions with ``.text``, ``.token_ids`` and
    ``.finish_reason``; chunk c is always sampled with ``chunk_seed(seed, temperature, c)`` (the
    chunking of :func:`bonaware.evaluation.generate.collect_samples`), so resuming changes nothing.
    """
    if len(problem_ids) != len(prompts):
        raise BonawareError(f"{len(problem_ids)} problems but {len(prompts)} prompts")
    if len(set(problem_ids)) != len(problem_ids):
        raise BonawareError("problem ids must be unique")
    written = 0
    with JsonlAppender(path) as out:
        done = out.done_keys(row_key)
        t = float(temperature)
        todo = [c for c in range(0, len(problem_ids), batch_prompts)
                if any((pid, t) not in done for pid in problem_ids[c:c + batch_prompts])]
        for c in tqdm(todo, desc="sample chunks", disable=not progress or not todo):
            ids, texts = list(problem_ids[c:c + batch_prompts]), list(prompts[c:c + batch_prompts])
            comps = sample_fn(texts, chunk_seed(seed, t, c // batch_prompts))
            n_prompt = prompt_tokens_fn(texts)
            rows = [{"problem_id": pid, "prompt": texts[i], "temperature": t,
                     "completions": [x.text for x in comps[i]], "n_tokens": [len(x.token_ids) for x in comps[i]],
                     "finish_reasons": [str(x.finish_reason) for x in comps[i]], "prompt_tokens": int(n_prompt[i])}
                    for i, pid in enumerate(ids) if (pid, t) not in done]
            out.write_many(rows)
            done.update((r["problem_id"], t) for r in rows)
            written += len(rows)
    return written


def run_sample(cfg: SampleConfig, progress: bool = True) -> tuple[Path, int]:
    """Load the model and task named in ``cfg`` and sample into ``cfg.out``: (path, rows written)."""
    from bonaware.config import parse_kv
    from bonaware.evaluation.generate import open_sampler
    from bonaware.sampling import SamplingParams
    from bonaware.tasks import get_task

    out = Path(cfg.out)
    meta = to_dict(cfg)
    check_resume(out, meta)
    task = get_task(cfg.task, **parse_kv(cfg.task_args, "--task_args"))
    problems = task.problems(cfg.split, n=cfg.num_prompts, seed=cfg.seed)
    if not problems:
        raise task.empty_split_error(cfg.split)
    opened = open_sampler(cfg.model, cfg.backend, device=cfg.device, dtype=cfg.dtype, seed=cfg.seed,
                          vllm_args=cfg.vllm_args, progress=progress)
    sampler, tokenizer = opened.sampler, opened.tokenizer
    stop = list(task.stop_sequences(tokenizer))
    write_json_atomic(run_file(out), {k: meta[k] for k in (*RESUME_KEYS, "out")})

    def sample_fn(prompts: list[str], chunk_seed: int) -> list[list[Any]]:
        params = SamplingParams(n=cfg.n, temperature=cfg.temperature, top_p=cfg.top_p,
                                max_new_tokens=cfg.max_new_tokens, stop=stop, seed=chunk_seed)
        return sampler.sample(prompts, params)

    def prompt_tokens_fn(prompts: list[str]) -> list[int]:
        return [len(ids) for ids in sampler.encode(prompts)]

    prompts = [task.format_prompt(p, tokenizer) for p in problems]
    written = write_samples([p.id for p in problems], prompts, out, cfg.temperature, sample_fn, prompt_tokens_fn,
                            seed=cfg.seed, batch_prompts=cfg.batch_prompts, progress=progress)
    return out, written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, SampleConfig)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(SampleConfig, args)
    out, written = run_sample(cfg)
    print(f"wrote {written} new rows to {out} ({run_file(out)}); "
          f"score them with: bonaware verify --samples {out} --out <scored.jsonl>")
    return 0
