#!/usr/bin/env bash
# Experiment 6 — diversity and the meta-strategy (paper §3.3–3.4), tiny model, about 5.5 min.
# BoN-RLB(P) with N' in {2, 4, 8, 16} and RL-S (N'=1), evaluated at T in {0.5, 0.7, 1.0, 1.3}:
# answer entropy and distinct answers per prompt vs N' and T, and per-prompt P_fail before vs after
# (do easy prompts stay sharp while hard ones spread?).
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/06_diversity
DATA=$RESULTS/06_diversity/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
EVAL=(--config experiments/tiny_eval.yaml --temperatures 0.5,0.7,1.0,1.3 --verifier oracle)
evaluate "$DATA/base" "${EVAL[@]}" --name base
runs=("$DATA/base")
for np in 1 2 4 8 16; do
  if [ $np = 1 ]; then args=(--method rl_s --n_prime 1 --batch_prompts 128); name="rl_s N'=1"
  else args=(--method bon_rlb_p --n_prime $np); name="bon_rlb_p N'=$np"; fi
  train "$OUT/train/np$np" --config experiments/tiny_train.yaml "${args[@]}"
  evaluate "$DATA/np$np" "${EVAL[@]}" --model "$OUT/train/np$np/final" --name "$name"
  runs+=("$DATA/np$np")
done
report "$RESULTS/06_diversity" "${runs[@]}" --verifier oracle --temperature 1.0
# the meta-strategy by prompt difficulty, here (n = 32, T = 1) and on experiment 3's models (n = 64)
write_to "$RESULTS/06_diversity/meta_strategy.md" \
  "$PYTHON" experiments/06_diversity/meta_strategy.py "$DATA" base np1 np2 np4 np8 np16
bash experiments/03_pass_at_n/run.sh > /dev/null   # cached
write_to "$RESULTS/06_diversity/meta_strategy_exp3.md" \
  "$PYTHON" experiments/06_diversity/meta_strategy.py "$RESULTS/03_pass_at_n/data" base rl_s grpo bon_rlb_p pass_at_k star
finish
