#!/usr/bin/env bash
# Experiment 5 — held-out generalisation (paper Fig. 7): train on the add3 family only (GRPO and
# BoN-RLB(P), 16 prompts x N'=8; 3 training seeds), evaluate in domain (add3) and on held-out families
# (sub2, add2), 128 test prompts x 32 samples each. ~12 min on one core.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/05_cross_domain
for m in grpo bon_rlb_p; do
  train_seeds "$OUT/train/$m" --config experiments/tiny_train.yaml --task_args families=add3 --method $m \
    $(sizes_for $m) --lr "$(lr_for $m)"
done
for fam in add3 sub2 add2; do
  EVAL=(--config experiments/tiny_eval.yaml --task_args "families=$fam")
  evaluate "$OUT/eval/$fam/base/seed0" "${EVAL[@]}" --name base
  groups=("$OUT/eval/$fam/base")
  for m in grpo bon_rlb_p; do
    evaluate_seeds "$OUT/eval/$fam/$m" "$OUT/train/$m" "${EVAL[@]}" --name "$m"
    groups+=("$OUT/eval/$fam/$m")
  done
  report "$RESULTS/05_cross_domain/$fam" "${groups[@]}" --verifier "noisy:target_auc=0.85"
  report "$RESULTS/05_cross_domain/$fam/vs_grpo" "${groups[@]:1}" --verifier "noisy:target_auc=0.85" --baseline grpo
done
finish
