"""Moving `bonaware train` onto accelerate left single-process training unchanged.

The reference numbers were produced by the trainer before it used accelerate (commit 1f28d73, with its
hand-written all-reduce) on the same seeded random model as the `model_dir` fixture, with the flags
below; the weights after the run matched bit for bit there (docs/scaling.md lists the six methods
compared). rl_s exercises the value head, the KL term and the EMA anchor; rl_v verifier scores.
"""

import csv

import pytest

from bonaware.training.config import TrainConfig
from bonaware.training.trainer import train

FLAGS = dict(steps=3, batch_prompts=4, n_prime=4, max_new_tokens=6, kl_delay=0, warmup_steps=1, lr=1e-2,
             ckpt_every=0, device="cpu", seed=1)
#: per step: loss, grad_norm, kl, value_loss; then Σ|w| over the final weights
BEFORE = {
    "rl_s": ([(-12.64850401878357, 2.487359046936035, 0.0, 0.25),
              (-13.650741577148438, 2.2269253730773926, 0.03837090730667114, 0.2454456388950348),
              (-13.68912410736084, 2.18436336517334, 0.0871904045343399, 0.2469862997531891)], 693.964384093124),
    "rl_v": ([(-2.420999050140381, 5.268108367919922, 0.0, float("nan")),
              (-0.4505147337913513, 4.277918338775635, 0.038973256945610046, float("nan")),
              (1.6996143236756325, 3.8028109073638916, 0.07752189040184021, float("nan"))], 692.343966191751),
}


@pytest.mark.parametrize("method", sorted(BEFORE))
def test_single_process_training_equals_the_trainer_before_accelerate(tmp_path, model_dir, method):
    from safetensors.torch import load_file

    final = train(TrainConfig(method=method, model=model_dir, out=str(tmp_path / method), **FLAGS), progress=False)
    with open(tmp_path / method / "metrics.csv") as f:
        rows = [tuple(float(r[k]) for k in ("loss", "grad_norm", "kl", "value_loss")) for r in csv.DictReader(f)]
    steps, weight_sum = BEFORE[method]
    flat = [x for row in rows for x in row]
    assert len(rows) == len(steps) and flat == pytest.approx([x for row in steps for x in row], rel=1e-6, abs=1e-9,
                                                             nan_ok=True)
    w = load_file(str(final / "model.safetensors"))
    assert sum(float(v.double().abs().sum()) for v in w.values()) == pytest.approx(weight_sum, rel=1e-9)
