"""sequence_logprobs: equals the naive full-sequence computation (values and gradients), chunked head."""

from __future__ import annotations

import copy

import pytest
import torch

from bonaware.errors import BonawareError
from bonaware.sampling import naive_sequence_logprobs, paired_sequence_logprobs, sequence_logprobs
from bonaware.sampling.hf_model import hf_checkpointing_active

PROMPT = [5, 9, 14, 22, 7, 30]
COMPLETIONS = [[11, 12, 13, 2], [40, 41], [7] * 9, [3]]


def _grads(model, fn):
    model.zero_grad(set_to_none=True)
    lp = fn()
    weights = torch.linspace(-1.0, 2.0, lp.shape[0])[:, None]  # like per-sample BoN weights
    (weights * lp).sum().backward()
    return lp.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("chunk_size", [1, 3, 128])
@pytest.mark.parametrize("temperature", [1.0, 0.6])
def test_chunked_shared_prompt_equals_naive(any_model, chunk_size, temperature):
    with torch.no_grad():
        ours = sequence_logprobs(
            any_model, PROMPT, COMPLETIONS, chunk_size=chunk_size, temperature=temperature
        )
        ref = naive_sequence_logprobs(any_model, PROMPT, COMPLETIONS, temperature=temperature)
    assert ours.shape == (len(COMPLETIONS), max(map(len, COMPLETIONS)))
    assert torch.allclose(ours, ref, atol=1e-5, rtol=0)
    for j, c in enumerate(COMPLETIONS):  # zero past each completion's end: .sum(-1) is log π(y|x)
        assert torch.all(ours[j, len(c) :] == 0)


def test_gradients_equal_naive_gradients(any_model):
    # float64 so that 1e-5 is a real bound: in fp32 the two summation orders already differ by ~1e-5
    # relative on these (deliberately large) gradients
    model = copy.deepcopy(any_model).double()
    ours, g_ours = _grads(model, lambda: sequence_logprobs(model, PROMPT, COMPLETIONS, chunk_size=2))
    ref, g_ref = _grads(model, lambda: naive_sequence_logprobs(model, PROMPT, COMPLETIONS))
    assert torch.allclose(ours, ref, atol=1e-5, rtol=0)
    assert g_ours.keys() == g_ref.keys() and g_ref
    for name in g_ref:
        assert torch.allclose(g_ours[name], g_ref[name], atol=1e-5, rtol=0), name


def test_hf_gradient_checkpointing_falls_back_to_recomputed_prompt(llama):
    model = copy.deepcopy(llama).double()
    model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    model.train()  # the tiny config has no dropout, so train mode computes the same function
    assert hf_checkpointing_active(model)  # the path under test
    ours, g_ours = _grads(model, lambda: sequence_logprobs(model, PROMPT, COMPLETIONS, chunk_size=3))
    model.activation_checkpointing_disable()
    ref, g_ref = _grads(model, lambda: naive_sequence_logprobs(model, PROMPT, COMPLETIONS))
    assert torch.allclose(ours, ref, atol=1e-5, rtol=0)
    for name in g_ref:
        assert torch.allclose(g_ours[name], g_ref[name], atol=1e-5, rtol=0), name


def test_lora_gradients_equal_naive(llama):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    model = get_peft_model(
        copy.deepcopy(llama).double(),
        LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
    )
    ours, g_ours = _grads(model, lambda: sequence_logprobs(model, PROMPT, COMPLETIONS, chunk_size=2))
    ref, g_ref = _grads(model, lambda: naive_sequence_logprobs(model, PROMPT, COMPLETIONS))
    assert torch.allclose(ours, ref, atol=1e-5, rtol=0)
    assert g_ref and all("lora" in name for name in g_ref)
    for name in g_ref:
        assert torch.allclose(g_ours[name], g_ref[name], atol=1e-5, rtol=0), name


@pytest.mark.parametrize("lora_head", [False, True])
def test_logits_exist_only_chunk_by_chunk_in_forward_and_backward(llama, monkeypatch, lora_head):
    """Every vocab-sized product (forward and backward) covers at most chunk_size positions."""
    model = copy.deepcopy(llama).double()
    if lora_head:  # a non-Linear head takes the checkpointed path
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=2, target_modules=["lm_head"], init_lora_weights=False))
    rows = []
    linear = torch.nn.functional.linear

    def spy(x, w, b=None):
        out = linear(x, w, b)
        if out.shape[-1] == llama.config.vocab_size:
            rows.append(out.numel() // out.shape[-1])
        return out

    monkeypatch.setattr(torch.nn.functional, "linear", spy)
    lp, grads = _grads(model, lambda: sequence_logprobs(model, PROMPT, COMPLETIONS, chunk_size=4))
    monkeypatch.undo()
    ref, g_ref = _grads(model, lambda: naive_sequence_logprobs(model, PROMPT, COMPLETIONS))
    assert torch.allclose(lp, ref, atol=1e-5, rtol=0)
    for name in g_ref:
        assert torch.allclose(grads[name], g_ref[name], atol=1e-5, rtol=0), name
    n_tokens = sum(map(len, COMPLETIONS))  # 16 real positions -> 4 chunks of 4, forward and again backward
    assert rows and max(rows) == 4 and sum(rows) >= 2 * n_tokens


def test_bf16_model_scores_in_fp32_close_to_naive(llama):
    model = copy.deepcopy(llama).to(torch.bfloat16)
    ours, grads = _grads(model, lambda: sequence_logprobs(model, PROMPT, COMPLETIONS, chunk_size=3))
    ref, _ = _grads(model, lambda: naive_sequence_logprobs(model, PROMPT, COMPLETIONS))
    assert ours.dtype == torch.float32 and grads["lm_head.weight"].dtype == torch.bfloat16
    # bf16 decoder: the naive path rounds its logits to bf16 (relative step 2^-8), so the two sums can
    # differ by a couple of bf16 steps of their own size, not only by a fixed absolute amount
    assert torch.allclose(ours, ref, atol=0.02, rtol=2**-7)


def test_empty_completion_scores_zero(llama):
    with torch.no_grad():
        lp = sequence_logprobs(llama, PROMPT, [[], [11, 12]])
        ref = naive_sequence_logprobs(llama, PROMPT, [[11, 12]])
    assert torch.all(lp[0] == 0) and torch.allclose(lp[1], ref[0], atol=1e-5, rtol=0)
    assert sequence_logprobs(llama, PROMPT, [[], []]).shape == (2, 0)


def test_single_token_prompt_and_completion(llama):
    with torch.no_grad():
        assert torch.allclose(
            sequence_logprobs(llama, [4], [[9]]),
            naive_sequence_logprobs(llama, [4], [[9]]),
            atol=1e-5,
            rtol=0,
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(prompt_ids=[]), "prompt_ids is empty"),
        (dict(completion_ids_list=[]), "completion_ids_list is empty"),
        (dict(chunk_size=0), "chunk_size"),
        (dict(temperature=0.0), "temperature"),
    ],
)
def test_bad_arguments_raise(llama, kwargs, message):
    args = dict(prompt_ids=PROMPT, completion_ids_list=COMPLETIONS) | kwargs
    with pytest.raises(BonawareError, match=message):
        sequence_logprobs(llama, **args)


PAIRS = [([5, 9, 14], [11, 12, 13, 2]), ([22, 7, 30, 31, 8, 9], [40, 41]), ([4], [7] * 5), ([6, 6], [3])]


def test_paired_logprobs_equal_per_prompt_naive_values_and_gradients(llama):
    """N'=1 batching: one right-padded forward over different prompts equals the naive per-prompt result."""
    model = copy.deepcopy(llama).double()
    prompts, comps = [p for p, _ in PAIRS], [c for _, c in PAIRS]
    ours, g_ours = _grads(model, lambda: paired_sequence_logprobs(model, prompts, comps, chunk_size=3))

    def naive():
        rows = [naive_sequence_logprobs(model, p, [c])[0] for p, c in PAIRS]
        return torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)

    ref, g_ref = _grads(model, naive)
    assert torch.allclose(ours, ref, atol=1e-8, rtol=0)
    for name in g_ref:
        assert torch.allclose(g_ours[name], g_ref[name], atol=1e-8, rtol=0), name
    with pytest.raises(BonawareError, match="2 prompts but 1 completions"):
        paired_sequence_logprobs(model, prompts[:2], comps[:1])
