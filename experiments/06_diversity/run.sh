#!/usr/bin/env bash
# Experiment 6 — diversity (paper §3.3-3.4): BoN-aware models keep diverse candidates. BoN-RLB(P) with
# N' in {4, 16} (16 prompts x N'; N'=8 and RL-S N'=1 come from experiment 3), 3 training seeds;
# answer entropy and distinct answers per prompt (report's diversity section) on 128 test prompts x 32
# samples at T = 1; the meta-strategy table splits prompts by the base model's P_fail. ~15 min on one core.
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # rl_s and bon_rlb_p N'=8 (cached)
OUT=$RUNS/06_diversity
E3=$RUNS/03_pass_at_n
EVAL=(--config experiments/tiny_eval.yaml)
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
evaluate_seeds "$OUT/eval/rl_s" "$E3/train/rl_s" "${EVAL[@]}" --name "rl_s N'=1"
groups=("$OUT/eval/base" "$OUT/eval/rl_s")
for np in 4 8 16; do
  if [ $np = 8 ]; then train_dir=$E3/train/bon_rlb_p; else
    train_dir=$OUT/train/np$np
    train_seeds "$train_dir" --config experiments/tiny_train.yaml --method bon_rlb_p --n_prime $np \
      --lr "$(lr_for bon_rlb_p)"
  fi
  evaluate_seeds "$OUT/eval/np$np" "$train_dir" "${EVAL[@]}" --name "bon_rlb_p N'=$np"
  groups+=("$OUT/eval/np$np")
done
report "$RESULTS/06_diversity" "${groups[@]}" --verifier "noisy:target_auc=0.85"
write_to "$RESULTS/06_diversity/meta_strategy.md" \
  "$PYTHON" experiments/06_diversity/meta_strategy.py "$(data_dir "$OUT/eval")" base rl_s np4 np8 np16
finish
