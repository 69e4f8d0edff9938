"""`bonaware sample` / `bonaware eval` with --backend=vllm, through a stand-in ``vllm`` module.

vLLM cannot be installed here (it needs CUDA). The stand-in has vLLM's API surface that
:class:`bonaware.sampling.VLLMSampler` uses (``LLM(model=..., seed=..., **engine)``,
``get_tokenizer()``, ``generate(inputs, [SamplingParams], use_tqdm=)`` returning request outputs
with ``CompletionOutput``-shaped items) and samples with the same weights on CPU through
``HFSampler``, so the CLI's wiring — model folder, tokenizer, seeds, stop strings, engine options,
scoring of what the engine returned — is checked end to end. Real vLLM: the ``gpu`` test in
test_backends.py.
"""

import json
import sys
from types import SimpleNamespace

import pytest
import torch

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.evaluation.generate import open_sampler


class _FakeLLM:
    instances: list = []

    def __init__(self, model, seed=0, tokenizer=None, **engine):
        from bonaware.models import load_model
        from bonaware.sampling import HFSampler

        self.model_path, self.seed, self.tokenizer_path, self.engine = model, seed, tokenizer, engine
        self.hf_model, self.tok = load_model(model, device="cpu")
        self.sampler = HFSampler(self.hf_model, self.tok, show_progress=False)
        self.requests, self.returned = [], []
        _FakeLLM.instances.append(self)

    def get_tokenizer(self):
        return self.tok

    def generate(self, inputs, params, use_tqdm=True):
        from bonaware.sampling import SamplingParams

        self.requests.append((inputs, params))
        results = []
        for inp, sp in zip(inputs, params):
            ours = SamplingParams(n=sp.n, temperature=sp.temperature, top_p=sp.top_p, max_new_tokens=sp.max_tokens,
                                  stop=sp.stop or [], seed=sp.seed)
            row = self.sampler.sample([inp["prompt_token_ids"]], ours)[0]
            self.returned += [c.text for c in row]
            outputs = [SimpleNamespace(index=k, text=c.text, token_ids=c.token_ids,
                                       logprobs=[{t: SimpleNamespace(logprob=lp)} for t, lp in zip(c.token_ids,
                                                                                                  c.logprobs)],
                                       finish_reason="length" if c.finish_reason == "length" else "stop",
                                       stop_reason=next((s for s in sp.stop or [] if c.text.endswith(s)), None))
                       for k, c in enumerate(row)]
            results.append(SimpleNamespace(outputs=outputs[::-1]))  # vLLM does not promise index order
        return results


@pytest.fixture
def fake_vllm(monkeypatch):
    _FakeLLM.instances = []
    monkeypatch.setitem(sys.modules, "vllm", SimpleNamespace(LLM=_FakeLLM,
                                                             SamplingParams=lambda **kw: SimpleNamespace(**kw)))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    return _FakeLLM


ARGS = ["--task=arith", "--task_args=families=add1", "--num_prompts=5", "--max_new_tokens=5", "--batch_prompts=2",
        "--seed=3"]


def test_sample_backend_vllm_writes_what_the_engine_returned(tmp_path, model_dir, fake_vllm):
    out = tmp_path / "s.jsonl"
    argv = ["sample", f"--model={model_dir}", "--backend=vllm", "--vllm_args=gpu_memory_utilization=0.5",
            "--n=3", f"--out={out}", *ARGS]
    assert main(argv) == 0
    (llm,) = fake_vllm.instances
    assert llm.model_path == llm.tokenizer_path == model_dir and llm.seed == 3
    assert llm.engine == {"dtype": "auto", "gpu_memory_utilization": 0.5, "enable_prefix_caching": True}
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 5 and all(len(r["completions"]) == 3 for r in rows)
    sent = [inp for inputs, _ in llm.requests for inp in inputs]
    assert [len(s["prompt_token_ids"]) for s in sent] == [r["prompt_tokens"] for r in rows]
    params = [p for _, ps in llm.requests for p in ps]
    assert {(p.n, p.max_tokens, tuple(p.stop), p.logprobs) for p in params} == {(3, 5, ("\n",), 0)}
    assert len({p.seed for p in params}) == 5  # one seed per prompt
    assert json.loads((tmp_path / "s.run.json").read_text())["backend"] == "vllm"
    # resuming with the other backend would mix two engines' samples in one file
    with pytest.raises(BonawareError, match="backend='vllm'"):
        from bonaware.cli.sample import SampleConfig, run_sample

        run_sample(SampleConfig(model=model_dir, backend="hf", n=3, out=str(out), task="arith",
                                task_args="families=add1", num_prompts=5, max_new_tokens=5, batch_prompts=2, seed=3,
                                device="cpu"), progress=False)


def test_eval_backend_vllm_scores_the_engine_samples(tmp_path, model_dir, fake_vllm, capsys):
    out = tmp_path / "ev"
    argv = ["eval", f"--model={model_dir}", "--backend=vllm", "--n=4", "--temperatures=1.0", "--verifier=oracle",
            "--n_boot=50", f"--out={out}", *ARGS]
    assert main(argv) == 0
    run = json.loads((out / "run.json").read_text())
    from bonaware.models import load_model

    hf_model = load_model(model_dir)[0]
    assert run["backend"] == "vllm" and run["num_params"] == sum(p.numel() for p in hf_model.parameters())
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    (llm,) = fake_vllm.instances
    assert len(rows) == 5 and all(len(r["completions"]) == 4 for r in rows)
    assert sorted(c for r in rows for c in r["completions"]) == sorted(llm.returned)
    assert (out / "metrics.json").is_file()


def test_vllm_backend_without_the_package_is_one_clear_error(tmp_path, model_dir, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    assert main(["sample", f"--model={model_dir}", "--backend=vllm", f"--out={tmp_path / 's.jsonl'}"]) == 2
    err = capsys.readouterr().err
    assert "--backend=vllm" in err and "pip install 'bonaware[vllm]'" in err and "Traceback" not in err
    assert not (tmp_path / "s.jsonl").exists() and not (tmp_path / "s.run.json").exists()


def test_vllm_backend_without_a_gpu_is_one_clear_error(model_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", SimpleNamespace(LLM=_FakeLLM))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(BonawareError, match="needs a CUDA GPU"):
        open_sampler(model_dir, "vllm")


def test_vllm_args_need_the_vllm_backend(model_dir):
    with pytest.raises(BonawareError, match="--vllm_args"):
        open_sampler(model_dir, "hf", device="cpu", vllm_args="gpu_memory_utilization=0.5")
