"""Variational autoencoders (Kingma & Welling 2014) with a Bernoulli decoder.

ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z)),  q = N(mu(x), diag sigma^2(x)),
p(z) = N(0, I); the expectation is estimated with one reparameterized sample
z = mu + sigma * eps, eps ~ N(0, I). beta != 1 weights the KL term (beta-VAE).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from course_utils.metrics import kl_to_standard_normal


def check_binary_or_unit(x: torch.Tensor) -> None:
    """Bernoulli likelihoods need targets in [0, 1]; fail with the fix otherwise."""
    lo, hi = float(x.min()), float(x.max())
    if lo < 0 or hi > 1:
        raise ValueError(
            f"expected pixels in [0, 1] (ideally binary), got values in [{lo:g}, {hi:g}]: "
            "divide by 255 or call course_utils.binarize() first."
        )


class VAE(nn.Module):
    """MLP VAE: x_dim -> hidden -> (mu, logvar) in z_dim; z -> hidden -> x_dim logits."""

    def __init__(self, x_dim: int = 784, z_dim: int = 20, hidden: int = 400, beta: float = 1.0):
        super().__init__()
        self.x_dim, self.z_dim, self.beta = x_dim, z_dim, beta
        self.encoder = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, z_dim)
        self.to_logvar = nn.Linear(hidden, z_dim)
        self.decoder = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim))

    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.x_dim:
            raise ValueError(f"expected inputs with {self.x_dim} values each, got {x.shape[1]}.")
        return x

    def encode(self, x: torch.Tensor):
        """q(z|x) as (mu, logvar), each B x z_dim."""
        h = self.encoder(self._flat(x))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of p(x|z), B x x_dim."""
        return self.decoder(z)

    def reparameterize(self, mu, logvar, n: int | None = None):
        std = (0.5 * logvar).exp()
        eps = torch.randn((n, *mu.shape) if n else mu.shape, device=mu.device, dtype=mu.dtype)
        return mu + std * eps

    def log_likelihood(self, x_flat, logits) -> torch.Tensor:
        """log p(x|z) summed over pixels (Bernoulli)."""
        return -F.binary_cross_entropy_with_logits(logits, x_flat.expand_as(logits), reduction="none").sum(-1)

    def elbo_terms(self, x: torch.Tensor):
        """(reconstruction log-likelihood, KL) per example, each a Tensor[B] in nats."""
        check_binary_or_unit(x)
        x = self._flat(x)
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.log_likelihood(x, self.decode(z)), kl_to_standard_normal(mu, logvar)

    def elbo(self, x: torch.Tensor) -> torch.Tensor:
        """The (beta-weighted) ELBO per example in nats: E_q[log p(x|z)] - beta * KL."""
        rec, kl = self.elbo_terms(x)
        return rec - self.beta * kl

    def loss(self, x: torch.Tensor):
        """Mean negative ELBO, plus the two terms for the training history."""
        rec, kl = self.elbo_terms(x)
        return (-(rec - self.beta * kl)).mean(), {"reconstruction": float(-rec.mean()), "kl": float(kl.mean())}

    def log_weights(self, x: torch.Tensor, n: int) -> torch.Tensor:
        """n x B log importance weights log p(x, z) - log q(z|x), z ~ q (for iwae_bound)."""
        check_binary_or_unit(x)
        x = self._flat(x)
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, n)                      # n x B x z_dim
        log_px_z = self.log_likelihood(x, self.decode(z))            # n x B
        log_pz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)
        log_qz = -0.5 * (((z - mu) ** 2) / logvar.exp() + logvar + math.log(2 * math.pi)).sum(-1)
        return log_px_z + log_pz - log_qz

    @torch.no_grad()
    def sample(self, n: int, mean: bool = True) -> torch.Tensor:
        """n images from the prior: decoder means (mean=True) or Bernoulli draws, n x 1 x 28 x 28."""
        device = next(self.parameters()).device
        probs = torch.sigmoid(self.decode(torch.randn(n, self.z_dim, device=device)))
        out = probs if mean else torch.bernoulli(probs)
        side = int(math.isqrt(self.x_dim))
        return out.view(n, 1, side, side) if side * side == self.x_dim else out
