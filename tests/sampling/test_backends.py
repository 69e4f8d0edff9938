"""get_sampler's backend choice, vLLM output conversion, and (GPU only) vLLM vs HF log-probs."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
import torch

from bonaware.errors import BonawareError
from bonaware.sampling import HFSampler, SamplingParams, get_sampler, sequence_logprobs, vllm_available
from bonaware.sampling.vllm_backend import _to_completion


def test_auto_gives_hf_for_an_in_memory_model(llama, tokenizer):
    sampler = get_sampler("auto", model=llama, tokenizer=tokenizer, batch_size=8, show_progress=False)
    assert isinstance(sampler, HFSampler) and sampler.batch_size == 8


def test_unknown_backend_lists_the_known_ones(llama, tokenizer):
    with pytest.raises(BonawareError, match="unknown sampling backend 'sglang'; available: auto, hf, vllm"):
        get_sampler("sglang", model=llama, tokenizer=tokenizer)


def test_hf_backend_needs_a_loaded_model():
    with pytest.raises(BonawareError, match="backend 'hf' needs a loaded model"):
        get_sampler("hf", model="some/folder")


@pytest.mark.skipif(vllm_available(), reason="vllm is installed here")
def test_vllm_backend_without_vllm_says_how_to_install():
    with pytest.raises(BonawareError, match=r"pip install 'bonaware\[vllm\]'"):
        get_sampler("vllm", model="some/folder")


def _out(tokens, lps, finish_reason, stop_reason=None, text="t", index=0):
    logprobs = [{t: SimpleNamespace(logprob=lp)} for t, lp in zip(tokens, lps)]
    return SimpleNamespace(
        index=index,
        text=text,
        token_ids=tokens,
        logprobs=logprobs,
        finish_reason=finish_reason,
        stop_reason=stop_reason,
    )


@pytest.mark.parametrize(
    "finish_reason, stop_reason, expected",
    [("length", None, "length"), ("stop", None, "eos"), ("stop", "\n\n", "stop"), ("stop", 128009, "eos")],
)
def test_vllm_finish_reasons_map_to_ours(finish_reason, stop_reason, expected):
    c = _to_completion(_out([5, 6, 2], [-0.5, -1.0, -0.25], finish_reason, stop_reason))
    assert c.finish_reason == expected
    assert c.token_ids == [5, 6, 2] and c.logprobs == [-0.5, -1.0, -0.25] and c.sampling_logprobs is None


def test_vllm_missing_logprobs_is_an_error():
    broken = _out([5, 6], [-0.5], "length")
    with pytest.raises(BonawareError, match="1 log-probs for 2 tokens"):
        _to_completion(broken)


class _FakeLLM:
    """Stands in for ``vllm.LLM``: records the requests, returns outputs in vLLM's shape."""

    def __init__(self, tokenizer):
        self.tokenizer, self.requests = tokenizer, []

    def get_tokenizer(self):
        return self.tokenizer

    def generate(self, inputs, params, use_tqdm=True):
        self.requests.append((inputs, params))
        return [
            SimpleNamespace(
                outputs=[_out([7, k], [-1.0, -2.0], "length", index=k) for k in reversed(range(sp.n))]
            )
            for sp in params
        ]


def test_vllm_sampler_sends_token_prompts_and_per_prompt_seeds(monkeypatch, tokenizer):
    fake = SimpleNamespace(LLM=_FakeLLM, SamplingParams=lambda **kw: SimpleNamespace(**kw))
    monkeypatch.setitem(sys.modules, "vllm", fake)
    from bonaware.sampling import VLLMSampler

    sampler = VLLMSampler(_FakeLLM(tokenizer))
    out = sampler.sample(["ab", [4, 5, 6]], SamplingParams(n=3, temperature=0.5, stop=["\n"], seed=11))
    inputs, params = sampler.llm.requests[0]
    assert inputs == [
        {"prompt_token_ids": tokenizer("ab", add_special_tokens=False)["input_ids"]},
        {"prompt_token_ids": [4, 5, 6]},
    ]
    assert [(p.n, p.temperature, p.stop, p.logprobs, p.max_tokens) for p in params] == [
        (3, 0.5, ["\n"], 0, 256)
    ] * 2
    assert params[0].seed != params[1].seed  # each prompt its own stream
    again = VLLMSampler(_FakeLLM(tokenizer))
    again.sample(["ab", [4, 5, 6]], SamplingParams(n=3, temperature=0.5, stop=["\n"], seed=11))
    assert [p.seed for p in again.llm.requests[0][1]] == [p.seed for p in params]
    assert [[c.token_ids for c in row] for row in out] == [[[7, 0], [7, 1], [7, 2]]] * 2  # ordered by index


@pytest.mark.gpu
def test_vllm_logprobs_match_hf_scoring(tmp_path, llama, tokenizer):
    """vLLM's raw per-token log-probs equal HF's sequence_logprobs on the same weights (fp32)."""
    pytest.importorskip("vllm")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    llama.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    sampler = get_sampler(
        "vllm", model=str(tmp_path), dtype="float32", gpu_memory_utilization=0.3, show_progress=False
    )
    prompts = ["hello world", "1+2="]
    out = sampler.sample(prompts, SamplingParams(n=4, temperature=1.0, max_new_tokens=16, seed=0))
    model = llama.to("cuda")
    try:
        for prompt, row in zip(prompts, out):
            assert len(row) == 4
            ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            with torch.no_grad():
                ref = sequence_logprobs(model, ids, [c.token_ids for c in row]).cpu()
            for j, c in enumerate(row):
                assert torch.allclose(torch.tensor(c.logprobs), ref[j, : len(c.token_ids)], atol=1e-3, rtol=0)
    finally:
        llama.to("cpu")
