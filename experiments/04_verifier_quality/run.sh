#!/usr/bin/env bash
# Experiment 4 (new) — how good must the verifier be? BoN-RL-V trained and evaluated with noisy verifiers
# of target AUC 0.6 and 0.9 (16 prompts x N'=8), 3 training seeds each, against the base model under the
# same verifier; 128 test prompts x 32 samples. The measured AUC of each verifier on the samples it
# scored is in the report (verifier-quality section). ~10 min on one core.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/04_verifier_quality
ALL="noisy:target_auc=0.6,noisy:target_auc=0.9,oracle"
EVAL=(--config experiments/tiny_eval.yaml --verifier "$ALL")
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
for auc in 0.6 0.9; do
  train_seeds "$OUT/train/auc$auc" --config experiments/tiny_train.yaml --method bon_rl_v $(sizes_for bon_rl_v) \
    --verifier "noisy:target_auc=$auc" --lr "$(lr_for bon_rl_v)"
  evaluate_seeds "$OUT/eval/auc$auc" "$OUT/train/auc$auc" "${EVAL[@]}" --name "bon_rl_v [AUC $auc]"
  report "$RESULTS/04_verifier_quality/auc$auc" "$OUT/eval/base" "$OUT/eval/auc$auc" --verifier "noisy:target_auc=$auc"
done
finish
