#!/usr/bin/env bash
# Experiment 2 — BoN-RL-V vs RL-V with a learned verifier (paper Fig. 5). The verifier is trained on the
# base model's samples of 400 TRAIN prompts (never val/test); RL-V (N'=1, 128 prompts x 1 sample) vs
# BoN-RL-V (16 prompts x N'=8: the same samples per step), both trained and evaluated with that verifier;
# 3 training seeds; 128 test prompts x 32 samples. ~10 min on one core.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/02_bon_rl_v_learned
evaluate "$OUT/verifier_data" --config experiments/tiny_eval.yaml --split train --num_prompts 400 --n 16 \
  --verifier oracle --name verifier_data --n_boot 200
if [ ! -f "$OUT/verifier/verifier.json" ]; then
  "$BONAWARE" train-verifier --samples "$OUT/verifier_data" --model tiny --out "$OUT/verifier" --seed 0
fi
V="learned:path=$OUT/verifier"
EVAL=(--config experiments/tiny_eval.yaml --verifier "$V,oracle")
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
groups=("$OUT/eval/base")
for m in rl_v bon_rl_v; do
  train_seeds "$OUT/train/$m" --config experiments/tiny_train.yaml --method $m $(sizes_for $m) --verifier "$V" \
    --lr "$(lr_for $m)"
  evaluate_seeds "$OUT/eval/$m" "$OUT/train/$m" "${EVAL[@]}" --name "$m"
  groups+=("$OUT/eval/$m")
done
report "$RESULTS/02_bon_rl_v_learned" "${groups[@]}" --verifier "$V"
finish
