"""Run by test_fsdp_sampling.py under torchrun (2 CPU processes, gloo): sampling from an FSDP2-sharded model.

Rank 0 samples 3 prompts and rank 1 two, so their numbers of forward passes differ; inside
``distributed.unsharded`` no forward communicates, so this must neither hang nor change a completion.
"""

import json
import sys

import torch
import torch.distributed as dist
from torch.distributed.fsdp import fully_shard

from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained
from bonaware.sampling import HFSampler, SamplingParams
from bonaware.training.distributed import unsharded

dist.init_process_group("gloo")
rank = dist.get_rank()
tok = build_tokenizer()
model = build_untrained(TinyConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64), tok)
prompts = ["1+2=", "34+5=", "6*7="][: 3 - rank]
params = SamplingParams(n=3, temperature=1.0, max_new_tokens=6, seed=5)
reference = HFSampler(model, tok, show_progress=False).sample(prompts, params)
for layer in model.model.layers:
    fully_shard(layer)
fully_shard(model)
with torch.no_grad():
    model(input_ids=torch.tensor([[1, 2]]))  # FSDP's lazy init from the root
with unsharded(model):
    out = HFSampler(model, tok, show_progress=False).sample(prompts, params)
model(input_ids=torch.tensor([[1, 2, 3]])).logits.sum().backward()  # sharded training works afterwards
same = [[c.token_ids for c in r] for r in out] == [[c.token_ids for c in r] for r in reference]
result = {"rank": rank, "same": same,
          "sharded": type(next(model.parameters())).__name__ == "DTensor",
          "grads": all(p.grad is not None for p in model.parameters())}
with open(f"{sys.argv[1]}/rank{rank}.json", "w") as f:
    json.dump(result, f)
# Both processes reach here before either tears gloo down: a peer closing its sockets while the other still
# finishes its last collective makes that one exit with "connection closed by peer".
dist.barrier()
dist.destroy_process_group()
