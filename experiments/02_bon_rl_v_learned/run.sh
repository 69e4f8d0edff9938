#!/usr/bin/env bash
# Experiment 2 — BoN-RL-V vs RL-V (N'=1) vs base with a *learned* verifier (paper Fig. 5), tiny model,
# about 5.5 min on 2 CPU cores.
# 1. sample the base policy on 400 *training* prompts (n=16) and train a learned verifier on them;
# 2. RL-V (N'=1, 128 prompts x 1 sample per step) and BoN-RL-V (N' in {4, 8, 16}, 16 prompts x N'),
#    all rewarded by that verifier's score;
# 3. Bo-N ranked by the learned verifier (and pass@N from the true checker) on 128 held-out prompts.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/02_bon_rl_v_learned
DATA=$RESULTS/02_bon_rl_v_learned/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
evaluate "$OUT/verifier_data" --config experiments/tiny_eval.yaml --split train --num_prompts 400 --n 16 \
  --verifier oracle --name verifier_data --n_boot 200
if [ ! -f "$OUT/verifier/verifier.json" ]; then
  "$BONAWARE" train-verifier --samples "$OUT/verifier_data" --model tiny --out "$OUT/verifier" --seed 0
fi
V="learned:path=$OUT/verifier"
evaluate "$DATA/base" --config experiments/tiny_eval.yaml --verifier "$V,oracle" --name base
runs=("$DATA/base")
train "$OUT/train/rl_v" --config experiments/tiny_train.yaml --method rl_v --n_prime 1 --batch_prompts 128 \
  --verifier "$V"
evaluate "$DATA/rl_v" --config experiments/tiny_eval.yaml --verifier "$V,oracle" \
  --model "$OUT/train/rl_v/final" --name "rl_v N'=1"
runs+=("$DATA/rl_v")
for np in 4 8 16; do
  train "$OUT/train/bon_rl_v_$np" --config experiments/tiny_train.yaml --method bon_rl_v --n_prime $np \
    --verifier "$V"
  evaluate "$DATA/bon_rl_v_$np" --config experiments/tiny_eval.yaml --verifier "$V,oracle" \
    --model "$OUT/train/bon_rl_v_$np/final" --name "bon_rl_v N'=$np"
  runs+=("$DATA/bon_rl_v_$np")
done
report "$RESULTS/02_bon_rl_v_learned" "${runs[@]}" --verifier "$V"
finish
