"""Classical density estimation and linear dimensionality reduction, written out.

Reusable pieces for notebooks 01 and 02 (the notebooks derive the maths; these
functions are what later cells and tests call):

- histograms fitted by maximum likelihood, i.e. by counting (p_i = n_i / n);
- kernel density estimation (Parzen 1962; Rosenblatt 1956) with a Gaussian kernel and
  the bandwidth chosen on held-out likelihood;
- Gaussian mixtures: log-likelihood as a log-sum-exp of weighted Gaussians, sampling
  as "pick a component, then sample it", and EM (Dempster, Laird & Rubin 1977);
- PCA by eigendecomposition of the covariance (Pearson 1901; Hotelling 1933) and the
  principal angles between two subspaces (Björck & Golub 1973).

Everything is plain torch, computed in float64 where precision matters (log-densities
of many points are sums of many small numbers), and runs on the device of its inputs.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import torch

LOG_2PI = math.log(2 * math.pi)


@contextlib.contextmanager
def single_thread(tensor: torch.Tensor | None = None):
    """Run small CPU linear algebra on one thread, then restore the thread count.

    Small LAPACK calls (a 784 x 784 eigh, 2 x 2 Choleskys in EM) gain nothing from
    threads, and on a busy machine their threads wait for each other: we measured a
    float64 eigh of MNIST's covariance at 0.07 s on one thread and 3-28 s on two.
    GPU tensors are left alone.
    """
    if tensor is not None and tensor.device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _as_2d(x, name: str = "x") -> torch.Tensor:
    """N x D float64 view of 1-D (N) or 2-D (N x D) data."""
    x = torch.as_tensor(x)
    if x.dim() == 1:
        x = x.unsqueeze(1)
    if x.dim() != 2:
        raise ValueError(f"{name} must be N (1-D data) or N x D, got shape {tuple(x.shape)}: flatten images first.")
    return x.to(torch.float64)


# ---------------------------------------------------------------------------
# Histograms
# ---------------------------------------------------------------------------
def _check_edges(edges) -> torch.Tensor:
    edges = torch.as_tensor(edges, dtype=torch.float64)
    if edges.dim() != 1 or len(edges) < 2:
        raise ValueError("edges must be a 1-D tensor of at least 2 bin boundaries, e.g. torch.linspace(-5, 5, 11).")
    if not (edges[1:] > edges[:-1]).all():
        raise ValueError("edges must be strictly increasing.")
    return edges


def bin_index(x, edges) -> torch.Tensor:
    """Index of the bin of each value (bins are [e_i, e_{i+1}), the last one closed);
    -1 for values outside [edges[0], edges[-1]]."""
    edges = _check_edges(edges).to(torch.as_tensor(x).device)
    x = torch.as_tensor(x, dtype=torch.float64)
    idx = torch.bucketize(x, edges, right=True) - 1
    idx = torch.where(x == edges[-1], torch.full_like(idx, len(edges) - 2), idx)
    outside = (x < edges[0]) | (x > edges[-1])
    return torch.where(outside, torch.full_like(idx, -1), idx)


def histogram_fit(x, edges, pseudocount: float = 0.0) -> torch.Tensor:
    """Maximum-likelihood bin probabilities of 1-D data: p_i = n_i / n.

    With ``pseudocount`` a > 0: p_i = (n_i + a) / (n + a * k), Laplace smoothing, which is
    no longer the MLE but keeps every bin's probability positive. Values outside the
    edges are an error (the model would give them zero probability).
    """
    edges = _check_edges(edges)
    idx = bin_index(x, edges)
    if (idx < 0).any():
        raise ValueError(
            f"{int((idx < 0).sum())} value(s) fall outside [{float(edges[0]):g}, {float(edges[-1]):g}]: "
            "widen the edges so that the histogram covers all training data."
        )
    k = len(edges) - 1
    counts = torch.bincount(idx.cpu(), minlength=k).to(torch.float64)
    return (counts + pseudocount) / (counts.sum() + pseudocount * k)


def histogram_log_prob(x, edges, probs) -> torch.Tensor:
    """Log-density of a histogram model: log(p_i / width_i) for x in bin i.

    Values outside the edges, or in a bin of probability zero, get -inf.
    """
    edges = _check_edges(edges)
    probs = torch.as_tensor(probs, dtype=torch.float64)
    if len(probs) != len(edges) - 1:
        raise ValueError(f"{len(edges) - 1} bins but {len(probs)} probabilities.")
    log_density = probs.log() - (edges[1:] - edges[:-1]).log()
    idx = bin_index(x, edges).cpu()
    out = log_density[idx.clamp(min=0)]
    return torch.where(idx < 0, torch.full_like(out, -math.inf), out)


def histogram_nll(x, edges, probs) -> float:
    """Average negative log-likelihood (nats per point) of data under a histogram."""
    return float(-histogram_log_prob(x, edges, probs).mean())


# ---------------------------------------------------------------------------
# Gaussians, kernel density estimation
# ---------------------------------------------------------------------------
def gaussian_log_prob(x, mean, cov) -> torch.Tensor:
    """log N(x; mean, cov) per row of x (N x D), via a Cholesky factor of cov:
    -1/2 (x-m)^T cov^{-1} (x-m) - 1/2 log det(2 pi cov)."""
    x = _as_2d(x)
    mean = torch.as_tensor(mean, dtype=torch.float64, device=x.device).reshape(-1)
    cov = torch.as_tensor(cov, dtype=torch.float64, device=x.device).reshape(len(mean), len(mean))
    chol = torch.linalg.cholesky(cov)
    white = torch.linalg.solve_triangular(chol, (x - mean).T, upper=False)  # L^{-1}(x - m)
    half_logdet = chol.diagonal().log().sum()
    return -0.5 * white.pow(2).sum(0) - half_logdet - 0.5 * len(mean) * LOG_2PI


def kde_log_prob(x, data, bandwidth: float, chunk: int = 2048) -> torch.Tensor:
    """Gaussian kernel density estimate at each row of x (Parzen window):

        p(x) = 1/n sum_i N(x; x_i, h^2 I)
        log p(x) = logsumexp_i(-|x - x_i|^2 / (2 h^2)) - log n - D/2 log(2 pi h^2).

    Same definition as sklearn.neighbors.KernelDensity(kernel="gaussian", bandwidth=h).
    Query points are processed ``chunk`` at a time so memory stays bounded.
    """
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be positive, got {bandwidth}.")
    x, data = _as_2d(x), _as_2d(data, "data").to(_as_2d(x).device)
    if x.shape[1] != data.shape[1]:
        raise ValueError(f"x has {x.shape[1]} dimensions but the data has {data.shape[1]}.")
    n, d = data.shape
    const = -math.log(n) - 0.5 * d * (LOG_2PI + 2 * math.log(bandwidth))
    out = []
    with single_thread(x):
        for start in range(0, len(x), chunk):
            sq = torch.cdist(x[start:start + chunk], data).pow(2)
            out.append(torch.logsumexp(-sq / (2 * bandwidth ** 2), dim=1) + const)
    return torch.cat(out)


def select_bandwidth(train, validation, bandwidths):
    """The bandwidth with the highest mean held-out log-likelihood.

    Returns (best_bandwidth, mean validation log-likelihood per bandwidth as a tensor).
    Training-set likelihood cannot be used: it grows without bound as h -> 0 (each point
    sits on its own kernel), the KDE version of a histogram with too many bins.
    """
    bandwidths = [float(h) for h in bandwidths]
    if not bandwidths:
        raise ValueError("give at least one candidate bandwidth.")
    scores = torch.tensor([float(kde_log_prob(validation, train, h).mean()) for h in bandwidths])
    return bandwidths[int(scores.argmax())], scores


# ---------------------------------------------------------------------------
# Gaussian mixtures
# ---------------------------------------------------------------------------
def _check_mixture(weights, means, covs):
    weights = torch.as_tensor(weights, dtype=torch.float64)
    means = torch.as_tensor(means, dtype=torch.float64)
    if means.dim() == 1:
        means = means.unsqueeze(1)
    k, d = means.shape
    covs = torch.as_tensor(covs, dtype=torch.float64)
    if covs.dim() == 1:  # one variance per component (1-D, or isotropic)
        covs = covs.reshape(k, 1, 1) * torch.eye(d, dtype=torch.float64)
    if weights.shape != (k,) or covs.shape != (k, d, d):
        raise ValueError(f"expected weights (K,), means (K, D), covs (K, D, D); got {tuple(weights.shape)}, "
                         f"{tuple(means.shape)}, {tuple(covs.shape)}.")
    if (weights < 0).any() or abs(float(weights.sum()) - 1) > 1e-6:
        raise ValueError(f"mixture weights must be non-negative and sum to 1, got sum {float(weights.sum()):.6g}.")
    return weights, means, covs


def gmm_component_log_probs(x, weights, means, covs) -> torch.Tensor:
    """N x K matrix of log pi_k + log N(x_n; mu_k, Sigma_k)."""
    weights, means, covs = _check_mixture(weights, means, covs)
    x = _as_2d(x)
    cols = [gaussian_log_prob(x, means[j].to(x.device), covs[j].to(x.device)) for j in range(len(weights))]
    return torch.stack(cols, dim=1) + weights.to(x.device).log()


def gmm_log_prob(x, weights, means, covs) -> torch.Tensor:
    """log p(x) = log sum_k pi_k N(x; mu_k, Sigma_k), computed as a log-sum-exp."""
    return torch.logsumexp(gmm_component_log_probs(x, weights, means, covs), dim=1)


def gmm_sample(n: int, weights, means, covs, generator: torch.Generator | None = None):
    """Ancestral sampling: k ~ Categorical(pi), then x ~ N(mu_k, Sigma_k) = mu_k + L_k eps.

    Returns (x as n x D float64, component indices as int64).
    """
    weights, means, covs = _check_mixture(weights, means, covs)
    comp = torch.multinomial(weights, n, replacement=True, generator=generator)
    eps = torch.randn(n, means.shape[1], generator=generator, dtype=torch.float64)
    chol = torch.linalg.cholesky(covs)
    x = means[comp] + torch.einsum("nij,nj->ni", chol[comp], eps)
    return x, comp


@dataclass
class GaussianMixtureFit:
    """A fitted mixture: weights (K), means (K x D), covs (K x D x D), and the average
    training log-likelihood after each EM iteration."""

    weights: torch.Tensor
    means: torch.Tensor
    covs: torch.Tensor
    history: list

    def log_prob(self, x) -> torch.Tensor:
        return gmm_log_prob(x, self.weights, self.means, self.covs)

    def sample(self, n: int, generator: torch.Generator | None = None):
        return gmm_sample(n, self.weights, self.means, self.covs, generator)


def fit_gmm_em(x, k: int, iters: int = 100, restarts: int = 1, seed: int = 0, reg: float = 1e-6,
               tol: float = 1e-8) -> GaussianMixtureFit:
    """Fit a full-covariance Gaussian mixture by EM (Dempster et al. 1977; Bishop 2006, sec. 9.2).

    E-step: responsibilities r_nk = pi_k N(x_n; mu_k, Sigma_k) / sum_j pi_j N(x_n; mu_j, Sigma_j).
    M-step: N_k = sum_n r_nk, pi_k = N_k / N, mu_k = sum_n r_nk x_n / N_k,
            Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k + reg * I.
    Each iteration cannot lower the likelihood; EM finds a local optimum, so the best of
    ``restarts`` runs (each seeded by k-means++) is returned.
    """
    x = _as_2d(x).cpu()
    n = x.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= number of points ({n}), got k={k}.")
    g = torch.Generator().manual_seed(seed)
    runs = []
    with single_thread():
        for _ in range(max(1, restarts)):
            runs.append(_em_run(x, k, iters, reg, tol, g))
    return max(runs, key=lambda run: run.history[-1])


def _kmeans_plus_plus(x: torch.Tensor, k: int, g: torch.Generator) -> torch.Tensor:
    """k seeds spread over the data (Arthur & Vassilvitskii 2007): the first uniformly, each
    next one with probability proportional to its squared distance to the nearest seed.
    Random seeds often put two means in one cluster, a poor local optimum for EM."""
    seeds = [x[torch.randint(len(x), (1,), generator=g)].squeeze(0)]
    for _ in range(k - 1):
        d2 = torch.cdist(x, torch.stack(seeds)).pow(2).min(1).values
        seeds.append(x[torch.multinomial(d2 / d2.sum(), 1, generator=g)].squeeze(0))
    return torch.stack(seeds).clone()


def _em_run(x, k: int, iters: int, reg: float, tol: float, g: torch.Generator) -> GaussianMixtureFit:
    """One EM run started from k-means++ seeds as means and the data covariance."""
    n, d = x.shape
    eye = torch.eye(d, dtype=torch.float64)
    means = _kmeans_plus_plus(x, k, g)
    covs = (torch.cov(x.T).reshape(d, d) + reg * eye).expand(k, d, d).clone()
    weights = torch.full((k,), 1.0 / k, dtype=torch.float64)
    history = []
    for _ in range(iters):
        logp = gmm_component_log_probs(x, weights, means, covs)
        total = torch.logsumexp(logp, dim=1, keepdim=True)
        history.append(float(total.mean()))
        resp = (logp - total).exp()                           # E-step
        nk = resp.sum(0) + 1e-12                              # M-step (1e-12: an empty component)
        weights = nk / n
        means = (resp.T @ x) / nk[:, None]
        diff = x[None] - means[:, None]                       # K x N x D
        covs = (resp.T[:, :, None] * diff).transpose(1, 2) @ diff / nk[:, None, None] + reg * eye
        if len(history) > 1 and abs(history[-1] - history[-2]) < tol:
            break
    history.append(float(gmm_log_prob(x, weights, means, covs).mean()))
    return GaussianMixtureFit(weights, means, covs, history)


# ---------------------------------------------------------------------------
# PCA and subspaces
# ---------------------------------------------------------------------------
@dataclass
class PCAResult:
    """PCA of N x D data: the mean (D), the top-k principal directions as the columns of
    ``components`` (D x k, orthonormal) and all D eigenvalues of the covariance, descending."""

    mean: torch.Tensor
    components: torch.Tensor
    eigenvalues: torch.Tensor

    def encode(self, x) -> torch.Tensor:
        """Codes z = W^T (x - mean), N x k."""
        return (_as_2d(x).to(self.mean) - self.mean) @ self.components

    def decode(self, z) -> torch.Tensor:
        """Reconstructions mean + W z, N x D."""
        return self.mean + torch.as_tensor(z, dtype=torch.float64) @ self.components.T

    def explained_variance_ratio(self) -> torch.Tensor:
        """lambda_j / sum(lambda) for the kept directions."""
        return self.eigenvalues[: self.components.shape[1]] / self.eigenvalues.sum()


def pca(x, k: int | None = None) -> PCAResult:
    """PCA by eigendecomposition of the sample covariance C = X_c^T X_c / (N - 1),
    X_c the centred data: C = U diag(lambda) U^T, keep the k eigenvectors with the largest
    eigenvalues. (N - 1) matches scikit-learn's explained_variance_. Eigenvector signs
    are arbitrary; here each is flipped so that its largest-magnitude entry is positive."""
    x = _as_2d(x)
    n, d = x.shape
    if n < 2:
        raise ValueError("PCA needs at least 2 data points.")
    k = d if k is None else k
    if not 1 <= k <= d:
        raise ValueError(f"k must be between 1 and D={d}, got {k}.")
    mean = x.mean(0)
    xc = x - mean
    cov = xc.T @ xc / (n - 1)
    with single_thread(cov):
        eigenvalues, vectors = torch.linalg.eigh(cov)      # symmetric: real, ascending
    order = torch.argsort(eigenvalues, descending=True)
    eigenvalues = eigenvalues[order].clamp(min=0.0)        # round-off can make tiny ones negative
    w = vectors[:, order[:k]]
    sign = torch.sign(w.gather(0, w.abs().argmax(0, keepdim=True)))
    return PCAResult(mean, w * sign, eigenvalues)


def orthonormal_basis(a) -> torch.Tensor:
    """An orthonormal basis (D x k) of the column space of a (D x k, full column rank)."""
    a = torch.as_tensor(a, dtype=torch.float64)
    if a.dim() == 1:
        a = a.unsqueeze(1)
    q, r = torch.linalg.qr(a)
    if (r.diagonal().abs() < 1e-10 * r.diagonal().abs().max().clamp(min=1e-300)).any():
        raise ValueError("the columns are (nearly) linearly dependent: they do not span a k-dimensional subspace.")
    return q


def principal_angles(a, b) -> torch.Tensor:
    """Principal angles (radians, ascending) between the column spaces of a (D x k) and
    b (D x l) (Björck & Golub 1973): with orthonormal bases Q_a, Q_b, the cosines are the
    singular values of Q_a^T Q_b. All angles are 0 iff one subspace contains the other."""
    qa, qb = orthonormal_basis(a), orthonormal_basis(b).to(torch.as_tensor(a).device)
    if qa.shape[0] != qb.shape[0]:
        raise ValueError(f"the subspaces live in different spaces: D={qa.shape[0]} vs D={qb.shape[0]}.")
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(-1.0, 1.0)
    return torch.arccos(cosines).sort().values


def random_subspace(d: int, k: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """An orthonormal D x k basis of a uniformly random k-dimensional subspace."""
    return orthonormal_basis(torch.randn(d, k, generator=generator, dtype=torch.float64))
