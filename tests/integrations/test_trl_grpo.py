"""BoNAwareGRPOTrainer: TRL's GRPO loop with advantages from a bonaware objective (docs/integrations.md)."""

import numpy as np
import pytest

pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")

from trl import GRPOConfig  # noqa: E402

from bonaware.errors import BonawareError  # noqa: E402
from bonaware.integrations.trl import (  # noqa: E402
    BoNAwareGRPOTrainer,
    objective_advantages,
    problems_dataset,
    verifier_reward_fn,
)
from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained  # noqa: E402
from bonaware.objectives import GroupBatch, get_objective  # noqa: E402
from bonaware.tasks import get_task  # noqa: E402

G = 4


def _pattern_reward(prompts, completions, **kwargs):
    """Deterministic mixed 0/1 rewards (groups with 0..G correct) independent of the random model."""
    return [float((len(c) + i) % 3 == 0) for i, c in enumerate(completions)]


def _sparse_reward(prompts, completions, **kwargs):
    """Every other group all wrong (no reward contrast), the others with one success."""
    return [float(i % (2 * G) == 0) for i in range(len(completions))]


def _length_score(prompts, completions, **kwargs):
    return [float(len(c)) + 0.01 * i for i, c in enumerate(completions)]


class _Recording(BoNAwareGRPOTrainer):
    """Records the advantages that reach the loss."""

    def _compute_loss(self, model, inputs):
        self.seen.append(inputs["advantages"].detach().clone())
        return super()._compute_loss(model, inputs)


def _trainer(tmp_path, objective, kwargs, reward_funcs, log_completions=False, **extra):
    tok = build_tokenizer()
    model = build_untrained(TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64), tok)
    rows = problems_dataset("arith", "train", n=4, seed=0)
    args = GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=8, num_generations=G,
                      max_completion_length=6, max_steps=2, learning_rate=1e-3, logging_steps=1,
                      report_to="none", use_cpu=True, save_strategy="no", loss_type="dr_grpo", seed=0,
                      dataloader_num_workers=0, log_completions=log_completions)
    trainer = _Recording(model=model, args=args, processing_class=tok, train_dataset=datasets.Dataset.from_list(rows),
                         reward_funcs=reward_funcs, objective=objective, objective_kwargs=kwargs, **extra)
    trainer.seen = []
    return trainer


def test_advantages_reaching_the_loss_are_the_objective_weights(tmp_path):
    trainer = _trainer(tmp_path, "bon_rlb_p", {"N": G}, [_pattern_reward], advantage_scale=2.0)
    trainer.train()
    assert len(trainer.seen) == 2  # two optimiser steps, one generation each
    R = trainer._rewards_per_func[:, 0].numpy().reshape(-1, G)
    expected = 2.0 * get_objective("bon_rlb_p")(GroupBatch(rewards=R), N=G).sample.ravel()
    np.testing.assert_allclose(trainer.last_advantages.numpy(), expected, rtol=1e-6, atol=1e-7)
    # TRL shuffles the generation batch before the loss, so compare as multisets
    np.testing.assert_allclose(np.sort(trainer.seen[-1].numpy()), np.sort(expected), rtol=1e-6, atol=1e-7)
    assert np.any(expected != 0) and not np.allclose(expected, expected[0])  # a batch that can tell GRPO apart


def test_score_function_ranks_for_bon_at_k(tmp_path):
    trainer = _trainer(tmp_path, "bon_at_k", {"k": 2}, [_pattern_reward, _length_score], score_index=1)
    trainer.train()
    rpf = trainer._rewards_per_func.numpy()
    batch = GroupBatch(rewards=rpf[:, 0].reshape(-1, G), scores=rpf[:, 1].reshape(-1, G))
    expected = get_objective("bon_at_k")(batch, k=2).sample.ravel()
    np.testing.assert_allclose(trainer.last_advantages.numpy(), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.sort(trainer.seen[-1].numpy()), np.sort(expected), rtol=1e-6, atol=1e-7)


def test_trl_logs_the_trained_advantages_and_reward_statistics(tmp_path):
    """Completions table (parquet), frac_reward_zero_std and reward: bonaware's values, not GRPO's."""
    import pandas as pd

    trainer = _trainer(tmp_path, "bon_at_k", {"k": 2, "baseline": "loo-1"}, [_sparse_reward, _length_score],
                       score_index=1, log_completions=True)
    trainer.train()
    table = pd.read_parquet(tmp_path / "completions" / "completions_00002.parquet")
    np.testing.assert_allclose(table["advantage"].to_numpy(), trainer.last_advantages.numpy(), rtol=1e-6, atol=1e-7)
    R = trainer._rewards_per_func[:, 0].numpy().reshape(-1, G)
    np.testing.assert_array_equal(table["_sparse_reward"].to_numpy(), R.ravel())  # rows in generation order
    logged = trainer.state.log_history[1]  # step 2 (logging_steps=1, one generation per step)
    assert logged["step"] == 2
    assert logged["frac_reward_zero_std"] == pytest.approx(np.mean(R.min(1) == R.max(1)))
    assert logged["reward"] == pytest.approx(R.mean())  # R only: TRL's own would be R + the verifier score
    assert logged["reward_std"] == pytest.approx(R.std(ddof=1))
    # TRL's own count uses R + score, which always varies here, and would log 0
    assert logged["frac_reward_zero_std"] == 0.5
    assert "bonaware/frac_zero_info_groups" in logged


def test_objective_needing_scores_requires_score_index(tmp_path):
    with pytest.raises(BonawareError, match="score_index"):
        _trainer(tmp_path, "bon_rl_v", {}, [_pattern_reward])


def test_objective_advantages_reject_non_binary_rewards():
    with pytest.raises(BonawareError, match="binary"):
        objective_advantages(np.array([0.0, 0.5, 1.0, 0.0]), None, 4, "pass_at_k", {"k": 2})
    with pytest.raises(BonawareError, match="groups"):
        objective_advantages(np.zeros(6), None, 4, "pass_at_k", {"k": 2})
    with pytest.raises(BonawareError, match="expert"):  # SFT weights an expert response TRL never samples
        objective_advantages(np.array([1.0, 0.0, 0.0, 1.0]), None, 4, "sft")


def test_verifier_reward_fn_returns_environment_reward_and_score():
    task = get_task("arith")
    problems = task.problems("train", n=3, seed=0)
    ids = [p.id for p in problems]
    good = [task.expert_solution(p) for p in problems]
    correct = verifier_reward_fn(task, "oracle", "correct", problems=problems)
    assert correct(prompts=[""] * 6, completions=good + ["zzz"] * 3, problem_id=ids + ids) == [1.0] * 3 + [0.0] * 3
    score = verifier_reward_fn(task, "noisy:target_auc=0.9", "score", problems=problems)
    assert len(score(prompts=[""] * 3, completions=good, problem_id=ids)) == 3
    with pytest.raises(BonawareError, match="problem_id"):
        correct(prompts=[""], completions=["1"])


@pytest.mark.parametrize("objective,match", [("no_such_objective", "unknown objective|no_such_objective"),
                                             ("bon_sft", "expert_scores"), ("base_maj_sft", "answers")])
def test_objectives_trl_cannot_feed_are_rejected_before_building(objective, match):
    with pytest.raises(BonawareError, match=match):
        BoNAwareGRPOTrainer(model=None, objective=objective)
