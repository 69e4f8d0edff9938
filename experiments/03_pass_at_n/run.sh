#!/usr/bin/env bash
# Experiment 3 — pass@N-aware RL vs the BoN-unaware RL people run (paper Fig. 6, 13), the core set of
# trained models reused by experiments 6-8 and 10. Every method draws 128 completions per step: N'=1
# methods (RL-S) 128 prompts x 1, group methods 16 prompts x N'=8 (GRPO, BoN-RL-V, BoN-RLB, BoN-RLB(P),
# exact pass@8, exact BoN@8; RLOO and BoN-RL-S are registered too, METHODS=... adds them). 200 steps at
# the lr chosen on val (experiment 0); 3 training seeds; 128 test prompts x 64 samples at T = 0.5 and
# 1.0. ~35 min on one quiet core.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/03_pass_at_n
EVAL=(--config experiments/tiny_eval.yaml --n 64 --temperatures 0.5,1.0)
METHODS="${METHODS:-rl_s grpo bon_rl_v bon_rlb bon_rlb_p pass_at_k bon_at_k}"
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
groups=("$OUT/eval/base")
for m in $METHODS; do
  train_seeds "$OUT/train/$m" --config experiments/tiny_train.yaml --method $m $(sizes_for $m) --lr "$(lr_for $m)"
  evaluate_seeds "$OUT/eval/$m" "$OUT/train/$m" "${EVAL[@]}" --name "$m"
  groups+=("$OUT/eval/$m")
done
report "$RESULTS/03_pass_at_n" "${groups[@]}" --verifier "noisy:target_auc=0.85" --temperature 1.0
report "$RESULTS/03_pass_at_n/vs_grpo" "${groups[@]:1}" --verifier "noisy:target_auc=0.85" --baseline grpo \
  --temperature 1.0
report "$RESULTS/03_pass_at_n/vs_rl_s" "${groups[@]:1}" --verifier "noisy:target_auc=0.85" --baseline rl_s \
  --temperature 1.0
finish
