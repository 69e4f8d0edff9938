"""The samples file: validation with file:line errors, grouping, and resumable writing after a kill."""

import json
from dataclasses import dataclass

import numpy as np
import pytest
from eval_synth import synth_rows, write_synth

from bonaware.errors import BonawareError
from bonaware.evaluation.generate import collect_samples
from bonaware.evaluation.samples import SamplesWriter, load_samples, make_row


def test_rows_round_trip_into_arrays_sorted_by_problem_id(tmp_path):
    rows = synth_rows(num_prompts=5, n=4, temperatures=(1.0, 0.5))
    with SamplesWriter(tmp_path / "samples.jsonl") as w:
        assert w.write(rows[::-1]) == len(rows)
    s = load_samples(tmp_path)
    assert s.temperatures == [0.5, 1.0]
    g = s.at(1.0)
    assert g.problem_ids == sorted(g.problem_ids) and g.n == 4 and g.num_prompts == 5
    src = {r["problem_id"]: r for r in rows if r["temperature"] == 1.0}
    for i, pid in enumerate(g.problem_ids):
        assert list(g.correct[i]) == src[pid]["correct"]
        assert list(g.scores["noisy"][i]) == src[pid]["scores"]["noisy"]
        assert g.answers[i] == src[pid]["answers"]
        assert g.prompt_tokens[i] == src[pid]["prompt_tokens"]
    assert s.verifiers == ["noisy", "oracle"]
    with pytest.raises(BonawareError, match="no samples at temperature 0.7; have 0.5, 1"):
        s.at(0.7)


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r.pop("scores"), r"samples.jsonl:2: missing field\(s\) 'scores'"),
    (lambda r: r.__setitem__("correct", [1, 0]), r"samples.jsonl:2: field 'correct' must be a list of 3"),
    (lambda r: r.__setitem__("correct", [1, 2, 0]), r"samples.jsonl:2: field 'correct' must hold 0/1"),
    (lambda r: r["scores"].__setitem__("v", [0.1, 0.2]), r"samples.jsonl:2: field 'scores.v' must be a list"),
    (lambda r: r.__setitem__("temperature", -1), r"samples.jsonl:2: field 'temperature' must be"),
    (lambda r: r.__setitem__("answers", [1, None, "x"]), r"samples.jsonl:2: field 'answers' must hold strings"),
    (lambda r: r.__setitem__("n_tokens", [1, -1, 2]), r"samples.jsonl:2: field 'n_tokens' must hold integers"),
])
def test_bad_rows_are_reported_with_file_line_and_field(tmp_path, mutate, message):
    good = make_row("a", 1.0, ["x", "y", "z"], [1, 0, 0], {"v": [0.1, 0.2, 0.3]}, ["1", None, "2"], [1, 2, 3], 4)
    bad = json.loads(json.dumps(good))
    bad["problem_id"] = "b"
    mutate(bad)
    (tmp_path / "samples.jsonl").write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
    # blank line 2 is skipped, so the bad row is on line 3 of the file
    with pytest.raises(BonawareError, match=message.replace(":2:", ":3:")):
        load_samples(tmp_path)


def test_duplicate_rows_and_unequal_n_are_errors(tmp_path):
    row = make_row("a", 1.0, ["x", "y"], [1, 0], {}, ["1", None], [1, 2], 4)
    (tmp_path / "samples.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(BonawareError, match=r":2: duplicate row for problem 'a' at T=1 \(first at .*:1\)"):
        load_samples(tmp_path)
    other = make_row("b", 1.0, ["x"], [1], {}, ["1"], [1], 4)
    (tmp_path / "samples.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(other) + "\n")
    with pytest.raises(BonawareError, match="every prompt needs the same n"):
        load_samples(tmp_path)


def test_writer_after_a_kill_cuts_the_torn_line_and_never_duplicates(tmp_path):
    path = tmp_path / "samples.jsonl"
    rows = synth_rows(num_prompts=4, n=3, temperatures=(1.0,))
    with SamplesWriter(path) as w:
        w.write(rows[:3])
    full = path.read_bytes()
    path.write_bytes(full[: len(full) - 25])  # a kill in the middle of writing row 3
    with SamplesWriter(path) as w:
        assert w.done == {(r["problem_id"], 1.0) for r in rows[:2]}
        assert w.write(rows) == 2  # rows 3 and 4; rows 1-2 are skipped
        assert w.write(rows) == 0
    s = load_samples(path)
    assert s.at(1.0).problem_ids == [r["problem_id"] for r in rows]


@dataclass
class FakeCompletion:
    text: str
    token_ids: list
    finish_reason: str = "stop"


@dataclass
class FakeProblem:
    id: str
    answer: str


class FakeModel:
    """A deterministic 'model': completions are a function of (prompt, temperature, seed)."""

    def __init__(self, n, fail_on_call=None):
        self.n, self.calls, self.fail_on_call = n, 0, fail_on_call

    def sample(self, prompts, temperature, seed):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt  # the user (or the OOM killer) stops the run here
        rng = np.random.default_rng([seed, len(prompts)])
        return [[FakeCompletion(str(int(rng.integers(0, 5 + 10 * temperature))), [1] * int(rng.integers(1, 4)))
                 for _ in range(self.n)] for _ in prompts]


def _judge(problems, texts):
    correct = [[int(t == p.answer) for t in row] for p, row in zip(problems, texts)]
    return correct, {"len": [[float(len(t)) for t in row] for row in texts]}, [list(row) for row in texts]


def _collect(path, model, problems, temps=(0.5, 1.0)):
    return collect_samples(problems, [f"q{p.id}" for p in problems], temps, path, model.sample, _judge,
                           lambda ps: [len(p) for p in ps], seed=3, batch_prompts=3, progress=False)


def test_collect_samples_resumed_after_a_kill_writes_exactly_the_uninterrupted_file(tmp_path):
    problems = [FakeProblem(f"p{i}", str(i % 3)) for i in range(7)]  # 3 chunks per temperature
    whole = tmp_path / "whole.jsonl"
    assert _collect(whole, FakeModel(5), problems) == 14

    killed = tmp_path / "killed.jsonl"
    with pytest.raises(KeyboardInterrupt):
        _collect(killed, FakeModel(5, fail_on_call=4), problems)
    assert len(killed.read_text().splitlines()) == 7  # 3 chunks at T=0.5 (7 rows), then killed
    text = killed.read_text()
    killed.write_text(text[: len(text) - 10])  # ... and the last row torn
    model = FakeModel(5)
    assert _collect(killed, model, problems) == 8
    assert model.calls == 4  # the torn row's chunk again, plus the 3 chunks at T=1.0
    assert killed.read_text() == whole.read_text()
    again = FakeModel(5)
    assert _collect(killed, again, problems) == 0 and again.calls == 0  # cached: nothing to do


def test_collect_samples_rejects_duplicate_ids_and_mismatched_prompts(tmp_path):
    problems = [FakeProblem("a", "1"), FakeProblem("a", "2")]
    with pytest.raises(BonawareError, match="problem ids must be unique"):
        _collect(tmp_path / "s.jsonl", FakeModel(2), problems)
    with pytest.raises(BonawareError, match="2 problems but 1 prompts"):
        collect_samples(problems, ["x"], [1.0], tmp_path / "s.jsonl", None, None, None)


def test_write_synth_fixture_is_loadable(tmp_path):
    rows = write_synth(tmp_path / "samples.jsonl", num_prompts=3, n=2, temperatures=(1.0,))
    assert load_samples(tmp_path).at(1.0).num_prompts == len(rows)
