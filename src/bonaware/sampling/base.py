"""What every sampler takes and returns: :class:`SamplingParams`, :class:`Completion`, :class:`Sampler`.

Best-of-N (paper.md §1, Eq. 1) draws N i.i.d. completions y_1..y_N ~ π(·|x) at temperature T; the
samplers here draw those N completions for many prompts at once. Two backends implement
:class:`Sampler`: :class:`bonaware.sampling.hf.HFSampler` (any Hugging Face causal LM, our own
decode loop with the prompt prefilled once and shared by its N continuations) and
:class:`bonaware.sampling.vllm_backend.VLLMSampler` (vLLM, GPU only).

Log-probabilities (decided here, for both backends): ``Completion.logprobs[t]`` is
log π(y_t | x, y_<t) under the **raw model at temperature 1** (no temperature, no top-p): the
quantity :func:`bonaware.sampling.logprobs.sequence_logprobs` recomputes with gradients for
training, and what vLLM returns by default (``logprobs_mode="raw_logprobs"``).
``Completion.sampling_logprobs[t]`` is the log-probability under the distribution the token was
actually drawn from (temperature and top-p applied, renormalised; 0 for greedy), i.e. the
behaviour policy an importance-sampling correction needs. The HF backend fills both; the vLLM
backend fills only ``logprobs`` (``sampling_logprobs`` is ``None``).
"""

from __future__ import annotations

import abc
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bonaware.errors import BonawareError

FinishReason = Literal["stop", "length", "eos"]
#: a prompt is an already formatted string (chat template applied by the task) or token ids
Prompt = str | Sequence[int]


@dataclass
class SamplingParams:
    """How to draw the N completions of every prompt (the same for all prompts of one call)."""

    n: int = field(default=1, metadata={"help": "completions drawn per prompt (N of Best-of-N)"})
    temperature: float = field(
        default=1.0, metadata={"help": "sampling temperature T; 0 means greedy (argmax) decoding"}
    )
    top_p: float = field(
        default=1.0,
        metadata={"help": "nucleus sampling: keep the smallest set of tokens with mass >= top_p (1 = off)"},
    )
    max_new_tokens: int = field(default=256, metadata={"help": "maximum tokens generated per completion"})
    stop: list[str] = field(
        default_factory=list,
        metadata={"help": "stop strings: generation ends when one appears; the text is cut before it"},
    )
    seed: int | None = field(
        default=None,
        metadata={
            "help": "seed of the sampling noise; with a seed, the k-th completion of the i-th prompt "
            "is the same whatever the batch size (none: drawn from torch's global RNG)"
        },
    )

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):
            self.stop = [self.stop]
        self.stop = list(self.stop)
        self.validate()

    def validate(self) -> None:
        """Raise :class:`BonawareError` naming the first bad field."""
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise BonawareError(f"SamplingParams.n: expected an integer >= 1, got {self.n!r}")
        if not self.temperature >= 0.0:  # also rejects NaN
            raise BonawareError(f"SamplingParams.temperature: expected >= 0, got {self.temperature!r}")
        if not 0.0 < self.top_p <= 1.0:
            raise BonawareError(f"SamplingParams.top_p: expected a value in (0, 1], got {self.top_p!r}")
        if (
            isinstance(self.max_new_tokens, bool)
            or not isinstance(self.max_new_tokens, int)
            or self.max_new_tokens < 1
        ):
            raise BonawareError(
                f"SamplingParams.max_new_tokens: expected an integer >= 1, got {self.max_new_tokens!r}"
            )
        for s in self.stop:
            if not isinstance(s, str) or not s:
                raise BonawareError(f"SamplingParams.stop: stop strings must be non-empty, got {s!r}")

    @property
    def greedy(self) -> bool:
        """True when decoding is argmax (temperature 0)."""
        return self.temperature == 0.0


@dataclass
class Completion:
    """One sampled continuation of a prompt.

    Attributes:
        text: the decoded continuation, special tokens removed, cut before the first stop string.
        token_ids: every generated token, including the EOS token (``finish_reason == "eos"``) and
            the token that completed a stop string (``"stop"``): exactly the sequence whose
            probability ``sum(logprobs)`` is, and what the trainer scores.
        logprobs: per token, log π(y_t | x, y_<t) under the raw model at temperature 1 (see the
            module docstring); ``len(logprobs) == len(token_ids)``.
        finish_reason: ``"eos"`` (an end-of-sequence token), ``"stop"`` (a stop string) or
            ``"length"`` (``max_new_tokens`` reached).
        sampling_logprobs: per token, the log-probability under the distribution actually sampled
            (temperature and top-p applied; 0 for greedy), or ``None`` when the backend cannot
            report it (vLLM).
    """

    text: str
    token_ids: list[int]
    logprobs: list[float]
    finish_reason: FinishReason
    sampling_logprobs: list[float] | None = None

    @property
    def sum_logprob(self) -> float:
        """log π(y | x) at temperature 1: the sequence log-probability (sum over tokens)."""
        return float(sum(self.logprobs))


class Sampler(abc.ABC):
    """Draws ``params.n`` completions for each prompt."""

    @abc.abstractmethod
    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """Return ``out`` with ``out[i][k]`` the k-th completion of ``prompts[i]`` (``params.n`` each)."""


def check_prompts(prompts: Sequence[Prompt]) -> None:
    """Validate the ``prompts`` argument shared by all samplers (a list of str or of token-id lists)."""
    if isinstance(prompts, str) or not isinstance(prompts, Sequence):
        raise BonawareError(
            f"prompts: expected a list of strings or of token-id lists, got {type(prompts).__name__}"
        )
    for i, p in enumerate(prompts):
        if isinstance(p, str):
            continue
        if not isinstance(p, Sequence) or not all(
            isinstance(t, numbers.Integral) and not isinstance(t, bool) for t in p
        ):
            raise BonawareError(f"prompts[{i}]: expected a string or a list of token ids, got {p!r:.80}")
