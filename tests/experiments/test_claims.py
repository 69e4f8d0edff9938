"""The claims table (experiments/claims.yaml → ``python experiments/summarize.py claims``): its exact
columns, the CI format, the verdict rule, and strict validation naming the claim."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

import bonaware.estimators
from bonaware.errors import BonawareError
from bonaware.evaluation.claims import (
    COLUMNS,
    ci_text,
    claim_values,
    group_runs,
    load_claims,
    parse_claims,
    verdict,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATA = FIXTURES / "results"
HEADER = "| id | paper | claim | A vs B | metric | expected | seeds | Δ [95% CI] | P(A>B) | verdict |"
needs_seed_stats = pytest.mark.skipif(
    not hasattr(bonaware.estimators, "paired_seed_difference"),
    reason="needs bonaware.estimators.paired_seed_difference / probability_of_improvement (branch issue13-stats)")


def test_the_columns_are_exactly_the_issue_s():
    assert "| " + " | ".join(COLUMNS) + " |" == HEADER


@pytest.mark.parametrize(("lo", "hi", "expected", "want"), [
    (0.018, 0.062, "+", "reproduces"), (-0.062, -0.018, "−", "reproduces"), (-0.062, -0.018, "-", "reproduces"),
    (-0.062, -0.018, "+", "contradicted"), (0.018, 0.062, "−", "contradicted"),
    (-0.01, 0.05, "+", "inconclusive"), (-0.01, 0.05, "−", "inconclusive"),
    (0.0, 0.05, "+", "inconclusive"), (-0.05, 0.0, "−", "inconclusive"),  # touching 0 does not exclude it
])
def test_the_verdict_rule(lo, hi, expected, want):
    assert verdict(lo, hi, expected) == want


def test_the_ci_is_written_with_signs_and_three_decimals():
    assert ci_text(0.04, 0.018, 0.062) == "+0.040 [+0.018, +0.062]"
    assert ci_text(-0.0334, -0.05, 0.0004) == "-0.033 [-0.050, +0.000]"


@needs_seed_stats
def test_the_fixture_claims_table_regenerates_with_one_claim_of_each_verdict(summarize, capsys):
    assert summarize.main(["check", str(FIXTURES / "claims.md")]) == 0
    lines = (FIXTURES / "claims.md").read_text().splitlines()
    assert HEADER in lines
    rows = {line.split(" | ")[0][2:]: line.rstrip(" |").split(" | ") for line in lines if line.startswith("| ")}
    assert [rows[c][-1] for c in ("better-pass", "worse-bon", "same-maj")] == ["reproduces", "contradicted",
                                                                            "inconclusive"]
    assert rows["better-pass"][6] == "3 / 1" and rows["worse-bon"][6] == "3 / 3"


@needs_seed_stats
def test_the_table_is_the_seed_aware_paired_difference_of_the_per_prompt_values(summarize, capsys):
    from bonaware.estimators import paired_seed_difference, probability_of_improvement

    claim = load_claims(FIXTURES / "claims.yaml")[1]
    a, b = claim_values(claim, DATA)
    assert a.shape == (3, 12) and b.shape == (3, 12)
    d = paired_seed_difference(a, b, level=0.95, n_boot=300, seed=0)
    p = probability_of_improvement(a, b, level=0.95, n_boot=300, seed=0)
    assert summarize.main(["claims", str(FIXTURES / "claims.yaml"), "--root", str(DATA), "--n_boot", "300"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| worse-bon |"))
    assert f"| {ci_text(d.mean, d.lo, d.hi)} | {p.mean:.2f} | contradicted |" in row


def test_claim_values_are_per_seed_per_prompt_metric_at_n():
    from bonaware.evaluation.curves import maj_curve
    from bonaware.evaluation.report import load_run

    claim = load_claims(FIXTURES / "claims.yaml")[2]  # same vs base, maj@8 at T = 0.7
    a, b = claim_values(claim, DATA)
    runs = group_runs(DATA / "exp" / "data" / "same")
    assert [r.name for r in runs] == ["seed0", "seed1", "seed2"] and a.shape == (3, 12) and b.shape == (1, 12)
    want = maj_curve(load_run(runs[1]).at(0.7), [8])[0][:, 0]
    np.testing.assert_array_equal(a[1], want)


def _claim(**change) -> dict:
    entry = {"id": "c1", "paper": "new", "claim": "better beats base", "a": "exp/better", "b": "exp/base",
             "metric": "pass", "N": 4, "expected": "+"}
    entry.update(change)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(("change", "needle"), [
    ({"metric": "pass@8"}, "claim 'c1': unknown metric 'pass@8'"),
    ({"expected": "up"}, "claim 'c1': expected must be"),
    ({"N": 0}, "claim 'c1': N must be an integer"),
    ({"metric": "bon"}, "claim 'c1': metric bon needs a verifier"),
    ({"verifier": "noisy"}, "claim 'c1': verifier is only for metric bon"),
    ({"a": "better"}, "claim 'c1': a must be '<experiment>/<run group>'"),
    ({"b": "exp//base"}, "claim 'c1': b must be '<experiment>/<run group>'"),
    ({"paper": None}, "claim 'c1': missing paper"),
    ({"colour": "red"}, "claim 'c1': unknown key(s) colour"),
    ({"temperature": "hot"}, "claim 'c1': temperature must be a number"),
])
def test_schema_errors_name_the_claim(change, needle):
    with pytest.raises(BonawareError, match=f"^claims.yaml: {needle}".replace("(", r"\(").replace(")", r"\)")):
        parse_claims({"claims": [_claim(**change)]}, "claims.yaml")


def test_a_group_may_be_a_nested_folder_of_its_experiment():
    claim = parse_claims({"claims": [_claim(a="05_cross_domain/add3/rl_s")]}, "f")[0]
    assert claim.a == "05_cross_domain/add3/rl_s"
    with pytest.raises(BonawareError, match="unknown run group '05_cross_domain/add3/rl_s' \\(no evaluation runs in "
                                            ".*05_cross_domain/data/add3/rl_s"):
        claim_values(claim, DATA)


def test_duplicate_ids_and_a_bad_top_level_are_errors():
    with pytest.raises(BonawareError, match="claim 'c1': duplicate id"):
        parse_claims({"claims": [_claim(), _claim()]}, "f.yaml")
    with pytest.raises(BonawareError, match="top-level 'claims:' list"):
        parse_claims({"claim": []}, "f.yaml")


@pytest.mark.parametrize(("change", "needle"), [
    ({"a": "exp/nope"}, "claim 'c1': unknown run group 'exp/nope'"),
    ({"b": "other/base"}, "claim 'c1': unknown run group 'other/base'"),
    ({"N": 9}, "claim 'c1': N = 9 exceeds the n = 8 samples per prompt"),
    ({"metric": "bon", "verifier": "learned"}, "claim 'c1': exp/better \\(seed0\\) has no verifier 'learned'"),
    ({"temperature": 0.3}, "claim 'c1': temperature 0.3 is not sampled by every run"),
])
def test_claims_that_do_not_fit_the_data_name_the_claim(change, needle):
    claim = parse_claims({"claims": [_claim(**change)]}, "claims.yaml")[0]
    with pytest.raises(BonawareError, match=needle):
        claim_values(claim, DATA)


def test_the_claims_command_reports_a_schema_error_in_one_line(summarize, tmp_path, capsys):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [_claim(N=9)]}))
    assert summarize.main(["claims", str(path), "--root", str(DATA)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: claim 'c1': N = 9 exceeds") and err.count("\n") == 1
    path.write_text("claims:\n  - id: x\n    expected: -\n")
    assert summarize.main(["claims", str(path), "--root", str(DATA)]) == 2
    assert f"{path}:3: invalid YAML" in capsys.readouterr().err


def test_the_committed_claims_file_follows_the_schema():
    claims = load_claims(ROOT / "experiments" / "claims.yaml")
    assert all(c.expected in ("+", "−") for c in claims)


def test_groups_evaluated_on_different_prompts_are_an_error_naming_the_claim(summarize, tmp_path, capsys):
    import shutil

    from bonaware.evaluation.compact import COMPACT_FILE, load_compact, write_compact

    shutil.copytree(DATA / "exp" / "data" / "base", tmp_path / "exp" / "data" / "base")
    other = load_compact(DATA / "exp" / "data" / "worse" / "seed0" / COMPACT_FILE)
    for g in other.by_temperature.values():
        g.problem_ids = [f"q{i}" for i in range(len(g.problem_ids))]  # another prompt set
    (tmp_path / "exp" / "data" / "other").mkdir()
    write_compact(other, tmp_path / "exp" / "data" / "other" / COMPACT_FILE)
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [_claim(a="exp/other")]}))
    assert summarize.main(["claims", str(path), "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: claim 'c1': runs 'exp/other (other)' and 'exp/base (base)' were evaluated on "
                          "different prompts"), err


def test_b_may_be_read_at_its_own_n_and_temperature():
    """Compute savings (A@N vs B@2N) and the same model at two temperatures (paper Fig. 3)."""
    from bonaware.evaluation.curves import pass_curve
    from bonaware.evaluation.report import load_run

    claim = parse_claims({"claims": [_claim(N=2, N_b=4, temperature=0.7, temperature_b=1.0)]}, "f")[0]
    a, b = claim_values(claim, DATA)
    base = load_run(group_runs(DATA / "exp" / "data" / "base")[0])
    np.testing.assert_array_equal(b[0], pass_curve(base.at(1.0), [4])[:, 0])
    better = load_run(group_runs(DATA / "exp" / "data" / "better")[0])
    np.testing.assert_array_equal(a[0], pass_curve(better.at(0.7), [2])[:, 0])
    from bonaware.evaluation.claims import _metric

    assert _metric(claim) == "pass@2 vs @4, T=0.7 vs 1"
    with pytest.raises(BonawareError, match="claim 'c1': N_b must be an integer"):
        parse_claims({"claims": [_claim(N_b=0)]}, "f")
    with pytest.raises(BonawareError, match="temperature 0.3 is not sampled by every run of exp/base"):
        claim_values(parse_claims({"claims": [_claim(temperature_b=0.3)]}, "f")[0], DATA)


def test_distinct_answers_is_a_claim_metric():
    from bonaware.evaluation.curves import distinct_curve
    from bonaware.evaluation.report import load_run

    claim = parse_claims({"claims": [_claim(metric="distinct", N=4)]}, "f")[0]
    a, _ = claim_values(claim, DATA)
    better = load_run(group_runs(DATA / "exp" / "data" / "better")[0])
    np.testing.assert_array_equal(a[0], distinct_curve(better.at(1.0), [4])[:, 0])


@needs_seed_stats
def test_a_claim_without_data_is_an_error_by_default_and_a_not_run_row_when_asked(summarize, tmp_path, capsys):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [_claim(), _claim(id="c2", a="exp/never_trained")]}))
    assert summarize.main(["claims", str(path), "--root", str(DATA), "--n_boot", "200"]) == 2
    assert "claim 'c2': unknown run group 'exp/never_trained'" in capsys.readouterr().err
    assert summarize.main(["claims", str(path), "--root", str(DATA), "--n_boot", "200", "--missing", "not-run"]) == 0
    rows = {line.split(" | ")[0][2:]: line for line in capsys.readouterr().out.splitlines() if line.startswith("| c")}
    assert rows["c2"].endswith("| 0 | — | — | not run |")
    assert not rows["c1"].endswith("not run |")  # a claim with data is computed as before
    # 'not run' never hides a claim whose data exists but does not fit it
    path.write_text(yaml.safe_dump({"claims": [_claim(N=9)]}))
    assert summarize.main(["claims", str(path), "--root", str(DATA), "--missing", "not-run"]) == 2


@pytest.mark.parametrize(("seeds", "trained", "want"), [
    ((3, 1), (True, False), "reproduces"),            # 3 trained seeds against the (untrained) base
    ((2, 1), (True, False), "inconclusive (< 3 seeds)"),
    ((3, 1), (True, True), "inconclusive (< 3 seeds)"),  # one seed of a trained B is not enough either
    ((1, 1), (False, False), "reproduces"),           # two untrained models: one run each by nature
])
def test_a_trained_group_with_fewer_than_three_seeds_is_never_more_than_inconclusive(seeds, trained, want):
    from bonaware.evaluation.claims import seeded_verdict

    assert seeded_verdict(0.02, 0.06, "+", seeds, trained) == want


@needs_seed_stats
def test_the_table_applies_the_three_seed_rule_to_the_committed_data(summarize, tmp_path, capsys):
    import shutil

    shutil.copytree(DATA / "exp" / "data" / "base", tmp_path / "exp" / "data" / "base")
    shutil.copytree(DATA / "exp" / "data" / "better" / "seed0", tmp_path / "exp" / "data" / "better" / "seed0")
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [_claim()]}))
    assert summarize.main(["claims", str(path), "--root", str(tmp_path), "--n_boot", "200"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| c1 |"))
    cells = row.split(" | ")
    assert row.endswith("| 1 / 1 | " + cells[7] + " | " + cells[8] + " | inconclusive (< 3 seeds) |")


def _verdict_counts(page: str) -> Counter:
    """Verdicts of the claims table as committed in a results page (its last column)."""
    verdicts = ("reproduces", "contradicted", "inconclusive", "not run")
    rows = [ln.rstrip() for ln in page.splitlines() if ln.startswith("| ") and ln.rstrip().endswith(
        tuple(f"| {v} |" for v in verdicts))]
    return Counter(row[:-2].rsplit("| ", 1)[1].strip() for row in rows)


def test_the_prose_counts_of_the_readme_and_the_results_page_agree_with_the_claims_table():
    # the table itself is regenerated from the committed data by test_results_tables; this ties the
    # sentences that summarise it (README's "The experiments" section, the page's "In short") to it
    page = (ROOT / "docs" / "results.md").read_text()
    counts = _verdict_counts(page)
    assert sum(counts.values()) >= 15, counts
    short = page[page.index("**In short.**"):].split("\n\n", 1)[0]
    readme = (ROOT / "README.md").read_text()
    experiments = readme[readme.index("## The experiments"):].split("\n- ", 1)[0]
    for where, text in (("docs/results.md In short", short), ("README", experiments)):
        text = " ".join(text.split())
        for name, phrase in (("reproduces", "reproduce"), ("contradicted", "are contradicted"),
                             ("inconclusive", "are inconclusive")):
            assert f"{counts[name]} {phrase}" in text, (where, name, counts)
        if counts["not run"]:
            assert f"{counts['not run']} " in text and "not run" in text, (where, counts)
        else:
            assert f"all {sum(counts.values())} claims" in text and "not run" not in text, (where, counts)
