#!/usr/bin/env bash
# Experiment 0 — the tiny experiments' hyper-parameters, chosen on VAL only (never on test).
# The families: from the build's own per-family pass@k on val (`bonaware models list`: add3 0.22 -> 0.83
# and sub2 0.09 -> 0.67 at pass@1 -> pass@16 are in the Best-of-N regime; add2 0.06 -> 0.57, mul21 0.01 ->
# 0.13 and add1 (10 val problems) are not chosen). The learning rate: a search over lr in {1e-4, 3e-4,
# 1e-3, 3e-3} for GRPO (the strongest BoN-unaware baseline) and BoN-RLB(P) (the paper's pass@N method),
# 200 steps, training seed 0, each scored by the mean of val pass@8 and Bo-8 (noisy verifier, AUC 0.85)
# on 128 val prompts x 32 samples. (The grid first stopped at 1e-3, which won for both; 3e-3 was added
# because the best value sat at the edge.) Search size: 8 trainings. Every tiny experiment then uses the
# lr chosen here for its method family (`lr_for` in common.sh); about 15 min on one core.
# Usage: bash experiments/00_tune/run.sh   (from the repository root; rerun resumes)
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/00_tune
VAL=(--config experiments/tiny_eval.yaml --split val --num_prompts 128 --n 32 --temperatures 1.0)
evaluate "$OUT/val/base" "${VAL[@]}" --name base
for m in grpo bon_rlb_p; do
  for lr in 1e-4 3e-4 1e-3 3e-3; do
    train "$OUT/train/$m/lr$lr/seed0" --config experiments/tiny_train.yaml --method "$m" --n_prime 8 \
      --lr "$lr" --seed 0
    evaluate "$OUT/val/$m/lr$lr" "${VAL[@]}" --model "$OUT/train/$m/lr$lr/seed0/final" --name "$m lr=$lr"
  done
done
write_to "$RESULTS/00_tune/chosen_lr.txt" "$PYTHON" experiments/choose_lr.py "$(data_dir "$OUT/val")" grpo bon_rlb_p --k 8
cat "$RESULTS/00_tune/chosen_lr.txt"
finish
