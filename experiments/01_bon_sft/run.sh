#!/usr/bin/env bash
# Experiment 1 — BoN-SFT vs SFT (paper Fig. 4). SFT on 16 expert solutions per step vs BoN-SFT (Lemma 1,
# Eq. 10) with N' in {2, 8} policy samples per prompt ranked by the noisy verifier (AUC 0.85), the
# same 16 prompts per step; 3 training seeds each; 128 test prompts x 32 samples. 17 min on one core (measured).
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/01_bon_sft
EVAL=(--config experiments/tiny_eval.yaml)
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
train_seeds "$OUT/train/sft" --config experiments/tiny_train.yaml --method sft $(sizes_for sft) --lr "$(lr_for sft)"
evaluate_seeds "$OUT/eval/sft" "$OUT/train/sft" "${EVAL[@]}" --name sft
groups=("$OUT/eval/base" "$OUT/eval/sft")
for np in 2 8; do
  train_seeds "$OUT/train/bon_sft_$np" --config experiments/tiny_train.yaml --method bon_sft --n_prime $np \
    --lr "$(lr_for bon_sft)"
  evaluate_seeds "$OUT/eval/bon_sft_$np" "$OUT/train/bon_sft_$np" "${EVAL[@]}" --name "bon_sft N'=$np"
  groups+=("$OUT/eval/bon_sft_$np")
done
report "$RESULTS/01_bon_sft" "${groups[@]}" --verifier "noisy:target_auc=0.85"
report "$RESULTS/01_bon_sft/vs_sft" "${groups[@]:1}" --verifier "noisy:target_auc=0.85" --baseline sft
finish
