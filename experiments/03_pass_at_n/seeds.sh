#!/usr/bin/env bash
# Experiment 3, training seeds 1 and 2 — is the ordering of experiment 3 more than one seed's luck?
# RL-S, GRPO, BoN-RLB(P) and exact pass@8 retrained with --seed 1 and 2 (same data, evaluation prompts
# and evaluation seed), about 15 min on 2 CPU cores after run.sh. One report with every seed's run.
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # seed 0 (cached)
OUT=$RUNS/03_pass_at_n
DATA=$RESULTS/03_pass_at_n/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
EVAL=(--config experiments/tiny_eval.yaml --n 64)
runs=("$DATA/base")
for m in rl_s grpo bon_rlb_p pass_at_k; do
  runs+=("$DATA/$m")
  for seed in 1 2; do
    if [ "$m" = rl_s ]; then sz=(--n_prime 1 --batch_prompts 128); else sz=(--n_prime 8); fi
    train "$OUT/train/${m}_s$seed" --config experiments/tiny_train.yaml --method $m "${sz[@]}" --seed $seed
    evaluate "$DATA/${m}_s$seed" "${EVAL[@]}" --model "$OUT/train/${m}_s$seed/final" --name "$m seed $seed"
    runs+=("$DATA/${m}_s$seed")
  done
done
report "$RESULTS/03_pass_at_n/seeds" "${runs[@]}" --verifier oracle
finish
