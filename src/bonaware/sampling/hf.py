"""N completions per prompt from any Hugging Face causal LM, with the prompt computed once.

Best-of-N needs N i.i.d. samples y_1..y_N ~ π_T(·|x) per prompt (paper.md §1, Eq. 1). The usual
path, ``model.generate(num_return_sequences=N)``, copies each prompt N times and prefills all N
copies. Here each prompt is prefilled **once**; its KV cache is then gathered N times along the
batch dimension (``hf_model.select_rows``) and the N continuations are decoded together:

1. sort prompts by length, pack them into groups of at most ``batch_size`` rows (prompts × N);
2. prefill the group once, left-padded, with attention mask and real-token position ids, keeping
   only the last position's logits;
3. gather the cache rows (row i repeated N times) and decode step by step with temperature /
   top-p sampling; every completion has its own ``torch.Generator`` seeded from
   ``(seed, prompt index, k)``, so results do not depend on batch size or padding;
4. a row stops on EOS, on a stop string, or at ``max_new_tokens``; finished rows are dropped from
   the batch (cache rows included) once a quarter of the batch has finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from bonaware.errors import BonawareError
from bonaware.sampling import hf_model
from bonaware.sampling.base import Completion, FinishReason, Prompt, Sampler, SamplingParams, check_prompts


class HFSampler(Sampler):
    """Sampler over a ``transformers`` causal LM (``AutoModelForCausalLM``, PEFT-wrapped or not).

    Args:
        model: the causal LM; it is put in eval mode while sampling and restored afterwards.
        tokenizer: its tokenizer (encodes string prompts, decodes completions, gives EOS / pad ids).
        batch_size: most sequences (prompts × N) decoded together.
        max_batch_tokens: optional bound on rows × (padded prompt length + max_new_tokens), i.e. on
            the KV-cache size of one decode batch; lowers the number of rows when prompts are long.
        add_special_tokens: passed to the tokenizer for string prompts. ``False`` by default because
            prompts arrive already formatted (a chat template already contains BOS).
        show_progress: show a tqdm bar over completions.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        batch_size: int = 64,
        max_batch_tokens: int | None = None,
        add_special_tokens: bool = False,
        show_progress: bool = True,
    ) -> None:
        if batch_size < 1:
            raise BonawareError(f"HFSampler: batch_size must be >= 1, got {batch_size}")
        if max_batch_tokens is not None and max_batch_tokens < 1:
            raise BonawareError(f"HFSampler: max_batch_tokens must be >= 1, got {max_batch_tokens}")
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.add_special_tokens = add_special_tokens
        self.show_progress = show_progress
        self.eos_ids = _eos_ids(model, tokenizer)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.pad_id = int(pad) if pad is not None else 0  # any id works: padded positions are masked

    # ------------------------------------------------------------------ public
    def encode(self, prompts: Sequence[Prompt]) -> list[list[int]]:
        """Token ids of each prompt (strings are tokenized, id lists are used as given)."""
        check_prompts(prompts)
        out = []
        for i, p in enumerate(prompts):
            ids = (
                self.tokenizer(p, add_special_tokens=self.add_special_tokens)["input_ids"]
                if isinstance(p, str)
                else [int(t) for t in p]
            )
            if not ids:
                raise BonawareError(f"prompts[{i}]: empty prompt (no tokens); the model needs at least one")
            out.append(list(ids))
        return out

    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """``out[i][k]``: the k-th of ``params.n`` completions of ``prompts[i]``."""
        params.validate()
        ids = self.encode(prompts)
        base_seed = params.seed if params.seed is not None else int(torch.randint(0, 2**62, (1,)).item())
        out: list[list[Completion | None]] = [[None] * params.n for _ in ids]
        was_training = self.model.training
        self.model.eval()
        bar = tqdm(
            total=len(ids) * params.n, unit="completion", desc="sampling", disable=not self.show_progress
        )
        try:
            with torch.inference_mode():
                for group, rows_per_chunk in self._plan(ids, params):
                    self._run_group(
                        group, [ids[i] for i in group], params, base_seed, rows_per_chunk, out, bar
                    )
        finally:
            bar.close()
            self.model.train(was_training)
        return out  # type: ignore[return-value]

    # ------------------------------------------------------------------ batching
    def _rows_limit(self, width: int, params: SamplingParams) -> int:
        limit = self.batch_size
        if self.max_batch_tokens is not None:
            limit = min(limit, self.max_batch_tokens // (width + params.max_new_tokens))
        return max(1, limit)

    def _plan(self, ids: list[list[int]], params: SamplingParams) -> list[tuple[list[int], int]]:
        """Groups of prompt indices prefilled together, each with its decode-chunk size in rows."""
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # longest first: padding stays small
        groups: list[tuple[list[int], int]] = []
        group: list[int] = []
        for i in order:
            # the group's padded width is its first (longest) prompt's length
            width = len(ids[group[0]]) if group else len(ids[i])
            if group and (len(group) + 1) * params.n > self._rows_limit(width, params):
                groups.append((group, self._rows_limit(width, params)))
                group = []
            group.append(i)
        if group:
            groups.append((group, self._rows_limit(len(ids[group[0]]), params)))
        return groups

    # ------------------------------------------------------------------ one group
    def _run_group(
        self,
        group: list[int],
        prompt_ids: list[list[int]],
        params: SamplingParams,
        base_seed: int,
        rows_per_chunk: int,
        out: list,
        bar: Any,
    ) -> None:
        device = hf_model.model_device(self.model)
        input_ids, mask, pos = hf_model.left_pad(prompt_ids, self.pad_id, device)
        cache = hf_model.new_cache(self.model)
        # The prompt is computed once here; only its last position's logits are materialised.
        first = (
            hf_model.forward(
                self.model,
                cache=cache,
                input_ids=input_ids,
                attention_mask=mask,
                position_ids=pos,
                logits_to_keep=1,
            )
            .logits[:, -1]
            .float()
        )
        lengths = mask.sum(-1)
        rows = [(slot, k) for slot in range(len(group)) for k in range(params.n)]
        chunks = [rows[s : s + rows_per_chunk] for s in range(0, len(rows), rows_per_chunk)]
        for chunk in chunks:
            slots = torch.tensor([slot for slot, _ in chunk], device=device)
            # Sharing the prefix: row i of the cache, gathered once per continuation (no recompute).
            chunk_cache = hf_model.select_rows(cache, slots, inplace=len(chunks) == 1)
            seeds = [_row_seed(base_seed, group[slot], k) for slot, k in chunk]
            done = self._decode(chunk_cache, mask[slots], lengths[slots], first[slots], seeds, params)
            for (slot, k), completion in zip(chunk, done):
                out[group[slot]][k] = completion
            bar.update(len(chunk))

    def _decode(
        self,
        cache: Any,
        mask: torch.Tensor,
        next_pos: torch.Tensor,
        logits: torch.Tensor,
        seeds: list[int],
        params: SamplingParams,
    ) -> list[Completion]:
        """The decode loop for one batch of rows whose prompt is already in ``cache``."""
        device = logits.device
        n_rows = len(seeds)
        gens = None if params.greedy else [torch.Generator(device=device).manual_seed(s) for s in seeds]
        tokens: list[list[int]] = [[] for _ in range(n_rows)]
        raw_lps: list[list[float]] = [[] for _ in range(n_rows)]
        samp_lps: list[list[float]] = [[] for _ in range(n_rows)]
        finish: list[FinishReason | None] = [None] * n_rows
        alive = list(range(n_rows))  # batch position -> row
        for _ in range(params.max_new_tokens):
            tok, raw_lp, samp_lp = pick_tokens(
                logits, params, None if gens is None else [gens[r] for r in alive]
            )
            for b, (t, lp, slp) in enumerate(zip(tok.tolist(), raw_lp.tolist(), samp_lp.tolist())):
                r = alive[b]
                if finish[r] is None:  # finished rows still in the batch are ignored
                    tokens[r].append(t)
                    raw_lps[r].append(lp)
                    samp_lps[r].append(slp)
                    finish[r] = self._finish_reason(tokens[r], params)
            running = [b for b, r in enumerate(alive) if finish[r] is None]
            if not running:
                break
            if len(alive) - len(running) >= max(1, len(alive) // 4):
                keep = torch.tensor(running, device=device)
                cache = hf_model.select_rows(cache, keep, inplace=True)
                mask, next_pos, tok = mask[keep], next_pos[keep], tok[keep]
                alive = [alive[b] for b in running]
            mask = torch.cat([mask, mask.new_ones(len(alive), 1)], dim=-1)
            logits = (
                hf_model.forward(
                    self.model,
                    cache=cache,
                    input_ids=tok[:, None],
                    attention_mask=mask,
                    position_ids=next_pos[:, None],
                )
                .logits[:, -1]
                .float()
            )
            next_pos = next_pos + 1
        return [
            self._completion(tokens[r], raw_lps[r], samp_lps[r], finish[r] or "length", params)
            for r in range(n_rows)
        ]

    # ------------------------------------------------------------------ stopping and text
    def _finish_reason(self, tokens: list[int], params: SamplingParams) -> FinishReason | None:
        if tokens[-1] in self.eos_ids:
            return "eos"
        if params.stop:
            # A stop string of c characters spans at most ~4c byte-level tokens; decode only that tail.
            window = 4 * max(len(s) for s in params.stop) + 4
            tail = self._decode_text(tokens[-window:])
            if any(s in tail for s in params.stop):
                return "stop"
        if len(tokens) >= params.max_new_tokens:
            return "length"
        return None

    def _decode_text(self, tokens: list[int]) -> str:
        return self.tokenizer.decode(tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def _completion(
        self,
        tokens: list[int],
        raw: list[float],
        samp: list[float],
        finish: FinishReason,
        params: SamplingParams,
    ) -> Completion:
        text = self._decode_text(tokens[:-1] if finish == "eos" else tokens)
        if finish == "stop":
            cut = min((i for i in (text.find(s) for s in params.stop) if i >= 0), default=len(text))
            text = text[:cut]
        return Completion(
            text=text, token_ids=tokens, logprobs=raw, finish_reason=finish, sampling_logprobs=samp
        )


def pick_tokens(
    logits: torch.Tensor, params: SamplingParams, generators: list[torch.Generator] | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw one token per row from fp32 ``logits [R, V]``.

    Returns ``(tokens [R], raw_logprob [R], sampling_logprob [R])``: the log-probability of each
    drawn token under the model at temperature 1, and under the distribution actually sampled
    (softmax(logits / T) restricted to the top-p nucleus and renormalised; 0 for greedy).
    Sampling is the exponential race argmax(p / E), E ~ Exp(1) i.i.d., which draws from p exactly
    and lets every row use its own generator.
    """
    raw = torch.log_softmax(logits, dim=-1)
    if params.greedy:
        tok = logits.argmax(-1)
        samp = torch.zeros_like(tok, dtype=logits.dtype)
    else:
        lp = torch.log_softmax(logits / params.temperature, dim=-1)
        if params.top_p < 1.0:
            lp = top_p_filter(lp, params.top_p)
        noise = torch.empty_like(lp)
        for b, g in enumerate(generators or []):
            noise[b].exponential_(generator=g)
        # clamp: a (vanishingly rare) exact 0 would give +inf and could pick a masked token
        tok = (lp - noise.clamp_min(torch.finfo(noise.dtype).tiny).log()).argmax(-1)
        samp = lp.gather(-1, tok[:, None]).squeeze(-1)
    return tok, raw.gather(-1, tok[:, None]).squeeze(-1), samp


def top_p_filter(logprobs: torch.Tensor, top_p: float) -> torch.Tensor:
    """Restrict normalised ``logprobs [R, V]`` to the top-p nucleus, renormalised.

    The nucleus is the smallest set of most likely tokens whose mass reaches ``top_p``.
    """
    sorted_lp, order = logprobs.sort(dim=-1, descending=True)
    probs = sorted_lp.exp()
    drop_sorted = (probs.cumsum(-1) - probs) >= top_p  # mass strictly before a token already >= top_p
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    kept = logprobs.masked_fill(drop, float("-inf"))
    return kept - kept.logsumexp(-1, keepdim=True)


def _row_seed(base_seed: int, prompt_index: int, k: int) -> int:
    """A well-mixed 64-bit seed for completion ``k`` of prompt ``prompt_index``."""
    return int(np.random.SeedSequence([base_seed, prompt_index, k]).generate_state(1, dtype=np.uint64)[0])


def _eos_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    """End-of-sequence ids: the tokenizer's plus the model's generation config's (may be a list)."""
    ids: set[int] = set()
    gen_cfg = getattr(hf_model.unwrap(model), "generation_config", None)
    for value in (tokenizer.eos_token_id, getattr(gen_cfg, "eos_token_id", None)):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    return frozenset(ids)
