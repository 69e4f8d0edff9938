"""The tiny model: tokenizer, cache key, deterministic pre-training, stopping, noise option, pass@k."""

import dataclasses
import json
import math
import random
from itertools import combinations

import pytest
import torch
from safetensors.torch import load_file

from bonaware.errors import BonawareError
from bonaware.models import load_model, pretrain, tiny
from bonaware.models.pretrain import (
    lr_at,
    near_miss,
    noisy_label,
    one_digit_off,
    pass_at_k,
    sample_completions,
    split_validation,
)
from bonaware.models.tiny import TinyConfig, build_tokenizer, config_key
from bonaware.tasks import get_task


def test_tokenizer_round_trips_every_printable_character_one_token_each():
    tok = build_tokenizer()
    text = "".join(tiny.CHARACTERS) + "23+45=\n68\n"
    ids = tok(text).input_ids
    assert len(ids) == len(text)
    assert tok.decode(ids) == text
    assert len(tok) == 100


def test_tokenizer_adds_no_special_tokens_so_prompt_ids_do_not_depend_on_the_flag():
    tok = build_tokenizer()
    assert tok("23+45=").input_ids == tok("23+45=", add_special_tokens=False).input_ids
    assert tok.chat_template is None
    assert {tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id} == {0, 1, 2, 3}


def test_tokenizer_maps_unknown_characters_to_unk():
    tok = build_tokenizer()
    assert tok("a\tb").input_ids[1] == tok.unk_token_id


def test_config_key_depends_on_every_field_and_the_recipe_version(monkeypatch):
    base = TinyConfig()
    assert config_key(base) == config_key(TinyConfig())
    assert config_key(base) != config_key(dataclasses.replace(base, label_noise=0.25))
    assert config_key(base) != config_key(dataclasses.replace(base, seed=1))
    before = config_key(base)
    monkeypatch.setattr(tiny, "VERSION", tiny.VERSION + 1)
    assert config_key(base) != before


def test_config_rejects_bad_values_naming_the_field():
    with pytest.raises(BonawareError, match="label_noise"):
        TinyConfig(label_noise=1.0)
    with pytest.raises(BonawareError, match="divisible"):
        TinyConfig(hidden_size=30, num_heads=4)
    with pytest.raises(BonawareError, match="steps"):
        TinyConfig(steps=0)


def test_near_miss_moves_exactly_one_digit_by_one_and_stays_non_negative():
    rng = random.Random(0)
    for answer in [0, 1, 9, 10, 99, 100, 873, *range(0, 200, 7)]:
        for _ in range(20):
            miss = near_miss(answer, rng)
            assert miss >= 0 and miss != answer
            delta = abs(miss - answer)
            assert delta in {10**j for j in range(len(str(answer)))}


def test_noisy_label_keeps_the_true_answer_with_probability_one_minus_noise():
    rng = random.Random(1)
    task = get_task("arith", style="plain")
    problem = task.get_problem("arith/add2/23+45")
    labels = [noisy_label(task, problem, 0.3, rng) for _ in range(4000)]
    share = sum(lab == "68\n" for lab in labels) / len(labels)
    assert abs(share - 0.7) < 0.03  # 4 sigma of a binomial(4000, 0.7) proportion
    assert {lab for lab in labels if lab != "68\n"} <= {"58\n", "78\n", "67\n", "69\n"}
    assert all(noisy_label(task, problem, 0.0, rng) == task.expert_solution(problem) for _ in range(10))


def test_validation_problems_and_their_commuted_twins_are_never_trained_on():
    task = get_task("arith", families="add1,add2,sub2", style="plain")
    train, val = split_validation(task.problems("train"), 60)
    assert len(val) == 60 and {p.meta["family"] for p in val} == {"add1", "add2", "sub2"}
    seen = {p.meta["expression"] for p in train}
    for p in val:
        a, b = p.meta["operands"]
        assert p.meta["expression"] not in seen
        if p.meta["op"] == "+":
            assert f"{b}+{a}" not in seen


def test_pretraining_stops_at_the_first_check_that_reaches_the_target(small_config, monkeypatch):
    checks = iter([0.05, 0.12, 0.31, 0.9])
    monkeypatch.setattr(pretrain, "validation_pass_at_1", lambda *a, **k: next(checks))
    cfg = dataclasses.replace(small_config, steps=40, eval_every=4, target_pass_at_1=0.3, val_problems=8)
    tok = build_tokenizer()
    record = pretrain.pretrain(tiny.build_untrained(cfg, tok), tok, cfg, progress=False)
    assert record["stopped_at"] == 12
    assert record["val_pass_at_1"] == [[4, 0.05], [8, 0.12], [12, 0.31]]


def test_without_a_target_pretraining_runs_all_steps_and_records_the_curve(small_config, monkeypatch):
    monkeypatch.setattr(pretrain, "validation_pass_at_1", lambda *a, **k: 1.0)
    cfg = dataclasses.replace(small_config, steps=10, eval_every=4, target_pass_at_1=0.0, val_problems=8)
    tok = build_tokenizer()
    record = pretrain.pretrain(tiny.build_untrained(cfg, tok), tok, cfg, progress=False)
    assert record["stopped_at"] == 10
    assert record["val_pass_at_1"] == [[4, 1.0], [8, 1.0], [10, 1.0]]


def test_lr_warms_up_linearly_then_stays_constant():
    cfg = TinyConfig(steps=100, warmup_steps=10, lr=1e-3)
    assert lr_at(0, cfg) == pytest.approx(1e-4)
    assert [lr_at(s, cfg) for s in range(9, 100)] == [pytest.approx(1e-3)] * 91


@pytest.mark.parametrize("n,c", [(5, 0), (5, 2), (6, 3), (4, 4)])
def test_pass_at_k_equals_the_share_of_k_subsets_with_a_correct_sample(n, c):
    outcomes = [1] * c + [0] * (n - c)
    for k in range(1, n + 1):
        subsets = list(combinations(outcomes, k))
        exact = sum(any(s) for s in subsets) / len(subsets)
        assert pass_at_k(n, c, k) == pytest.approx(exact)


def test_rebuild_reproduces_the_weights_bit_for_bit(small_config, tmp_path, monkeypatch):
    folders = []
    for name in ("a", "b"):
        monkeypatch.setenv("BONAWARE_CACHE", str(tmp_path / name))
        folders.append(tiny.build(small_config, progress=False, evaluate=False))
    first, second = (load_file(f / "model.safetensors") for f in folders)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_a_different_seed_gives_different_weights(small_config, cache):
    a = load_file(tiny.build(small_config, progress=False, evaluate=False) / "model.safetensors")
    b = load_file(tiny.build(dataclasses.replace(small_config, seed=1), progress=False, evaluate=False)
                  / "model.safetensors")
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_second_build_reuses_the_cache_without_training(small_config, cache, monkeypatch):
    folder = tiny.build(small_config, progress=False, evaluate=False)
    from bonaware.models import pretrain

    monkeypatch.setattr(pretrain, "pretrain", lambda *a, **k: pytest.fail("retrained a cached model"))
    assert tiny.build(small_config, progress=False, evaluate=False) == folder
    assert tiny.cached(small_config) == folder
    assert folder.parent == cache and folder.name == f"tiny-{config_key(small_config)}"


def test_pretraining_lowers_the_completion_loss(small_tiny_folder):
    meta = json.loads((small_tiny_folder / "bonaware.json").read_text())
    assert meta["train"]["final_loss"] < meta["train"]["first_loss"] - 0.5


def test_build_records_config_and_pass_at_k_per_family(small_tiny_folder, small_config):
    meta = json.loads((small_tiny_folder / "bonaware.json").read_text())
    assert meta["config"] == json.loads(json.dumps(tiny.to_dict(small_config)))
    ev = meta["eval"]
    assert set(ev["families"]) == {"add1", "add2"}
    assert ev["all"]["problems"] == 24
    assert 0.0 <= ev["all"]["pass@1"] <= ev["all"]["pass@4"] <= 1.0


def test_loaded_tiny_model_is_a_llama_without_chat_template(small_tiny_folder):
    model, tok = load_model(small_tiny_folder)
    assert type(model).__name__ == "LlamaForCausalLM" and not model.training
    assert model.config.tie_word_embeddings
    assert tok.chat_template is None and tok.pad_token == "<pad>" and tok.eos_token == "<eos>"
    assert get_task("arith", style="auto").resolve_style(tok) == "plain"


def test_prefill_once_sampler_matches_greedy_generate_at_low_temperature(small_tiny_folder):
    model, tok = load_model(small_tiny_folder)
    prompts = ["3+4=", "57+69=", "There are 2 shells in a box. Sam puts in 36 more.="]
    torch.manual_seed(0)
    with torch.no_grad():
        sampled = sample_completions(model, tok, prompts, n=2, temperature=1e-6, max_new_tokens=5)
        for prompt, pair in zip(prompts, sampled):
            ids = tok(prompt, return_tensors="pt").input_ids
            out = model.generate(ids, do_sample=False, max_new_tokens=5)
            greedy = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
            assert pair == [greedy, greedy]


def test_pass_at_k_estimator_is_monotone_in_k():
    assert all(pass_at_k(16, 3, k) <= pass_at_k(16, 3, k + 1) for k in range(1, 16))
    assert pass_at_k(16, 0, 16) == 0.0 and math.isclose(pass_at_k(16, 1, 1), 1 / 16)


def test_one_digit_off_means_same_length_and_exactly_one_differing_digit():
    assert one_digit_off("58", "68") and one_digit_off("127", "126")
    assert not one_digit_off("68", "68")
    assert not one_digit_off("26", "126") and not one_digit_off("86", "68")
