"""λ_N from the corrected Eq. 11 (paper.md §2.1, §8 item 1) and the tilted policy it defines."""

import numpy as np
import pytest

from bonaware.bon import bon_distribution, bon_kl, lambda_n, tilted_kl, tilted_policy, win_rate
from bonaware.errors import BonawareError

# paper.md §2.1 table: N, λ_N, tilted win rate, BoN win rate N/(N+1)
TABLE = [(2, 2.29, 0.676), (4, 4.92, 0.804), (8, 9.06, 0.890), (16, 17.03, 0.941),
         (32, 33.02, 0.970), (64, 65.01, 0.985)]


def test_lambda_1_is_zero():
    assert lambda_n(1) == 0.0


@pytest.mark.parametrize(("N", "lam", "_"), TABLE)
def test_lambda_matches_paper_table(N, lam, _):
    # abs=0.006: the digest rounds λ_8 = 9.0545 up to 9.06 (every other entry is within 0.005)
    assert lambda_n(N) == pytest.approx(lam, abs=0.006)


@pytest.mark.parametrize("N", [2, 4, 8, 16, 32, 64, 500])
def test_lambda_matches_independent_mpmath_root(N):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40

    def corrected_eq11(lam):  # written straight from paper.md §2.1, in 40-digit arithmetic
        e = mp.e**lam
        return ((lam - 1) * e + 1) / (e - 1) - mp.log((e - 1) / lam) - (mp.log(N) - mp.mpf(N - 1) / N)

    assert lambda_n(N) == pytest.approx(float(mp.findroot(corrected_eq11, N + 1)), rel=1e-9)


@pytest.mark.parametrize("N", [2, 3, 5, 8, 100, 1000, 5000])
def test_lambda_solves_corrected_eq11(N):
    # the root equates KL(tilted ‖ π) (corrected Eq. 11 LHS) with KL(BoN ‖ π) = log N − (N−1)/N
    assert tilted_kl(lambda_n(N)) == pytest.approx(bon_kl(N), rel=1e-10)


def test_lambda_is_increasing_and_close_to_n_plus_one():
    lams = lambda_n(np.arange(2, 200))
    assert np.all(np.diff(lams) > 0)
    assert np.all(np.abs(lams[30:] - (np.arange(32, 200) + 1)) < 0.1)


def test_lambda_vectorised_keeps_shape_and_values():
    Ns = np.array([[1, 2], [4, 8]])
    out = lambda_n(Ns)
    assert out.shape == (2, 2)
    assert out[1, 1] == lambda_n(8)
    assert lambda_n(np.int64(4)) == lambda_n(4) == lambda_n(4.0)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "4", True, np.bool_(True), np.array([1, 0])])
def test_lambda_rejects_non_positive_or_non_integer(bad):
    with pytest.raises(BonawareError, match="N must be a positive integer"):
        lambda_n(bad)


def _uniform_quantile_policy(K=20000):
    """π uniform over K outcomes with distinct scores, so the hard win rate is ≈ Uniform[0, 1]."""
    probs = np.full(K, 1.0 / K)
    scores = np.arange(K, dtype=float)
    return probs, scores, win_rate(probs, scores)


@pytest.mark.parametrize(("N", "_", "tilted_wr"), TABLE)
def test_tilted_policy_win_rate_matches_bon_win_rate(N, _, tilted_wr):
    probs, scores, q = _uniform_quantile_policy()
    tilted = tilted_policy(probs, q, lambda_n(N))
    bon = bon_distribution(probs, scores, N)
    assert tilted @ q == pytest.approx(tilted_wr, abs=1e-3)          # table column "tilted win rate"
    assert bon @ q == pytest.approx(N / (N + 1), abs=1e-3)            # exact BoN: N/(N+1)
    assert tilted @ q == pytest.approx(N / (N + 1), abs=0.01)         # the variational approximation


@pytest.mark.parametrize("N", [2, 8, 32])
def test_tilted_policy_kl_equals_bon_kl(N):
    probs, _, q = _uniform_quantile_policy()
    tilted = tilted_policy(probs, q, lambda_n(N))
    kl = float(np.sum(tilted * np.log(tilted / probs)))
    assert kl == pytest.approx(bon_kl(N), abs=2e-3)
