#!/usr/bin/env bash
# Experiment 13 — what adaptive per-prompt budgets save, tiny model, about 15 min after experiment 12 (whose val
# pilots and test samples it reuses: base + GRPO and BoN-RLB(P) with training seeds $SEEDS).
# savings.py tunes the procedure on val (priority rule, rounds, stop precision), then on test (500 prompts, the
# saved n = 64 samples at T = 1) compares adaptive with fixed Bo-B at the same mean budget (paired over prompts;
# per method over its training seeds, seed-aware) and finds the mean samples adaptive needs to match fixed Bo-16
# and Bo-32, for the noisy verifier (AUC 0.85) and the oracle. It needs the raw verifier scores, so it reads the
# local run folders (samples.jsonl) and commits its per-prompt results (per_prompt.json.gz), which every table is
# printed from. Then the CLI path on the base model: from a saved pool, and live (sampling in rounds).
# Other models: run experiment 12 with its MODELS/SETS/EVAL_CONFIG/VERIFIER/TAG first, then this with the same.
source "$(dirname "$0")/../common.sh"
HERE=experiments/13_adaptive
bash experiments/12_advise_calibration/run.sh > /dev/null   # models, val pilots, test samples (cached)
IN=$RUNS/12_advise_calibration${TAG:+/$TAG}
OUT=$RUNS/13_adaptive${TAG:+/$TAG}
RES=$RESULTS/13_adaptive${TAG:+/$TAG}
EVAL_CONFIG=${EVAL_CONFIG:-experiments/tiny_eval.yaml}
VERIFIER=${VERIFIER:-noisy:target_auc=0.85}
val=(); test=()
for dir in "$IN"/val/*/; do
  name=$(basename "$dir"); val+=("$name=$IN/val/$name"); test+=("$name=$IN/test/$name")
done
mkdir -p "$RES"
if [ ! -f "$RES/per_prompt.json.gz" ] || [ -n "${FORCE:-}" ]; then   # FORCE=1 redoes the analysis
  "$PYTHON" $HERE/savings.py run --val "${val[@]}" --test "${test[@]}" --verifiers "$VERIFIER,oracle" --out "$RES"
fi
# the CLI: adaptive B = 8 on the base model's test prompts, calibrated on its val pilot; from a saved pool of 32 ...
base=${MODELS:-base=tiny}; base=${base%%=*}
model=$("$PYTHON" -c "import json, sys; print(json.load(open(sys.argv[1]))['model'])" "$IN/test/$base/run.json")
ADAPT=(--config "$EVAL_CONFIG" --split test --num_prompts none --temperatures 1.0 --model "$model" --name "$base"
       --allocation adaptive --budget 8 --adaptive_calibration "$IN/val/$base")
"$BONAWARE" eval "${ADAPT[@]}" --n 32 --out "$OUT/pool_$base" > /dev/null
# ... and live: a fixed Bo-8 pool (the comparison) plus adaptive sampling in rounds, on the same prompts
"$BONAWARE" eval "${ADAPT[@]}" --n 8 --adaptive_source live --out "$OUT/live_$base" > /dev/null
# their summaries (the adaptive block recomputed from samples.jsonl and the recorded calibration)
for run in pool live; do
  sed -n '/^## Adaptive per-prompt budget/,$p' "$OUT/${run}_$base/summary.md" > "$RES/cli_$run.md"
done
finish
