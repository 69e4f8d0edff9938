#!/usr/bin/env bash
# Experiment 8 — co-scaling of N and T (paper §5, Eq. 12), tiny model, about 1.5 min (+ experiment 3, which it runs).
# Base, RL-S and BoN-RLB(P) (from experiment 3) sampled at T in {0.3, 0.5, 0.7, 1.0, 1.3, 1.6}, n = 64:
# pass@N ≈ exp(a·N^b) fitted per T (R²), the N x T heatmaps and the best T for each N.
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # the trained models (cached)
IN=$RUNS/03_pass_at_n/train
OUT=$RUNS/08_coscaling
DATA=$RESULTS/08_coscaling/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
EVAL=(--config experiments/tiny_eval.yaml --n 64 --temperatures 0.3,0.5,0.7,1.0,1.3,1.6 --verifier oracle)
evaluate "$DATA/base" "${EVAL[@]}" --name base
evaluate "$DATA/rl_s" "${EVAL[@]}" --model "$IN/rl_s/final" --name rl_s
evaluate "$DATA/bon_rlb_p" "${EVAL[@]}" --model "$IN/bon_rlb_p/final" --name bon_rlb_p
report "$RESULTS/08_coscaling" "$DATA/base" "$DATA/rl_s" "$DATA/bon_rlb_p" --verifier oracle
finish
