#!/usr/bin/env bash
# Experiment 14 — code (paper Fig. 6, HumanEval): RL with N' = 1 vs BoN-RLB(P) vs GRPO on pass@N, and
# Best-of-N picked by an imperfect verifier, on the generated `pyfunc` task (programming by example,
# hidden HumanEval-schema tests judged by the code sandbox; docs/tasks.md) with the embedded `tiny-code`
# model (val pass@1/4/16 = 0.107/0.295/0.610: the Best-of-N regime; docs/models.md).
# Every method draws 128 completions per step (RL-S: 128 prompts x 1; GRPO, BoN-RLB(P): 16 x N' = 8),
# 150 steps, lr 3e-4 for every method (experiments/tiny_code_train.yaml: fixed before any code result,
# not searched: search size 0 — the CPU budget of the issue-14 session did not allow a val search);
# training seeds 0, 1, 2. Final numbers on 128 test prompts x 32 samples at T = 1; Best-of-N with the
# `public_tests` verifier (share of the examples shown in the prompt that a sample passes: the
# verifier a user has without hidden tests) and with the oracle (BoN@N = pass@N).
# Reward hacking against the sandbox would show in the per-step verdict-status shares the trainer logs
# (status/error, status/timeout): statuses.py tabulates them for the first and last 15 steps.
# ~45 min on one quiet core. Usage: bash experiments/14_code/run.sh   (cached and resumable)
source "$(dirname "$0")/../common.sh"
HERE=experiments/14_code
OUT=$RUNS/14_code
EVAL=(--config experiments/tiny_code_eval.yaml --split test --n 32)
METHODS="${METHODS:-rl_s grpo bon_rlb_p}"
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
groups=("$OUT/eval/base")
for m in $METHODS; do
  train_seeds "$OUT/train/$m" --config experiments/tiny_code_train.yaml --method $m $(sizes_for $m)
  evaluate_seeds "$OUT/eval/$m" "$OUT/train/$m" "${EVAL[@]}" --name "$m"
  groups+=("$OUT/eval/$m")
done
report "$RESULTS/14_code" "${groups[@]}" --verifier public_tests --temperature 1.0
report "$RESULTS/14_code/vs_grpo" "${groups[@]:1}" --verifier public_tests --baseline grpo --temperature 1.0
"$PYTHON" $HERE/statuses.py "$OUT/train" --save "$RESULTS/14_code/data/status" > /dev/null  # committed copy
write_to "$RESULTS/14_code/statuses.md" "$PYTHON" $HERE/statuses.py "$RESULTS/14_code/data/status"
finish
