"""Moving `bonaware train` onto accelerate left single-process training unchanged.

The reference numbers were produced by the trainer before it used accelerate (main at 0a70137, with its
hand-written all-reduce) on the same seeded random model as the `model_dir` fixture, with the flags
below; the final weights matched bit for bit (docs/scaling.md lists the methods compared). They depend
on the task's problem set: a change to ``arith`` changes them (regenerate with the pre-accelerate
trainer, or with this one once it is trusted). rl_s exercises the value head, the KL term and the EMA
anchor; rl_v verifier scores.
"""

import csv

import pytest

from bonaware.training.config import TrainConfig
from bonaware.training.trainer import train

FLAGS = dict(steps=3, batch_prompts=4, n_prime=4, max_new_tokens=6, kl_delay=0, warmup_steps=1, lr=1e-2,
             ckpt_every=0, device="cpu", seed=1)
#: per step: loss, grad_norm, kl, value_loss; then Σ|w| over the final weights
BEFORE = {
    "rl_s": ([(-12.632189512252808, 2.470004081726074, 0.0, 0.25),
              (-13.630424499511719, 2.4840903282165527, 0.040488407015800476, 0.24524135887622833),
              (-13.623523950576782, 2.1450157165527344, 0.08236800879240036, 0.24422545731067657)], 691.2639307837453),
    "rl_v": ([(-0.286831259727478, 4.991123676300049, 0.0, float("nan")),
              (-0.008305668830871582, 5.601215839385986, 0.05144675076007843, float("nan")),
              (-0.2145968284457922, 3.94728946685791, 0.10203032195568085, float("nan"))], 685.8258516431233),
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
