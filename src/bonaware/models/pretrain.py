"""Pre-training recipe of the ``tiny`` model: clean labels, stopped at a target pass@1.

Recipe (docs/models.md). The model learns the arith TRAIN problems in their plain format
(``"23+45="`` → ``"68\n<eos>"``; only the completion is scored) from scratch with AdamW at a
constant learning rate, and stops at the first check (every ``eval_every`` steps) where its
sampled pass@1 at T = 1 on a held-out *validation* slice of the train split reaches
``TinyConfig.target_pass_at_1`` (0.2; ``steps`` caps the run). The base policy is thus defined by
how good it is, not by how long it trained: two 1,200-step cosine runs that differed only in data
order ended at test pass@1 0.06 and 0.15 (the model is mid-way through learning the carries, where
the curve is steep), while the target pins it. Stopped there, the ~0.27M-parameter model writes
well-formed answers of the right size and mostly the right digits but not reliably the carries
(nor the facts of the rare families), so its samples are uncertain but often close: pass@16 ≫
pass@1, the Best-of-N regime of paper.md §2. The validation problems (256, family-interleaved) and
their commuted twins (``3+4`` for ``4+3``) are never trained on; the test split is never touched.

Optional label noise (``label_noise = q > 0``) replaces each training answer, freshly per pass,
by a *near miss* — one digit moved by ±1 (``a ± 10^j``) — with probability ``q``. The cross-
entropy minimiser of that data puts exactly ``1 - q`` on the true answer of every problem (so
pass@k ≤ 1 - q^k even after unlimited training): a floor on uncertainty for longer builds. It slows
learning (at a fixed 1,200-step budget, q = 0.4 gave test pass@1 0.06 against 0.15 without noise),
so the default is q = 0; with a target, noise only postpones the stop (keep 1 - q above it).

Determinism: the weights depend only on the config (and the torch build). Initialisation uses
``torch.manual_seed(seed)``, data order and label noise ``random.Random(seed)``, validation
sampling a generator seeded by (seed, step); the model has no dropout and the CPU kernels are
deterministic for a fixed thread count.
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators import pass_at_k
from bonaware.tasks import Problem, get_task


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch ops on one CPU thread, then restore the setting. The tiny model's matrices are too
    small to gain from intra-op threads, and on a shared 2-core machine two OpenMP threads per
    process made a step 9x slower (1.4 s against 0.16 s, measured); one thread also makes the
    weights independent of the machine's thread count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def near_miss(answer: int, rng: random.Random) -> int:
    """The answer with one decimal digit moved by ±1 (``answer ± 10^j``), never negative."""
    digits = len(str(answer))
    step = 10 ** rng.randrange(digits)
    sign = rng.choice((-1, 1))
    if answer + sign * step < 0:
        sign = 1
    return answer + sign * step


def noisy_label(task: Any, problem: Problem, noise: float, rng: random.Random) -> str:
    """The task's expert completion for ``problem``; w.p. ``noise`` its answer is a near miss."""
    text = task.expert_solution(problem)
    if noise > 0 and rng.random() < noise:
        text = text.replace(problem.answer, str(near_miss(int(problem.answer), rng)), 1)
    return text


def _fact(problem: Problem) -> str:
    """Problems that state the same fact (``3+4`` and ``4+3``, in any family) share this key."""
    from bonaware.tasks.arith import fact_key

    return fact_key(problem.meta["expression"])


def split_validation(problems: list[Problem], n_val: int) -> tuple[list[Problem], list[Problem]]:
    """(train, validation): the first ``n_val`` problems of the (family-interleaved, hashed) train
    pool validate; every problem sharing a fact with one of them is dropped from training."""
    val = problems[:n_val]
    held = {_fact(p) for p in val}
    return [p for p in problems[n_val:] if _fact(p) not in held], val


def _batches(n_examples: int, lengths: list[int], batch_size: int, rng: random.Random):
    """One epoch of index batches: shuffled, then sorted by length within windows of 32 batches so a
    batch holds sequences of similar length (short sums are not padded to word-problem length)."""
    order = list(range(n_examples))
    rng.shuffle(order)
    window = 32 * batch_size
    batches = []
    for start in range(0, n_examples, window):
        chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def lr_at(step: int, cfg: Any) -> float:
    """Linear warm-up to ``cfg.lr``, then constant: the stop is decided by validation, so there is
    no known last step for a decay to aim at."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    return cfg.lr


def _collate(tokenizer: Any, prompts: list[list[int]], completions: list[str], encode: Any):
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` (-100 on prompt and padding)."""
    import torch

    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    seqs, labels = [], []
    for prompt, text in zip(prompts, completions):
        completion = [*encode(text), eos]
        seqs.append(prompt + completion)
        labels.append([-100] * len(prompt) + completion)
    width = max(map(len, seqs))
    ids = torch.tensor([s + [pad] * (width - len(s)) for s in seqs])
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
    target = torch.tensor([lab + [-100] * (width - len(lab)) for lab in labels])
    return ids, mask, target


class ArithData:
    """The pre-training data of ``tiny``: the arith TRAIN problems of ``cfg.families`` in plain
    format, less a validation hold-out (:func:`split_validation`), with near-miss label noise.

    The interface :func:`pretrain` takes (``models/tiny_code.py`` has the ``pyfunc`` one):
    ``task``, ``train`` / ``val`` (problems), ``max_new_tokens`` (enough for any answer),
    ``epoch(index)`` (the problems of pass ``index`` over the data), ``label(problem, rng)`` (the
    training completion) and ``correct(problem, text)`` (is a sampled completion right).
    """

    name = "tiny"
    max_new_tokens = 6

    def __init__(self, cfg: Any):
        self.task = get_task("arith", families=cfg.families, style="plain")
        self.train, self.val = split_validation(self.task.problems("train"), cfg.val_problems)
        self.label_noise = cfg.label_noise

    def epoch(self, index: int) -> list[Problem]:
        return self.train

    def label(self, problem: Problem, rng: random.Random) -> str:
        return noisy_label(self.task, problem, self.label_noise, rng)

    def correct(self, problem: Problem, text: str) -> bool:
        return self.task.extract_answer(text) == problem.answer


def pretrain(model: Any, tokenizer: Any, cfg: Any, progress: bool = True, data: Any = None) -> dict[str, Any]:
    """Train ``model`` in place with the recipe above on ``data`` (default :class:`ArithData` of
    ``cfg``); returns the training record.

    The record holds the step pre-training stopped at, the loss at the start and end, and the
    validation pass@1 curve (``[[step, pass@1], ...]``).
    """
    import torch
    from tqdm.auto import tqdm

    data = data if data is not None else ArithData(cfg)
    train, val = data.train, data.val
    if not train:
        raise BonawareError(f"TinyConfig.val_problems={cfg.val_problems} leaves no training problems")
    # completions repeat ("68\n" ...): tokenising each distinct one once saves ~10% of a step
    encode = functools.lru_cache(maxsize=None)(
        lambda text: tuple(tokenizer(text, add_special_tokens=False).input_ids))

    def inputs(problems: list[Problem]) -> tuple[list[list[int]], list[int]]:
        prompts = [list(encode(data.task.format_prompt(p))) for p in problems]
        lengths = [len(ids) + len(data.task.expert_solution(p)) + 1 for p, ids in zip(problems, prompts)]
        if max(lengths) > cfg.max_length:
            raise BonawareError(f"TinyConfig.max_length={cfg.max_length} is shorter than the longest "
                                f"training sequence ({max(lengths)} tokens)")
        return prompts, lengths

    prompts, lengths = inputs(train)
    rng = random.Random(cfg.seed)
    params = list(model.named_parameters())
    groups = [{"params": [p for _, p in params if p.ndim >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for _, p in params if p.ndim < 2], "weight_decay": 0.0}]  # no decay on norms
    opt = torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.98))
    losses: list[float] = []
    curve: list[list[float]] = []
    epoch: list[list[int]] = []
    passes = 0
    step = 0
    bar = tqdm(total=cfg.steps, desc=f"pre-training {data.name}", disable=not progress, unit="step")
    while step < cfg.steps:
        model.train()
        if not epoch:
            if passes:  # a data source may give other problems on each pass (pyfunc: fresh examples)
                train = data.epoch(passes)
                if train is not data.train:
                    prompts, lengths = inputs(train)
            passes += 1
            epoch = _batches(len(train), lengths, cfg.batch_size, rng)
        batch = epoch.pop()
        labels = [data.label(train[i], rng) for i in batch]
        ids, mask, target = _collate(tokenizer, [prompts[i] for i in batch], labels, encode)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        loss = model(input_ids=ids, attention_mask=mask, labels=target).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        losses.append(loss.item())
        step += 1
        bar.update(1)
        if val and (step % cfg.eval_every == 0 or step == cfg.steps):
            model.eval()
            p1 = validation_pass_at_1(model, tokenizer, data.task, val, seed=cfg.seed * 1_000_003 + step,
                                      correct=data.correct, max_new_tokens=data.max_new_tokens)
            curve.append([step, round(p1, 4)])
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}", val_pass1=f"{p1:.3f}")
            if 0 < cfg.target_pass_at_1 <= p1:
                break
        elif step % 20 == 0:
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
    bar.close()
    model.eval()
    tail = losses[-max(1, min(50, len(losses) // 10)):]
    return {"stopped_at": step, "max_steps": cfg.steps, "train_problems": len(data.train),
            "val_problems": len(val), "first_loss": round(losses[0], 4),
            "final_loss": round(sum(tail) / len(tail), 4), "val_pass_at_1": curve}


def validation_pass_at_1(model: Any, tokenizer: Any, task: Any, problems: list[Problem], seed: int,
                         n_samples: int = 4, correct: Any = None, max_new_tokens: int = 6) -> float:
    """Mean share of correct samples (T = 1) over ``problems``: an unbiased pass@1 estimate.
    ``correct(problem, text)`` judges a sample (default: the task's answer equals ``problem.answer``)."""
    correct = correct or (lambda p, t: task.extract_answer(t) == p.answer)
    import torch

    gen = torch.Generator().manual_seed(seed)
    hits = total = 0
    with torch.no_grad():
        for start in range(0, len(problems), 128):
            chunk = problems[start:start + 128]
            samples = sample_completions(model, tokenizer, [task.format_prompt(p) for p in chunk],
                                         n_samples, 1.0, max_new_tokens=max_new_tokens, generator=gen)
            for p, texts in zip(chunk, samples):
                hits += sum(correct(p, t) for t in texts)
                total += len(texts)
    return hits / total


def sample_completions(model: Any, tokenizer: Any, prompts: list[str], n: int, temperature: float,
                       max_new_tokens: int, generator: Any = None) -> list[list[str]]:
    """``n`` samples per prompt: the prompts are prefilled once (left-padded) and their KV cache is
    repeated ``n`` times, so long word-problem prompts are not recomputed per sample."""
    import torch

    enc = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    mask = enc.attention_mask
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=enc.input_ids, attention_mask=mask, position_ids=positions, use_cache=True)
    cache = out.cache
    cache.batch_repeat_interleave(n)
    logits = out.logits[:, -1].repeat_interleave(n, dim=0)
    mask = mask.repeat_interleave(n, dim=0)
    pos = positions[:, -1:].repeat_interleave(n, dim=0)
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    done = torch.zeros(len(logits), dtype=torch.bool)
    steps = []
    for _ in range(max_new_tokens):
        probs = torch.softmax(logits.float() / temperature, dim=-1)
        token = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        token = torch.where(done, torch.full_like(token, pad), token)
        steps.append(token)
        done |= token == eos
        if bool(done.all()):
            break
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        pos = pos + 1
        out = model(input_ids=token[:, None], attention_mask=mask, position_ids=pos,
                    cache=cache, use_cache=True)
        logits = out.logits[:, -1]
    texts = tokenizer.batch_decode(torch.stack(steps, dim=1), skip_special_tokens=True)
    return [texts[i * n:(i + 1) * n] for i in range(len(prompts))]


def one_digit_off(answer: str, truth: str) -> bool:
    """True when ``answer`` has as many digits as ``truth`` and differs from it in exactly one."""
    return len(answer) == len(truth) and sum(a != b for a, b in zip(answer, truth)) == 1


def evaluate_pass_at_k(model: Any, tokenizer: Any, cfg: Any, n_problems: int = 500, n_samples: int = 16,
                       temperature: float = 1.0, ks: tuple[int, ...] = (1, 4, 16), seed: int = 0,
                       progress: bool = True, split: str = "val") -> dict[str, Any]:
    """pass@k of ``model`` on an arith split (default ``val``: where the recipe is tuned; ``test`` only
    for final numbers) by sampling, overall and per family.

    ``n_samples`` completions per problem at ``temperature`` (pure sampling, at most 6 new tokens:
    enough for any answer and its newline), scored with the task's exact answer check. Also the
    share of wrong samples that are *close* (one digit off, :func:`one_digit_off`) and the share of
    samples with no well-formed answer.
    """
    import torch
    from tqdm.auto import tqdm

    task = get_task("arith", families=cfg.families, style="plain", n_test=n_problems, n_val=n_problems)
    problems = task.problems(split)
    gen = torch.Generator().manual_seed(seed)
    counts: list[tuple[int, int, int]] = []  # per problem: correct, wrong but close, malformed
    per_batch = max(1, 512 // n_samples)
    with torch.no_grad():
        for start in tqdm(range(0, len(problems), per_batch), desc="measuring pass@k",
                          disable=not progress, unit="batch"):
            chunk = problems[start:start + per_batch]
            samples = sample_completions(model, tokenizer, [task.format_prompt(p) for p in chunk],
                                         n_samples, temperature, max_new_tokens=6, generator=gen)
            for p, texts in zip(chunk, samples):
                answers = [task.extract_answer(t) for t in texts]
                counts.append((sum(a == p.answer for a in answers),
                               sum(a is not None and one_digit_off(a, p.answer) for a in answers),
                               sum(a is None for a in answers)))
    by_family: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for p, c in zip(problems, counts):
        by_family[p.meta["family"]].append(c)

    def summary(rows: list[tuple[int, int, int]]) -> dict[str, float]:
        out: dict[str, float] = {"problems": len(rows)}
        for k in ks:
            if k <= n_samples:
                out[f"pass@{k}"] = round(float(np.mean(pass_at_k(n_samples, np.array([c for c, _, _ in rows]), k))), 4)
        wrong = len(rows) * n_samples - sum(c for c, _, _ in rows)
        out["close_share_of_wrong"] = round(sum(r[1] for r in rows) / wrong, 4) if wrong else 0.0
        out["malformed_share"] = round(sum(r[2] for r in rows) / (len(rows) * n_samples), 4)
        return out

    return {"split": split, "temperature": temperature, "samples": n_samples, "all": summary(counts),
            "families": {f: summary(rows) for f, rows in sorted(by_family.items())}}
