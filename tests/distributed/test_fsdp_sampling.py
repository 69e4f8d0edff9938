"""distributed.unsharded: sampling from an FSDP2-sharded policy with uneven work per process (docs/scaling.md).

accelerate only shards on GPUs, so `bonaware train` under configs/accelerate/fsdp.yaml cannot run here;
this checks, with torch's own FSDP2 on 2 CPU processes, the part of that path that can hang: processes
sampling different numbers of prompts and tokens while the parameters are sharded.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch.distributed.fsdp", reason="torch without FSDP2")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sampling_inside_unsharded_neither_hangs_nor_changes_completions(tmp_path):
    worker = Path(__file__).with_name("fsdp_sampling_worker.py")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src"), "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
                    str(_free_port()), str(worker), str(tmp_path)], env=env, check=True, capture_output=True,
                   timeout=300)
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert all(r["same"] and r["sharded"] and r["grads"] for r in results), results
