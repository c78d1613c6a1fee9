"""Maths checks for course_utils.density: histograms, KDE, Gaussian mixtures, PCA, angles."""
import itertools
import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from course_utils import density
from course_utils.data import gaussian_mixture_1d, gaussian_mixture_1d_log_prob


def correlated_data(n=600, d=8, seed=0):
    """Gaussian data with clearly distinct variances along a random rotation."""
    g = torch.Generator().manual_seed(seed)
    scales = torch.linspace(3.0, 0.3, d, dtype=torch.float64)
    rotation, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    return (torch.randn(n, d, generator=g, dtype=torch.float64) * scales) @ rotation.T + 1.5


# --- PCA and principal angles ----------------------------------------------
def test_pca_matches_sklearn():
    x = correlated_data()
    ours = density.pca(x, 4)
    sk = PCA(n_components=4, svd_solver="full").fit(x.numpy())
    np.testing.assert_allclose(ours.explained_variance_ratio().numpy(), sk.explained_variance_ratio_, atol=1e-10)
    np.testing.assert_allclose(ours.eigenvalues[:4].numpy(), sk.explained_variance_, rtol=1e-10)
    angles = density.principal_angles(ours.components, torch.from_numpy(sk.components_.T))
    assert angles.max() < 1e-6
    # orthonormal directions, eigenvalues sorted, and all of them sum to the total variance
    assert torch.allclose(ours.components.T @ ours.components, torch.eye(4, dtype=torch.float64), atol=1e-12)
    assert (ours.eigenvalues[1:] <= ours.eigenvalues[:-1]).all()
    assert math.isclose(float(ours.eigenvalues.sum()), float(x.var(0).sum()), rel_tol=1e-10)


def test_pca_reconstruction_error_is_sum_of_discarded_eigenvalues():
    x = correlated_data()
    for k in (1, 3, 6):
        fitted = density.pca(x, k)
        err = ((x - fitted.decode(fitted.encode(x))) ** 2).sum() / (len(x) - 1)
        assert math.isclose(float(err), float(fitted.eigenvalues[k:].sum()), rel_tol=1e-9)


def test_principal_angles_known_values():
    e1 = torch.tensor([[1.0], [0.0], [0.0]], dtype=torch.float64)
    for theta in (0.0, 0.3, 1.2, math.pi / 2):
        v = torch.tensor([[math.cos(theta)], [math.sin(theta)], [0.0]], dtype=torch.float64)
        assert math.isclose(float(density.principal_angles(e1, v)[0]), theta, abs_tol=1e-7)
    # span(e1, e2) vs span(e1, e3): one shared direction (0) and one orthogonal (pi/2)
    a = torch.eye(3, dtype=torch.float64)[:, [0, 1]]
    b = torch.eye(3, dtype=torch.float64)[:, [0, 2]]
    np.testing.assert_allclose(density.principal_angles(a, b).numpy(), [0.0, math.pi / 2], atol=1e-7)
    # the angles depend on the subspace only, not on the basis used to describe it
    mix = torch.tensor([[2.0, 1.0], [0.5, -3.0]], dtype=torch.float64)
    assert density.principal_angles(a, a @ mix).max() < 1e-7


def test_principal_angles_rejects_dependent_columns():
    a = torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="linearly dependent"):
        density.principal_angles(a, torch.eye(3)[:, :2])


# --- Kernel density estimation ---------------------------------------------
# Bandwidths at which sklearn's KD-tree sums are exact to 1e-8 for these points; with much
# narrower kernels its tree pruning drifts by up to ~0.7 nats in the tails (checked at h=0.05),
# so the narrow-kernel tail is checked against brute force below instead.
@pytest.mark.parametrize("bandwidth", [0.2, 0.5, 2.0])
def test_kde_matches_sklearn(bandwidth):
    g = torch.Generator().manual_seed(1)
    data = torch.randn(300, 2, generator=g, dtype=torch.float64)
    query = torch.randn(50, 2, generator=g, dtype=torch.float64)   # inside the data cloud
    ours = density.kde_log_prob(query, data, bandwidth, chunk=17)   # odd chunk: exercise the chunking
    ref = KernelDensity(kernel="gaussian", bandwidth=bandwidth).fit(data.numpy()).score_samples(query.numpy())
    np.testing.assert_allclose(ours.numpy(), ref, atol=1e-8)


def test_kde_far_from_data_matches_brute_force():
    # Far from the data with a narrow kernel every exp() underflows; sklearn's tree
    # approximation is then off by many nats, so compare with a brute-force log-sum-exp.
    from scipy.special import logsumexp

    g = torch.Generator().manual_seed(1)
    data = torch.randn(300, 2, generator=g, dtype=torch.float64)
    query = 4 * torch.randn(50, 2, generator=g, dtype=torch.float64)
    h = 0.05
    sq = ((query.numpy()[:, None] - data.numpy()[None]) ** 2).sum(-1)
    brute = logsumexp(-sq / (2 * h * h), axis=1) - math.log(300) - math.log(2 * math.pi * h * h)
    np.testing.assert_allclose(density.kde_log_prob(query, data, h).numpy(), brute, rtol=1e-12)


def test_kde_is_normalised_in_1d():
    data, _ = gaussian_mixture_1d(200, seed=3)
    grid = torch.linspace(-10, 10, 20001, dtype=torch.float64)
    mass = torch.trapezoid(density.kde_log_prob(grid, data, 0.3).exp(), grid)
    assert math.isclose(float(mass), 1.0, abs_tol=1e-6)


def test_heldout_bandwidth_is_sensible_on_known_mixture():
    train, _ = gaussian_mixture_1d(500, seed=0)
    valid, _ = gaussian_mixture_1d(4000, seed=1)
    grid = torch.logspace(-2.5, 1, 36)
    best, scores = density.select_bandwidth(train, valid, grid)
    # an interior optimum: both too-narrow (spiky) and too-wide (oversmoothed) kernels lose
    assert grid[0] < best < grid[-1]
    assert scores.max() > scores[0] + 0.5 and scores.max() > scores[-1] + 0.5
    # near the truth: within 0.05 nats/point of the true density's held-out log-likelihood
    true_ll = float(gaussian_mixture_1d_log_prob(valid).mean())
    assert true_ll - 0.05 < float(scores.max()) < true_ll + 0.01
    # whereas on the training set itself the likelihood keeps growing as h -> 0
    train_scores = [float(density.kde_log_prob(train, train, h).mean()) for h in grid[:10]]
    assert all(a > b for a, b in itertools.pairwise(train_scores))


# --- Gaussian mixtures ------------------------------------------------------
WEIGHTS = (0.2, 0.5, 0.3)
MEANS = ((-3.0, 0.0), (0.0, 2.0), (3.0, -1.0))
COVS = (((1.0, 0.3), (0.3, 0.5)), ((0.4, 0.0), (0.0, 0.4)), ((0.7, -0.2), (-0.2, 1.1)))


def test_gmm_sampling_frequencies_match_weights():
    g = torch.Generator().manual_seed(0)
    n = 20000
    x, comp = density.gmm_sample(n, WEIGHTS, MEANS, COVS, generator=g)
    counts = torch.bincount(comp, minlength=3).numpy()
    expected = n * np.array(WEIGHTS)
    # chi-square goodness of fit, 2 degrees of freedom; a fixed seed makes this deterministic
    assert stats.chisquare(counts, expected).pvalue > 1e-3
    assert stats.chisquare(counts, n * np.array([0.25, 0.45, 0.3])).pvalue < 1e-6  # the test can fail
    for k in range(3):  # each component's samples have that component's mean and covariance
        xs = x[comp == k]
        np.testing.assert_allclose(xs.mean(0).numpy(), MEANS[k], atol=0.06)
        np.testing.assert_allclose(torch.cov(xs.T).numpy(), COVS[k], atol=0.08)


def test_gmm_log_prob_is_direct_log_sum_exp():
    g = torch.Generator().manual_seed(1)
    x = 3 * torch.randn(100, 2, generator=g, dtype=torch.float64)
    ours = density.gmm_log_prob(x, WEIGHTS, MEANS, COVS).numpy()
    per_component = np.stack([np.log(w) + stats.multivariate_normal(m, c).logpdf(x.numpy())
                              for w, m, c in zip(WEIGHTS, MEANS, COVS)], axis=1)
    direct = np.log(np.exp(per_component).sum(1))           # no tricks: exp, weighted sum, log
    np.testing.assert_allclose(ours, direct, rtol=1e-10, atol=1e-10)


def test_gmm_log_prob_stable_far_away_and_normalised_in_1d():
    far = torch.tensor([[60.0, 60.0]], dtype=torch.float64)  # exp underflows to 0 here
    assert torch.isfinite(density.gmm_log_prob(far, WEIGHTS, MEANS, COVS)).all()
    grid = torch.linspace(-12, 12, 24001, dtype=torch.float64)
    logp = density.gmm_log_prob(grid, (0.3, 0.7), (-2.0, 1.5), (0.25, 1.0))  # variances
    assert math.isclose(float(torch.trapezoid(logp.exp(), grid)), 1.0, abs_tol=1e-8)
    np.testing.assert_allclose(logp.numpy(), gaussian_mixture_1d_log_prob(grid).numpy(), atol=1e-10)


def test_gmm_rejects_bad_weights():
    with pytest.raises(ValueError, match="sum to 1"):
        density.gmm_log_prob(torch.zeros(1, 2), (0.5, 0.6, 0.1), MEANS, COVS)


def test_em_increases_likelihood_and_matches_sklearn():
    g = torch.Generator().manual_seed(2)
    x, _ = density.gmm_sample(1500, WEIGHTS, MEANS, COVS, generator=g)
    fit = density.fit_gmm_em(x, 3, iters=200, restarts=3, seed=0)
    hist = np.array(fit.history)
    assert np.all(np.diff(hist) > -1e-9), "EM never lowers the training likelihood"
    sk = GaussianMixture(3, covariance_type="full", n_init=3, random_state=0).fit(x.numpy())
    assert float(fit.log_prob(x).mean()) > sk.score(x.numpy()) - 1e-3
    order = fit.means[:, 0].argsort()  # components are found in arbitrary order
    np.testing.assert_allclose(fit.weights[order].numpy(), WEIGHTS, atol=0.04)
    np.testing.assert_allclose(fit.means[order].numpy(), MEANS, atol=0.15)


# --- Histograms -------------------------------------------------------------
def test_histogram_mle_is_normalised_counts():
    x, _ = gaussian_mixture_1d(1000, seed=4)
    edges = torch.linspace(-6, 6, 25, dtype=torch.float64)
    probs = density.histogram_fit(x, edges)
    counts, _ = np.histogram(x.numpy(), bins=edges.numpy())
    np.testing.assert_allclose(probs.numpy(), counts / counts.sum(), atol=1e-12)
    widths = edges[1:] - edges[:-1]
    centres = (edges[1:] + edges[:-1]) / 2
    density_values = density.histogram_log_prob(centres, edges, probs).exp()
    assert math.isclose(float((density_values * widths).sum()), 1.0, rel_tol=1e-12)
    # outside the edges the model gives probability 0
    assert density.histogram_log_prob(torch.tensor([7.0]), edges, probs).item() == -math.inf


def test_histogram_mle_beats_any_other_bin_probabilities():
    x, _ = gaussian_mixture_1d(400, seed=5)
    edges = torch.linspace(-6, 6, 13, dtype=torch.float64)
    mle = density.histogram_fit(x, edges)
    best = density.histogram_nll(x, edges, mle)
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        other = (mle + 0.05 * torch.rand(len(mle), generator=g, dtype=torch.float64))
        assert density.histogram_nll(x, edges, other / other.sum()) > best


def test_histogram_training_nll_never_exceeds_coarser_nested_binning():
    x, _ = gaussian_mixture_1d(300, seed=6)
    nll = []
    for bins in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):   # each binning refines the previous one
        edges = torch.linspace(-6, 6, bins + 1, dtype=torch.float64)
        nll.append(density.histogram_nll(x, edges, density.histogram_fit(x, edges)))
    assert all(fine <= coarse + 1e-12 for coarse, fine in itertools.pairwise(nll))
    assert nll[-1] < nll[0] - 1.0  # and refinement helps a lot on the training data


def test_histogram_pseudocount_and_errors():
    edges = torch.linspace(0, 1, 5)
    probs = density.histogram_fit(torch.tensor([0.1, 0.1, 0.9]), edges, pseudocount=1.0)
    np.testing.assert_allclose(probs.numpy(), np.array([3, 1, 1, 2]) / 7, atol=1e-12)
    with pytest.raises(ValueError, match="widen the edges"):
        density.histogram_fit(torch.tensor([0.5, 1.5]), edges)
    with pytest.raises(ValueError, match="increasing"):
        density.histogram_fit(torch.tensor([0.5]), torch.tensor([0.0, 1.0, 0.5]))
