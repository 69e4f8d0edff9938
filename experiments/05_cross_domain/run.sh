#!/usr/bin/env bash
# Experiment 5 — cross-domain generalisation, tiny model, about 5.5 min on 2 CPU cores.
# Train on one family (add3: three single-digit addends) with RL-S (N'=1), BoN-RLB(P) and exact pass@8
# (N'=8); evaluate base and each model on add3 (in domain), sub2, add2, mul21 and word problems.
# (CHAMP competition problems do not fit the tiny model's 128-character context: see 05b_champ.sh,
# which evaluates the SmolLM2 models of experiment 9 on them.)
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/05_cross_domain
DATA=$RESULTS/05_cross_domain/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
for m in rl_s bon_rlb_p pass_at_k; do
  if [ "$m" = rl_s ]; then sz=(--n_prime 1 --batch_prompts 128); else sz=(--n_prime 8); fi
  train "$OUT/train/$m" --config experiments/tiny_train.yaml --task_args families=add3 --method $m "${sz[@]}"
done
for fam in add3 sub2 add2 mul21 word; do
  runs=()
  for m in base rl_s bon_rlb_p pass_at_k; do
    model=tiny; [ $m = base ] || model="$OUT/train/$m/final"
    evaluate "$DATA/$fam/$m" --config experiments/tiny_eval.yaml --task_args families=$fam \
      --model "$model" --name "$m"
    runs+=("$DATA/$fam/$m")
  done
  report "$RESULTS/05_cross_domain/$fam" "${runs[@]}" --verifier oracle
done
finish
