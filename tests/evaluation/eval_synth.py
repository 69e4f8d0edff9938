"""Synthetic saved-sample files for the evaluation tests (no model needed).

Prompt i has a latent success probability that depends on the temperature; correct samples answer
the prompt's true answer, wrong ones a temperature-dependent spread of wrong answers; the verifier
scores are the correctness plus Gaussian noise (higher = better), with a few exact ties.
"""

from __future__ import annotations

import numpy as np

from bonaware.evaluation.samples import SamplesWriter, make_row


def synth_rows(num_prompts: int = 12, n: int = 16, temperatures=(0.5, 1.0), seed: int = 0,
               shift: float = 0.0, verifiers=("noisy", "oracle")) -> list[dict]:
    """Rows of a synthetic samples file; ``shift`` raises every prompt's success probability."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.02, 0.8, size=num_prompts)
    rows = []
    for t in temperatures:
        for i in range(num_prompts):
            p = float(np.clip(base[i] * (1.2 - 0.3 * t) + shift, 0.0, 1.0))
            correct = (rng.random(n) < p).astype(int)
            wrong_pool = max(1, int(2 + 4 * t))
            answers = [str(i) if c else f"w{rng.integers(wrong_pool)}" for c in correct]
            answers = [None if (not c and rng.random() < 0.1) else a for a, c in zip(answers, correct)]
            texts = [f"the answer is {a} " + " ".join(rng.choice(list("abcde"), size=int(rng.integers(0, 4))))
                     for a in answers]
            scores = {}
            if "noisy" in verifiers:
                scores["noisy"] = list(np.round(correct + rng.normal(0, 0.8, n), 1))  # rounding makes ties
            if "oracle" in verifiers:
                scores["oracle"] = [float(c) for c in correct]
            rows.append(make_row(f"p{i:03d}", t, texts, correct, scores, answers,
                                 [int(x) for x in rng.integers(2, 12, n)], int(rng.integers(5, 9))))
    return rows


def write_synth(path, **kwargs) -> list[dict]:
    rows = synth_rows(**kwargs)
    with SamplesWriter(path) as w:
        w.write(rows)
    return rows
