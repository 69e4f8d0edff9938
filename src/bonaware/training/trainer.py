"""The training loop, top to bottom (nanoGPT/cleanRL style; paper.md §3, Algorithms 1–4).

One step:
  1. draw B prompts (seeded by (seed, step), so the data position is the step itself);
  2. sample N′ completions per prompt at T′ from the policy (or the frozen base for distillation);
  3. score them: environment reward R (the task's oracle) and verifier score r;
  4. ask the method's registered objective for per-sample weights w (and an expert weight);
  5. loss = −(1/B) Σ_i [Σ_j w_ij log π(y_ij|x_i) + w_e,i log π(y_e,i|x_i)] + β_t · KL(π ‖ anchor),
     with sequence log-probs at T′ scored with the prompt computed once and chunked logits;
  6. AdamW step with warm-up and gradient clipping; EMA anchor update; value-head update;
  7. log (tqdm, CSV, TensorBoard) and checkpoint atomically every K steps.

Every random choice of step t is derived from (seed, t), and checkpoints hold all state, so a
resumed run equals an uninterrupted one.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import trange

from bonaware.config import parse_kv
from bonaware.errors import BonawareError
from bonaware.io import _ensure_writable_dir, write_json_atomic
from bonaware.objectives import GroupBatch, check_params, get_objective, objective_info
from bonaware.training import distributed
from bonaware.training.checkpoint import latest_checkpoint, rng_state, save_checkpoint, set_rng_state
from bonaware.training.config import TrainConfig
from bonaware.training.logger import RunLogger
from bonaware.training.methods import MethodSpec, get_method
from bonaware.training.policy import ParamSnapshot, PolicyScorer, k3_kl, length_mask
from bonaware.training.value import ValueHead, prompt_features


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    if name == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]


def resolve_params(spec: MethodSpec, cfg: TrainConfig) -> dict:
    """Objective parameters with the placeholder ``"N"`` replaced by the configured target N."""
    params = {k: (cfg.target_n if v == "N" else v) for k, v in spec.params.items()}
    return {**params, **parse_kv(cfg.objective_args, "--objective_args")}


#: verdict statuses whose per-step share is logged as ``status/<name>`` (the code sandbox's and the math
#: verifier's; issue 14: reward hacking against the sandbox shows as a drift of error/timeout); any other
#: status counts as ``status/other``, so every rank and every step logs the same columns
STATUS_COLUMNS = {"code": ("passed", "failed", "error", "timeout", "oom"),
                  "math": ("ok", "no_answer", "timeout", "error")}


def status_counts(verdicts, kind: str) -> list[float]:
    """Counts of the oracle's verdict statuses, in the order of :data:`STATUS_COLUMNS` [kind] + other."""
    columns = STATUS_COLUMNS.get(kind, ())
    counts = [0.0] * (len(columns) + 1)
    for row in verdicts:
        for v in row:
            counts[columns.index(v.status) if v.status in columns else -1] += 1
    return counts


def _step_seed(seed: int, step: int) -> int:
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


class Trainer:
    """Holds the run's state; :meth:`run` executes the loop. Build with :func:`train` normally."""

    def __init__(self, cfg: TrainConfig, progress: bool = True):
        from bonaware.models import load_model
        from bonaware.sampling import HFSampler
        from bonaware.tasks import get_task
        from bonaware.verifiers import get_verifier, verifier_from_spec

        cfg.validate()
        self.cfg, self.progress = cfg, progress
        self.spec = get_method(cfg.method)
        if cfg.n_prime < self.spec.min_samples:
            raise BonawareError(f"--method={cfg.method} needs --n_prime >= {self.spec.min_samples}, got {cfg.n_prime}")
        self.objective = get_objective(self.spec.objective)
        self.obj_params = resolve_params(self.spec, cfg)
        accepted = objective_info(self.spec.objective).params  # fail before any output is written
        if unknown := sorted(set(self.obj_params) - set(accepted)):
            raise BonawareError(f"--objective_args: objective {self.spec.objective!r} has no parameter(s) "
                                f"{', '.join(unknown)}; accepted: {', '.join(accepted) or 'none'}")
        try:  # values too (a NaN scale), before any output is written
            check_params(self.spec.objective, cfg.n_prime, **self.obj_params)
        except BonawareError as exc:
            raise BonawareError(f"--method={cfg.method} / --objective_args: {exc}") from None
        self.out = Path(cfg.out)
        self.accel = distributed.make_accelerator(cfg.device)  # one process: a no-op wrapper
        self.device = self.accel.device
        dtype = resolve_dtype(cfg.dtype, self.device)

        torch.manual_seed(cfg.seed)
        self.model, self.tok = load_model(cfg.model, device=self.device, dtype=dtype)
        if cfg.lora:
            self.model = _apply_lora(self.model, cfg)
        self.model.eval()  # no dropout: sampling and scoring see the same policy

        self.task = get_task(cfg.task, **parse_kv(cfg.task_args, "--task_args"))
        self.problems = self.task.problems("train", seed=cfg.seed)
        if not self.problems:
            raise self.task.empty_split_error("train")
        self.oracle = get_verifier("oracle", self.task)
        self.verifier = verifier_from_spec(cfg.verifier, self.task) if self.spec.scores == "verifier" else None
        self.sampler = HFSampler(self.model, self.tok, show_progress=False)

        # the policy, optimiser and scheduler go through accelerate: DDP/FSDP wrap the scorer (whose forward
        # is a unit's log-probs), so their gradient hooks see every forward of the loss
        opt = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=cfg.lr,
                                weight_decay=cfg.weight_decay)
        self.fsdp = distributed.check_strategy(self.accel, cfg)
        self.scorer, self.opt = self.accel.prepare(PolicyScorer(self.model), opt)
        # the scheduler is not prepared: accelerate would step it once per process per step
        warm = max(1, cfg.warmup_steps)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt.optimizer, lambda s: min(1.0, (s + 1) / warm))
        self.params = [p for p in self.model.parameters() if p.requires_grad]  # after prepare (FSDP shards)
        if self.fsdp:  # FSDP's lazy initialisation must start from the root (distributed.unsharded)
            with torch.no_grad():
                self._padding_logprobs()
        self.anchor = ParamSnapshot(self.params)
        self.base = ParamSnapshot(self.params) if self.spec.sample_from == "base" else None
        self.value = self.value_opt = None
        if self.spec.value_target is not None or cfg.p_fail_source == "value":
            self.value = ValueHead(self.model.config.hidden_size).to(self.device)
            self.value_opt = torch.optim.AdamW(self.value.parameters(), lr=cfg.value_lr)
        self.step = 0
        _ensure_writable_dir(self.out)  # clear BonawareError, not TensorBoard's traceback
        # read and verify the checkpoint before the logger creates files: a bad one leaves --out untouched
        state = latest_checkpoint(self.out) if cfg.resume else None
        self.logger = RunLogger(self.out, tensorboard=self.accel.is_main_process)
        if state is not None:
            self._restore(state)

    # -- state ------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "step": self.step,
            "config": asdict(self.cfg),
            "params": [p.detach().cpu().clone() for p in self.params],
            "optimizer": self.opt.state_dict(),
            "scheduler": self.sched.state_dict(),
            "anchor": [t.cpu() for t in self.anchor.tensors],
            "base": [t.cpu() for t in self.base.tensors] if self.base else None,
            "value": self.value.state_dict() if self.value else None,
            "value_optimizer": self.value_opt.state_dict() if self.value_opt else None,
            "rng": rng_state(),
            "metrics": self.logger.rows,
        }

    def _restore(self, state: dict) -> None:
        """Load a checkpoint's state (--resume without a checkpoint starts fresh: documented behaviour)."""
        if len(state["params"]) != len(self.params):
            raise BonawareError(f"{self.out}: checkpoint does not match this model/--lora setting")
        with torch.no_grad():
            for p, t in zip(self.params, state["params"]):
                p.copy_(t.to(p.device))
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.anchor.tensors = [t.to(self.device) for t in state["anchor"]]
        if self.base is not None:
            self.base.tensors = [t.to(self.device) for t in state["base"]]
        if self.value is not None:
            self.value.load_state_dict(state["value"])
            self.value_opt.load_state_dict(state["value_optimizer"])
        set_rng_state(state["rng"])
        self.logger.rows = list(state["metrics"])
        self.step = int(state["step"])

    def save(self) -> None:
        save_checkpoint(self.out, self.step, self.state_dict())
        self.logger.flush()

    # -- one step ---------------------------------------------------------------------------------
    def _draw_problems(self) -> list:
        rng = np.random.default_rng([self.cfg.seed, self.step])
        n = len(self.problems)
        idx = rng.choice(n, size=self.cfg.batch_prompts, replace=n < self.cfg.batch_prompts)
        return [self.problems[i] for i in idx]

    def _sample(self, prompts: list[str], indices: list[int]):
        from bonaware.sampling import SamplingParams

        cfg = self.cfg
        params = SamplingParams(n=cfg.n_prime, temperature=cfg.temperature, top_p=cfg.top_p,
                                max_new_tokens=cfg.max_new_tokens, stop=list(self.task.stop_sequences(self.tok)),
                                seed=_step_seed(cfg.seed, self.step))
        with torch.no_grad(), (self.base.swap_in(self.params) if self.base else _null()), \
                distributed.unsharded(self.scorer):
            return distributed.sample_shard(self.sampler, prompts, params, indices)

    def _score(self, problems, texts) -> tuple[np.ndarray, np.ndarray | None, list[float]]:
        """R from the oracle, r from the verifier (None without one), and the oracle's status counts."""
        verdicts = self.oracle.score(problems, texts)
        R = np.array([[float(v.correct) for v in row] for row in verdicts])
        statuses = status_counts(verdicts, self.task.kind)
        if self.verifier is None:
            return R, None, statuses
        r = np.array([[float(v.score) for v in row] for row in self.verifier.score(problems, texts)])
        return R, r, statuses

    def _value_inputs(self, prompts: list[str]) -> torch.Tensor:
        with distributed.unsharded(self.scorer):
            return prompt_features(self.model, self.sampler.encode(prompts), self.sampler.pad_id)

    def train_step(self) -> tuple[dict[str, float], dict[str, np.ndarray]]:
        """One optimiser step; returns (scalar metrics, histograms)."""
        cfg, spec = self.cfg, self.spec
        t0 = time.perf_counter()
        batch_problems = self._draw_problems()
        B = len(batch_problems)
        mine = distributed.shard(self.accel, B)  # this process's prompts (all of them in a single process)
        problems = [batch_problems[i] for i in mine]
        prompts = [self.task.format_prompt(p, self.tok) for p in problems]

        # 1-2. sample N' completions per prompt and score them (R from the task, r from the verifier)
        comps = self._sample(prompts, mine)
        texts = [[c.text for c in row] for row in comps]
        R, r, statuses = self._score(problems, texts)
        statuses = distributed.sum_over_processes(self.accel, statuses)
        gather = lambda a: distributed.gather_rows(self.accel, a)  # noqa: E731  [shard] -> [B] rows
        R, r = gather(R), gather(r)

        expert_ids = expert_scores = None
        if spec.expert:
            expert_texts = [self.task.expert_solution(p, self.tok) for p in problems]
            if any(e is None for e in expert_texts):
                raise BonawareError(f"task {cfg.task!r} has no expert solutions; --method={cfg.method} needs them")
            expert_ids = [self._encode_completion(e) for e in expert_texts]
            if self.verifier is not None:
                ev = self.verifier.score(problems, [[e] for e in expert_texts])
                expert_scores = np.array([row[0].score for row in ev], dtype=float)
        expert_scores = gather(expert_scores)

        # 3. value baseline b(x) / P_fail from the value head
        features = v_pred = None
        if self.value is not None:
            features = self._value_inputs(prompts)
            if self.accel.num_processes > 1:  # every rank holds the whole batch's features: the value head
                # then takes the same one-process step on every rank, with no gradient reduction
                features = torch.as_tensor(gather(features.float().cpu().numpy()), device=self.device)
            with torch.no_grad():
                v_pred = self.value(features).cpu().numpy().astype(float)
        baseline = v_pred if spec.value_target is not None else None
        p_fail = np.clip(1.0 - v_pred, 0.01, 0.99) if (cfg.p_fail_source == "value" and v_pred is not None) else None

        # 4. per-sample weights from the registered objective
        answers = None
        if "answers" in objective_info(spec.objective).needs:  # e.g. majority-vote distillation
            answers = gather(np.array([[self.task.extract_answer(t) for t in row] for row in texts], dtype=object))
        batch = GroupBatch(rewards=R, scores=r, p_fail=p_fail, baseline=baseline, expert_scores=expert_scores,
                           answers=answers)
        weights = self.objective(batch, **self.obj_params)
        w = np.asarray(weights.sample, dtype=float)
        if cfg.normalize_weights:
            std = w[w != 0].std() if np.any(w != 0) else 0.0
            w = w / std if std > 1e-8 else w
        w_exp = None if weights.expert is None else np.asarray(weights.expert, dtype=float)

        # 5. loss, accumulated unit by unit (backward per unit bounds memory). A unit is one prompt's
        #    N' samples (+ expert), scored with the prompt computed once; with N' = 1 there is nothing
        #    to share, so up to 32 prompts form one right-padded batch instead.
        beta = cfg.kl_coef(self.step)
        total_loss = total_kl = 0.0
        n_tokens = 0
        self.opt.zero_grad(set_to_none=True)
        units: list[list[tuple[list[int], list[int], float, bool]]] = []
        for i, (prompt, row) in enumerate(zip(prompts, comps)):
            prompt_ids = self._encode_prompt(prompt)
            entries = [(prompt_ids, list(c.token_ids), float(w[mine[i], j]), True) for j, c in enumerate(row)]
            if w_exp is not None and w_exp[mine[i]] != 0:
                entries.append((prompt_ids, expert_ids[i], float(w_exp[mine[i]]), False))
            # only sequences with a nonzero weight (or policy samples when the KL term is on) need a pass
            entries = [e for e in entries if len(e[1]) > 0 and (e[2] != 0 or (beta > 0 and e[3]))]
            if cfg.n_prime == 1 and units and len(units[-1]) < 32:
                units[-1].extend(entries)
            elif entries:
                units.append(entries)
        # every process runs the same number of units (padding ones carry weight 0) and gradients are
        # reduced on the last; DDP/FSDP average over processes, so each loss is scaled by W
        W = self.accel.num_processes
        units = [u for u in units if u]
        n_run = distributed.units_to_run(self.accel, len(units))
        for u in range(n_run):
            sync = self.accel.no_sync(self.scorer) if u < n_run - 1 else _null()
            with sync:
                if u >= len(units):
                    self._padding_unit(beta)
                    continue
                loss, kl, lengths = self._unit_loss(units[u], beta, B)
                self.accel.backward(loss * W if W > 1 else loss)
            total_loss += float(loss.detach())
            total_kl += kl
            n_tokens += int(lengths.sum())

        grad_norm = float(self.accel.clip_grad_norm_(self.params, cfg.grad_clip if cfg.grad_clip > 0 else math.inf)
                          if any(p.grad is not None for p in self.params) else 0.0)
        self.opt.step()
        self.sched.step()
        self.anchor.ema_update(self.params, cfg.ema_rate)

        # 6. value head: regress on E_pi[R] (group mean) or R of the BoN-selected sample (Lemma 2)
        value_loss = float("nan")
        if self.value is not None:
            if spec.value_target == "bon":
                sel = r if r is not None else R
                target = R[np.arange(B), _argmax_random_ties(sel, self.step)]
            else:
                target = R.mean(axis=1)
            pred = self.value(features)  # the whole batch on every process (step 3)
            vloss = ((pred - torch.tensor(target, dtype=pred.dtype, device=self.device)) ** 2).sum() / B
            self.value_opt.zero_grad(set_to_none=True)
            vloss.backward()
            self.value_opt.step()
            value_loss = float(vloss.detach())

        dt = time.perf_counter() - t0
        gen_tokens = sum(len(c.token_ids) for row in comps for c in row)
        total_loss, total_kl, gen_tokens, n_tokens = distributed.sum_over_processes(
            self.accel, [total_loss, total_kl, gen_tokens, n_tokens])
        zero_info = float(np.mean(R.min(axis=1) == R.max(axis=1)))
        sel = r if r is not None else R
        metrics = {
            "loss": total_loss, "reward": float(R.mean()),
            "pass_at_n_batch": float(R.max(axis=1).mean()),
            "bon_reward": float(R[np.arange(B), _argmax_random_ties(sel, self.step)].mean()),
            "kl": total_kl, "kl_coef": beta, "grad_norm": grad_norm, "lr": self.sched.get_last_lr()[0],
            "value_loss": value_loss, "frac_zero_info": zero_info,
            "weight_abs_mean": float(np.abs(w).mean()), "weight_max": float(w.max()), "weight_min": float(w.min()),
            "tokens_per_s": (gen_tokens + n_tokens) / dt, "step_seconds": dt,
            "gen_tokens": gen_tokens, "train_tokens": n_tokens,
            **{f"obj/{k}": float(v) for k, v in weights.stats.items()},
            **{f"status/{k}": n / max(1.0, sum(statuses))
               for k, n in zip((*STATUS_COLUMNS.get(self.task.kind, ()), "other"), statuses)},
        }
        return metrics, {"weights": w.ravel(), "p_fail": 1.0 - R.mean(axis=1)}

    def _unit_loss(self, entries, beta: float, B: int) -> tuple[torch.Tensor, float, torch.Tensor]:
        """One unit's ``−(1/B) Σ c·log π(y|x)`` (+ its share of the KL term), its KL and its lengths."""
        cfg = self.cfg
        seqs = [e[1] for e in entries]
        policy = [k for k, e in enumerate(entries) if e[3]]
        ref_lp = None
        if beta > 0:
            # anchor log-probs first: swapping the anchor's weights in is an in-place write to the
            # parameters, which must not happen while the policy's autograd graph holds them. (Run even
            # for a unit without policy samples, so that every unit makes the same passes: FSDP.)
            ref_rows = policy or [0]
            with torch.no_grad(), self.anchor.swap_in(self.params):
                ref_lp = self._logprobs([entries[k][0] for k in ref_rows], [seqs[k] for k in ref_rows])
            ref_lp = ref_lp if policy else None
        tok_lp = self._logprobs([e[0] for e in entries], seqs)
        lengths = torch.tensor([len(q) for q in seqs], dtype=torch.float32, device=self.device)
        mask = length_mask(lengths, tok_lp.shape[1])
        seq_lp = (tok_lp * mask).sum(-1)
        if cfg.loss_agg == "token_mean":
            seq_lp = seq_lp / lengths
        c = torch.tensor([e[2] for e in entries], dtype=seq_lp.dtype, device=self.device)
        loss = -(c * seq_lp).sum() / B
        kl_value = 0.0
        if ref_lp is not None:
            ref_lp = torch.nn.functional.pad(ref_lp, (0, tok_lp.shape[1] - ref_lp.shape[1]))
            kl = k3_kl(tok_lp[policy], ref_lp, mask[policy], cfg.kl_type)
            loss = loss + beta * kl.sum() / (B * cfg.n_prime)  # mean KL per sample
            kl_value = float(kl.detach().sum()) / (B * cfg.n_prime)
        return loss, kl_value, lengths

    def _padding_unit(self, beta: float) -> None:
        """A weight-0 unit: the same forward/backward passes as a real one (anchor too when the KL term is
        on), so that every process calls the wrapped model equally often; it adds zero gradient."""
        if beta > 0:
            with torch.no_grad(), self.anchor.swap_in(self.params):
                self._padding_logprobs()
        self.accel.backward(self._padding_logprobs().sum() * 0.0)

    def _padding_logprobs(self) -> torch.Tensor:
        token = [self.tok.eos_token_id if self.tok.eos_token_id is not None else 0]
        return self._logprobs([token], [token])

    def _logprobs(self, prompt_ids: list[list[int]], seqs: list[list[int]]) -> torch.Tensor:
        """Per-token log π_T′ of ``seqs[k]`` after ``prompt_ids[k]``: prompt computed once when shared."""
        shared = all(p is prompt_ids[0] for p in prompt_ids)
        return self.scorer(prompt_ids, seqs, shared=shared, chunk_size=self.cfg.logprob_chunk,
                           temperature=self.cfg.temperature)

    def _encode_prompt(self, prompt: str) -> list[int]:
        return self.sampler.encode([prompt])[0]  # exactly the ids the sampler conditioned on

    def _encode_completion(self, text: str) -> list[int]:
        """Expert text → token ids ending the way sampled completions end (stop string or EOS)."""
        ids = self.tok(text, add_special_tokens=False)["input_ids"]
        ends_with_stop = any(text.endswith(s) for s in self.task.stop_sequences(self.tok))
        if not ends_with_stop and self.tok.eos_token_id is not None:
            ids = ids + [self.tok.eos_token_id]
        return ids

    # -- the loop ---------------------------------------------------------------------------------
    def run(self) -> Path:
        """Train from the current step to ``cfg.steps``; returns the folder of the final model."""
        cfg, main = self.cfg, self.accel.is_main_process  # only rank 0 writes files
        if main:
            self.out.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.out / "config.json", asdict(cfg))
        bar = trange(self.step, cfg.steps, desc=f"train {cfg.method}", disable=not (self.progress and main),
                     initial=self.step, total=cfg.steps)
        for _ in bar:
            metrics, hists = self.train_step()
            self.step += 1
            if main and (self.step % cfg.log_every == 0 or self.step == cfg.steps):
                self.logger.log(self.step, metrics, hists)
            bar.set_postfix(reward=f"{metrics['reward']:.3f}", kl=f"{metrics['kl']:.3f}")
            if main and cfg.ckpt_every and self.step % cfg.ckpt_every == 0:
                self.save()
        if main:
            self.logger.close()
        final = self.save_final() if (main or self.fsdp) else self.out / "final"
        self.accel.wait_for_everyone()  # no process leaves (and tears the group down) before rank 0 has saved
        return final

    def save_final(self) -> Path:
        """Save the trained model (merged LoRA weights) + tokenizer to ``out/final`` atomically (rank 0 writes).

        Under FSDP every process calls this: the full parameters are gathered (a collective) and rank 0
        loads them into a fresh unsharded copy of the model, which it merges and saves.
        """
        from bonaware.models import load_model, save_model

        target = self.out / "final"
        if not self.fsdp:
            model = self.model.merge_and_unload() if self.cfg.lora else self.model
            save_model(model, self.tok, target)
            return target
        state = self.accel.get_state_dict(self.scorer)  # every process must join
        if self.accel.is_main_process:
            model = load_model(self.cfg.model, device="cpu", dtype=next(iter(state.values())).dtype)[0]
            if self.cfg.lora:
                model = _apply_lora(model, self.cfg)
            missing = model.load_state_dict({k.removeprefix("policy."): v for k, v in state.items()}, strict=False)
            if missing.unexpected_keys:
                raise BonawareError(f"FSDP state dict does not fit the model: {missing.unexpected_keys[:3]}")
            save_model(model.merge_and_unload() if self.cfg.lora else model, self.tok, target)
        return target


def train(cfg: TrainConfig, progress: bool = True) -> Path:
    """Run (or resume) training with ``cfg``; returns the folder of the final model.

    One run: several seeds (``cfg.seeds``) are :func:`bonaware.training.seeds.train_seeds`.
    """
    if cfg.seeds is not None:
        raise BonawareError("train() trains one run; for --seeds use bonaware.training.seeds.train_seeds")
    return Trainer(cfg, progress=progress).run()


# -- small pure helpers ----------------------------------------------------------------------------
def _apply_lora(model, cfg: TrainConfig):
    from peft import LoraConfig, get_peft_model

    targets = [t for t in cfg.lora_targets.split(",") if t]
    return get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, target_modules=targets,
                                            lora_dropout=0.0))


@contextmanager
def _null():
    yield


def _argmax_random_ties(scores: np.ndarray, seed: int) -> np.ndarray:
    """Row-wise argmax with ties broken uniformly at random (the BoN selection rule)."""
    rng = np.random.default_rng(seed)
    noise = rng.random(scores.shape)
    top = scores == scores.max(axis=1, keepdims=True)
    return np.argmax(np.where(top, noise, -1.0), axis=1)
