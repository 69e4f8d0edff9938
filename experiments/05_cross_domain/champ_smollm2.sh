#!/usr/bin/env bash
# Experiment 5b — cross-domain on a real LM (3 evaluations of 9–10 min on one core, after
# experiment 9 has trained its models): the SmolLM2-135M models fine-tuned on
# arithmetic in experiment 9, evaluated on 48 CHAMP competition problems (shipped by champ-dataset:
# pip install 'bonaware[experiments]') with n = 8 samples of up to 96 tokens at T = 1.
source "$(dirname "$0")/../common.sh"
IN=$RUNS/09_smollm2_headline/train
for m in grpo bon_rlb_p; do  # seed 0 of experiment 9's arms
  [ -f "$IN/$m/seed0/final/config.json" ] || { echo "error: $IN/$m/seed0/final is missing: run experiments/09_smollm2_headline/run.sh first" >&2; exit 2; }
done
OUT=$RUNS/05_cross_domain/champ
EVAL=(--task champ --num_prompts 48 --n 8 --temperatures 1.0 --verifier oracle --max_new_tokens 96
      --batch_prompts 4 --seed 0)
runs=()
for m in base grpo bon_rlb_p; do
  model=smollm2-135m; [ $m = base ] || model="$IN/$m/seed0/final"
  evaluate "$OUT/$m" "${EVAL[@]}" --model "$model" --name "$m"
  runs+=("$OUT/$m")
done
report "$RESULTS/05_cross_domain/champ" "${runs[@]}" --verifier oracle
finish
