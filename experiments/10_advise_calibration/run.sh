#!/usr/bin/env bash
# Experiment 10 — is `bonaware advise` calibrated? tiny model, about 60 min on 2 shared CPU cores (+ the trainings
# of experiment 3's GRPO and BoN-RLB(P), seeds 0-2, when they are not cached).
# Candidates: the base model, GRPO (N'=8, BoN-unaware) and BoN-RLB(P) (N'=8), each with training seeds 0, 1, 2
# (one candidate set per seed: base + that seed's two models). Pilots: every val prompt, n = 16 samples at
# T in {0.5, 1.0, 1.5}; test: every test prompt, n = 64 at the same T. calibrate.py splits the val prompts into
# 4 disjoint pilot sets of 125, asks advise for budgets 1..64 (24-64 extrapolate 1.5-4x beyond n = 16), for
# Best-of-N (noisy verifier, AUC 0.85) and pass@N, and scores every prediction and recommendation on test.
#
# Another model family (e.g. SmolLM2 LoRA runs): set MODELS="name=model_dir ..." and SETS="a,b c,d" (candidate
# sets, space-separated), EVAL_CONFIG (bonaware eval YAML: task, verifier, max_new_tokens), TAG (a subfolder
# for the runs and results), and optionally TEMPS, PILOT_N, TEST_N, PILOT_PROMPTS, BUDGETS.
source "$(dirname "$0")/../common.sh"
HERE=experiments/10_advise_calibration
OUT=$RUNS/10_advise_calibration${TAG:+/$TAG}
RES=$RESULTS/10_advise_calibration${TAG:+/$TAG}
EVAL_CONFIG=${EVAL_CONFIG:-experiments/tiny_eval.yaml}
TEMPS=${TEMPS:-0.5,1.0,1.5}
PILOT_N=${PILOT_N:-16}
TEST_N=${TEST_N:-64}
PILOT_PROMPTS=${PILOT_PROMPTS:-125}
BUDGETS=${BUDGETS:-1,2,4,8,16,24,32,48,64}
if [ -z "${MODELS:-}" ]; then
  TRAIN=$RUNS/03_pass_at_n/train   # exactly experiment 3's trainings (shared with it when both run)
  MODELS="base=tiny"
  for m in grpo bon_rlb_p; do
    for seed in 0 1 2; do
      if [ $seed = 0 ]; then dir=$TRAIN/$m; sd=(); else dir=$TRAIN/${m}_s$seed; sd=(--seed $seed); fi
      train "$dir" --config experiments/tiny_train.yaml --method $m --n_prime 8 "${sd[@]}"
      MODELS="$MODELS ${m}_s$seed=$dir/final"
    done
  done
  SETS="base,grpo_s0,bon_rlb_p_s0 base,grpo_s1,bon_rlb_p_s1 base,grpo_s2,bon_rlb_p_s2"
fi
val=(); test=(); sets=()
for pair in $MODELS; do
  name=${pair%%=*}; model=${pair#*=}
  evaluate "$OUT/val/$name" --config "$EVAL_CONFIG" --model "$model" --name "$name" --split val \
    --num_prompts none --n "$PILOT_N" --temperatures "$TEMPS"
  evaluate "$OUT/test/$name" --config "$EVAL_CONFIG" --model "$model" --name "$name" --split test \
    --num_prompts none --n "$TEST_N" --temperatures "$TEMPS"
  val+=("$name=$OUT/val/$name"); test+=("$name=$OUT/test/$name")
done
for s in $SETS; do sets+=(--sets "$s"); done
mkdir -p "$RES"
"$PYTHON" $HERE/calibrate.py run --val "${val[@]}" --test "${test[@]}" "${sets[@]}" --budgets "$BUDGETS" \
  --pilot_prompts "$PILOT_PROMPTS" --out "$RES"
write_to "$RES/calibration.md" "$PYTHON" $HERE/calibrate.py table "$RES/trials.jsonl.gz"
"$PYTHON" $HERE/calibrate.py plot "$RES/trials.jsonl.gz" --out "$RES/calibration.png"
# one advice as the CLI gives it: the first candidate set on every val prompt, a budget 2x the pilot's n
first=${SETS%% *}
"$BONAWARE" advise $(for name in ${first//,/ }; do echo "$OUT/val/$name"; done) --budget $((2 * PILOT_N)) \
  --out "$RES/example" > /dev/null
finish
