#!/usr/bin/env bash
# Experiment 1 — BoN-SFT vs SFT at small N' (paper Fig. 4), tiny model, about 4 min on 2 CPU cores.
# SFT: 16 expert solutions per step. BoN-SFT (Lemma 1): 16 prompts x N' policy samples per step, the
# expert solution weighted by how unlikely it is to win Best-of-N' against them (verifier AUC 0.85).
# Evaluation: Bo-N (same verifier) and pass@N for N = 1..32 on 128 held-out prompts.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/01_bon_sft
DATA=$RESULTS/01_bon_sft/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
evaluate "$DATA/base" --config experiments/tiny_eval.yaml --name base
runs=("$DATA/base")
train "$OUT/train/sft" --config experiments/tiny_train.yaml --method sft --n_prime 1
evaluate "$DATA/sft" --config experiments/tiny_eval.yaml --model "$OUT/train/sft/final" --name sft
runs+=("$DATA/sft")
for np in 2 4 8; do
  train "$OUT/train/bon_sft_$np" --config experiments/tiny_train.yaml --method bon_sft --n_prime $np
  evaluate "$DATA/bon_sft_$np" --config experiments/tiny_eval.yaml --model "$OUT/train/bon_sft_$np/final" \
    --name "bon_sft N'=$np"
  runs+=("$DATA/bon_sft_$np")
done
report "$RESULTS/01_bon_sft" "${runs[@]}" --verifier "noisy:target_auc=0.85"
# the question is BoN-SFT vs SFT: the same runs with SFT as the paired baseline
report "$RESULTS/01_bon_sft/vs_sft" "${runs[@]:1}" --verifier "noisy:target_auc=0.85" --baseline sft
finish
