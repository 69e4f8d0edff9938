"""sample_shard: a process's shard gets exactly the completions of the one-process batch."""

import pytest
import torch

from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained
from bonaware.sampling import HFSampler, SamplingParams
from bonaware.training.distributed import sample_shard


@pytest.fixture(scope="module")
def sampler():
    torch.manual_seed(0)
    tok = build_tokenizer()
    model = build_untrained(TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64), tok)
    return HFSampler(model, tok, show_progress=False)


def test_shards_reproduce_the_full_batch_sample(sampler):
    prompts = ["1+2=", "34+5=", "6*7=", "8-9=", "10+11="]  # different lengths: different batching per shard
    params = SamplingParams(n=3, temperature=1.0, max_new_tokens=5, seed=123)
    full = sampler.sample(prompts, params)
    for idx in ([0, 1, 2], [3, 4]):  # the contiguous shards of 2 processes (Accelerator.split_between_processes)
        part = sample_shard(sampler, [prompts[i] for i in idx], params, idx)
        for i, row in zip(idx, part):
            assert [c.token_ids for c in row] == [c.token_ids for c in full[i]]
    # sampling at local positions (what a naive shard would do) gives other completions
    naive = sampler.sample([prompts[3], prompts[4]], params)
    assert [c.token_ids for c in naive[0]] != [c.token_ids for c in full[3]]
