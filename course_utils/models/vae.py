"""Variational autoencoders (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").

All models here share one base class, ``GaussianLatentModel``: a Gaussian posterior
q(z|x) = N(mu(x), diag sigma^2(x)), a standard normal prior p(z) = N(0, I), and a
Bernoulli decoder p(x|z) with one logit per pixel. Subclasses only say how to encode and
decode:

- ``VAE``      MLP encoder and decoder (Kingma & Welling 2014, appendix C); beta != 1 gives
               the beta-VAE of Higgins et al. 2017 (the KL term weighted by beta);
- ``ConvVAE``  strided convolutions down, transposed convolutions up;
- ``CVAE``     both networks also see a one-hot label y (Sohn et al. 2015,
               "Learning Structured Output Representation using Deep Conditional Generative
               Models"), so ``sample(n, labels)`` draws a chosen digit.

The ELBO per example (eq. 3 of Kingma & Welling 2014), in nats:

    ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))  <=  log p(x),

estimated with one reparameterized sample z = mu + sigma * eps, eps ~ N(0, I). The KL is
in closed form by default; ``analytic_kl=False`` uses the single-sample estimate
log q(z|x) - log p(z) instead, which is exactly ``iwae_bound(model, x, k=1)`` for the same
noise. ``log_weights(x, n)`` returns log p(x, z_i) - log q(z_i|x) for n samples, the
protocol ``course_utils.metrics.iwae_bound`` uses (Burda et al. 2015).

Inputs: images B x 1 x 28 x 28 (or B x 784) with values in [0, 1]. Values outside [0, 1]
are an error. Grey values inside (0, 1) are accepted, because the Bernoulli
cross-entropy with soft targets is a common training loss, but then ``elbo`` is *not* a
bound on a normalised log-likelihood: binarize (``course_utils.binarize``) before
reporting NLLs. ``binary_only=True`` makes a model reject grey values too.

``pretrained(name)`` returns a model trained by notebook 04 (shipped in data/checkpoints/
for the cpu profile, else from the local cache): names in ``PRETRAINED``.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from course_utils.metrics import kl_to_standard_normal

LOG_2PI = math.log(2 * math.pi)


def check_binary_or_unit(x: torch.Tensor, binary_only: bool = False) -> None:
    """Bernoulli likelihoods need targets in [0, 1] (in {0, 1} for a true likelihood);
    fail with the fix otherwise."""
    if not torch.is_floating_point(x):
        raise TypeError(f"expected a float tensor of pixel values, got dtype {x.dtype}: use x.float() "
                        "(and divide 0-255 images by 255).")
    if x.numel() == 0:
        raise ValueError("got an empty batch: pass at least one image.")
    if torch.isnan(x).any():
        raise ValueError("the input contains NaN: check the data pipeline before the model.")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0 or hi > 1:
        raise ValueError(
            f"expected pixels in [0, 1] (ideally binary), got values in [{lo:g}, {hi:g}]: "
            "divide by 255 or call course_utils.binarize() first."
        )
    if binary_only and not bool(((x == 0) | (x == 1)).all()):
        raise ValueError(
            "this model needs binary pixels in {0, 1} (a Bernoulli likelihood of grey values is not "
            "a normalised density), got grey values: call course_utils.binarize(x) first."
        )


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over the last dimension."""
    return -0.5 * (z.pow(2) + LOG_2PI).sum(-1)


def log_diag_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)), summed over the last dimension."""
    return -0.5 * ((z - mu).pow(2) / logvar.exp() + logvar + LOG_2PI).sum(-1)


class GaussianLatentModel(nn.Module):
    """What every VAE here shares: reparameterization, ELBO, IWAE weights, sampling.

    Subclasses implement ``_encode(x_flat, y) -> (mu, logvar)`` and
    ``_decode(z, y) -> logits`` (B x x_dim, z may have extra leading dimensions), and set
    ``x_dim``, ``z_dim``, ``beta``. ``y`` is None for unconditional models.
    """

    conditional = False
    x_dim: int
    z_dim: int
    beta: float
    binary_only: bool = False

    # -- construction and checkpoints -----------------------------------------------
    def config(self) -> dict:
        """Constructor arguments, so a checkpoint can rebuild the model (see ``build_model``)."""
        raise NotImplementedError

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    # -- input checks ----------------------------------------------------------------
    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2:
            raise ValueError(f"expected a batch of images B x 1 x 28 x 28 (or B x {self.x_dim}), got shape "
                             f"{tuple(x.shape)}: add a batch dimension with x.unsqueeze(0).")
        flat = x.reshape(x.shape[0], -1)
        if flat.shape[1] != self.x_dim:
            raise ValueError(f"expected inputs with {self.x_dim} values each (e.g. B x 1 x 28 x 28), got shape "
                             f"{tuple(x.shape)}: reshape or crop your images to match.")
        return flat

    def _label(self, y, batch: int):
        """Unconditional models refuse labels; the CVAE overrides this."""
        if y is not None:
            raise TypeError(f"{type(self).__name__} is unconditional and takes no labels: "
                            "use CVAE for class-conditional generation.")
        return None

    def _prepare(self, x: torch.Tensor, y=None):
        check_binary_or_unit(x, self.binary_only)
        x = self._flat(x)
        return x, self._label(y, x.shape[0])

    # -- the model -------------------------------------------------------------------
    def encode(self, x: torch.Tensor, y=None):
        """q(z|x) as (mu, logvar), each B x z_dim."""
        x = self._flat(x)
        return self._encode(x, self._label(y, x.shape[0]))

    def decode(self, z: torch.Tensor, y=None) -> torch.Tensor:
        """Bernoulli logits of p(x|z), B x x_dim (sigmoid gives pixel probabilities)."""
        if z.shape[-1] != self.z_dim:
            raise ValueError(f"expected codes with {self.z_dim} values each, got shape {tuple(z.shape)}.")
        return self._decode(z, self._label(y, z.shape[-2] if z.dim() > 1 else 1))

    @staticmethod
    def reparameterize(mu, logvar, n: int | None = None):
        """z = mu + sigma * eps, eps ~ N(0, I): the sample is a differentiable function of
        (mu, logvar), so gradients flow into the encoder (Kingma & Welling 2014, sec. 2.4)."""
        std = (0.5 * logvar).exp()
        eps = torch.randn((n, *mu.shape) if n else mu.shape, device=mu.device, dtype=mu.dtype)
        return mu + std * eps

    @staticmethod
    def log_likelihood(x_flat, logits) -> torch.Tensor:
        """log p(x|z) summed over pixels (independent Bernoullis given z)."""
        return -F.binary_cross_entropy_with_logits(logits, x_flat.expand_as(logits), reduction="none").sum(-1)

    def elbo_terms(self, x: torch.Tensor, y=None, analytic_kl: bool = True):
        """(reconstruction log-likelihood, KL) per example, each a Tensor[B] in nats.

        analytic_kl=False replaces the closed-form KL by log q(z|x) - log p(z) at the same
        sample z (unbiased, noisier; equal to the k=1 importance weight)."""
        x, y = self._prepare(x, y)
        mu, logvar = self._encode(x, y)
        z = self.reparameterize(mu, logvar)
        rec = self.log_likelihood(x, self._decode(z, y))
        kl = kl_to_standard_normal(mu, logvar) if analytic_kl else \
            log_diag_normal(z, mu, logvar) - log_standard_normal(z)
        return rec, kl

    def elbo(self, x: torch.Tensor, y=None, analytic_kl: bool = True) -> torch.Tensor:
        """The (beta-weighted) ELBO per example in nats: E_q[log p(x|z)] - beta * KL."""
        rec, kl = self.elbo_terms(x, y, analytic_kl)
        return rec - self.beta * kl

    def loss(self, x: torch.Tensor, y=None):
        """Mean negative ELBO, plus the two terms for the training history."""
        rec, kl = self.elbo_terms(x, y)
        return (-(rec - self.beta * kl)).mean(), {"reconstruction": float(-rec.detach().mean()),
                                                  "kl": float(kl.detach().mean())}

    def log_weights(self, x: torch.Tensor, n: int, y=None) -> torch.Tensor:
        """n x B log importance weights log p(x, z) - log q(z|x), z ~ q (for iwae_bound).

        They ignore beta: importance weights estimate log p(x), which has no beta."""
        x, y = self._prepare(x, y)
        mu, logvar = self._encode(x, y)
        z = self.reparameterize(mu, logvar, n)                      # n x B x z_dim
        log_px_z = self.log_likelihood(x, self._decode(z, y))        # n x B
        return log_px_z + log_standard_normal(z) - log_diag_normal(z, mu, logvar)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y=None, mean: bool = True) -> torch.Tensor:
        """Decoder probabilities at the posterior mean code, shaped like x."""
        x_flat, y = self._prepare(x, y)
        mu, _ = self._encode(x_flat, y)
        return torch.sigmoid(self._decode(mu, y)).view_as(x)

    def _as_images(self, out: torch.Tensor) -> torch.Tensor:
        side = math.isqrt(self.x_dim)
        return out.view(-1, 1, side, side) if side * side == self.x_dim else out

    @torch.no_grad()
    def sample(self, n: int, mean: bool = True, y=None) -> torch.Tensor:
        """n images from the prior: decoder means (mean=True) or Bernoulli draws, n x 1 x 28 x 28."""
        if n < 1:
            raise ValueError(f"n must be a positive number of samples, got {n}.")
        z = torch.randn(n, self.z_dim, device=self.device, dtype=self.dtype)
        probs = torch.sigmoid(self._decode(z, self._label(y, n)))
        return self._as_images(probs if mean else torch.bernoulli(probs))


class VAE(GaussianLatentModel):
    """MLP VAE: x_dim -> hidden -> (mu, logvar) in z_dim; z -> hidden -> x_dim logits.

    ``beta`` weights the KL term of the training loss (beta-VAE, Higgins et al. 2017)."""

    def __init__(self, x_dim: int = 784, z_dim: int = 20, hidden: int = 400, beta: float = 1.0,
                 binary_only: bool = False):
        super().__init__()
        self.x_dim, self.z_dim, self.hidden, self.beta, self.binary_only = x_dim, z_dim, hidden, beta, binary_only
        self.encoder = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, z_dim)
        self.to_logvar = nn.Linear(hidden, z_dim)
        self.decoder = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim))

    def config(self) -> dict:
        return {"class": "VAE", "x_dim": self.x_dim, "z_dim": self.z_dim, "hidden": self.hidden, "beta": self.beta}

    def _encode(self, x, y):
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def _decode(self, z, y):
        return self.decoder(z)


class CVAE(VAE):
    """Conditional VAE: the MLP VAE with a one-hot label appended to the encoder input and
    to the code given to the decoder, so q(z|x, y) and p(x|z, y); p(z) stays N(0, I).

    Labels are int64 class indices (B,) or one-hot rows (B x n_classes)."""

    conditional = True

    def __init__(self, z_dim: int = 20, n_classes: int = 10, x_dim: int = 784, hidden: int = 400,
                 beta: float = 1.0, binary_only: bool = False):
        self.n_classes = n_classes
        super().__init__(x_dim, z_dim, hidden, beta, binary_only)
        # Same layer names as VAE, wider inputs: [x, onehot(y)] and [z, onehot(y)].
        self.encoder = nn.Sequential(nn.Linear(x_dim + n_classes, hidden), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(z_dim + n_classes, hidden), nn.ReLU(), nn.Linear(hidden, x_dim))

    def config(self) -> dict:
        return {**super().config(), "class": "CVAE", "n_classes": self.n_classes}

    def _label(self, y, batch: int):
        if y is None:
            raise TypeError("CVAE needs the labels too: call e.g. cvae.elbo(x, y) or cvae.sample(n, labels).")
        y = torch.as_tensor(y, device=self.device)
        if y.dim() == 0:  # one label for the whole batch
            y = y.expand(batch)
        if y.dim() == 1:
            if torch.is_floating_point(y):
                raise TypeError(f"labels must be integer class indices (dtype long), got {y.dtype}: use y.long().")
            if y.numel() and (int(y.min()) < 0 or int(y.max()) >= self.n_classes):
                raise ValueError(f"labels must lie in 0..{self.n_classes - 1}, got values in "
                                 f"[{int(y.min())}, {int(y.max())}].")
            y = F.one_hot(y, self.n_classes)
        if y.dim() != 2 or y.shape[1] != self.n_classes:
            raise ValueError(f"labels must be class indices (B,) or one-hot (B x {self.n_classes}), "
                             f"got shape {tuple(y.shape)}.")
        if y.shape[0] != batch:
            raise ValueError(f"got {y.shape[0]} labels for {batch} images: pass one label per image.")
        return y.to(self.dtype)

    def _encode(self, x, y):
        h = self.encoder(torch.cat([x, y], dim=-1))
        return self.to_mu(h), self.to_logvar(h)

    def _decode(self, z, y):
        return self.decoder(torch.cat([z, y.expand(*z.shape[:-1], y.shape[-1])], dim=-1))

    def sample(self, n: int, labels=None, mean: bool = True) -> torch.Tensor:  # labels come second here
        """n images of the given labels (a class index or one per sample), n x 1 x 28 x 28."""
        return super().sample(n, mean=mean, y=labels)

    def given(self, y) -> _Conditioned:
        """A view with the labels fixed, for functions that only pass x (e.g. iwae_bound)."""
        return _Conditioned(self, y)


class _Conditioned:
    """A CVAE with its labels fixed: ``log_weights(x, n)`` and ``elbo(x)`` as for a VAE."""

    def __init__(self, model: CVAE, y):
        self.model, self.y = model, y

    def log_weights(self, x, n):
        return self.model.log_weights(x, n, self.y)

    def elbo(self, x, analytic_kl: bool = True):
        return self.model.elbo(x, self.y, analytic_kl)


class ConvVAE(GaussianLatentModel):
    """Convolutional VAE for 28 x 28 images.

    encoder: conv 4x4/2 (1 -> c, 14 x 14) -> conv 4x4/2 (c -> 2c, 7 x 7) -> linear -> (mu, logvar);
    decoder: linear -> 2c x 7 x 7 -> transposed conv (14 x 14) -> transposed conv (28 x 28 logits).
    Weight sharing over positions gives far fewer parameters than the MLP VAE."""

    def __init__(self, z_dim: int = 20, channels: int = 32, beta: float = 1.0, binary_only: bool = False):
        super().__init__()
        self.x_dim, self.z_dim, self.channels, self.beta, self.binary_only = 784, z_dim, channels, beta, binary_only
        c = channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
        )
        self.to_mu = nn.Linear(2 * c * 49, z_dim)
        self.to_logvar = nn.Linear(2 * c * 49, z_dim)
        self.from_z = nn.Sequential(nn.Linear(z_dim, 2 * c * 49), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1),
        )

    def config(self) -> dict:
        return {"class": "ConvVAE", "z_dim": self.z_dim, "channels": self.channels, "beta": self.beta}

    def _encode(self, x, y):
        h = self.encoder(x.view(-1, 1, 28, 28))
        return self.to_mu(h), self.to_logvar(h)

    def _decode(self, z, y):
        lead = z.shape[:-1]  # e.g. n x B for importance samples
        h = self.from_z(z.reshape(-1, self.z_dim)).view(-1, 2 * self.channels, 7, 7)
        return self.decoder(h).view(*lead, self.x_dim)


class LinearGaussianLVM(nn.Module):
    """A latent variable model whose log p(x) is exact, for testing bounds.

    p(z) = N(0, I_d), p(x|z) = N(W z + b, s^2 I_D)  =>  p(x) = N(b, W W^T + s^2 I_D)
    (probabilistic PCA, Tipping & Bishop 1999). The posterior p(z|x) is Gaussian too; q(z|x)
    is a deliberately *imperfect* Gaussian (the exact posterior with its mean shifted by
    ``q_shift`` and its variance scaled by ``q_scale``), so the ELBO is strictly below
    log p(x). Same protocol as the VAEs: ``elbo(x)``, ``log_weights(x, n)``, ``log_prob(x)``."""

    def __init__(self, W: torch.Tensor, b: torch.Tensor, noise_std: float, q_shift: float = 0.5,
                 q_scale: float = 2.0):
        super().__init__()
        self.register_buffer("W", W.double())
        self.register_buffer("b", b.double())
        self.noise_std, self.q_shift, self.q_scale = noise_std, q_shift, q_scale

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        cov = self.W @ self.W.T + self.noise_std ** 2 * torch.eye(self.W.shape[0], dtype=self.W.dtype)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x.double())

    def posterior(self, x: torch.Tensor):
        """Exact p(z|x) = N(M^-1 W^T (x - b) / s^2, M^-1) with M = I + W^T W / s^2."""
        s2 = self.noise_std ** 2
        M = torch.eye(self.W.shape[1], dtype=self.W.dtype) + self.W.T @ self.W / s2
        cov = torch.linalg.inv(M)
        mean = (x.double() - self.b) @ self.W @ cov.T / s2
        return mean, cov

    def q(self, x: torch.Tensor):
        mean, cov = self.posterior(x)
        return torch.distributions.MultivariateNormal(mean + self.q_shift, cov * self.q_scale)

    def log_joint(self, x, z):
        prior = -0.5 * (z.pow(2) + LOG_2PI).sum(-1)
        resid = x.double() - (z @ self.W.T + self.b)
        lik = (-0.5 * (resid / self.noise_std).pow(2) - math.log(self.noise_std) - 0.5 * LOG_2PI).sum(-1)
        return prior + lik

    def log_weights(self, x: torch.Tensor, n: int) -> torch.Tensor:
        q = self.q(x)
        z = q.rsample((n,))                                          # n x B x d
        return self.log_joint(x, z) - q.log_prob(z)

    def elbo(self, x: torch.Tensor) -> torch.Tensor:
        """One-sample ELBO estimate, the same noise stream as log_weights(x, 1)."""
        return self.log_weights(x, 1)[0]


# ---------------------------------------------------------------------------
# Pretrained models for demos (trained by notebook 04)
# ---------------------------------------------------------------------------
MODEL_CLASSES = {"VAE": VAE, "CVAE": CVAE, "ConvVAE": ConvVAE}
PRETRAINED = {
    "vae_z20": "MLP VAE, 20-D latent, Bernoulli decoder (the notebook's main model)",
    "vae_z2": "MLP VAE, 2-D latent (for the latent manifold and scatter)",
    "cvae": "conditional MLP VAE (label-conditioned encoder and decoder)",
    "conv_vae": "convolutional VAE, 20-D latent",
}


def build_model(config: dict) -> GaussianLatentModel:
    """A fresh model from a checkpoint config holding ``{"model": model.config(), ...}``."""
    spec = dict(config.get("model", config))
    name = spec.pop("class", None)
    if name not in MODEL_CLASSES:
        raise ValueError(f"unknown model class {name!r} in the config: expected one of {list(MODEL_CLASSES)}.")
    return MODEL_CLASSES[name](**spec)


def pretrained(name: str, device=None) -> GaussianLatentModel:
    """The model notebook 04 trained under ``name`` (see PRETRAINED), in eval mode.

    Looks in data/checkpoints/ (shipped, cpu profile) first, then in the local cache (what
    your own runs of notebook 04 trained; the newest wins). Weights are loaded through
    ``load_checkpoint`` (sha256 check, weights_only=True)."""
    from course_utils.train import SHIPPED_CHECKPOINTS, CheckpointError, cache_dir, load_checkpoint

    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}: choose one of {', '.join(PRETRAINED)}.")
    for directory in (SHIPPED_CHECKPOINTS, cache_dir() / "checkpoints"):
        found = sorted(Path(directory).glob(f"{name}-*.pt"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in found:
            config = json.loads(path.with_suffix(".json").read_text())["config"]
            model = build_model(config)
            load_checkpoint(model, path, config)
            return model.to(device if device is not None else "cpu").eval()
    raise CheckpointError(f"no checkpoint named {name!r} in {SHIPPED_CHECKPOINTS} or the cache: "
                          "run notebooks/04_variational_autoencoders.ipynb once to train it.")


# ---------------------------------------------------------------------------
# Two gradient estimators for d/d(mu, logvar) E_{z ~ N(mu, diag exp(logvar))}[f(z)]
# ---------------------------------------------------------------------------
def reparameterized_gradients(f, mu: torch.Tensor, logvar: torch.Tensor, n: int):
    """n single-sample *pathwise* estimates (Kingma & Welling 2014, sec. 2.4):
    z = mu + exp(logvar / 2) * eps, gradient of f(z) through z. f maps n x d -> n.
    Returns (grad_mu, grad_logvar), each n x d (one row per sample: average for the estimate)."""
    mu_n = mu.detach().expand(n, -1).clone().requires_grad_(True)
    logvar_n = logvar.detach().expand(n, -1).clone().requires_grad_(True)
    z = mu_n + (0.5 * logvar_n).exp() * torch.randn_like(mu_n)
    # Row i of z depends only on row i of the leaves, so one backward gives per-sample grads.
    g_mu, g_logvar = torch.autograd.grad(f(z).sum(), (mu_n, logvar_n))
    return g_mu, g_logvar


def score_function_gradients(f, mu: torch.Tensor, logvar: torch.Tensor, n: int, baseline: float = 0.0):
    """n single-sample REINFORCE / score-function estimates (Williams 1992):
    (f(z) - b) * grad log q(z), z ~ q, using only values of f (no gradient of f).
    For a diagonal Gaussian: d log q/d mu = (z - mu) / var, d log q/d logvar = ((z - mu)^2 / var - 1) / 2.
    A constant baseline b keeps it unbiased (E[grad log q] = 0) and can lower its variance."""
    mu, logvar = mu.detach(), logvar.detach()
    var = logvar.exp()
    z = mu + var.sqrt() * torch.randn(n, *mu.shape[-1:], dtype=mu.dtype, device=mu.device)
    with torch.no_grad():
        weight = (f(z) - baseline).unsqueeze(-1)
    return weight * (z - mu) / var, weight * 0.5 * ((z - mu).pow(2) / var - 1)
