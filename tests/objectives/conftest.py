"""Shared tabular policies for the exact objective tests (bonaware.tabular)."""

import numpy as np
import pytest


@pytest.fixture
def policy():
    """A 4-outcome softmax policy with ties in the verifier score (outcomes 1 and 2 tie at 0.9,
    one of them correct and one not) and a low-scored correct outcome (3)."""
    logits = np.array([0.3, -0.4, 0.1, -0.2])
    rewards = np.array([0.0, 1.0, 0.0, 1.0])
    scores = np.array([0.2, 0.9, 0.9, 0.5])
    return logits, rewards, scores
