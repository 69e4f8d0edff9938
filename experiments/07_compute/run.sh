#!/usr/bin/env bash
# Experiment 7 — inference compute: accuracy vs samples/tokens/FLOPs and the compute-savings factor (how
# many base-model samples buy a tuned model's pass@N), from experiment 3's evaluations (no new runs).
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # cached
IN=$RUNS/03_pass_at_n/eval
report "$RESULTS/07_compute" "$IN/base" "$IN/rl_s" "$IN/grpo" "$IN/bon_rlb_p" "$IN/pass_at_k" \
  --verifier "noisy:target_auc=0.85" --temperature 1.0
finish
