# Shared helpers for experiments/*/run.sh (sourced, not run). See experiments/README.md.
#
# Every stage is cached, so an interrupted experiment resumes where it stopped when rerun (delete a
# folder under $RUNS to redo that stage):
# a training run is skipped once OUT/final exists (and resumes from its newest checkpoint before
# that); an evaluation is skipped once OUT/metrics.json exists (before that, `bonaware eval`
# resumes its own samples.jsonl); a report is rewritten when a run's samples
# are newer than it (or with FORCE_REPORT=1, e.g. after changing the report code).
set -euo pipefail

# one torch thread per process: the tiny model gains nothing from more, and on a shared 2-core
# machine two threads were up to 20x slower (docs/benchmarks.md)
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# the README's install puts bonaware in .venv/: use it when no bonaware is on PATH
if [ -z "${BONAWARE:-}" ]; then
  if command -v bonaware > /dev/null; then BONAWARE=bonaware; else BONAWARE=.venv/bin/bonaware; fi
fi
PYTHON="${PYTHON:-$(dirname "$(command -v "$BONAWARE" || echo "$BONAWARE")")/python}"
[ -x "$PYTHON" ] || PYTHON=python3
[ -x "$BONAWARE" ] || command -v "$BONAWARE" > /dev/null || {
  echo "error: bonaware not found: install it (README quick start) or set BONAWARE=" >&2; exit 2; }
RUNS="${RUNS:-runs/experiments}"        # checkpoints, samples (large, not committed)
RESULTS="${RESULTS:-docs/results}"     # reports with tables and PNGs (committed)
EXP_START=$(date +%s)

train() {  # train OUT [bonaware train options...]
  local out=$1; shift
  if [ -f "$out/final/config.json" ]; then echo "[cached] $out"; return; fi
  "$BONAWARE" train --out "$out" --ckpt_every 50 --resume "$@"
}

evaluate() {  # evaluate OUT [bonaware eval options...]: skipped once OUT/metrics.json exists
  local out=$1; shift
  if [ -f "$out/metrics.json" ]; then echo "[cached] $out"; return; fi
  "$BONAWARE" eval --out "$out" "$@" > /dev/null
  echo "[eval] $out"
}

report() {  # report OUT RUN_DIR... [bonaware report options...]
  # skipped while OUT/report.md is newer than every run's samples (FORCE_REPORT=1 rewrites it)
  local out=$1; shift
  if [ -f "$out/report.md" ] && [ -z "${FORCE_REPORT:-}" ]; then
    local stale=0 a f
    for a in "$@"; do  # a run folder, or a folder of seed<s>/ runs (a run group)
      for f in "$a"/samples.jsonl "$a"/seed*/samples.jsonl; do
        [ -f "$f" ] && [ "$f" -nt "$out/report.md" ] && stale=1
      done
    done
    if [ $stale = 0 ]; then echo "[cached] $out/report.md"; return; fi
  fi
  "$BONAWARE" report --out "$out" "$@"
}

write_to() {  # write_to FILE COMMAND...: COMMAND's output into FILE, atomically (temp file, then rename)
  local file=$1; shift
  "$@" > "$file.tmp" && mv "$file.tmp" "$file"
}

finish() {  # print the experiment's wall time (recorded in docs/results.md)
  echo "wall time: $(( $(date +%s) - EXP_START )) s"
}

# ---- training seeds (docs/statistics.md): every arm is trained with each of $SEEDS --------------------
SEEDS="${SEEDS:-0 1 2}"

train_seeds() {  # train_seeds OUT [bonaware train options...]: one run per seed in OUT/seed<s>
  local out=$1; shift
  local s
  for s in $SEEDS; do train "$out/seed$s" "$@" --seed "$s"; done
}

evaluate_seeds() {  # evaluate_seeds OUT TRAIN_OUT [bonaware eval options...]: OUT/seed<s> from TRAIN_OUT/seed<s>
  local out=$1 tout=$2; shift 2
  local s
  for s in $SEEDS; do evaluate "$out/seed$s" --model "$tout/seed$s/final" "$@"; done
}
