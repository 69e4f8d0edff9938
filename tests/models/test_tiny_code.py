"""tiny-code: the tiny recipe on the pyfunc code task (data, cache key, a small build that loads)."""

import dataclasses
import json
import random

import pytest

from bonaware.models import load_model, tiny, tiny_code
from bonaware.models.tiny_code import PyFuncData, TinyCodeConfig
from bonaware.tasks.pyfunc_space import fingerprint, space

#: a shortened tiny-code recipe (same code path as the default build)
SMALL = dict(hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32, steps=4, batch_size=16,
             warmup_steps=1, families="affine,string", val_problems=8, eval_every=2, target_pass_at_1=0.0)


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory, build_in_cache):
    return build_in_cache(tmp_path_factory.mktemp("tiny-code-cache"), lambda: tiny_code.build(
        TinyCodeConfig(**SMALL), progress=False, eval_problems=6, eval_samples=2))


def test_validation_functions_are_never_trained_on_and_each_pass_draws_fresh_examples():
    data = PyFuncData(TinyCodeConfig(**SMALL))
    held = {fingerprint(p.meta["family"], p.meta["body"]) for p in data.val}
    first, second = data.epoch(0), data.epoch(1)
    assert len(held) == 8 and not held & {fingerprint(p.meta["family"], p.meta["body"]) for p in first}
    assert [p.meta["body"] for p in first] == [p.meta["body"] for p in second]  # the same functions
    assert sum(a.prompt != b.prompt for a, b in zip(first, second)) > 0.9 * len(first)  # other examples
    assert all(p.id.endswith("#1") for p in first) and not any("#" in p.id for p in data.val)


def test_validation_judges_samples_without_running_them():
    data = PyFuncData(TinyCodeConfig(**SMALL))
    p = data.val[0]
    assert data.correct(p, data.task.expert_solution(p))
    assert not data.correct(p, " return 0\n") and not data.correct(p, " return __import__('os')\n")


def test_label_noise_swaps_in_another_function_of_the_same_family():
    data = PyFuncData(TinyCodeConfig(**{**SMALL, "label_noise": 0.5}))
    p = data.train[0]
    labels = [data.label(p, random.Random(i)) for i in range(200)]
    assert 60 < sum(label == data.task.expert_solution(p) for label in labels) < 140
    family = space()[p.meta["family"]]
    assert all(label.removeprefix(" return ").rstrip("\n") in family for label in labels)


def test_cache_key_differs_from_tiny_and_covers_every_field():
    cfg = TinyCodeConfig()
    assert tiny_code.config_key(cfg) != tiny.config_key(cfg)
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if isinstance(value, str):
            other = value + ",x"
        else:
            other = value + 0.1 if isinstance(value, float) else 2 * value or 1
        assert tiny_code.config_key(dataclasses.replace(cfg, **{f.name: other})) != tiny_code.config_key(cfg), f.name
    assert tiny_code.cache_folder(cfg).name.startswith("tiny-code-v")


def test_small_build_loads_and_records_pass_at_k_per_family_judged_by_the_checker(small_folder):
    meta = json.loads((small_folder / "bonaware.json").read_text())
    assert meta["name"] == "tiny-code" and meta["train"]["stopped_at"] == 4
    ev = meta["eval"]
    assert ev["split"] == "val" and set(ev["families"]) == {"affine", "string"} and ev["all"]["problems"] == 6
    assert 0.0 <= ev["all"]["pass@1"] <= 1.0 and "pass@4" not in ev["all"]
    assert abs(sum(ev["statuses"].values()) - 1.0) < 1e-3
    model, tok = load_model(small_folder)
    assert type(model).__name__ == "LlamaForCausalLM" and tok.chat_template is None
    assert model.config.max_position_embeddings == 256


def test_cli_builds_tiny_code_from_tiny_config_flags(tmp_path, monkeypatch, capsys):
    from bonaware.cli.main import main

    monkeypatch.setenv("BONAWARE_CACHE", str(tmp_path))
    flags = [f"--{k}={v}" for k, v in SMALL.items()]
    monkeypatch.setattr(tiny_code, "evaluate_pass_at_k", lambda *a, **k: {
        "split": "val", "temperature": 1.0, "samples": 4, "all": {"problems": 1, "pass@1": 0.0},
        "families": {"affine": {"problems": 1, "pass@1": 0.0}}, "statuses": {}})
    assert main(["models", "build", "tiny-code", "--no-progress", *flags]) == 0
    out = capsys.readouterr().out
    assert "pre-training stopped at step 4 of 4" in out and "val (T=1.0, 1 problems)" in out
    assert [p.name[:11] for p in tmp_path.iterdir()] == ["tiny-code-v"]
