"""Data-parallel training helpers: several processes share one step's B prompts (docs/scaling.md).

Launched by ``accelerate launch`` or ``torchrun`` (both set ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``), every process holds a full replica of the
trainable parameters. One step of the trainer then is:

1. every rank draws the same global batch of B prompts (seeded by (seed, step));
2. rank r samples and scores its shard ``prompts[r::W]``; completion k of global prompt i gets
   the same noise seed as in a single-process run (:func:`sample_shard`);
3. the small per-sample arrays (R, r, answers, value predictions) are all-gathered, so every rank
   evaluates the objective on the full ``[B, N′]`` batch — batch-level statistics (leave-one-out
   batch means, weight normalisation) are exactly those of one process;
4. each rank back-propagates ``−(1/B) Σ_{i ∈ shard} Σ_j w_ij log π(y_ij|x_i)`` (B global) and the
   gradients are summed over ranks (:func:`all_reduce_grads`), giving the single-process gradient;
5. rank 0 alone writes logs, checkpoints and the final model.

With one process every helper is a no-op, so the single-process trainer is unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from bonaware.errors import BonawareError


@dataclass(frozen=True)
class World:
    """This process's place in the job: ``rank`` of ``size`` processes, ``local_rank`` on its node."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0 writes logs, checkpoints and the final model."""
        return self.rank == 0

    def shard(self, n: int) -> list[int]:
        """Indices of the global batch this rank owns: ``range(n)[rank::size]``."""
        if n < self.size:
            raise BonawareError(f"--batch_prompts={n} is smaller than the {self.size} processes: every process "
                                "needs at least one prompt per step")
        return list(range(self.rank, n, self.size))


def setup(device: torch.device) -> tuple[World, torch.device]:
    """Join the process group launched by accelerate/torchrun (gloo on CPU, NCCL on CUDA).

    Returns the world and this rank's device (``cuda:LOCAL_RANK`` for CUDA). Without launcher
    environment variables (``WORLD_SIZE`` unset or 1) this is a single-process world.
    """
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World(), device
    try:
        rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    except KeyError:
        raise BonawareError("WORLD_SIZE > 1 but RANK is not set: launch with `accelerate launch` or "
                            "`torchrun`") from None
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=size)
    return World(rank, size, local_rank), device


def all_gather_rows(world: World, local: Any, n: int) -> Any:
    """Reassemble a per-prompt array (numpy ``[len(shard), ...]``, or ``None``) in global order ``[n, ...]``."""
    if world.size == 1:
        return local
    parts: list[Any] = [None] * world.size
    dist.all_gather_object(parts, local)
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        raise BonawareError("all_gather_rows: some ranks produced the array and others None")
    first = np.asarray(parts[0])
    out = np.empty((n, *first.shape[1:]), dtype=first.dtype)
    for rank, part in enumerate(parts):
        out[rank::world.size] = part
    return out


def all_reduce_grads(world: World, params: Sequence[torch.nn.Parameter]) -> None:
    """Sum ``p.grad`` over ranks in one flat bucket.

    A parameter keeps ``grad=None`` only if it has none on every rank: AdamW skips such parameters
    (no state update), and a zero gradient instead would advance its step count and change later
    updates — the single-process trainer leaves ``None`` when a step has no nonzero weight.
    """
    if world.size == 1 or not params:  # every rank passes the same parameter list
        return None
    has = torch.tensor([p.grad is not None for p in params], dtype=torch.float32, device=params[0].device)
    dist.all_reduce(has, op=dist.ReduceOp.SUM)
    live = [p for p, h in zip(params, has.tolist()) if h > 0]
    if not live:
        return None
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in live]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    offset = 0
    for p, g in zip(live, grads):
        p.grad = flat[offset:offset + g.numel()].view_as(g).to(g.dtype)
        offset += g.numel()
    return None


def all_reduce_sum(world: World, values: Sequence[float], device: torch.device) -> list[float]:
    """Sum a few scalars (loss, KL, token counts) over ranks."""
    if world.size == 1:
        return list(values)
    t = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def broadcast_params(world: World, params: Sequence[torch.Tensor]) -> None:
    """Copy rank 0's parameters to every rank (replicas start identical whatever the init RNG did)."""
    if world.size == 1:
        return
    with torch.no_grad():
        for p in params:
            dist.broadcast(p.data, src=0)


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


class _NoBar:
    def update(self, n: int) -> None:
        pass


def barrier(world: World) -> None:
    if world.size > 1:
        dist.barrier()


def shutdown(world: World) -> None:
    """Leave the process group (end of training)."""
    if world.size > 1 and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
