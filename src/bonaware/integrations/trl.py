"""TRL integration: a ``GRPOTrainer`` whose group advantages come from any bonaware objective.

TRL's ``GRPOTrainer`` (trl 1.16) has no advantage hook: advantages are computed inline in
``_generate_and_score_completions`` (prior-art.md §3.1, TRL issue #4525). We override the two
narrowest points instead of copying that 600-line method:

* ``_calculate_rewards`` returns the per-reward-function matrix ``[B·G, F]`` already gathered over
  processes; we keep it;
* ``_generate_and_score_completions`` calls TRL's version, then replaces ``output["advantages"]``
  (this process's slice) with ``advantage_scale · w.sample`` of the bonaware objective evaluated on
  the gathered groups ``rewards.view(-1, G)`` (paper.md §3: per-sample weights of ∇log π(y_ij|x_i)).

What TRL logs is what is trained on: the completions table (``log_completions``: parquet, rich
print, wandb/trackio) gets the objective's advantages, and ``reward``, ``reward_std`` and
``frac_reward_zero_std`` are recomputed from the environment reward R (TRL's come from the weighted
sum of all reward functions, a verifier score included); objective statistics go to ``bonaware/*``.
Runnable example: ``examples/trl_bon_grpo.py``.

Reward functions → objective inputs: the reward function at ``reward_index`` is the environment
reward R (must return 0/1; pass@k / BoN-RLB objectives are defined for binary R only), the
optional one at ``score_index`` is the verifier score r that ranks samples for Best-of-N
(``bon_at_k``, ``bon_rl_v`` ...). Both come from :func:`verifier_reward_fn`. TRL's
``reward_weights`` only affect its logged "reward" then; the objective alone sets the advantages.

Scale: with ``loss_type="dr_grpo"`` TRL's on-policy gradient is
``(1/(P·G·L_max)) Σ_ij A_ij ∇log π(y_ij)`` (L_max = ``max_completion_length``), while the bonaware
trainer's is ``(1/P) Σ_ij w_ij ∇log π(y_ij)``; so ``advantage_scale = G·L_max`` reproduces it
exactly and any other constant only rescales the learning rate. Token-normalised losses
(``dapo``, ``grpo``, ``bnpo``) divide by lengths and so re-weight samples by 1/length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from trl import GRPOTrainer

from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, Weights, get_objective, objective_info
from bonaware.tasks.base import Problem, Task, get_task
from bonaware.tasks.splits import SPLITS

# GroupBatch fields an objective may need that TRL's reward functions can provide
_SUPPORTED_NEEDS = {"scores"}


def objective_advantages(rewards: np.ndarray, scores: np.ndarray | None, num_generations: int,
                         objective: str, objective_kwargs: dict[str, Any] | None = None,
                         scale: float = 1.0) -> tuple[np.ndarray, Weights]:
    """Flat ``[P·G]`` advantages ``scale · w.sample`` for completions laid out group by group.

    TRL orders the generation batch as G consecutive completions per prompt (its
    ``RepeatSampler``), so ``rewards.reshape(-1, G)`` is the ``[P, n]`` GroupBatch layout.
    """
    rewards = np.asarray(rewards, dtype=float).ravel()
    if rewards.size % num_generations:
        raise BonawareError(f"objective_advantages: {rewards.size} rewards do not split into groups of "
                            f"num_generations={num_generations}")
    if np.isnan(rewards).any():
        raise BonawareError("objective_advantages: a reward function returned None/NaN; bonaware objectives "
                            "need a 0/1 environment reward for every completion")
    shape = (-1, num_generations)
    batch = GroupBatch(rewards=rewards.reshape(shape),
                       scores=None if scores is None else np.asarray(scores, dtype=float).reshape(shape))
    weights = get_objective(objective)(batch, **(objective_kwargs or {}))
    _check_no_expert(weights, objective)
    return scale * np.asarray(weights.sample, dtype=float).ravel(), weights


def _check_no_expert(weights: Weights, objective: str) -> None:
    if weights.expert is not None and np.any(np.asarray(weights.expert) != 0):
        raise BonawareError(f"objective {objective!r} weights an expert (dataset) response, which GRPO-style "
                            "trainers do not sample; use `bonaware train` for SFT-type objectives")


class BoNAwareGRPOTrainer(GRPOTrainer):
    """``trl.GRPOTrainer`` with advantages ``advantage_scale · w`` from a bonaware objective.

    Args (besides GRPOTrainer's):
        objective: registered objective name (``bon_rlb``, ``bon_rlb_p``, ``pass_at_k``,
            ``bon_at_k``, ``grpo``, ``rloo`` ...; see ``bonaware.objectives.list_objectives()``).
        objective_kwargs: its parameters, e.g. ``{"N": 8}`` or ``{"k": 4, "baseline": "loo-1"}``.
        reward_index: which of ``reward_funcs`` returns the binary environment reward R.
        score_index: which returns the verifier score r (``None`` → rank by R).
        advantage_scale: constant multiplier; ``G·max_completion_length`` with
            ``loss_type="dr_grpo"`` gives the bonaware trainer's gradient (module docstring).

    After each generation, ``self.last_weights`` holds the objective's :class:`Weights` and
    ``self.last_advantages`` the full gathered advantage vector (for tests and logging).
    """

    def __init__(self, *args, objective: str = "bon_rlb_p", objective_kwargs: dict[str, Any] | None = None,
                 reward_index: int = 0, score_index: int | None = None, advantage_scale: float = 1.0, **kwargs):
        info = objective_info(objective)  # unknown name -> BonawareError listing the registry
        unsupported = sorted(set(info.needs) - _SUPPORTED_NEEDS)
        if unsupported:
            raise BonawareError(f"BoNAwareGRPOTrainer(objective={objective!r}): needs GroupBatch field(s) "
                                f"{unsupported}, which TRL reward functions do not provide")
        if "scores" in info.needs and score_index is None:
            raise BonawareError(f"BoNAwareGRPOTrainer(objective={objective!r}) ranks by a verifier score: "
                                "pass score_index (the reward function returning r)")
        super().__init__(*args, **kwargs)
        n_funcs = len(self.reward_funcs)
        for name, idx in (("reward_index", reward_index), ("score_index", score_index)):
            if idx is not None and not 0 <= idx < n_funcs:
                raise BonawareError(f"BoNAwareGRPOTrainer({name}={idx}): only {n_funcs} reward function(s)")
        self.objective, self.objective_kwargs = objective, dict(objective_kwargs or {})
        self.reward_index, self.score_index, self.advantage_scale = reward_index, score_index, advantage_scale
        self._rewards_per_func: torch.Tensor | None = None
        self.last_weights: Weights | None = None
        self.last_advantages: torch.Tensor | None = None

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards_per_func = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        self._rewards_per_func = rewards_per_func  # [B·G over all processes, F]
        return rewards_per_func

    def _generate_and_score_completions(self, inputs):
        output = super()._generate_and_score_completions(inputs)
        mode = "train" if self.model.training else "eval"
        G = self.num_generations if mode == "train" else self.num_generations_eval
        rpf = self._rewards_per_func.detach().cpu().double().numpy()
        scores = None if self.score_index is None else rpf[:, self.score_index]
        adv, weights = objective_advantages(rpf[:, self.reward_index], scores, G, self.objective,
                                            self.objective_kwargs, self.advantage_scale)
        local = output["advantages"]
        all_adv = torch.as_tensor(adv, dtype=local.dtype, device=local.device)
        n_local = local.shape[0]
        start = self.accelerator.process_index * n_local
        output["advantages"] = all_adv[start:start + n_local]
        self.last_weights, self.last_advantages = weights, all_adv
        self._log_what_is_trained(mode, rpf[:, self.reward_index].reshape(-1, G), all_adv, weights)
        return output

    def _log_what_is_trained(self, mode: str, R: np.ndarray, all_adv: torch.Tensor, weights: Weights) -> None:
        """Replace the values TRL just logged from its own GRPO advantages with the trained ones.

        TRL's ``_generate_and_score_completions`` appended, for this generation batch: the gathered
        GRPO advantages to ``_logs["advantages"]`` (the completions table / parquet / rich print),
        ``frac_reward_zero_std`` from the std of the *weighted sum* of all reward functions, and
        ``reward`` / ``reward_std`` of that sum. Here they become the objective's advantages (same
        global order as ``_logs["prompt"]``) and statistics of the environment reward R the objective
        trains on: with a verifier-score function at ``score_index`` TRL's sum would be R + r.
        """
        logged = self._logs["advantages"]
        for _ in range(min(all_adv.numel(), len(logged))):
            logged.pop()
        logged.extend(all_adv.tolist())
        metrics = self._metrics[mode]
        zero_std = float(np.mean(R.min(axis=1) == R.max(axis=1)))  # groups carrying no reward contrast
        trained = {"frac_reward_zero_std": zero_std, "reward": float(R.mean()),
                   "reward_std": float(R.std(ddof=1)) if R.size > 1 else float("nan")}
        for key, value in trained.items():
            if metrics[key]:
                metrics[key][-1] = value
            else:
                metrics[key].append(value)
        for key, value in weights.stats.items():
            metrics[f"bonaware/{key}"].append(float(value))


def problems_dataset(task: Task | str, split: str = "train", n: int | None = None, seed: int = 0,
                     tokenizer: Any = None) -> list[dict[str, str]]:
    """Rows ``{"prompt": formatted prompt, "problem_id": id}`` for ``datasets.Dataset.from_list``.

    ``problem_id`` is forwarded by TRL to reward functions, which look the problem up by it.
    """
    task = get_task(task) if isinstance(task, str) else task
    return [{"prompt": task.format_prompt(p, tokenizer), "problem_id": p.id}
            for p in task.problems(split, n=n, seed=seed)]


def verifier_reward_fn(task: Task | str, verifier_spec: str = "oracle", output: str = "correct",
                       problems: Sequence[Problem] | None = None) -> Callable[..., list[float]]:
    """A TRL reward function ``f(prompts, completions, completion_ids=None, *, problem_id, **kw) -> list[float]``.

    ``output="correct"`` returns the environment reward R = float(verdict.correct) ∈ {0, 1} (use it
    at ``reward_index``); ``output="score"`` returns the verifier score r (use it at ``score_index``).
    ``verifier_spec`` is bonaware's ``NAME[:key=value...]`` (``oracle``, ``math``, ``noisy:target_auc=0.8``).
    The dataset needs a ``problem_id`` column (see :func:`problems_dataset`); problems are looked up
    in ``problems`` or in any of the task's splits.
    """
    from bonaware.verifiers import verifier_from_spec

    if output not in ("correct", "score"):
        raise BonawareError(f"verifier_reward_fn(output={output!r}): expected 'correct' or 'score'")
    task = get_task(task) if isinstance(task, str) else task
    verifier = verifier_from_spec(verifier_spec, task)
    pool = list(problems) if problems is not None else [p for s in SPLITS for p in task.problems(s)]
    by_id = {p.id: p for p in pool}

    def reward(prompts, completions, completion_ids=None, **kwargs) -> list[float]:
        ids = kwargs.get("problem_id")
        if ids is None:
            raise BonawareError("verifier_reward_fn: the dataset has no 'problem_id' column (use problems_dataset)")
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise BonawareError(f"verifier_reward_fn: unknown problem_id {missing[0]!r} for task {task.name!r}")
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]  # plain or chat format
        verdicts = verifier.score([by_id[i] for i in ids], [[t] for t in texts])
        if output == "correct":
            return [float(row[0].correct) for row in verdicts]
        return [float(row[0].score) for row in verdicts]

    reward.__name__ = f"bonaware_{verifier_spec.split(':')[0]}_{output}"
    return reward
