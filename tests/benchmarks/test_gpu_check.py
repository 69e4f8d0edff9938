"""benchmarks/gpu_check.sh --cpu-smoke: every stage of the GPU check runs (toy sizes, CPU); no numbers checked.

``slow``: about 11 fresh interpreters (each benchmark variant runs in its own process for honest memory
readings), ≈ 65 s of CPU time on the 2-core VM (2026-12-04).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_gpu_check_cpu_smoke_runs_every_stage(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_check.sh"), "--cpu-smoke", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for stage in ("0. environment", "1. gpu-marked tests", "2. bonaware train", "3. log-prob", "4. sampling", "done"):
        assert f"== {stage}" in proc.stdout
    result = json.loads((tmp_path / "train" / "result.json").read_text())
    assert result["tokens_per_s"] > 0 and result["train_tokens"] > 0 and result["mfu"] is None  # no CPU peak
    assert "chunked/naive: working memory" in (tmp_path / "logprobs.txt").read_text()
    assert "ours vs usual" in (tmp_path / "sampling.txt").read_text()
