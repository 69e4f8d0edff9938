"""Shared by the sampling benchmarks: a SmolLM2-shaped random model and honest peak-memory readings.

Memory is the process's resident set (RSS) as the kernel reports it, which is what runs out on a
CPU box; with ``--device cuda`` it is torch's GPU allocation instead (``memory_allocated`` /
``max_memory_allocated``), and times are taken after ``cuda.synchronize()``. Each variant runs in
its own subprocess (``run_variant``); inside it, ``reset_peak()``
clears the kernel's high-water mark (``/proc/self/clear_refs``, Linux >= 4.0) after the model is
built, and ``peak_mb()`` reads it back (``VmHWM``), so the reported *working* memory is what the
measured code added on top of weights, inputs and libraries. Children run with a fixed glibc mmap
threshold so that freed tensors leave the resident set (otherwise the baseline drifts by
hundreds of MiB depending on what the warm-up freed). ``tracemalloc`` would miss torch's
allocations entirely.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

#: SmolLM2-135M's shape (HF config of HuggingFaceTB/SmolLM2-135M), weights random
SMOLLM2_135M = dict(
    vocab_size=49152,
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    max_position_embeddings=8192,
    rope_theta=100000.0,
    tie_word_embeddings=True,
    rms_norm_eps=1e-5,
)


def random_llama(device: str = "cpu", dtype: str = "float32", **overrides):
    """A randomly initialised Llama of SmolLM2-135M's shape (``overrides`` change fields) on ``device``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(**{**SMOLLM2_135M, **overrides}, pad_token_id=0, bos_token_id=None, eos_token_id=None)
    return LlamaForCausalLM(cfg).to(device=device, dtype=getattr(torch, dtype)).eval()


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not in /proc/self/status")


def cpu_s() -> float:
    """User + system CPU seconds used by this process so far (all threads).

    On a shared machine this is steadier than wall time: a descheduled process accrues none.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb(device: str = "cpu") -> float:
    """Current resident set size in MiB (on ``cuda``: memory allocated by torch on the GPU)."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
        return torch.cuda.memory_allocated() / 2**20
    return _status("VmRSS")


def reset_peak(device: str = "cpu") -> None:
    """Reset the kernel's peak-RSS mark to the current RSS (on ``cuda``: torch's peak-allocation mark)."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        return
    Path("/proc/self/clear_refs").write_text("5")


def peak_mb(device: str = "cpu") -> float:
    """Peak resident set size since the last :func:`reset_peak`, in MiB (on ``cuda``: peak GPU allocation)."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() / 2**20
    return _status("VmHWM")


def elapsed(start: float, device: str = "cpu") -> float:
    """Wall seconds since ``start`` (``time.perf_counter``), after the GPU's queued work has finished."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
    return time.perf_counter() - start


def run_variant(script: str, args: list[str], timeout: float = 900) -> dict:
    """Run ``script --child ARGS`` in a fresh interpreter; it prints one JSON line last."""
    src = str(Path(__file__).parents[1] / "src")
    # A fixed mmap threshold makes glibc hand every large freed block back to the kernel at once;
    # with its default adaptive threshold, freed tensors can stay resident and shift the baseline.
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        MALLOC_MMAP_THRESHOLD_="131072",
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, script, "--child", *args], capture_output=True, text=True, timeout=timeout, env=env
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - start
    return result
