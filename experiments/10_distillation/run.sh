#!/usr/bin/env bash
# Experiment 10 — distillation baselines (paper Fig. 14, App. D.3.4) vs BoN-aware RL at equal samples:
# distil the base model's verifier-best sample (base_bon_sft) or its majority answer (base_maj_sft), each
# from 16 prompts x N'=8 base samples per step (base_weighted_sft is registered too, not run here),
# against BoN-RL-V and BoN-RLB(P) of experiment 3 (the same 128 samples per step, on-policy). 3 training
# seeds; 128 test prompts x 32 samples. 20 min on one core beside other runs (measured).
source "$(dirname "$0")/../common.sh"
bash experiments/03_pass_at_n/run.sh > /dev/null   # bon_rl_v, bon_rlb_p (cached)
OUT=$RUNS/10_distillation
E3=$RUNS/03_pass_at_n
EVAL=(--config experiments/tiny_eval.yaml)
evaluate "$OUT/eval/base/seed0" "${EVAL[@]}" --name base
groups=("$OUT/eval/base")
for m in base_bon_sft base_maj_sft; do
  train_seeds "$OUT/train/$m" --config experiments/tiny_train.yaml --method $m $(sizes_for $m) --lr "$(lr_for $m)"
  evaluate_seeds "$OUT/eval/$m" "$OUT/train/$m" "${EVAL[@]}" --name "$m"
  groups+=("$OUT/eval/$m")
done
for m in bon_rl_v bon_rlb_p; do
  evaluate_seeds "$OUT/eval/$m" "$E3/train/$m" "${EVAL[@]}" --name "$m"
  groups+=("$OUT/eval/$m")
done
report "$RESULTS/10_distillation" "${groups[@]}" --verifier "noisy:target_auc=0.85"
report "$RESULTS/10_distillation/vs_base_bon_sft" "${groups[@]:1}" --verifier "noisy:target_auc=0.85" \
  --baseline base_bon_sft
finish
