#!/usr/bin/env bash
# Experiment 7 — compute efficiency, tiny model, seconds once experiment 3 has run (it runs it).
# Best-of-N with a realistic verifier (noisy, AUC 0.85) against inference compute (generated tokens)
# for the models of experiment 3; the N the base model needs to match each fine-tuned model's Bo-N
# (compute-savings factor) and the training compute (samples, tokens) that bought it.
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # cached
IN=$RESULTS/03_pass_at_n/data
report "$RESULTS/07_compute" "$IN/base" "$IN/rl_s" "$IN/grpo" "$IN/bon_rlb_p" "$IN/pass_at_k" \
  --verifier "noisy:target_auc=0.85"
finish
