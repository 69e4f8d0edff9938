"""The only part of evaluation that runs a model: sample, judge, append to the samples file (and, through
:class:`ModelFns`, the live rounds of ``--allocation adaptive`` in :mod:`.adaptive_eval`).

:func:`collect_samples` is model-agnostic (a ``sample_fn`` and a ``judge_fn``), cached and
resumable: problems are split into fixed chunks of ``batch_prompts`` (in the problems' order), and
chunk c at temperature T is sampled with a seed derived from (seed, T, c). A chunk is sampled only
if one of its (problem_id, T) rows is missing, and only missing rows are appended — so a run that
was killed and resumed writes exactly the rows an uninterrupted run writes.
:func:`evaluate_model` wires it to ``bonaware.sampling`` + ``bonaware.verifiers`` and then computes
the metrics from the saved samples (:mod:`bonaware.evaluation.metrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from bonaware.errors import BonawareError
from bonaware.evaluation.compact import COMPACT_FILE, write_compact
from bonaware.evaluation.compute import training_compute
from bonaware.evaluation.groups import train_seed_of
from bonaware.evaluation.metrics import METRICS_FILE, SUMMARY_FILE, write_metrics
from bonaware.evaluation.samples import SAMPLES_FILE, SampleSet, SamplesWriter, load_samples, make_row
from bonaware.io import write_json_atomic

RUN_FILE = "run.json"
#: run.json fields that must match to resume into an existing folder (they change the samples)
RESUME_KEYS = ("model", "task", "task_args", "split", "n", "max_new_tokens", "top_p", "seed", "verifiers",
               "batch_prompts", "backend")


@dataclass
class EvalResult:
    """What :func:`evaluate_model` wrote: the run folder, its samples and metrics."""

    out_dir: Path
    samples: SampleSet
    metrics: dict

    @property
    def samples_path(self) -> Path:
        return self.out_dir / SAMPLES_FILE

    @property
    def metrics_path(self) -> Path:
        return self.out_dir / METRICS_FILE

    @property
    def summary_path(self) -> Path:
        return self.out_dir / SUMMARY_FILE


def chunk_seed(seed: int, temperature: float, chunk: int) -> int:
    """The sampling seed of one chunk: a stable function of (seed, temperature, chunk index)."""
    return int(np.random.SeedSequence([int(seed), round(float(temperature) * 1e6), int(chunk)]).generate_state(1)[0])


def collect_samples(problems: Sequence, prompts: Sequence[str], temperatures: Sequence[float], path: str | Path,
                    sample_fn: Callable[[list[str], float, int], list[list[Any]]],
                    judge_fn: Callable[[list, list[list[str]]], tuple[list, dict, list]],
                    prompt_tokens_fn: Callable[[list[str]], list[int]], *, seed: int = 0,
                    batch_prompts: int = 8, progress: bool = True) -> int:
    """Sample and judge every (problem, temperature) not yet in the samples file at ``path``.

    ``sample_fn(prompts, temperature, seed)`` → per prompt, n completions with ``.text``,
    ``.token_ids`` and ``.finish_reason``; ``judge_fn(problems, texts)`` → (correct [P][n] 0/1,
    {verifier label: scores [P][n]}, answers [P][n]); ``prompt_tokens_fn(prompts)`` → token counts.
    Returns the number of rows written.
    """
    if len(problems) != len(prompts):
        raise BonawareError(f"{len(problems)} problems but {len(prompts)} prompts")
    if batch_prompts < 1:
        raise BonawareError(f"batch_prompts must be ≥ 1, got {batch_prompts}")
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):
        raise BonawareError("problem ids must be unique")
    written = 0
    with SamplesWriter(path) as writer:
        todo = [(t, c) for t in temperatures for c in range(0, len(problems), batch_prompts)
                if any((pid, float(t)) not in writer.done for pid in ids[c:c + batch_prompts])]
        for t, c in tqdm(todo, desc="eval chunks", disable=not progress or not todo):
            chunk = slice(c, c + batch_prompts)
            probs, texts_in = list(problems[chunk]), list(prompts[chunk])
            comps = sample_fn(texts_in, float(t), chunk_seed(seed, t, c // batch_prompts))
            texts = [[x.text for x in row] for row in comps]
            correct, scores, answers = judge_fn(probs, texts)
            n_prompt = prompt_tokens_fn(texts_in)
            rows = [make_row(p.id, t, texts[i], correct[i], {k: v[i] for k, v in scores.items()}, answers[i],
                             [len(x.token_ids) for x in comps[i]], n_prompt[i],
                             [str(x.finish_reason) for x in comps[i]]) for i, p in enumerate(probs)]
            written += writer.write(rows)
    return written


def _check_resume(out_dir: Path, meta: dict) -> None:
    path = out_dir / RUN_FILE
    if not path.is_file():
        return
    import json

    old = json.loads(path.read_text())
    for key in RESUME_KEYS:
        if key in old and key in meta and old[key] != meta[key]:
            raise BonawareError(f"{out_dir} already holds samples with {key}={old[key]!r} (now {meta[key]!r}); "
                                "use another --out, or the same settings to resume")


class ModelFns:
    """Sampling and judging for evaluation: ``sample(prompts, T, seed, n)``, ``judge(problems, texts)`` →
    (correct, {verifier label: scores}, answers), ``prompt_tokens(prompts)``; ``close()`` the verifiers it made.

    ``verifiers``: spec strings (``"noisy:target_auc=0.85"``, ``"oracle"``, …) or ``{label: Verifier}``
    (the caller's, which the caller closes). R comes from the ``oracle`` verifier (the task's checker).
    """

    def __init__(self, model: Any, tokenizer: Any, task: Any, verifiers: Mapping[str, Any] | Sequence[str],
                 sampler: Any = None, *, max_new_tokens: int = 32, top_p: float = 1.0):
        from bonaware.sampling import get_sampler
        from bonaware.verifiers import get_verifier, verifier_from_spec

        if isinstance(verifiers, Mapping):
            self.judges, self._owned = dict(verifiers), []
        else:
            self.judges = {spec: verifier_from_spec(spec, task) for spec in verifiers}
            self._owned = list(self.judges.values())
        self.oracle = get_verifier("oracle", task)
        self.sampler = sampler or get_sampler("hf", model=model, tokenizer=tokenizer, show_progress=False)
        self.stop = list(task.stop_sequences(tokenizer)) if hasattr(task, "stop_sequences") else []
        self.task, self.tokenizer, self.max_new_tokens, self.top_p = task, tokenizer, int(max_new_tokens), top_p

    def sample(self, prompts: list[str], temperature: float, seed: int, n: int) -> list[list[Any]]:
        from bonaware.sampling import SamplingParams

        params = SamplingParams(n=int(n), temperature=temperature, top_p=self.top_p,
                                max_new_tokens=self.max_new_tokens, stop=self.stop, seed=seed)
        return self.sampler.sample(prompts, params)

    def judge(self, probs: list, texts: list[list[str]]) -> tuple[list, dict, list]:
        correct = [[int(v.correct) for v in row] for row in self.oracle.score(probs, texts)]
        scores = {label: [[float(v.score) for v in row] for row in judge.score(probs, texts)]
                  for label, judge in self.judges.items()}
        answers = [[self.task.extract_answer(x) for x in row] for row in texts]
        return correct, scores, answers

    def prompt_tokens(self, prompts: list[str]) -> list[int]:
        if hasattr(self.sampler, "encode"):
            return [len(ids) for ids in self.sampler.encode(prompts)]
        return [len(self.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]

    def close(self) -> None:
        for judge in [self.oracle, *self._owned]:
            judge.close()


def evaluate_model(model: Any, tokenizer: Any, task: Any, problems: Sequence, n: int, temperatures: Sequence[float],
                   verifiers: Mapping[str, Any] | Sequence[str], out_dir: str | Path, *, max_new_tokens: int = 32,
                   top_p: float = 1.0, seed: int = 0, batch_prompts: int = 8, level: float = 0.95,
                   n_boot: int = 2000, meta: dict | None = None, sampler: Any = None,
                   progress: bool = True) -> EvalResult:
    """Sample ``n`` completions per problem at each temperature, judge, save, and compute metrics.

    ``verifiers``: spec strings (``"noisy:target_auc=0.85"``, ``"oracle"``, …) or ``{label:
    Verifier}``; their scores r go to ``scores[label]``. The environment reward R (``correct``) comes
    from the ``oracle`` verifier, i.e. the task's checker. Cached and resumable in ``out_dir``
    (``samples.jsonl``); writes ``run.json`` (``meta`` + the settings; ``train_seed`` defaults to the
    seed in the model's training run ``config.json``), ``metrics.json``, ``summary.md`` and the compact
    ``samples.npz.xz`` (:mod:`bonaware.evaluation.compact`).
    """
    out_dir = Path(out_dir)
    fns = ModelFns(model, tokenizer, task, verifiers, sampler, max_new_tokens=max_new_tokens, top_p=top_p)
    num_params = int(sum(p.numel() for p in model.parameters())) if hasattr(model, "parameters") else None
    meta = dict(meta or {})
    meta.setdefault("model", getattr(getattr(model, "config", None), "_name_or_path", None) or type(model).__name__)
    meta.setdefault("name", meta["model"])
    meta.setdefault("train_dir", find_train_dir(meta["model"]))
    meta.setdefault("train_seed", train_seed_of(meta))  # groups the seeds of one recipe in reports
    run_meta = {"task": getattr(task, "name", str(task)), "n": int(n), "temperatures": [float(t) for t in temperatures],
                "verifiers": list(fns.judges), "max_new_tokens": int(max_new_tokens), "top_p": float(top_p),
                "seed": int(seed), "batch_prompts": int(batch_prompts), "num_prompts": len(problems),
                "num_params": num_params, **meta}
    try:
        _check_resume(out_dir, run_meta)
    except BaseException:
        fns.close()
        raise
    write_json_atomic(out_dir / RUN_FILE, run_meta)

    def sample_fn(prompts: list[str], temperature: float, chunk_seed: int) -> list[list[Any]]:
        return fns.sample(prompts, temperature, chunk_seed, int(n))

    prompts = [task.format_prompt(p, tokenizer) for p in problems]
    try:
        collect_samples(problems, prompts, temperatures, out_dir / SAMPLES_FILE, sample_fn, fns.judge,
                        fns.prompt_tokens, seed=seed, batch_prompts=batch_prompts, progress=progress)
    finally:
        fns.close()
    saved = load_samples(out_dir / SAMPLES_FILE, meta=run_meta)
    samples = restrict(saved, [p.id for p in problems], temperatures)
    metrics = write_metrics(samples, out_dir, title=f"Evaluation of {run_meta['name']}",
                            level=level, n_boot=n_boot, seed=seed, progress=progress)
    # the compact copy of everything saved, for committing (samples.jsonl stays local)
    train = training_compute(run_meta["train_dir"], num_params) if run_meta.get("train_dir") else None
    write_compact(saved, out_dir / COMPACT_FILE, diversity_seeds={0, int(seed)}, training=train)
    return EvalResult(out_dir, samples, metrics)


def restrict(samples: SampleSet, problem_ids: Sequence[str], temperatures: Sequence[float]) -> SampleSet:
    """Only the requested problems and temperatures of ``samples`` (a folder may hold more)."""
    wanted = sorted(set(problem_ids))
    groups = {}
    for t in temperatures:
        g = samples.at(t)
        groups[g.temperature] = g.select(wanted)
    return SampleSet(samples.path, groups, samples.meta)


def find_train_dir(model_ref: Any) -> str | None:
    """The training run folder of a model saved by ``bonaware train`` (``<run>/final`` next to
    ``<run>/metrics.csv``), or None."""
    if not isinstance(model_ref, str) or not model_ref or not Path(model_ref).is_dir():
        return None
    parent = Path(model_ref).resolve().parent
    return str(parent) if (parent / "metrics.csv").is_file() else None


@dataclass
class OpenSampler:
    """What :func:`open_sampler` built: the sampler, the tokenizer that formats prompts, and the HF model
    (``None`` with vLLM, which loads the weights itself)."""

    sampler: Any
    tokenizer: Any
    model: Any
    num_params: int | None


def _count_params(folder: Path) -> int:
    """Parameter count of a model folder without loading its weights (meta-device init)."""
    from accelerate import init_empty_weights
    from transformers import AutoConfig, AutoModelForCausalLM

    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(folder, local_files_only=True))
    model.tie_weights()  # shared embedding/head counted once, as when loaded
    return int(sum(p.numel() for p in model.parameters()))


def open_sampler(model_ref: str, backend: str = "hf", *, device: str = "auto", dtype: str = "auto", seed: int = 0,
                 vllm_args: str = "", progress: bool = True) -> OpenSampler:
    """The sampler of ``bonaware eval`` / ``bonaware sample`` (``--backend``, docs/sampling.md).

    ``hf``: load the model with :func:`bonaware.models.load_model` on ``device`` and sample with
    :class:`~bonaware.sampling.HFSampler`. ``vllm``: resolve ``model_ref`` to its folder (embedded
    names are built or taken from the cache), load only the tokenizer, and let ``vllm.LLM`` load the
    weights on the GPU (``dtype`` auto → vLLM's choice; ``vllm_args`` are extra engine options such as
    ``gpu_memory_utilization=0.5,tensor_parallel_size=2``). A missing vllm package or GPU is one
    :class:`BonawareError`.
    """
    import torch

    from bonaware.config import parse_kv
    from bonaware.models import load_model
    from bonaware.sampling import get_sampler, require_vllm

    if backend == "vllm":
        require_vllm()
        if device not in ("auto", "cuda") and not str(device).startswith("cuda"):
            raise BonawareError(f"--backend=vllm runs on the GPU; --device={device} is not allowed (use auto)")
        from transformers import AutoTokenizer

        from bonaware.models.loading import resolve_folder

        folder = resolve_folder(model_ref, progress)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        engine = {"dtype": dtype, **parse_kv(vllm_args, "--vllm_args")}
        sampler = get_sampler("vllm", model=str(folder), tokenizer=str(folder), seed=seed, show_progress=False,
                              **engine)
        return OpenSampler(sampler, tokenizer, None, _count_params(folder))
    if backend != "hf":
        raise BonawareError(f"--backend must be hf or vllm, got {backend!r}")
    if vllm_args:
        raise BonawareError("--vllm_args applies to --backend=vllm only")
    device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
    model, tokenizer = load_model(model_ref, device=device, dtype=None if dtype == "auto" else dtype,
                                  progress=progress)
    sampler = get_sampler("hf", model=model, tokenizer=tokenizer, show_progress=False)
    return OpenSampler(sampler, tokenizer, model, int(sum(p.numel() for p in model.parameters())))


def run_eval(cfg: Any, progress: bool = True, extra_meta: dict | None = None) -> EvalResult:
    """``bonaware eval``: load the model and task named in ``cfg`` (an :class:`EvalConfig`) and evaluate.

    ``extra_meta`` goes into ``run.json`` too (e.g. the ``group`` of a training seed).
    """
    from bonaware.config import parse_kv
    from bonaware.tasks import get_task

    task = get_task(cfg.task, **parse_kv(cfg.task_args, "--task_args"))
    problems = task.problems(cfg.split, n=cfg.num_prompts, seed=cfg.seed)
    if not problems:
        raise task.empty_split_error(cfg.split)
    opened = open_sampler(cfg.model, cfg.backend, device=cfg.device, dtype=cfg.dtype, seed=cfg.seed,
                          vllm_args=cfg.vllm_args, progress=progress)
    meta = {"name": cfg.name or cfg.model, "model": cfg.model, "task_args": cfg.task_args, "split": cfg.split,
            "train_dir": cfg.train_dir or find_train_dir(cfg.model), "backend": cfg.backend,
            "num_params": opened.num_params, **(extra_meta or {})}
    box = {"max_new_tokens": cfg.max_new_tokens, "top_p": cfg.top_p, "seed": cfg.seed,
           "batch_prompts": cfg.batch_prompts, "level": cfg.level, "n_boot": cfg.n_boot, "progress": progress}
    result = evaluate_model(opened.model, opened.tokenizer, task, problems, cfg.n, cfg.temperatures, cfg.verifier,
                            cfg.out, meta=meta, sampler=opened.sampler, **box)
    if cfg.allocation == "adaptive":
        from bonaware.evaluation.adaptive_eval import add_adaptive

        add_adaptive(cfg, result, opened, task, problems, meta, box)
    return result
