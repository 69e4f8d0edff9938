#!/usr/bin/env bash
# Experiment 11 — what adaptive per-prompt budgets save, tiny model, about 15 min after experiment 10 (whose val
# pilots and test samples it reuses: the same 7 models, base + GRPO and BoN-RLB(P) with training seeds 0-2).
# savings.py tunes the procedure on val (priority rule, rounds, stop precision), then on test (500 prompts, the
# saved n = 64 samples at T = 1) compares adaptive with fixed Bo-B at the same mean budget (paired over prompts)
# and finds the mean samples adaptive needs to match fixed Bo-16 and Bo-32, for the noisy verifier (AUC 0.85)
# and the oracle. Then the CLI path on the base model: from the saved pool, and live (sampling in rounds).
# Other models: run experiment 10 with its MODELS/SETS/EVAL_CONFIG/TAG first, then this with the same TAG.
source "$(dirname "$0")/../common.sh"
HERE=experiments/11_adaptive
bash experiments/10_advise_calibration/run.sh > /dev/null   # models, val pilots, test samples (cached)
IN=$RUNS/10_advise_calibration${TAG:+/$TAG}
OUT=$RUNS/11_adaptive${TAG:+/$TAG}
RES=$RESULTS/11_adaptive${TAG:+/$TAG}
EVAL_CONFIG=${EVAL_CONFIG:-experiments/tiny_eval.yaml}
val=(); test=()
for dir in "$IN"/val/*/; do
  name=$(basename "$dir"); val+=("$name=$IN/val/$name"); test+=("$name=$IN/test/$name")
done
mkdir -p "$RES"
"$PYTHON" $HERE/savings.py run --val "${val[@]}" --test "${test[@]}" --out "$RES"
write_to "$RES/savings.md" "$PYTHON" $HERE/savings.py table "$RES/per_prompt.json.gz"
# the CLI: adaptive B = 8 on the base model's test samples (the saved pool), calibrated on its val pilot ...
base=${MODELS:-base=tiny}; base=${base%%=*}
model=$("$PYTHON" -c "import json, sys; print(json.load(open(sys.argv[1]))['model'])" "$IN/test/$base/run.json")
ADAPT=(--config "$EVAL_CONFIG" --split test --num_prompts none --temperatures 1.0 --model "$model" --name "$base"
       --allocation adaptive --budget 8 --adaptive_calibration "$IN/val/$base")
"$BONAWARE" eval "${ADAPT[@]}" --n 32 --out "$OUT/pool_$base" > /dev/null
# ... and live: a fixed Bo-8 pool (the comparison) plus adaptive sampling in rounds, on the same prompts
"$BONAWARE" eval "${ADAPT[@]}" --n 8 --adaptive_source live --out "$OUT/live_$base" > /dev/null
FORCE_REPORT=1 report "$RES/cli_pool" "$OUT/pool_$base" --verifier "noisy:target_auc=0.85"
FORCE_REPORT=1 report "$RES/cli_live" "$OUT/live_$base" --verifier "noisy:target_auc=0.85"
finish
