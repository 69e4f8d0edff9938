#!/usr/bin/env bash
# Experiment 8 — Best-of-N over N x T (paper Fig. 3, App. D.1 co-scaling) and temperature generalisation
# (Fig. 8): the base model and experiment 3's GRPO and BoN-RLB(P) (trained at T' = 1; 3 training seeds)
# evaluated at T in {0.3, 0.5, 0.7, 1.0, 1.3} on 128 test prompts x 64 samples. 11 min on one core (measured).
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # the trained models (cached)
IN=$RUNS/03_pass_at_n/train
OUT=$RUNS/08_coscaling
EVAL=(--config experiments/tiny_eval.yaml --n 64 --temperatures 0.3,0.5,0.7,1.0,1.3)
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
groups=("$OUT/eval/base")
for m in grpo bon_rlb_p; do
  evaluate_seeds "$OUT/eval/$m" "$IN/$m" "${EVAL[@]}" --name "$m"
  groups+=("$OUT/eval/$m")
done
report "$RESULTS/08_coscaling" "${groups[@]}" --verifier "noisy:target_auc=0.85" --temperature 1.0
for t in 0.3 0.5 1.3; do  # the trained models at temperatures they were not trained at (Fig. 8)
  report "$RESULTS/08_coscaling/t$t" "${groups[@]}" --verifier "noisy:target_auc=0.85" --temperature $t
done
finish
