"""Data-parallel training through accelerate: several processes share one step's B prompts (docs/scaling.md).

``bonaware train`` always runs under an :class:`accelerate.Accelerator`; ``accelerate launch`` (or
``torchrun``) with a config from ``configs/accelerate/`` decides how many processes and which
strategy. One step with W processes is:

1. every rank draws the same global batch of B prompts (seeded by (seed, step)) and takes its
   contiguous part with ``Accelerator.split_between_processes`` (:func:`shard`);
2. rank r samples and scores its prompts; completion k of global prompt i gets the same noise seed
   as in a single-process run (:func:`sample_shard`);
3. the small per-sample arrays (R, r, answers, value-head features) are gathered with accelerate's
   ``gather_object`` (:func:`gather_rows`), so every rank evaluates the objective on the full
   ``[B, N′]`` batch: batch-level statistics are exactly those of one process;
4. each rank back-propagates ``−(W/B) Σ_{i ∈ shard} Σ_j w_ij log π(y_ij|x_i)`` through the model that
   ``Accelerator.prepare`` wrapped (DDP or FSDP): their gradient reduction *averages* over the W
   ranks, so the result is the one-process gradient ``−(1/B) Σ_i Σ_j …``. Every rank runs the same
   number of forward/backward units (zero-weight padding units, :func:`units_to_run`) with gradient
   sync on the last one only (``Accelerator.no_sync``);
5. rank 0 alone writes logs, checkpoints and the final model.

With one process accelerate's wrappers are no-ops, so the single-process trainer is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from bonaware.errors import BonawareError


def make_accelerator(device: str) -> Any:
    """The run's ``Accelerator`` for ``--device`` (``cpu``, ``cuda`` or ``auto``).

    ``mixed_precision="no"``: ``bonaware train`` loads the model in ``--dtype`` itself (bf16 on GPU by
    default), so an accelerate config's ``mixed_precision`` is not applied on top. DeepSpeed configs
    are refused: its engine steps the optimiser inside ``backward``, which does not fit a step made
    of a variable number of backward passes (docs/scaling.md).
    """
    from accelerate import Accelerator, DistributedDataParallelKwargs
    from accelerate.utils import DistributedType

    if device not in ("auto", "cpu") and not device.startswith("cuda"):
        raise BonawareError(f"--device must be cpu, cuda or auto, got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BonawareError(f"--device={device} but CUDA is not available")
    # rotary/position buffers are constants: no need to broadcast them before every forward
    ddp = DistributedDataParallelKwargs(broadcast_buffers=False)
    accel = Accelerator(cpu=device == "cpu", mixed_precision="no", kwargs_handlers=[ddp])
    if accel.distributed_type == DistributedType.DEEPSPEED:
        raise BonawareError("bonaware train does not run under DeepSpeed configs (zero2.yaml, zero3.yaml): use "
                            "multi_gpu.yaml (DDP) or fsdp.yaml, or BoNAwareGRPOTrainer for DeepSpeed "
                            "(docs/scaling.md)")
    return accel


def check_strategy(accel: Any, cfg: Any) -> bool:
    """True under FSDP; a clear :class:`BonawareError` for what the trainer cannot do there.

    FSDP2 only (``fsdp_version: 2``: FSDP1 needs every forward to go through its root wrapper, which
    the sampler's decode loop does not); no checkpoints (``--ckpt_every=0``, no ``--resume``): they hold
    each process's shard, not the model.
    """
    from accelerate.utils import DistributedType

    if accel.distributed_type != DistributedType.FSDP:
        return False
    if getattr(accel.state.fsdp_plugin, "fsdp_version", 1) != 2:
        raise BonawareError("bonaware train under FSDP needs FSDP2: set fsdp_version: 2 in the accelerate config "
                            "(configs/accelerate/fsdp.yaml)")
    if cfg.ckpt_every or cfg.resume:
        raise BonawareError("bonaware train under FSDP does not write or resume checkpoints yet: pass "
                            "--ckpt_every=0 (the final model is saved in full)")
    return True


def shard(accel: Any, n: int) -> list[int]:
    """Indices of the global batch this process owns: a contiguous block, sizes differing by at most one."""
    if n < accel.num_processes:
        raise BonawareError(f"--batch_prompts={n} is smaller than the {accel.num_processes} processes: every "
                            "process needs at least one prompt per step")
    with accel.split_between_processes(list(range(n))) as mine:
        return list(mine)


def gather_rows(accel: Any, local: Any) -> Any:
    """Concatenate a per-prompt array (numpy ``[len(shard), ...]``) over processes in global order.

    ``None`` stays ``None`` without communication: every rank computes the same optional fields.
    """
    if local is None or accel.num_processes == 1:
        return local
    from accelerate.utils import gather_object

    local = np.asarray(local)
    rows = gather_object(list(local))
    out = np.empty((len(rows), *local.shape[1:]), dtype=local.dtype)
    for i, row in enumerate(rows):
        out[i] = row
    return out


def units_to_run(accel: Any, n_units: int) -> int:
    """The number of forward/backward units every process runs this step: the largest over processes.

    DDP needs the same number of synchronised backward passes on every rank and FSDP the same number
    of forward passes too; processes with fewer real units add zero-weight padding units.
    """
    if accel.num_processes == 1:
        return n_units
    counts = accel.gather(torch.tensor([n_units], device=accel.device))
    return int(counts.max())


def sum_over_processes(accel: Any, values: Sequence[float]) -> list[float]:
    """Sum a few scalars (loss, KL, token counts) over processes."""
    if accel.num_processes == 1:
        return list(values)
    return accel.reduce(torch.tensor(list(values), dtype=torch.float64, device=accel.device), "sum").tolist()


def sample_shard(sampler: Any, prompts: Sequence[str], params: Any, indices: Sequence[int]) -> list[list[Any]]:
    """``sampler.sample`` for the prompts at global positions ``indices``, seeded as in a one-process run.

    :class:`bonaware.sampling.HFSampler` seeds completion k of the i-th prompt of a call from
    ``(seed, i, k)``, independent of batching; running its planner with the global positions keeps
    every completion identical to the single-process run of the whole batch.
    """
    if list(indices) == list(range(len(prompts))) or not hasattr(sampler, "_run_group"):
        return sampler.sample(list(prompts), params)
    params.validate()
    ids = sampler.encode(list(prompts))
    if params.seed is None:
        raise BonawareError("sample_shard: multi-process sampling needs SamplingParams.seed")
    out: dict[int, list[Any]] = {g: [None] * params.n for g in indices}
    was_training = sampler.model.training
    sampler.model.eval()
    try:
        with torch.inference_mode():
            for group, rows_per_chunk in sampler._plan(ids, params):
                sampler._run_group([indices[i] for i in group], [ids[i] for i in group], params, params.seed,
                                   rows_per_chunk, out, _NoBar())
    finally:
        sampler.model.train(was_training)
    return [out[g] for g in indices]


@contextmanager
def unsharded(model: torch.nn.Module):
    """FSDP2 only: gather every sharded parameter of ``model`` for the block, and keep them gathered.

    Sampling runs a different number of forward passes on each process (prompts and stopping
    differ), while a sharded forward all-gathers, which every process must join. Inside this block
    no forward communicates; outside, the FSDP modules reshard as configured. Without FSDP modules
    it does nothing. Call the root module's forward once before first use, so that FSDP's lazy
    initialisation picks the right root.
    """
    try:
        from torch.distributed.fsdp import FSDPModule
    except ImportError:  # torch without FSDP2
        yield
        return
    modules = [m for m in model.modules() if isinstance(m, FSDPModule)]
    if not modules:
        yield
        return
    # FSDP2 has no getter for reshard_after_forward (and resolves the root's automatically): keep the
    # per-group settings it holds and put them back afterwards
    states = [m._get_fsdp_state() for m in modules]
    saved = [(st, st._auto_reshard_after_forward, [(g, g.post_forward_mesh_info) for g in st._fsdp_param_groups])
             for st in states]
    for m in modules:
        m.set_reshard_after_forward(False, recurse=False)
        m.unshard()
    try:
        yield
    finally:
        for m in modules:
            m.reshard()
        for state, auto, groups in saved:
            state._auto_reshard_after_forward = auto
            for group, info in groups:
                group.post_forward_mesh_info = info


class _NoBar:
    def update(self, n: int) -> None:
        pass
