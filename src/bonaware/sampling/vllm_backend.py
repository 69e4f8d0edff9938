"""vLLM backend: the same :class:`~bonaware.sampling.base.Sampler` interface on a GPU with vLLM.

vLLM is optional (``pip install bonaware[vllm]``) and imported only when a :class:`VLLMSampler`
is built. It already does what :class:`~bonaware.sampling.hf.HFSampler` does by hand: with
``SamplingParams(n=N)`` the prompt is prefilled once and its KV blocks are shared by the N
sequences; ``enable_prefix_caching=True`` also shares prompt blocks across calls (e.g. the same
evaluation prompts at several temperatures).

Mapping (vLLM API: ``LLM(model, seed, enable_prefix_caching, logprobs_mode)``,
``LLM.generate(prompts, SamplingParams(n, temperature, top_p, max_tokens, stop, seed, logprobs=0))``):

* ``logprobs=0`` asks for the sampled token's log-probability only; with the engine's default
  ``logprobs_mode="raw_logprobs"`` that is the raw model at temperature 1, the same quantity as
  ``Completion.logprobs`` from the HF backend. ``sampling_logprobs`` is ``None`` here.
* vLLM reports EOS as ``finish_reason="stop"`` with ``stop_reason=None`` (a stop string gives the
  string, a stop token id an int): EOS and stop token ids become ``"eos"``, stop strings ``"stop"``.
* each prompt gets its own seed derived from ``(seed, prompt index)``, so a prompt's N completions
  do not depend on which other prompts share the call.

The model is loaded from a path (a saved checkpoint folder); vLLM does not see later in-memory
weight updates of a training model, so use it for evaluation or re-create it after saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from bonaware.errors import BonawareError
from bonaware.sampling.base import Completion, FinishReason, Prompt, Sampler, SamplingParams, check_prompts


def vllm_available() -> bool:
    """True when ``vllm`` imports and a CUDA GPU is visible."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return torch.cuda.is_available()


def require_vllm(where: str = "--backend=vllm") -> None:
    """Raise one clear :class:`BonawareError` naming ``where`` unless vLLM can run here (package + CUDA GPU)."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        raise BonawareError(f"{where}: the vllm package is not installed; on a CUDA machine run "
                            "pip install 'bonaware[vllm]', or use --backend=hf") from None
    if not torch.cuda.is_available():
        raise BonawareError(f"{where}: vLLM needs a CUDA GPU and none is visible; use --backend=hf")


class VLLMSampler(Sampler):
    """Sampler backed by a ``vllm.LLM`` engine.

    Args:
        model: a local model folder (or anything ``vllm.LLM(model=...)`` accepts), or a ready
            ``vllm.LLM`` instance (then ``engine_kwargs`` must be empty).
        tokenizer: optional tokenizer path for ``vllm.LLM`` (default: the model folder's).
        seed: engine seed (the per-request seeds of :class:`SamplingParams` take precedence).
        add_special_tokens: used when tokenizing string prompts (with the engine's tokenizer, here,
            so that both backends see the same ids); ``False`` as in ``HFSampler``.
        show_progress: vLLM's own tqdm bar.
        **engine_kwargs: passed to ``vllm.LLM`` (``dtype``, ``gpu_memory_utilization``,
            ``max_model_len`` ...). ``enable_prefix_caching`` defaults to ``True``.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        seed: int = 0,
        add_special_tokens: bool = False,
        show_progress: bool = True,
        **engine_kwargs: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise BonawareError(
                "backend 'vllm' needs the vllm package (pip install 'bonaware[vllm]') and a CUDA GPU"
            ) from exc
        self._vllm = vllm
        self.show_progress = show_progress
        self.add_special_tokens = add_special_tokens
        if isinstance(model, vllm.LLM):
            if engine_kwargs:
                raise BonawareError(
                    f"VLLMSampler: engine options {sorted(engine_kwargs)} need a model path, "
                    "not a ready vllm.LLM"
                )
            self.llm = model
        else:
            if not isinstance(model, str):
                raise BonawareError(
                    "VLLMSampler: model must be a model folder path or a vllm.LLM, got "
                    f"{type(model).__name__} (save the HF model and pass its folder)"
                )
            engine_kwargs.setdefault("enable_prefix_caching", True)
            if isinstance(tokenizer, str):
                engine_kwargs.setdefault("tokenizer", tokenizer)
            self.llm = vllm.LLM(model=model, seed=seed, **engine_kwargs)

    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """``out[i][k]``: the k-th of ``params.n`` completions of ``prompts[i]``."""
        params.validate()
        check_prompts(prompts)
        base_seed = params.seed if params.seed is not None else int(torch.randint(0, 2**62, (1,)).item())
        inputs = [{"prompt_token_ids": self._encode(p)} for p in prompts]
        per_prompt = [
            self._vllm.SamplingParams(
                n=params.n,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_new_tokens,
                stop=list(params.stop) or None,
                seed=_prompt_seed(base_seed, i),
                logprobs=0,
            )
            for i in range(len(prompts))
        ]
        results = self.llm.generate(inputs, per_prompt, use_tqdm=self.show_progress)
        return [[_to_completion(o) for o in sorted(r.outputs, key=lambda o: o.index)] for r in results]

    def encode(self, prompts: Sequence[Prompt]) -> list[list[int]]:
        """The token ids each prompt is sent as (like ``HFSampler.encode``), tokenized by the engine's tokenizer."""
        return [self._encode(p) for p in prompts]

    def _encode(self, prompt: Prompt) -> list[int]:
        if not isinstance(prompt, str):
            return [int(t) for t in prompt]
        tokenizer = self.llm.get_tokenizer()
        return list(tokenizer(prompt, add_special_tokens=self.add_special_tokens)["input_ids"])


def _prompt_seed(base_seed: int, prompt_index: int) -> int:
    return int(np.random.SeedSequence([base_seed, prompt_index]).generate_state(1)[0])


def _token_logprob(entry: Any, token: int) -> float:
    """The sampled token's log-prob from one position of vLLM's ``logprobs`` (dict token -> Logprob)."""
    value = entry[token]
    return float(getattr(value, "logprob", value))


def _to_completion(output: Any) -> Completion:
    """Convert a ``vllm.CompletionOutput``."""
    tokens = list(output.token_ids)
    logprobs = [_token_logprob(entry, t) for entry, t in zip(output.logprobs or [], tokens)]
    if len(logprobs) != len(tokens):
        raise BonawareError(
            f"vLLM returned {len(logprobs)} log-probs for {len(tokens)} tokens "
            "(was the engine built with max_logprobs=0?)"
        )
    reason: FinishReason
    if output.finish_reason == "length":
        reason = "length"
    elif isinstance(output.stop_reason, str):
        reason = "stop"
    else:  # None: EOS; an int: a stop token id (e.g. a secondary EOS from generation_config)
        reason = "eos"
    return Completion(
        text=output.text, token_ids=tokens, logprobs=logprobs, finish_reason=reason, sampling_logprobs=None
    )
