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
RESULTS="${RESULTS:-docs/results}"     # reports with tables and PNGs, and the runs' compact data (committed)
EXP_START=$(date +%s)

train() {  # train OUT [bonaware train options...]
  local out=$1; shift
  if [ -f "$out/final/config.json" ]; then echo "[cached] $out"; return; fi
  "$BONAWARE" train --out "$out" --ckpt_every 50 --resume "$@"
}

evaluate() {  # evaluate OUT [bonaware eval options...]: skipped once OUT/metrics.json exists; then published
  local out=$1; shift
  if [ -f "$out/metrics.json" ]; then echo "[cached] $out"; else
    "$BONAWARE" eval --out "$out" "$@" > /dev/null
    echo "[eval] $out"
  fi
  publish "$out"
}

data_dir() {  # data_dir DIR: where an evaluation folder under $RUNS is committed (experiments/README.md, Data):
  # $RUNS/<exp>/eval/<x> -> $RESULTS/<exp>/data/<x>, $RUNS/<exp>/<y> -> $RESULTS/<exp>/data/<y>; others as they are
  local dir=${1%/} rel rest
  rel=${dir#"$RUNS"/}
  if [ "$rel" = "$dir" ]; then echo "$dir"; return; fi
  rest=${rel#*/}
  [ "$rest" = "$rel" ] && rest=""
  case $rest in eval) rest="" ;; eval/*) rest=${rest#eval/} ;; esac
  echo "$RESULTS/${rel%%/*}/data${rest:+/$rest}"
}

publish() {  # publish RUN_DIR: its compact samples.npz.xz into $(data_dir RUN_DIR), the copy git keeps
  local run=${1%/} dest
  dest=$(data_dir "$run")
  [ "$dest" != "$run" ] && [ -f "$run/samples.jsonl" ] || return 0
  [ -f "$dest/samples.npz.xz" ] && [ ! "$run/samples.jsonl" -nt "$dest/samples.npz.xz" ] && return 0
  if [ -f "$run/samples.npz.xz" ] && [ ! "$run/samples.jsonl" -nt "$run/samples.npz.xz" ]; then
    mkdir -p "$dest" && cp "$run/samples.npz.xz" "$dest/samples.npz.xz.tmp" && mv "$dest/samples.npz.xz.tmp" "$dest/samples.npz.xz"
  else  # evaluated before bonaware eval wrote the compact file
    "$BONAWARE" compact "$run" --out "$dest" > /dev/null
  fi
}

training_curves() {  # training_curves TRAIN_DIR RESULT_DIR: RESULT_DIR/training.csv (every run's logged
  # gradient norm, reward, weights per step: the training-log numbers a results page cites) and training.png
  write_to "$2/training.csv" "$PYTHON" experiments/train_curves.py collect "$1"
  "$PYTHON" experiments/train_curves.py plot "$2/training.csv" "$2/training.png" --clip 1  # the trainer's default grad_clip
}

report() {  # report OUT RUN_DIR... [bonaware report options...]
  # skipped while OUT/report.md is newer than every run's samples (FORCE_REPORT=1 rewrites it)
  local out=$1; shift
  if [ -f "$out/report.md" ] && [ -z "${FORCE_REPORT:-}" ]; then
    local stale=0 a
    for a in "$@"; do  # a run folder, or a group folder of seed runs (seed0/, seed1/, ...)
      # the report reads the published copies: one published after it (a seed evaluated elsewhere) makes it stale
      local d
      d=$(data_dir "$a")
      for f in "$a/samples.jsonl" "$a"/seed*/samples.jsonl "$d/samples.npz.xz" "$d"/seed*/samples.npz.xz; do
        [ -f "$f" ] && [ "$f" -nt "$out/report.md" ] && stale=1
      done
    done
    if [ $stale = 0 ]; then echo "[cached] $out/report.md"; return; fi
  fi
  # the report reads the committed copies of its runs, so its inputs.json points at data a clone has
  local args=() a
  for a in "$@"; do if [ -d "$a" ]; then args+=("$(data_dir "$a")"); else args+=("$a"); fi; done
  "$BONAWARE" report --out "$out" "${args[@]}"
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
# BoN-aware methods (MethodSpec.bon_aware); lr_for gives them BoN-RLB(P)'s lr and the others GRPO's
BON_AWARE="bon_sft bon_rl_v bon_rl_s bon_rlb bon_rlb_p pass_at_k bon_at_k"

lr_for() {  # lr_for METHOD: the learning rate experiment 00 chose on val for the method's family
  local m=$1 ref=grpo
  [[ " $BON_AWARE " == *" $m "* ]] && ref=bon_rlb_p
  [ -f "$RESULTS/00_tune/chosen_lr.txt" ] || { echo "error: run experiments/00_tune/run.sh first" >&2; exit 2; }
  awk -v m="$ref" '$1 == m {print $2}' "$RESULTS/00_tune/chosen_lr.txt"
}

sizes_for() {  # sizes_for METHOD [N']: the same completions per step for every method (16 prompts x N')
  local m=$1 np=${2:-8}
  case $m in
    rl_s|rl_v|rl) echo "--n_prime 1 --batch_prompts $((16 * np))" ;;  # N'=1: N' times more prompts
    sft) echo "--n_prime 1 --batch_prompts 16" ;;                     # expert data only
    *) echo "--n_prime $np --batch_prompts 16" ;;
  esac
}

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
