#!/usr/bin/env bash
# Experiment 11 — BoN-RLB vs BoN-RLB(P) at large N' (paper App. D.3.3: BoN-RLB's g- grows like N p/(1-p)
# and destabilises training at N' = 16-32). Both with N' = 16 (8 prompts x 16) and N' = 32 (4 prompts x
# 32): the same 128 samples per step as every tiny experiment; 3 training seeds each; pass@N and Bo-N on
# 128 test prompts x 32 samples, plus gradient-norm and reward curves of every seed (train_curves.py, from the
# training logs, committed as training.csv) and the count of collapsed seeds. 14 min on one core (round 2).
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/11_bon_rlb_stability
EVAL=(--config experiments/tiny_eval.yaml)
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
groups=("$OUT/eval/base")
for np in 16 32; do
  for m in bon_rlb bon_rlb_p; do
    train_seeds "$OUT/train/${m}_$np" --config experiments/tiny_train.yaml --method $m --n_prime $np \
      --batch_prompts $((128 / np)) --lr "$(lr_for $m)"
    evaluate_seeds "$OUT/eval/${m}_$np" "$OUT/train/${m}_$np" "${EVAL[@]}" --name "$m N'=$np"
    groups+=("$OUT/eval/${m}_$np")
  done
done
report "$RESULTS/11_bon_rlb_stability" "${groups[@]}" --verifier "noisy:target_auc=0.85"
training_curves "$OUT/train" "$RESULTS/11_bon_rlb_stability"
finish
