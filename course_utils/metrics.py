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
    pieces = []
    with torch.no_grad() if not torch.is_grad_enabled() else torch.enable_grad():
        for start in range(0, k, chunk):
            pieces.append(model.log_weights(x, min(chunk, k - start)))
    return log_mean_exp(torch.cat(pieces, dim=0), dim=0)


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
