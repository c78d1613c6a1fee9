"""Numbers for comparing generative models: bits/dim, KL, importance-weighted bounds, ...

Each function states its formula; nats are natural-log units, bits = nats / ln 2.
"""
from __future__ import annotations

import math

import torch


def bits_per_dim(nll_nats, dims: int):
    """Negative log-likelihood per example in nats -> bits per dimension: nll / (D ln 2)."""
    if dims <= 0:
        raise ValueError(f"dims must be positive, got {dims}.")
    return nll_nats / (dims * math.log(2.0))


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, diag exp(logvar)) || N(0, I) ) per example, in closed form:
    0.5 * sum(mu^2 + exp(logvar) - 1 - logvar) over the last dimension."""
    if mu.shape != logvar.shape:
        raise ValueError(f"mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)} must have the same shape.")
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def log_mean_exp(values: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """log( mean(exp(values)) ) along dim, computed stably (log-sum-exp minus log n)."""
    return torch.logsumexp(values, dim=dim) - math.log(values.shape[dim])


def iwae_bound(model, x: torch.Tensor, k: int, chunk: int = 64) -> torch.Tensor:
    """The importance-weighted bound (Burda et al. 2015), per example, in nats:

        L_k(x) = log (1/k) sum_i p(x, z_i) / q(z_i | x),   z_i ~ q(z | x).

    L_1 is the ELBO; L_k increases with k towards log p(x). ``model.log_weights(x, n)``
    must return n x B log importance weights. Samples are drawn ``chunk`` at a time so
    memory stays bounded for k in the thousands.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}.")
    # only the k x B log weights are kept; call under torch.no_grad() for large k, or the
    # autograd graph of every chunk is kept as well
    pieces = [model.log_weights(x, min(chunk, k - start)) for start in range(0, k, chunk)]
    return log_mean_exp(torch.cat(pieces, dim=0), dim=0)


# --- 06 GANs: sample-based evaluation ----------------------------------------
def _sqrtm_psd(matrix: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix via eigh (eigenvalues
    clipped at 0 so round-off cannot produce NaNs)."""
    values, vectors = torch.linalg.eigh(0.5 * (matrix + matrix.T))
    return (vectors * values.clamp_min(0).sqrt()) @ vectors.T


def frechet_distance(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N x D each):

        d^2 = ||mu_a - mu_b||^2 + tr(S_a) + tr(S_b) - 2 tr( (S_a^1/2 S_b S_a^1/2)^1/2 ).

    This is the FID of Heusel et al. (2017) when the features come from Inception-v3; the
    course uses a small MNIST classifier instead (``models.classifier.fid_mnist``). The
    matrix square root of S_a S_b has the same trace as that of the symmetric PSD matrix
    S_a^1/2 S_b S_a^1/2, so two ``eigh`` calls replace the non-symmetric ``sqrtm``.
    Computed in float64. Note the estimate is biased upwards for small N.
    """
    a = torch.as_tensor(features_a).detach().to("cpu", torch.float64)
    b = torch.as_tensor(features_b).detach().to("cpu", torch.float64)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two N x D feature matrices with the same D, got {tuple(a.shape)} "
                         f"and {tuple(b.shape)}: flatten each example's features to one row.")
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError("need at least 2 rows in each feature set to estimate a covariance.")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T).reshape(a.shape[1], -1), torch.cov(b.T).reshape(b.shape[1], -1)
    root_a = _sqrtm_psd(cov_a)
    cross = _sqrtm_psd(root_a @ cov_b @ root_a)
    d2 = (mu_a - mu_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2.0 * cross.trace()
    return float(d2.clamp_min(0.0))


def mode_coverage(labels, n_classes: int = 10) -> dict:
    """Label histogram of generated samples (labels from a classifier) and how far it is
    from uniform: ``KL(p || uniform) = sum_k p_k log(K p_k)`` in nats (0 when every class
    is equally frequent, log K when only one class is ever produced).

    Returns {"counts", "fractions", "kl_to_uniform", "classes_present"}.
    """
    labels = torch.as_tensor(labels).detach().to("cpu").long().flatten()
    if labels.numel() == 0:
        raise ValueError("labels is empty: classify some samples first.")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got [{int(labels.min())}, {int(labels.max())}].")
    counts = torch.bincount(labels, minlength=n_classes).double()
    p = counts / counts.sum()
    nonzero = p > 0  # 0 log 0 = 0
    kl = float((p[nonzero] * (p[nonzero] * n_classes).log()).sum())
    return {"counts": counts.long().tolist(), "fractions": p.tolist(), "kl_to_uniform": kl,
            "classes_present": int(nonzero.sum())}


def modes_covered(points: torch.Tensor, centers: torch.Tensor, threshold: float = 0.25,
                  min_fraction: float = 0.01) -> dict:
    """Mode counting for mixtures of well separated Gaussians (e.g. ``ring8``), in the
    spirit of the unrolled-GAN / VEEGAN evaluations: a sample is *high quality* if it lies
    within ``threshold`` of its nearest center (default 0.25 = 5 std of ring8's 0.05);
    a mode is *covered* if at least ``min_fraction`` of all samples are high-quality
    samples assigned to it.

    Returns {"covered", "per_mode" (counts of high-quality samples), "high_quality" (fraction)}.
    """
    points = torch.as_tensor(points).detach().to("cpu", torch.float64)
    centers = torch.as_tensor(centers).detach().to("cpu", torch.float64)
    if points.dim() != 2 or centers.dim() != 2 or points.shape[1] != centers.shape[1]:
        raise ValueError(f"expected points N x D and centers K x D, got {tuple(points.shape)} and {tuple(centers.shape)}.")
    dist = torch.cdist(points, centers)
    nearest, which = dist.min(dim=1)
    good = nearest <= threshold
    per_mode = torch.bincount(which[good], minlength=centers.shape[0])
    needed = max(1, math.ceil(min_fraction * points.shape[0]))
    return {"covered": int((per_mode >= needed).sum()), "per_mode": per_mode.tolist(),
            "high_quality": float(good.double().mean())}


def active_units(model, x: torch.Tensor, threshold: float = 0.01, batch_size: int = 1000):
    """Active latent units (Burda, Grosse & Salakhutdinov 2015, "Importance Weighted
    Autoencoders", Sec. 5.2): unit u is *active* when its posterior mean moves with x,

        A_u = Cov_x( E_{q(z|x)}[z_u] ) > threshold   (0.01 in the paper).

    ``model.encode(x)`` returns ``(mu, logvar)`` (a VAE; E_q[z_u] = mu_u) or the codes
    themselves (a deterministic autoencoder). The variance over the examples of ``x`` is
    the population one (divide by N). Returns ``(count, per_unit)``: the number of
    active units (an int) and the tensor of the z_dim values A_u (on the CPU).
    """
    if threshold < 0:
        raise ValueError(f"threshold must be >= 0 (the paper uses 0.01), got {threshold}.")
    if x.shape[0] < 2:
        raise ValueError(f"need at least 2 examples to measure a variance over x, got {x.shape[0]}.")
    was_training = model.training
    model.eval()  # dropout / batchnorm must not add variance of their own
    means = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch_size):
            out = model.encode(x[start:start + batch_size])
            mu = out[0] if isinstance(out, (tuple, list)) else out
            means.append(mu.reshape(mu.shape[0], -1).double().cpu())
    model.train(was_training)
    per_unit = torch.cat(means).var(dim=0, correction=0)
    return int((per_unit > threshold).sum()), per_unit
