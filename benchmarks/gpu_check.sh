#!/usr/bin/env bash
# The GPU check (docs/benchmarks.md, "GPU check"): everything bonaware should show on one GPU, in one go,
# in about 5 minutes (budget: 8), with only torch, transformers, peft and accelerate installed beside the
# small wheels it checks for first (numpy, scipy, pyyaml, tqdm, pytest):
#   1. the gpu-marked tests;
#   2. `bonaware train` on a SmolLM2-135M-shaped model in bf16: tokens/s and MFU against the GPU's bf16
#      peak, then 2 steps under configs/accelerate/fsdp.yaml (1 process) against 2 plain steps;
#   3. chunked vs naive log-prob scoring, peak GPU memory at vocab 49,152 and length 2048;
#   4. sampling: HFSampler vs generate + re-scoring (benchmarks/bench_sampling.py), the time ratio.
# Usage:  bash benchmarks/gpu_check.sh [--cpu-smoke] [OUT]        (OUT: runs/gpu_check; logs + result.json)
# --cpu-smoke runs every stage at toy sizes on the CPU (tests/benchmarks/test_gpu_check.py, slow): it
# checks the script, not the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE=0
if [ "${1:-}" = "--cpu-smoke" ]; then SMOKE=1; shift; fi
OUT=${1:-runs/gpu_check}
mkdir -p "$OUT"
PY=${PYTHON:-python}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
start=$(date +%s)
stage() { echo; echo "== $1 ($(( $(date +%s) - start )) s)"; }

stage "0. environment"
"$PY" - "$SMOKE" <<'EOF'
import importlib, sys
missing = []
for name in ("torch", "transformers", "accelerate", "peft", "numpy", "scipy", "yaml", "tqdm", "pytest"):
    try:
        mod = importlib.import_module(name)
        print(f"{name} {getattr(mod, '__version__', '?')}")
    except ImportError:
        missing.append(name)
if missing:
    sys.exit(f"missing: {', '.join(missing)} -- install their wheels (pyyaml for yaml) and rerun")
import torch
if sys.argv[1] == "0" and not torch.cuda.is_available():
    sys.exit("no CUDA GPU visible; use --cpu-smoke to check the script on a CPU")
print("device:", torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu (smoke)")
EOF

stage "1. gpu-marked tests"
mapfile -t GPU_TESTS < <(grep -rl "pytest.mark.gpu" tests)
"$PY" -m pytest -q -p no:cacheprovider -m gpu -o addopts="" "${GPU_TESTS[@]}" 2>&1 | tee "$OUT/gpu_tests.txt" | tail -5

stage "2. bonaware train: tokens/s, MFU, FSDP"
if [ $SMOKE = 1 ]; then
    "$PY" benchmarks/bench_train_gpu.py --out "$OUT/train" --cpu-smoke | tee "$OUT/train.txt"
else
    "$PY" benchmarks/bench_train_gpu.py --out "$OUT/train" --fsdp | tee "$OUT/train.txt"
fi

stage "3. log-prob scoring memory, chunked vs naive (vocab 49,152)"
if [ $SMOKE = 1 ]; then
    LP=(--device cpu --layers 1 --length 64 --prompt-len 16 --n 2 --train full --chunk-size 32 --threads 1)
else
    LP=(--device cuda --dtype bfloat16 --layers 30 --length 2048 --prompt-len 256 --n 4 --train full)
fi
"$PY" benchmarks/bench_logprobs.py "${LP[@]}" | tee "$OUT/logprobs.txt"

stage "4. sampling: HFSampler vs generate + re-scoring"
if [ $SMOKE = 1 ]; then
    SP=(--device cpu --layers 1 --n 4 --ratio 4 --completion 4 --prompts 1)
else
    SP=(--device cuda --dtype bfloat16 --n 16 --ratio 4 --completion 64 --prompts 8)
fi
"$PY" benchmarks/bench_sampling.py "${SP[@]}" | tee "$OUT/sampling.txt"

stage "done"
echo "results in $OUT (train/result.json, *.txt)"
