#!/usr/bin/env bash
# Experiment 3 — pass@N-aware RL vs RL N'=1 (paper Fig. 6, 13), tiny model, about 8.5 min on 2 CPU cores.
# RL-S (N'=1, 128 prompts x 1 sample per step: the same sample budget) vs GRPO (N'=8, BoN-unaware)
# vs BoN-RL-S, BoN-RLB, BoN-RLB(P), STaR and the exact unbiased pass@8 gradient (16 prompts x 8).
# Evaluation: pass@N for N = 1..64 on 128 held-out prompts (does RL with N'=1 lower pass@N at large N?).
# Experiments 7 and 8 reuse these models.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/03_pass_at_n
DATA=$RESULTS/03_pass_at_n/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
EVAL=(--config experiments/tiny_eval.yaml --n 64)
evaluate "$DATA/base" "${EVAL[@]}" --name base
runs=("$DATA/base")
for m in rl_s grpo bon_rl_s bon_rlb bon_rlb_p star pass_at_k; do
  if [ "$m" = rl_s ]; then sz=(--n_prime 1 --batch_prompts 128); else sz=(--n_prime 8); fi
  train "$OUT/train/$m" --config experiments/tiny_train.yaml --method $m "${sz[@]}"
  evaluate "$DATA/$m" "${EVAL[@]}" --model "$OUT/train/$m/final" --name "$m"
  runs+=("$DATA/$m")
done
report "$RESULTS/03_pass_at_n" "${runs[@]}" --verifier oracle
# BoN-aware vs the BoN-unaware baseline: the same runs with RL-S as the paired baseline
report "$RESULTS/03_pass_at_n/vs_rl_s" "${runs[@]:1}" --verifier oracle --baseline rl_s
finish
