"""examples/trl_bon_grpo.py runs (CPU, a few steps) and trains with the bonaware objective's weights."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("trl")

from bonaware.objectives import GroupBatch, get_objective  # noqa: E402

SCRIPT = Path(__file__).parents[2] / "examples" / "trl_bon_grpo.py"


def _load_example(monkeypatch):
    spec = importlib.util.spec_from_file_location("trl_bon_grpo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "trl_bon_grpo", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_trl_example_trains_a_few_steps_on_cpu(tmp_path, model_dir, capsys, monkeypatch):
    out = tmp_path / "run"
    trainer = _load_example(monkeypatch).main([
        "--model", model_dir, "--task_args", "families=add1", "--num_prompts", "16", "--max_steps", "2",
        "--num_generations", "4", "--per_device_train_batch_size", "8", "--max_completion_length", "6",
        "--use_cpu", "--output_dir", str(out), "--seed", "0"])
    assert trainer.state.global_step == 2
    assert "trained 2 steps with bon_at_k" in capsys.readouterr().out
    assert (out / "model.safetensors").is_file()
    rpf = trainer._rewards_per_func.numpy()  # R (oracle) and r (noisy verifier) of the last generation
    assert set(np.unique(rpf[:, 0])) <= {0.0, 1.0}
    batch = GroupBatch(rewards=rpf[:, 0].reshape(-1, 4), scores=rpf[:, 1].reshape(-1, 4))
    expected = 4 * 6 * get_objective("bon_at_k")(batch, k=4, baseline="loo-1").sample.ravel()
    np.testing.assert_allclose(trainer.last_advantages.numpy(), expected, rtol=1e-6, atol=1e-6)
    logged = trainer.state.log_history[1]
    assert logged["reward"] == np.mean(rpf[:, 0]).item()
