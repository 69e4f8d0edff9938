"""distributed.unsharded: sampling from an FSDP2-sharded policy with uneven work per process (docs/scaling.md).

accelerate only shards on GPUs, so `bonaware train` under configs/accelerate/fsdp.yaml cannot run here;
this checks, with torch's own FSDP2 on 2 CPU processes, the part of that path that can hang: processes
sampling different numbers of prompts and tokens while the parameters are sharded.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch.distributed.fsdp", reason="torch without FSDP2")


def test_sampling_inside_unsharded_neither_hangs_nor_changes_completions(tmp_path):
    worker = Path(__file__).with_name("fsdp_sampling_worker.py")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src"), "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    # --standalone: torchrun binds its own rendezvous store on a free port (no pick-then-bind race).
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          str(worker), str(tmp_path)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"torchrun exited {run.returncode}:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert all(r["same"] and r["sharded"] and r["grads"] for r in results), results
