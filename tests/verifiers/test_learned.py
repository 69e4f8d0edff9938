"""The learned verifier: trains to a high held-out AUC on separable data, scores deterministically,
is built from its spec, and rejects bad inputs with BonawareError.

The backbone is a small randomly initialised char-level Llama (the tiny model's architecture and
tokenizer, not its pre-trained weights), saved to a temporary folder: the real tiny model is never built.
"""

import json

import numpy as np
import pytest

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.tasks import get_task
from bonaware.verifiers import get_verifier, verifier_from_spec
from bonaware.verifiers.learned import INFO_FILE, encode_pairs
from bonaware.verifiers.learned_train import (
    Example,
    LearnedVerifierConfig,
    evaluate,
    mixed_groups,
    read_examples,
    split_by_prompt,
)
from bonaware.verifiers.metrics import roc_auc

TASK_ARGS = "families=add1,add2"




@pytest.fixture(scope="module")
def task():
    return get_task("arith", families="add1,add2")


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    """A random 2-layer char-level Llama with the tiny model's tokenizer, saved as an HF folder."""
    from bonaware.models import save_model
    from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained

    tok = build_tokenizer()
    model = build_untrained(TinyConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64), tok)
    return save_model(model, tok, tmp_path_factory.mktemp("backbone") / "model")


def synthetic_rows(task, n_prompts=40, seed=0):
    """Separable samples: correct completions are the answer, incorrect ones a negative near miss."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in task.problems("train", n=n_prompts, seed=seed):
        comps = [p.answer if k % 2 == 0 else f"-{int(p.answer) + int(rng.integers(1, 9))}" for k in range(6)]
        rows.append({"problem_id": p.id, "completions": comps, "correct": [int(c == p.answer) for c in comps]})
    return rows


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, task, backbone):
    """A verifier trained through the CLI; the task comes from the run.json next to the samples."""
    run = tmp_path_factory.mktemp("eval")
    write_jsonl(run / "samples.jsonl", synthetic_rows(task))
    (run / "run.json").write_text(json.dumps({"task": "arith", "task_args": TASK_ARGS}))
    out = run.parent / "verifier"
    argv = ["train-verifier", "--samples", str(run / "samples.jsonl"), "--model", str(backbone), "--out", str(out),
            "--steps", "60", "--batch_size", "32", "--lr", "3e-3", "--device", "cpu"]
    assert main(argv) == 0
    return out


def test_training_reaches_high_heldout_auc_and_saves_a_complete_folder(trained, capsys):
    info = json.loads((trained / INFO_FILE).read_text())
    assert info["heldout"]["auc"] > 0.9
    assert info["heldout"]["accuracy"] > 0.8
    assert info["task"] == "arith" and info["task_args"] == TASK_ARGS
    assert {"backbone", "head.safetensors", INFO_FILE} <= {p.name for p in trained.iterdir()}
    assert info["heldout"]["prompts"] + info["train"]["prompts"] == info["data"]["prompts"] == 40
    assert not list(trained.parent.glob(".verifier.*"))  # no temporary folders left behind


def test_split_by_prompt_puts_no_prompt_in_both_parts_and_is_seeded():
    examples = [Example(f"p{i}", f"c{k}", k % 2 == 0) for i in range(30) for k in range(4)]
    train, held = split_by_prompt(examples, 0.2, seed=3)
    assert not {e.problem_id for e in train} & {e.problem_id for e in held}
    assert len({e.problem_id for e in held}) == 6 and len(train) + len(held) == len(examples)
    assert split_by_prompt(examples, 0.2, seed=3) == (train, held)
    assert split_by_prompt(examples, 0.2, seed=4) != (train, held)


def test_a_scorer_that_only_knows_prompt_difficulty_has_within_prompt_auc_one_half():
    # prompt "easy": 3 of 4 correct; prompt "hard": 1 of 4; the score is the prompt's success rate
    labels = np.array([1, 1, 1, 0, 1, 0, 0, 0], dtype=float)
    scores = np.array([0.75] * 4 + [0.25] * 4)
    m = evaluate(scores, labels, ["easy"] * 4 + ["hard"] * 4)
    assert m["auc"] > 0.6 and m["auc_within_prompt"] == 0.5 and m["mixed_prompts"] == 2


def test_pairs_come_from_prompts_with_both_labels():
    examples = [Example("a", "1", True), Example("a", "2", False), Example("b", "3", True), Example("a", "4", True)]
    assert mixed_groups(examples) == [([0, 3], [1])]


def test_spec_builds_the_verifier_and_its_scores_reproduce_the_saved_heldout_auc(trained, task):
    info = json.loads((trained / INFO_FILE).read_text())
    problems = [task.get_problem(pid) for pid in info["heldout_problem_ids"]]
    rows = {r["problem_id"]: r for r in synthetic_rows(task)}
    completions = [rows[p.id]["completions"] for p in problems]
    with verifier_from_spec(f"learned:path={trained}:batch_size=7:device=cpu", task) as v:
        verdicts = v.score(problems, completions)
    scores = [x.score for row in verdicts for x in row]
    correct = [x.correct for row in verdicts for x in row]
    # R comes from the task's checker, not from the samples file or the scorer
    with get_verifier("math", task) as checker:
        assert correct == [x.correct for row in checker.score(problems, completions) for x in row]
    assert {x.status for row in verdicts for x in row} == {"ok"}
    assert roc_auc(scores, correct) == pytest.approx(info["heldout"]["auc"], abs=1e-9)


def test_scores_are_deterministic_across_calls_batch_sizes_and_orders(trained, task):
    problems = task.problems("test", n=12, seed=1)
    completions = [[p.answer, "-1", p.answer + "0"] for p in problems]
    a = np.array(get_verifier("learned", task, path=str(trained), device="cpu").scores(problems, completions))
    v = get_verifier("learned", task, path=str(trained), batch_size=1, device="cpu")
    assert v.scores(problems, completions) == v.scores(problems, completions)
    np.testing.assert_allclose(v.scores(problems, completions), a, atol=1e-5)
    np.testing.assert_allclose(v.scores(problems[::-1], completions[::-1]), a[::-1], atol=1e-5)


def test_bonaware_eval_ranks_best_of_n_by_the_learned_scores(tmp_path, trained, backbone, task):
    from bonaware.evaluation.generate import evaluate_model
    from bonaware.models import load_model

    model, tok = load_model(backbone)
    spec = f"learned:path={trained}:device=cpu"
    problems = task.problems("test", n=4, seed=0)
    result = evaluate_model(model, tok, task, problems, 3, [1.0], [spec], tmp_path / "eval", max_new_tokens=4,
                            n_boot=10, progress=False)
    group = result.samples.at(1.0)
    with verifier_from_spec(spec, task) as v:
        expected = v.scores([task.get_problem(pid) for pid in group.problem_ids], group.completions)
    np.testing.assert_allclose(group.scores[spec], expected, atol=1e-5)


def test_encoding_ends_with_eos_and_keeps_the_end_when_cut(trained):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(trained / "backbone")
    (full,), (cut,) = encode_pairs(tok, ["12+3="], ["15"], 64), encode_pairs(tok, ["12+3="], ["15"], 4)
    assert full[-1] == tok.eos_token_id and len(full) == 8
    assert cut == full[-4:]


@pytest.mark.parametrize("labels, message", [([1, 1], "no incorrect"), ([0, 0], "no correct")])
def test_one_class_data_is_rejected(tmp_path, labels, message):
    path = write_jsonl(tmp_path / "s.jsonl", [{"problem_id": "a", "completions": ["1", "2"], "correct": labels}])
    with pytest.raises(BonawareError, match=message):
        read_examples([path])


def test_bad_samples_files_are_rejected_naming_the_place(tmp_path):
    with pytest.raises(BonawareError, match="no such samples file"):
        read_examples([tmp_path / "missing.jsonl"])
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"problem_id": "a", "completions": ["1", "2"], "correct": [1]}])
    with pytest.raises(BonawareError, match=r"bad.jsonl: row 1: .*'correct'"):
        read_examples([bad])
    no_field = write_jsonl(tmp_path / "nf.jsonl", [{"problem_id": "a", "completions": ["1"]}])
    with pytest.raises(BonawareError, match=r"nf.jsonl:1: missing field.*'correct'"):
        read_examples([no_field])


def test_missing_or_wrong_path_and_missing_task_are_rejected(tmp_path, task, trained):
    with pytest.raises(BonawareError, match="needs path="):
        verifier_from_spec("learned", task)
    with pytest.raises(BonawareError, match="not a trained verifier folder"):
        verifier_from_spec(f"learned:path={tmp_path}", task)
    with pytest.raises(BonawareError, match="needs a task"):
        get_verifier("learned", None, path=str(trained))


def test_cli_reports_bad_input_without_traceback(tmp_path, capsys):
    assert main(["train-verifier", "--samples", str(tmp_path / "none.jsonl"), "--task", "arith"]) == 2
    assert "no such samples file" in capsys.readouterr().err
    path = write_jsonl(tmp_path / "s.jsonl", synthetic_rows(get_task("arith", families="add1,add2"), 3))
    assert main(["train-verifier", "--samples", str(path)]) == 2  # no run file: the task is unknown
    assert "pass --task" in capsys.readouterr().err
    with pytest.raises(BonawareError, match="--heldout_frac"):
        LearnedVerifierConfig(samples=["x"], heldout_frac=1.0)
