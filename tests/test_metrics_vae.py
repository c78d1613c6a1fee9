"""The maths behind VAE evaluation: closed-form KL, log-mean-exp, the IWAE bound on a
model whose log p(x) is exact, and bits/dim."""
import math

import pytest
import torch

from course_utils.metrics import bits_per_dim, iwae_bound, kl_to_standard_normal, log_mean_exp
from course_utils.models.vae import LinearGaussianLVM


def test_closed_form_kl_matches_monte_carlo_within_standard_error():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(4, 3, generator=g, dtype=torch.float64)
    logvar = torch.randn(4, 3, generator=g, dtype=torch.float64)
    n = 200_000
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    z = q.sample((n,))
    log_ratio = (q.log_prob(z) - torch.distributions.Normal(0.0, 1.0).log_prob(z)).sum(-1)  # n x 4
    mc, se = log_ratio.mean(0), log_ratio.std(0) / math.sqrt(n)
    closed = kl_to_standard_normal(mu, logvar)
    assert torch.all((closed - mc).abs() < 5 * se), (closed, mc, se)
    # and it is a divergence: zero exactly at q = p, positive elsewhere
    assert kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3)).abs().max() == 0
    assert torch.all(closed > 0)


def test_kl_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(2, 4))


def test_log_mean_exp_is_stable_and_correct():
    v = torch.tensor([[1000.0, 1000.0 + math.log(3.0)]])
    assert torch.isclose(log_mean_exp(v, dim=1), torch.tensor([1000.0 + math.log(2.0)]))
    small = torch.randn(5, 7, dtype=torch.float64)
    assert torch.allclose(log_mean_exp(small, 0), small.exp().mean(0).log())


def _linear_gaussian(seed=0, q_shift=0.5, q_scale=2.0):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(5, 2, generator=g, dtype=torch.float64)
    b = torch.randn(5, generator=g, dtype=torch.float64)
    model = LinearGaussianLVM(W, b, noise_std=0.7, q_shift=q_shift, q_scale=q_scale)
    z = torch.randn(16, 2, generator=g, dtype=torch.float64)
    x = z @ W.T + b + 0.7 * torch.randn(16, 5, generator=g, dtype=torch.float64)
    return model, x


def test_linear_gaussian_posterior_is_exact():
    # With q = exact posterior, every importance weight equals p(x): IWAE_1 = log p(x) exactly.
    model, x = _linear_gaussian(q_shift=0.0, q_scale=1.0)
    torch.manual_seed(0)
    assert torch.allclose(model.log_weights(x, 3), model.log_prob(x).expand(3, -1), atol=1e-9)


def test_elbo_below_log_px_and_iwae_increases_towards_it():
    model, x = _linear_gaussian()
    log_px = model.log_prob(x)
    torch.manual_seed(0)
    reps = 100
    elbo = torch.stack([model.elbo(x) for _ in range(reps)]).mean(0)  # expected ELBO per example
    # Expected ELBO is below log p(x) by KL(q || posterior) > 0, for every example.
    assert torch.all(elbo < log_px - 0.05)
    ks = (1, 4, 16, 64, 256)
    means = [torch.stack([iwae_bound(model, x, k) for _ in range(reps // 4)]).mean() for k in ks]
    gaps = [float(log_px.mean() - m) for m in means]
    # Non-decreasing in k (Burda et al. 2015, thm 1), up to Monte Carlo noise, and closing.
    assert all(a >= b - 0.02 for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[0] > 0.3 and gaps[-1] < 0.1 * gaps[0], gaps
    assert gaps[-1] > -0.02  # still a lower bound in expectation


def test_elbo_and_iwae_k1_agree_for_the_same_noise():
    model, x = _linear_gaussian()
    torch.manual_seed(3)
    a = model.elbo(x)
    torch.manual_seed(3)
    b = iwae_bound(model, x, 1)
    assert torch.allclose(a, b)
    with pytest.raises(ValueError, match="k must be"):
        iwae_bound(model, x, 0)


def test_bits_per_dim():
    assert bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        bits_per_dim(1.0, 0)
