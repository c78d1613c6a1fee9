# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/04_variational_autoencoders.ipynb)
#
# # 04 · Variational autoencoders
#
# An autoencoder compresses digits but cannot generate them, and cannot say how likely a digit
# is. A **variational autoencoder** (VAE) fixes both by turning the decoder into a probabilistic
# generator $p_\theta(x\mid z)$ fed with Gaussian noise $z$, and by training it with a lower
# bound on $\log p_\theta(x)$.
#
# **You will see**
# - generators that turn simple noise into structured data (an affine map, a ring);
# - why the obvious Monte Carlo estimate of $p(x)$ fails, measured on a trained VAE;
# - Jensen's inequality and the evidence lower bound (ELBO); $\mathrm{KL}(q\|p)$ vs $\mathrm{KL}(p\|q)$;
# - REINFORCE vs the reparameterization trick: gradient variance, measured;
# - an MLP VAE on binarized MNIST: curves, reconstructions, samples, a 2-D latent space;
# - importance-weighted bounds (IWAE) closing the gap to $\log p(x)$, and the amortization gap;
# - β-VAE (rate vs distortion), a conditional VAE that draws a chosen digit, a convolutional VAE.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Setup
# On Colab the next cell installs `course_utils`; on your own machine `make lab` already did.

# %% tags=["setup"]
import subprocess
import sys

if "google.colab" in sys.modules:  # install the helper package only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "git+https://github.com/dgm-course/deep-generative-models"], check=True)

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

import course_utils as cu
from course_utils import exercises, metrics, plotting
from course_utils.models import vae as vae_lib
from course_utils.train import fit, train_or_load

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Inputs
# Every size below comes from the profile (`course_utils/settings.py`, section `04 VAEs`).

# %%
EPOCHS = {"vae_z20": P.vae_epochs, "vae_z2": P.vae2d_epochs, "cvae": P.cvae_epochs,
          "conv_vae": P.conv_vae_epochs}
BETAS = P.betas                      # beta-VAE weights of the KL term
IWAE_KS = P.iwae_ks                  # numbers of importance samples k
print(f"epochs {EPOCHS}, beta-VAE epochs {P.beta_vae_epochs}, betas {BETAS}")
print(f"IWAE k in {IWAE_KS} on {P.iwae_examples} test digits; {P.naive_mc_samples} prior samples for naive MC")

x_train, y_train = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
SOURCE = cu.data.source_in_use()
# Fixed-threshold binarization: the Bernoulli decoder then gives a true likelihood, and NLLs
# are comparable between runs and models.
x_train, y_train = cu.binarize(x_train[:P.vae_train_size]), y_train[:P.vae_train_size]
x_test, y_test = cu.binarize(x_test[:P.max_test]), y_test[:P.max_test]
print(f"{SOURCE} MNIST: train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, binary pixels")
assert set(x_train.unique().tolist()) == {0.0, 1.0}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. A generator turns noise into data
# A generative model can be a *differentiable function* $x = g(z)$ of noise $z \sim \mathcal N(0, I)$.
# The simplest one is affine: with the Cholesky factor $L$ of a covariance ($\Sigma = L L^\top$),
#
# $$x = \mu + L z \quad\Rightarrow\quad \mathbb E[x] = \mu,\;\; \mathrm{Cov}[x] = L\,\mathrm{Cov}[z]\,L^\top = \Sigma .$$
#
# A non-linear $g$ bends the noise: $f(z) = z/10 + z/\lVert z\rVert$ pushes every point of a
# round Gaussian blob out to a ring of radius about 1.

# %%
gen = cu.seed_everything(0)
mu = torch.tensor([1.0, -2.0])
Sigma = torch.tensor([[2.0, 1.2], [1.2, 1.0]])
L = torch.linalg.cholesky(Sigma)
z = torch.randn(20000, 2, generator=gen)
x_affine = mu + z @ L.T
cov_hat = torch.cov(x_affine.T)
ring = z / 10 + z / z.norm(dim=1, keepdim=True)
print("L =", L.numpy().round(3).tolist())
print("sample covariance =", cov_hat.numpy().round(3).tolist(), " target Sigma =", Sigma.tolist())
radius = ring.norm(dim=1)
print(f"ring radius: mean {radius.mean():.3f}, 1st-99th percentile "
      f"[{radius.quantile(0.01):.3f}, {radius.quantile(0.99):.3f}]")
assert torch.allclose(L @ L.T, Sigma, atol=1e-6)
assert torch.allclose(cov_hat, Sigma, atol=0.1) and torch.allclose(x_affine.mean(0), mu, atol=0.05)
assert radius.min() >= 1.0 and radius.quantile(0.99) < 1.4  # |f(z)| = 1 + |z|/10

fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
for ax, pts, title in zip(axes, (z, x_affine, ring), (r"noise $z \sim \mathcal{N}(0, I)$",
                                                      r"affine: $x = \mu + Lz$",
                                                      r"ring: $f(z) = z/10 + z/\|z\|$")):
    ax.scatter(pts[:2000, 0], pts[:2000, 1], s=2, alpha=0.5)
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal", adjustable="datalim")
fig.suptitle("A differentiable generator shapes simple noise")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Latent variable models
# A latent variable model says how data is *generated*:
#
# 1. draw a code $z \sim p(z) = \mathcal N(0, I)$ (the prior);
# 2. draw the image $x \sim p_\theta(x\mid z)$: here 784 independent Bernoulli pixels whose
#    probabilities are the decoder network's output $\sigma(\mathrm{decoder}_\theta(z))$.
#
# The model's density of an image is the marginal $p_\theta(x) = \int p_\theta(x\mid z)\,p(z)\,dz$:
# easy to sample, hard to evaluate. Learning needs $\log p_\theta(x)$, and the posterior
# $p_\theta(z\mid x) = p_\theta(x\mid z)p(z)/p_\theta(x)$ tells which codes explain a given image.
#
# ### The models of this notebook
# We train (or load, when a checkpoint with the same configuration exists) four models first,
# so that every later section is instant. `train_or_load` keys each checkpoint by its full
# configuration: model, epochs, data source and size.

# %%
def train_vae(name, model, epochs, conditional=False, lr=1e-3):
    """Train (or load) one VAE; returns the model and its metrics (with the training curves)."""
    config = {"model": model.config(), "epochs": epochs, "batch_size": P.batch_size, "lr": lr,
              "n_train": len(x_train), "binarize": "fixed", "data_source": SOURCE, "seed": 0}

    def test_metrics(m):
        args = (x_test, y_test) if conditional else (x_test,)
        rec, kl = m.elbo_terms(*args)
        return {"test ELBO": (rec - kl).mean(), "test reconstruction": -rec.mean(), "test KL": kl.mean()}

    def train_fn(m):
        gen = cu.seed_everything(0)
        loss = (lambda m, b: m.loss(*b)) if conditional else (lambda m, b: m.loss(b))
        history = fit(m, loss, x_train, y_train if conditional else None, epochs=epochs,
                      batch_size=P.batch_size, lr=lr, generator=gen, eval_fn=test_metrics, desc=name)
        return {"history": history.epochs, "seconds": history.seconds,
                "test_elbo": history["test ELBO"][-1] if epochs else None}

    cu.seed_everything(0)
    model, info, trained = train_or_load(name, config, train_fn, model.to(DEVICE))
    print(f"{name}: {'trained' if trained else 'loaded'}; test ELBO {info['test_elbo']:.1f} nats")
    return model, info


vae20, vae20_info = train_vae("vae_z20", vae_lib.VAE(z_dim=20, hidden=400), EPOCHS["vae_z20"])
vae2, vae2_info = train_vae("vae_z2", vae_lib.VAE(z_dim=2, hidden=256), EPOCHS["vae_z2"])
cvae, cvae_info = train_vae("cvae", vae_lib.CVAE(z_dim=2, hidden=256), EPOCHS["cvae"], conditional=True)
conv_vae, conv_info = train_vae("conv_vae", vae_lib.ConvVAE(z_dim=20, channels=16), EPOCHS["conv_vae"], lr=2e-3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Why not estimate $p(x)$ by sampling the prior?
# $p(x) = \mathbb E_{z\sim p(z)}[p(x\mid z)]$ is an expectation, so the plain Monte Carlo estimate
# $\hat p(x) = \frac1N\sum_i p(x\mid z_i)$ with $z_i \sim p(z)$ is unbiased. It is useless in
# practice: for a given digit almost every prior code decodes to a *different* digit, so
# $p(x\mid z_i)$ is astronomically small except for a tiny region of codes that the prior
# almost never visits. The estimate is then dominated by one or two lucky samples.
#
# The **effective sample size** of weights $w_i$, $\mathrm{ESS} = (\sum_i w_i)^2 / \sum_i w_i^2$,
# says how many samples really count. Below, we compare it with importance sampling from the
# encoder's $q(z\mid x)$, which concentrates on the right codes (section 9). Its weights are
# uneven too in 20 dimensions (a small ESS as well), but it lands tens of nats higher, in the
# right place.

# %%
torch.manual_seed(0)
x0 = x_test[:1]
N = P.naive_mc_samples


def ess(log_w):
    """Effective sample size (sum w)^2 / sum w^2, computed from log weights."""
    return float((2 * torch.logsumexp(log_w, 0) - torch.logsumexp(2 * log_w, 0)).exp())


with torch.no_grad():
    z_prior = torch.randn(N, vae20.z_dim, device=DEVICE)
    log_px_z = vae20.log_likelihood(x0.flatten(1), vae20.decode(z_prior))  # log p(x|z_i), N values
    naive = metrics.log_mean_exp(log_px_z)
    repeats = metrics.log_mean_exp(log_px_z.view(20, -1), dim=1)      # 20 independent estimates, N/20 each
    log_w_q = vae20.log_weights(x0, N)[:, 0]                           # importance weights with q(z|x)
    log_px_is = metrics.log_mean_exp(log_w_q)
    mu0, logvar0 = vae20.encode(x0)
    z_post = vae20.reparameterize(mu0, logvar0, 2000)[:, 0]
    log_px_z_post = vae20.log_likelihood(x0.flatten(1), vae20.decode(z_post))

ess_prior, ess_q = ess(log_px_z), ess(log_w_q)
print(f"naive estimate   log p(x) ~ {naive:8.1f} nats  (ESS {ess_prior:6.2f} of {N} prior samples)")
print(f"20 repeats with {N // 20} samples each: {repeats.min():.1f} ... {repeats.max():.1f} "
      f"(std {repeats.std():.1f} nats)")
print(f"importance sampling with q(z|x): log p(x) ~ {log_px_is:8.1f} nats  (ESS {ess_q:7.1f} of {N})")
print(f"the largest prior weight carries {float((log_px_z.max() - torch.logsumexp(log_px_z, 0)).exp()):.0%} "
      "of the total")
assert ess_prior < 0.05 * N, "a few prior samples carry all the weight"
assert ess_q > ess_prior
assert naive < log_px_is - 5, "the naive estimate has not found the codes that explain x yet"
assert repeats.std() > 1, "independent naive estimates disagree by nats"

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [2, 1]})
axes[0].hist(log_px_z.cpu().numpy(), bins=60, alpha=0.7, density=True, label="z from the prior p(z)")
axes[0].hist(log_px_z_post.cpu().numpy(), bins=20, alpha=0.7, density=True, label="z from the encoder q(z|x)")
axes[0].set_yscale("log")
axes[0].axvline(float(log_px_is), color="k", ls="--", label="log p(x) (importance sampling)")
axes[0].set_xlabel(r"$\log p(x\mid z)$ (nats)")
axes[0].set_ylabel("density (log scale)")
axes[0].set_title("How well do codes explain one test digit?")
axes[0].legend(fontsize=8)
axes[1].imshow(x0[0, 0].cpu(), cmap="gray")
axes[1].set_title("the digit x")
axes[1].axis("off")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Jensen's inequality and the ELBO
# For a concave function like $\log$, $\log \mathbb E[w] \ge \mathbb E[\log w]$ (Jensen). Write
# $p(x)$ as an expectation under any $q(z\mid x)$ and move the log inside:
#
# $$\log p(x) = \log \mathbb E_{q(z|x)}\Big[\frac{p(x\mid z)p(z)}{q(z\mid x)}\Big]
#   \;\ge\; \mathbb E_{q(z|x)}\big[\log p(x\mid z)\big] - \mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)
#   = \mathrm{ELBO}(x).$$
#
# The first term rewards codes that reconstruct $x$; the KL term keeps $q$ close to the prior.
# The gap is exactly $\log p(x) - \mathrm{ELBO}(x) = \mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))$, so
# maximising the ELBO over $q$ pulls $q$ towards the true posterior. Check Jensen on the weights
# of section 3 (same digit, $q$ = encoder):

# %%
mean_log_w = float(log_w_q.mean())
print(f"log E[w] = {float(log_px_is):.2f}  >=  E[log w] = {mean_log_w:.2f}  (the ELBO of this digit); "
      f"gap {float(log_px_is) - mean_log_w:.2f} nats")
with torch.no_grad():
    rec0, kl0 = vae20.elbo_terms(x0)
print(f"ELBO terms of one sample: reconstruction {float(rec0):.1f}, KL {float(kl0):.1f}")
assert float(log_px_is) >= mean_log_w

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: the reparameterization trick
# Write `reparameterize(mu, logvar, eps)`: the sample $z = \mu + \sigma \odot \epsilon$ of
# $\mathcal N(\mu, \mathrm{diag}\,\sigma^2)$ with $\log\sigma^2$ = `logvar`, given the noise $\epsilon$.

# %% tags=["exercise"]
import torch


def reparameterize(mu, logvar, eps):
    # BEGIN SOLUTION
    return mu + torch.exp(0.5 * logvar) * eps
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function

check_function(reparameterize, lambda m, lv, e: m + lv.exp().sqrt() * e,
               lambda g: tuple(torch.randn(4, 3, generator=g) for _ in range(3)), name="reparameterize")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: the KL term in closed form
# For $q = \mathcal N(\mu, \mathrm{diag}\,\sigma^2)$ and $p = \mathcal N(0, I)$,
# $\mathrm{KL}(q\|p) = \tfrac12 \sum_j \big(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2\big)$.
# Write `kl_closed_form(mu, logvar)` returning one value per row.

# %% tags=["exercise"]
import torch


def kl_closed_form(mu, logvar):
    # BEGIN SOLUTION
    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(dim=-1)
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function


def kl_by_monte_carlo_reference(mu, logvar):
    q = torch.distributions.Normal(mu.double(), (0.5 * logvar.double()).exp())
    return torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1)


check_function(kl_closed_form, kl_by_monte_carlo_reference,
               lambda g: (torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)), name="kl_closed_form")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3: the ELBO of a Bernoulli decoder
# Given binary images `x` (B × 784), decoder logits `logits` (B × 784) for one sample
# $z \sim q(z\mid x)$, and the encoder output `mu`, `logvar` (B × d), return the one-sample ELBO
# per image: $\sum_i [x_i \log \sigma(\ell_i) + (1 - x_i)\log(1 - \sigma(\ell_i))] - \mathrm{KL}$.
# Hint: `torch.nn.functional.binary_cross_entropy_with_logits` is the *negative* log-likelihood.

# %% tags=["exercise"]
import torch
import torch.nn.functional as F


def bernoulli_elbo(x, logits, mu, logvar):
    # BEGIN SOLUTION
    log_lik = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)
    kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(-1)
    return log_lik - kl
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function


def bernoulli_elbo_reference(x, logits, mu, logvar):
    p = torch.sigmoid(logits.double())
    log_lik = (x * p.log() + (1 - x) * (1 - p).log()).sum(-1)
    return log_lik - 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(-1)


check_function(bernoulli_elbo, bernoulli_elbo_reference,
               lambda g: ((torch.rand(3, 784, generator=g) > 0.5).float(), torch.randn(3, 784, generator=g),
                          torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g)),
               name="bernoulli_elbo", atol=1e-3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. KL(q‖p) or KL(p‖q)?
# The KL divergence is not symmetric, and which way round we fit matters. Fit one Gaussian $q$
# to a two-mode mixture $p$ both ways:
#
# - **forward** $\mathrm{KL}(p\|q) = \mathbb E_p[\log p - \log q]$ is huge wherever $p$ has mass
#   and $q$ has none, so $q$ *covers* both modes (it matches the mean and variance of $p$);
# - **reverse** $\mathrm{KL}(q\|p) = \mathbb E_q[\log q - \log p]$ is huge wherever $q$ has mass
#   and $p$ has none, so $q$ *locks onto one mode*. The ELBO uses this direction,
#   $\mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))$, so VAE posteriors tend to under-cover.

# %%
MIX = dict(weights=(0.4, 0.6), means=(-2.0, 2.0), stds=(0.6, 0.6))
grid = torch.linspace(-7, 7, 1401, dtype=torch.float64)
dx = float(grid[1] - grid[0])
log_p = cu.data.gaussian_mixture_1d_log_prob(grid, **MIX)


def fit_gaussian(direction, mu0=0.5, log_sd0=0.0, steps=400):
    """Minimise KL between the mixture and N(mu, sd^2) on a grid (numerical integration)."""
    params = torch.tensor([mu0, log_sd0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([params], lr=0.05)
    for _ in range(steps):
        log_q = -0.5 * ((grid - params[0]) / params[1].exp()) ** 2 - params[1] - 0.5 * math.log(2 * math.pi)
        if direction == "forward":
            kl = (log_p.exp() * (log_p - log_q)).sum() * dx
        else:
            kl = (log_q.exp() * (log_q - log_p)).sum() * dx
        opt.zero_grad()
        kl.backward()
        opt.step()
    mu_fit, log_sd_fit = params.detach().tolist()
    return mu_fit, math.exp(log_sd_fit), kl.item()


w = torch.tensor(MIX["weights"], dtype=torch.float64)
m, s = torch.tensor(MIX["means"], dtype=torch.float64), torch.tensor(MIX["stds"], dtype=torch.float64)
p_mean = float((w * m).sum())
p_sd = float(((w * (s ** 2 + m ** 2)).sum() - p_mean ** 2).sqrt())
fits = {d: fit_gaussian(d) for d in ("forward", "reverse")}
for d, (mq, sq, kl) in fits.items():
    print(f"{d:7s} KL: q = N({mq:+.2f}, {sq:.2f}^2), KL = {kl:.3f} nats")
print(f"mixture mean {p_mean:+.2f}, sd {p_sd:.2f}")
assert abs(fits["forward"][0] - p_mean) < 0.05 and abs(fits["forward"][1] - p_sd) < 0.05  # moment matching
assert abs(fits["reverse"][0] - 2.0) < 0.2 and fits["reverse"][1] < 0.8  # one mode only

fig, ax = plt.subplots(figsize=(7, 3.2))
ax.fill_between(grid, log_p.exp(), alpha=0.3, color="gray", label="p: two-mode mixture")
for (d, (mq, sq, _)), style in zip(fits.items(), ("-", "--")):
    label = r"argmin KL(p‖q): covers the modes" if d == "forward" else r"argmin KL(q‖p): picks one mode"
    ax.plot(grid, torch.distributions.Normal(mq, sq).log_prob(grid).exp(), style, lw=2, label=label)
ax.set_xlabel("x")
ax.set_ylabel("density")
ax.set_title("Fitting one Gaussian to two modes, both ways")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Gradients through a sample: REINFORCE vs reparameterization
# Training needs $\nabla_\phi \mathbb E_{q_\phi(z)}[f(z)]$, but the distribution we average over
# depends on $\phi$. Two unbiased single-sample estimators:
#
# - **REINFORCE / score function**: $f(z)\,\nabla_\phi \log q_\phi(z)$, $z\sim q_\phi$. It only
#   needs values of $f$, but its variance grows with the size of $f$;
# - **reparameterization**: write $z = \mu + \sigma\epsilon$ with $\epsilon\sim\mathcal N(0,I)$
#   and differentiate through: $\nabla_\phi f(\mu_\phi + \sigma_\phi\epsilon)$. It uses the
#   gradient of $f$, which the decoder network provides.
#
# The same objective for both: $f(z) = \log p_\theta(x\mid z)$ of a test digit under the trained
# VAE, gradient with respect to the encoder's mean $\mu$ (20 numbers), at the encoder's $q(z\mid x)$.

# %%
torch.manual_seed(0)
with torch.no_grad():
    mu_x, logvar_x = vae20.encode(x0)
    mu_x, logvar_x = mu_x[0], logvar_x[0]


def f_recon(z):
    return vae20.log_likelihood(x0.flatten(1), vae20.decode(z))


n_grad = P.gradvar_samples
rep_mu, _ = vae_lib.reparameterized_gradients(f_recon, mu_x, logvar_x, n_grad)
sf_mu, _ = vae_lib.score_function_gradients(f_recon, mu_x, logvar_x, n_grad)
with torch.no_grad():  # a baseline from independent samples keeps REINFORCE unbiased
    baseline = float(f_recon(vae20.reparameterize(mu_x, logvar_x, 500)).mean())
sfb_mu, _ = vae_lib.score_function_gradients(f_recon, mu_x, logvar_x, n_grad, baseline=baseline)

var = {"reparameterization": rep_mu.var(0), "REINFORCE": sf_mu.var(0), "REINFORCE + baseline": sfb_mu.var(0)}
ratio = float(var["REINFORCE"].sum() / var["reparameterization"].sum())
ratio_b = float(var["REINFORCE + baseline"].sum() / var["reparameterization"].sum())
diff = (sf_mu.mean(0) - rep_mu.mean(0)).abs()
se = (var["REINFORCE"] / n_grad + var["reparameterization"] / n_grad).sqrt()
print(f"total variance of single-sample gradients (sum over 20 coordinates), {n_grad} samples each:")
for k, v in var.items():
    print(f"  {k:22s} {float(v.sum()):12.1f}")
print(f"variance ratio REINFORCE / reparameterization = {ratio:.0f}x  (with a baseline: {ratio_b:.0f}x)")
print(f"means agree: largest |difference| / standard error = {float((diff / se).max()):.2f}")
assert ratio > 10 and ratio_b < ratio
assert float((diff / se).max()) < 5, "both estimators are unbiased for the same gradient"

fig, ax = plt.subplots(figsize=(8, 3.2))
dims = np.arange(vae20.z_dim)
for i, (k, v) in enumerate(var.items()):
    ax.bar(dims + (i - 1) * 0.27, v.cpu().numpy(), width=0.27, label=k)
ax.set_yscale("log")
ax.set_xticks(dims)
ax.set_xlabel("latent coordinate j")
ax.set_ylabel(r"variance of $\partial/\partial\mu_j$ estimate")
ax.set_title(f"Single-sample gradient variance: REINFORCE is {ratio:.0f}x noisier")
ax.set_ylim(top=float(var["REINFORCE"].max()) * 300)  # room for the legend above the bars
ax.legend(fontsize=8, ncol=3, loc="upper center")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. The MLP VAE on binarized MNIST
# Encoder 784 → 400 → $(\mu, \log\sigma^2) \in \mathbb R^{20}$, decoder 20 → 400 → 784 Bernoulli
# logits, trained by maximising the one-sample ELBO with Adam (`course_utils.models.vae.VAE`).
# During training the reconstruction term (the *distortion*, $-\mathbb E_q\log p(x\mid z)$) falls
# while the KL term (the *rate*, nats of information the code carries about $x$) rises.

# %%
h = vae20_info["history"]
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
epochs = range(1, len(h["loss"]) + 1)
axes[0].plot(epochs, h["reconstruction"], label="train")
axes[0].plot(epochs, h["test reconstruction"], label="test")
axes[0].set_title(r"reconstruction $-\mathbb{E}_q \log p(x|z)$")
axes[1].plot(epochs, h["kl"], label="train")
axes[1].plot(epochs, h["test KL"], label="test")
axes[1].set_title(r"KL$(q(z|x)\,\|\,p(z))$")
axes[2].plot(epochs, [-v for v in h["loss"]], label="train")
axes[2].plot(epochs, h["test ELBO"], label="test")
axes[2].set_title("ELBO")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per digit")
    ax.legend()
fig.suptitle("VAE (z = 20) training curves")
fig.tight_layout()

with torch.no_grad():
    test_elbo = torch.cat([vae20.elbo(xb) for xb in x_test.split(500)])
print(f"test ELBO {test_elbo.mean():.1f} nats = {metrics.bits_per_dim(-test_elbo.mean(), 784):.3f} bits/dim "
      f"on {len(x_test)} {SOURCE} test digits")
assert h["reconstruction"][-1] < h["reconstruction"][0] and h["test ELBO"][-1] > h["test ELBO"][0]

# %% [markdown] slideshow={"slide_type": "subslide"}
# The KL per latent unit shows how many of the 20 dimensions the model actually uses; unused
# ones keep $q(z_j\mid x) = p(z_j)$ and cost nothing (see notebook 05).

# %%
with torch.no_grad():
    mu_t, logvar_t = vae20.encode(x_test)
    kl_unit = (0.5 * (mu_t ** 2 + logvar_t.exp() - 1 - logvar_t)).mean(0).cpu()
order = kl_unit.argsort(descending=True)
fig, ax = plt.subplots(figsize=(7, 2.8))
ax.bar(range(vae20.z_dim), kl_unit[order].numpy())
ax.set_xticks(range(vae20.z_dim))
ax.set_xlabel("latent unit (sorted by KL)")
ax.set_ylabel("mean KL (nats)")
ax.set_title(f"KL per latent unit: {int((kl_unit > 0.1).sum())} of {vae20.z_dim} units carry > 0.1 nats")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Reconstructions and samples
# Reconstructions decode the posterior mean; prior samples decode $z \sim \mathcal N(0, I)$.

# %%
with torch.no_grad():
    recon = vae20.reconstruct(x_test[:10])
fig = plotting.show_images(torch.cat([x_test[:10], recon]), nrow=10,
                           titles=["input"] * 10 + ["reconstruction"] * 10,
                           title="Test digits (top) and their VAE reconstructions (bottom, decoder means)")
torch.manual_seed(1)
fig = plotting.show_images(vae20.sample(30), nrow=10, title="VAE (z = 20): decoder means at 30 prior samples")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Mean vs sampled decoder output: blurry or noisy
# A sample from the model is $x \sim p(x\mid z)$: 784 *independent* coin flips given $z$. That
# gives salt-and-pepper noise, because the decoder cannot correlate neighbouring pixels except
# through $z$. Showing the decoder mean $\mathbb E[x\mid z]$ instead removes the noise, but where
# the code leaves the stroke position uncertain the mean averages several plausible strokes: blur.

# %%
torch.manual_seed(2)
z_show = torch.randn(8, vae20.z_dim, device=DEVICE)
with torch.no_grad():
    probs = torch.sigmoid(vae20.decode(z_show)).view(-1, 1, 28, 28)
draws = torch.bernoulli(probs)
fig = plotting.show_images(torch.cat([probs, draws]), nrow=8, titles=["mean"] * 8 + ["Bernoulli draw"] * 8,
                           title="Same codes: decoder means (blurry) vs samples from p(x|z) (noisy)")
grey = ((probs > 0.1) & (probs < 0.9)).float().mean()
print(f"{grey:.1%} of mean pixels are grey (between 0.1 and 0.9): that uncertainty becomes noise when sampled")
assert set(draws.unique().tolist()) <= {0.0, 1.0}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. A 2-D latent space
# With only two latent dimensions we can look at the whole code space: decode a grid of codes
# (the *manifold*), and place the test digits at their posterior means.

# %%
fig = plotting.latent_manifold(lambda z: torch.sigmoid(vae2.decode(z.to(DEVICE))), n=15, span=2.5,
                               title="VAE (z = 2): decoder means over a grid of codes")
with torch.no_grad():
    z2_test = vae2.encode(x_test)[0]
ax = plotting.latent_scatter(z2_test, y_test, title="VAE (z = 2): test digits at their posterior means")
print(f"2-D VAE test ELBO {vae2_info['test_elbo']:.1f} vs 20-D {vae20_info['test_elbo']:.1f} nats")
print(f"posterior means: mean {z2_test.mean(0).cpu().numpy().round(2)}, std {z2_test.std(0).cpu().numpy().round(2)}"
      " (the KL term pulls the codes towards the N(0, I) prior)")
assert z2_test.std(0).max() < 3, "the prior keeps codes near the origin"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Tighter bounds by importance weighting (IWAE)
# Average $k$ importance weights *inside* the log (Burda et al. 2015):
#
# $$\mathcal L_k(x) = \mathbb E\Big[\log \frac1k \sum_{i=1}^k \frac{p(x, z_i)}{q(z_i\mid x)}\Big],
#   \quad z_i \sim q(z\mid x),\qquad \mathcal L_1 = \mathrm{ELBO} \le \mathcal L_k \le \mathcal L_{k+1} \le \log p(x),$$
#
# and $\mathcal L_k \to \log p(x)$ as $k\to\infty$. So $-\mathcal L_k$ for large $k$ is the usual
# estimate of a VAE's negative log-likelihood (NLL). `metrics.iwae_bound(model, x, k)` computes it.

# %%
x_iw = x_test[:P.iwae_examples]
torch.manual_seed(0)
with torch.no_grad():
    bounds = {k: metrics.iwae_bound(vae20, x_iw, k, chunk=100) for k in IWAE_KS}
means = np.array([float(bounds[k].mean()) for k in IWAE_KS])
elbo_iw = float(bounds[1].mean())
for k, v in zip(IWAE_KS, means):
    print(f"k = {k:5d}: L_k = {v:8.2f} nats   gap to ELBO {v - elbo_iw:5.2f}")
k_max = IWAE_KS[-1]
nll = -means[-1]
print(f"IWAE NLL (k = {k_max}) on {len(x_iw)} test digits: {nll:.1f} nats = "
      f"{metrics.bits_per_dim(nll, 784):.3f} bits/dim; ELBO there {elbo_iw:.1f}")
assert all(b >= a - 0.3 for a, b in zip(means, means[1:])), "L_k grows with k (up to Monte Carlo noise)"
assert means[-1] > means[0], "more samples give a tighter bound than the ELBO"

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.semilogx(IWAE_KS, means, "o-", label=r"$\mathcal{L}_k$ (mean over test digits)")
ax.axhline(elbo_iw, color="gray", ls="--", label=r"ELBO = $\mathcal{L}_1$")
ax.set_xlabel("number of importance samples k")
ax.set_ylabel("nats per digit")
ax.set_title(r"IWAE bounds rise towards $\log p(x)$")
ax.legend()
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. The amortization gap
# The gap $\log p(x) - \mathrm{ELBO}$ has two parts (Cremer et al. 2018):
#
# - the **approximation gap**: even the best Gaussian $q^*(z)$ for this $x$ differs from the
#   true posterior;
# - the **amortization gap**: the encoder is *one* network for all $x$ and does not find $q^*$
#   for each one.
#
# Measure them: start from the encoder's $(\mu, \log\sigma^2)$ for some test digits, then optimise
# these numbers *per digit* by gradient ascent on the ELBO, with the decoder fixed.

# %%
def optimise_q(model, x, steps, samples=8, lr=0.05):
    """Per-example Gaussian q: free (mu, logvar) per image, maximising the ELBO; decoder fixed."""
    with torch.no_grad():
        mu0, lv0 = model.encode(x)
    mu_free, lv_free = mu0.clone().requires_grad_(True), lv0.clone().requires_grad_(True)
    opt = torch.optim.Adam([mu_free, lv_free], lr=lr)
    x_flat = x.flatten(1)
    for _ in range(steps):
        z = model.reparameterize(mu_free, lv_free, samples)
        elbo = model.log_likelihood(x_flat, model.decode(z)).mean(0) - metrics.kl_to_standard_normal(mu_free, lv_free)
        opt.zero_grad()
        (-elbo.sum()).backward()
        opt.step()
    return mu_free.detach(), lv_free.detach()


def elbo_of(model, x, mu, logvar, samples=200):
    """ELBO of a given Gaussian q, averaged over many samples (low noise)."""
    with torch.no_grad():
        z = model.reparameterize(mu, logvar, samples)
        rec = model.log_likelihood(x.flatten(1), model.decode(z)).mean(0)
        return rec - metrics.kl_to_standard_normal(mu, logvar)


torch.manual_seed(0)
x_am = x_test[:P.amortization_examples]
for p_ in vae20.parameters():
    p_.requires_grad_(False)
mu_opt, lv_opt = optimise_q(vae20, x_am, P.amortization_steps)
for p_ in vae20.parameters():
    p_.requires_grad_(True)
with torch.no_grad():
    mu_enc, lv_enc = vae20.encode(x_am)
    elbo_enc = elbo_of(vae20, x_am, mu_enc, lv_enc).mean()
    elbo_opt = elbo_of(vae20, x_am, mu_opt, lv_opt).mean()
    log_px_am = metrics.iwae_bound(vae20, x_am, k_max, chunk=100).mean()
amortization_gap, approximation_gap = float(elbo_opt - elbo_enc), float(log_px_am - elbo_opt)
print(f"encoder q:          ELBO {elbo_enc:.2f}")
print(f"per-digit optimal q: ELBO {elbo_opt:.2f}   -> amortization gap {amortization_gap:.2f} nats")
print(f"log p(x) (IWAE, k = {k_max}): {log_px_am:.2f}   -> approximation gap {approximation_gap:.2f} nats")
assert amortization_gap > 0, "optimising q for each digit beats the shared encoder"

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(["amortization gap\n(encoder vs best q)", "approximation gap\n(best Gaussian q vs posterior)"],
        [amortization_gap, approximation_gap], color=["tab:orange", "tab:blue"])
ax.set_xlabel("nats per digit")
ax.set_title(f"Where the ELBO loses: {len(x_am)} test digits")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. β-VAE: trading rate for distortion
# Weighting the KL term, $\mathbb E_q[\log p(x\mid z)] - \beta\,\mathrm{KL}(q\|p)$ (Higgins et al.
# 2017), moves the model along a rate–distortion curve: a large β squeezes the information in the
# code (low rate, KL) at the price of worse reconstructions (high distortion); β < 1 does the
# opposite. In `course_utils` a β-VAE is just `VAE(..., beta=β)`. We train one per β with a
# 10-D latent space and measure both terms on the test set.

# %%
beta_models, rate, distortion = {}, [], []
for beta in BETAS:
    model, _ = train_vae(f"beta_vae_{beta:g}", vae_lib.VAE(z_dim=10, hidden=256, beta=beta), P.beta_vae_epochs)
    with torch.no_grad():
        rec, kl = model.elbo_terms(x_test)
    beta_models[beta] = model
    rate.append(float(kl.mean()))
    distortion.append(float(-rec.mean()))
    print(f"beta = {beta:4g}: rate (KL) {rate[-1]:6.1f} nats, distortion {distortion[-1]:6.1f} nats")
assert all(a > b for a, b in zip(rate, rate[1:])), "a larger beta gives a lower rate"
assert distortion[-1] > distortion[0], "...and a higher distortion"

fig, ax = plt.subplots(figsize=(5, 3.6))
ax.plot(rate, distortion, "o-")
for beta, r, d in zip(BETAS, rate, distortion):
    ax.annotate(f"β = {beta:g}", (r, d), textcoords="offset points", xytext=(5, 5))
ax.set_xlabel("rate: KL(q(z|x) ‖ p(z)) (nats)")
ax.set_ylabel(r"distortion: $-\mathbb{E}_q \log p(x|z)$ (nats)")
ax.set_title("β-VAE: rate vs distortion on test digits")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Latent traversals
# Take one test digit's code and move one latent coordinate at a time from −3 to 3, decoding as
# we go. With a large β the few units still in use tend to change one visible property each
# (slant, width, thickness); with β = 1 changes are more entangled. Rows: the units with the
# largest KL, in order.

# %%
def traversal(model, x, n_units=4, values=(-3, -2, -1, 0, 1, 2, 3)):
    with torch.no_grad():
        mu_a, lv_a = model.encode(x_test)
        kl_u = (0.5 * (mu_a ** 2 + lv_a.exp() - 1 - lv_a)).mean(0)
        units = kl_u.argsort(descending=True)[:n_units]
        base = model.encode(x)[0][0]
        codes = base.repeat(n_units * len(values), 1)
        for r, u in enumerate(units):
            codes[r * len(values):(r + 1) * len(values), u] = torch.tensor(values, dtype=codes.dtype)
        images = torch.sigmoid(model.decode(codes))
    titles = [f"z{int(u)}={v:+d}" for u in units for v in values]
    return images, titles


for beta in (1.0, max(BETAS)):
    images, titles = traversal(beta_models[beta], x_test[1:2])
    fig = plotting.show_images(images, nrow=7, titles=titles,
                               title=f"β = {beta:g}: one unit per row, moved from −3 to +3 (z10 model)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12. Conditional VAE: ask for a digit
# A conditional VAE (Sohn et al. 2015) gives the label $y$ (one-hot) to both networks:
# $q(z\mid x, y)$ and $p(x\mid z, y)$. The code $z$ no longer needs to store *which* digit, only
# *how* it is written, and at sampling time we choose $y$.
#
# Our CVAE has a **2-D** code on purpose. With 4,000 training digits and a roomy code
# (16 dimensions in our trials) the encoder simply stores the class in $z$, the decoder learns to
# ignore $y$, and only about a third of the samples show the requested digit. A small code has no
# room for the class, which forces the decoder to take it from the label.

# %%
torch.manual_seed(0)
labels = torch.arange(10, device=DEVICE).repeat_interleave(8)
fig = plotting.show_images(cvae.sample(len(labels), labels), nrow=8, titles=[f"asked {int(v)}" for v in labels],
                           title="CVAE samples (decoder means): one row per requested digit", ax_size=0.9)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Does the CVAE draw the digit we asked for? A small CNN classifier trained on MNIST
# (`course_utils.models.classifier`) judges: the fraction of samples it labels as requested.
# The same style code $z$ with different labels keeps the writing style.

# %%
from course_utils.models.classifier import load_classifier

judge = load_classifier(DEVICE)
torch.manual_seed(0)
asked = torch.arange(10, device=DEVICE).repeat_interleave(P.cvae_samples_per_class)
samples = cvae.sample(len(asked), asked)
predicted = judge.predict(samples)
per_class = torch.stack([(predicted[asked == d] == d).float().mean() for d in range(10)])
cvae_accuracy = float((predicted == asked).float().mean())
print(f"classifier (test accuracy {judge.test_accuracy:.1%}) agrees with the requested digit on "
      f"{cvae_accuracy:.1%} of {len(asked)} CVAE samples")
print("per digit:", " ".join(f"{d}:{a:.0%}" for d, a in enumerate(per_class.tolist())))
assert cvae_accuracy > 0.8, "the CVAE draws the digit it is asked for (chance: 10%)"

z_style = torch.randn(4, cvae.z_dim, device=DEVICE).repeat_interleave(10, 0)
with torch.no_grad():
    styled = torch.sigmoid(cvae.decode(z_style, torch.arange(10, device=DEVICE).repeat(4)))
fig = plotting.show_images(styled, nrow=10, titles=[str(d) for d in range(10)] * 4,
                           title="CVAE: one style code z per row, the label changes along the row", ax_size=0.9)

# %% [markdown] slideshow={"slide_type": "subslide"}
# With the label fixed, the 2-D code is a map of *writing style* alone: decode a grid of codes
# for one digit and the strokes change slant and thickness, but it stays the same digit.

# %%
fig = plotting.latent_manifold(lambda z: torch.sigmoid(cvae.decode(z.to(DEVICE), torch.full((len(z),), 4, device=DEVICE))),
                               n=10, span=2.0, title="CVAE with the label fixed to 4: style over a grid of codes")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 13. A convolutional VAE
# Images have local structure; convolutions share weights across positions. `ConvVAE` downsamples
# with two strided convolutions and upsamples with two transposed convolutions; the rest (the ELBO,
# the bounds) is shared with the MLP VAE through one base class.

# %%
torch.manual_seed(0)
n_params = {name: sum(p.numel() for p in m.parameters()) for name, m in (("MLP VAE", vae20), ("ConvVAE", conv_vae))}
k_cmp = min(100, k_max)
with torch.no_grad():
    cmp = {name: (float(torch.cat([m.elbo(xb) for xb in x_test.split(500)]).mean()),
                  float(metrics.iwae_bound(m, x_iw, k_cmp, chunk=50).mean()))
           for name, m in (("MLP VAE", vae20), ("ConvVAE", conv_vae))}
for name, (e, iw) in cmp.items():
    print(f"{name:8s}: {n_params[name]:7d} parameters, test ELBO {e:7.1f}, IWAE (k = {k_cmp}) {iw:7.1f} nats")
assert n_params["ConvVAE"] < n_params["MLP VAE"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, (name, m) in zip(axes, (("MLP VAE", vae20), ("ConvVAE", conv_vae))):
    torch.manual_seed(3)
    grid_img = m.sample(24).view(3, 8, 28, 28).permute(0, 2, 1, 3).reshape(3 * 28, 8 * 28).cpu()
    ax.imshow(grid_img, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name}: prior samples (ELBO {cmp[name][0]:.1f})")
    ax.axis("off")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Quiz

# %%
q1 = exercises.quiz(
    "Why is the plain Monte Carlo estimate (1/N) Σ p(x|z_i) with z_i ~ p(z) useless for a trained VAE?",
    ["It is biased", "Almost all prior samples decode to other images, so a handful of samples carry all the weight",
     "p(x|z) cannot be computed for a Bernoulli decoder"],
    answer=1,
    explanation="It is unbiased, but its variance is enormous: the effective sample size was about "
                "one sample out of thousands in section 3.")
q2 = exercises.quiz(
    "Maximising the ELBO over the encoder q (decoder fixed) is the same as...",
    ["minimising KL(q(z|x) ‖ p(z|x))", "minimising KL(p(z|x) ‖ q(z|x))", "maximising log p(x)"],
    answer=0,
    explanation="ELBO = log p(x) − KL(q(z|x) ‖ p(z|x)) and log p(x) does not depend on q.")
q3 = exercises.quiz(
    "Why does the VAE use the reparameterization z = μ + σε instead of REINFORCE?",
    ["REINFORCE is biased", "It gives gradients with far lower variance by using the decoder's gradient",
     "It makes the KL term computable"],
    answer=1,
    explanation="Both are unbiased; reparameterization was orders of magnitude less noisy in section 6.")
q4 = exercises.quiz(
    "What does a larger β do in a β-VAE?",
    ["Lowers the rate (KL) and raises the distortion", "Raises both", "Makes the bound on log p(x) tighter"],
    answer=0,
    explanation="β weights the KL term; β ≠ 1 no longer bounds log p(x) in the usual way.")
assert all("Correct" in q.answer_with(q.answer) for q in (q1, q2, q3, q4))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Pretrained models for the lecture demos
# The four models trained above are available elsewhere in the course (notebook 07 uses them):
# `course_utils.models.vae.pretrained(name)` with `name` in `vae_z20`, `vae_z2`, `cvae`, `conv_vae`.

# %%
print({name: desc for name, desc in vae_lib.PRETRAINED.items()})
again = vae_lib.pretrained("vae_z20", DEVICE)
print(f"pretrained('vae_z20'): {type(again).__name__} with {again.z_dim} latent dimensions")
assert isinstance(again, vae_lib.VAE) and again.z_dim == 20

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - A generator turns noise into data; a latent variable model adds a likelihood $p(x\mid z)$,
#   which makes $p(x) = \int p(x\mid z)p(z)dz$ easy to sample but hard to evaluate: naive
#   Monte Carlo over the prior has an effective sample size near one.
# - Jensen's inequality gives the ELBO $= \mathbb E_q[\log p(x\mid z)] - \mathrm{KL}(q\|p)$; its gap
#   is $\mathrm{KL}(q(z\mid x)\|p(z\mid x))$, the reverse KL, which is mode-seeking.
# - The reparameterization trick gives low-variance gradients (orders of magnitude below REINFORCE).
# - IWAE bounds tighten the ELBO towards $\log p(x)$ as $k$ grows; part of the remaining gap is the
#   encoder's amortization gap.
# - β trades rate against distortion; conditioning on $y$ lets us choose the digit; convolutions
#   give a comparable model with far fewer parameters.
#
# Next: **05 · Latent dimension sweep**: how many latent units does a VAE use?
#
# ## References
# - D. P. Kingma, M. Welling. *Auto-Encoding Variational Bayes*. ICLR 2014.
# - D. J. Rezende, S. Mohamed, D. Wierstra. *Stochastic Backpropagation and Approximate Inference in Deep Generative Models*. ICML 2014.
# - Y. Burda, R. Grosse, R. Salakhutdinov. *Importance Weighted Autoencoders*. ICLR 2016.
# - C. Cremer, X. Li, D. Duvenaud. *Inference Suboptimality in Variational Autoencoders*. ICML 2018.
# - I. Higgins et al. *β-VAE: Learning Basic Visual Concepts with a Constrained Variational Framework*. ICLR 2017.
# - K. Sohn, H. Lee, X. Yan. *Learning Structured Output Representation using Deep Conditional Generative Models*. NeurIPS 2015.
# - R. J. Williams. *Simple Statistical Gradient-Following Algorithms for Connectionist Reinforcement Learning*. Machine Learning, 1992.
