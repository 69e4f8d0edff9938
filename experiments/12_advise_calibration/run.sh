#!/usr/bin/env bash
# Experiment 12 — is `bonaware advise` calibrated, and what does following it cost? tiny model, about 1 h 45 min
# on 2 shared CPU cores (6 trainings of ~8 min, then 7 x 2 evaluations of ~2 and ~6 min).
# Candidates: the base model, GRPO (N'=8, BoN-unaware) and BoN-RLB(P) (N'=8), each with training seeds $SEEDS
# (one candidate set per seed: base + that seed's two models; tiny_train.yaml's recipe at lr 3e-4, 200 steps).
# Pilots: every val prompt (500), n = 16 samples at T in {0.5, 1.0, 1.5}; test: every test prompt (500), n = 64 at
# the same T. calibrate.py asks advise for budgets 1..64 (24-64 extrapolate 1.5-4x beyond n = 16), for Best-of-N
# (noisy verifier, AUC 0.85) and pass@N, in two designs: val pilots (4 disjoint sets of 125 prompts) scored on
# test, and 12 random pilot / held-out splits of the test prompts; it reads the committed compact data.
#
# Another model family (e.g. SmolLM2 LoRA runs): set MODELS="name=model_dir ..." and SETS="a,b c,d" (candidate
# sets, space-separated), EVAL_CONFIG (a bonaware eval YAML: task, verifier, max_new_tokens), VERIFIER (its label),
# TAG (a subfolder for the runs and results), and optionally TEMPS, PILOT_N, TEST_N, PILOT_PROMPTS, BUDGETS.
source "$(dirname "$0")/../common.sh"
HERE=experiments/12_advise_calibration
OUT=$RUNS/12_advise_calibration${TAG:+/$TAG}
RES=$RESULTS/12_advise_calibration${TAG:+/$TAG}
EVAL_CONFIG=${EVAL_CONFIG:-experiments/tiny_eval.yaml}
VERIFIER=${VERIFIER:-noisy:target_auc=0.85}
TEMPS=${TEMPS:-0.5,1.0,1.5}
PILOT_N=${PILOT_N:-16}
TEST_N=${TEST_N:-64}
PILOT_PROMPTS=${PILOT_PROMPTS:-125}
BUDGETS=${BUDGETS:-1,2,4,8,16,24,32,48,64}
if [ -z "${MODELS:-}" ]; then
  MODELS="base=tiny"; SETS=""
  for m in grpo bon_rlb_p; do
    # lr 3e-4: the recipe docs/results.md §12 was measured with (before experiment 00 chose 1e-3); advise's
    # calibration needs a few different candidates, not the best training recipe
    train_seeds "$OUT/train/$m" --config experiments/tiny_train.yaml --method $m $(sizes_for $m) --lr 3e-4
    for s in $SEEDS; do MODELS="$MODELS ${m}_s$s=$OUT/train/$m/seed$s/final"; done
  done
  for s in $SEEDS; do SETS="$SETS base,grpo_s$s,bon_rlb_p_s$s"; done
fi
val=(); test=(); sets=()
for pair in $MODELS; do
  name=${pair%%=*}; model=${pair#*=}
  evaluate "$OUT/val/$name" --config "$EVAL_CONFIG" --model "$model" --name "$name" --split val \
    --num_prompts none --n "$PILOT_N" --temperatures "$TEMPS"
  evaluate "$OUT/test/$name" --config "$EVAL_CONFIG" --model "$model" --name "$name" --split test \
    --num_prompts none --n "$TEST_N" --temperatures "$TEMPS"
  val+=("$name=$(data_dir "$OUT/val/$name")"); test+=("$name=$(data_dir "$OUT/test/$name")")
done
for s in $SETS; do sets+=(--sets "$s"); done
mkdir -p "$RES"
if [ ! -f "$RES/trials.jsonl.gz" ] || [ -n "${FORCE:-}" ]; then   # the trials (minutes); FORCE=1 redoes them
  "$PYTHON" $HERE/calibrate.py run --val "${val[@]}" --test "${test[@]}" "${sets[@]}" --budgets "$BUDGETS" \
    --pilot_prompts "$PILOT_PROMPTS" --verifier "$VERIFIER" --out "$RES"
  "$PYTHON" $HERE/calibrate.py plot "$RES/trials.jsonl.gz" --out "$RES/calibration.png"
fi
# one advice as the CLI gives it: the first candidate set on every val prompt, a budget 2x the pilot's n
first=${SETS# }; first=${first%% *}
"$BONAWARE" advise $(for name in ${first//,/ }; do data_dir "$OUT/val/$name"; done) --names "$first" \
  --budget $((2 * PILOT_N)) --verifier "$VERIFIER" --out "$RES/example" > /dev/null
finish
