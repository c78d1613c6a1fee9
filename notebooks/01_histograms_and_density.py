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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/01_histograms_and_density.ipynb)
#
# # 01 · Histograms and density estimation
#
# A generative model is a probability distribution $p_\theta(x)$ over the data that we can
# evaluate and sample. This notebook builds the simplest ones by hand and finds out where
# they break, which is what motivates every deep model that follows.
#
# **You will see**
# - generative vs discriminative models, linked by Bayes' rule;
# - what $p(x)$ is good for: sampling, scoring, spotting anomalies;
# - histograms fitted by maximum likelihood (counting), and how they overfit as bins grow;
# - the MLE of a Gaussian mean, derived and checked; MLE as minimising $\mathrm{KL}(p_\text{data}\,\|\,p_\theta)$;
# - the curse of dimensionality: why a histogram of images is hopeless;
# - kernel density estimation with a bandwidth chosen on held-out data;
# - Gaussian mixtures (likelihood, sampling, EM) and a Monte Carlo estimate of π.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Setup
# On Colab the next cell installs `course_utils`; on your own machine `make lab` already did.

# %% tags=["setup"]
import subprocess
import sys

if "google.colab" in sys.modules:  # install the helper package only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "git+https://github.com/dgm-course/deep-generative-models"], check=True)

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

import course_utils as cu
from course_utils import density, exercises, plotting
from course_utils.data import gaussian_mixture_1d, gaussian_mixture_1d_log_prob

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Inputs
# Every size comes from the profile (`course_utils/settings.py`). Everything here runs in
# seconds on a CPU: these models are counted or solved, not trained for epochs.

# %%
N_TRAIN, N_TEST = P.density_n_train, P.density_n_test      # 1-D points for histograms and KDE
GMM_N, GMM_ITERS, GMM_RESTARTS = P.gmm_n_points, P.gmm_em_iters, P.gmm_restarts
MC_MAX_N, MC_REPEATS = P.mc_max_n, P.mc_repeats             # Monte Carlo estimate of pi
LO, HI = -7.0, 8.0                                          # histogram range for the 1-D data
print(f"1-D data: {N_TRAIN} training / {N_TEST} test points; GMM: {GMM_N} points; "
      f"Monte Carlo up to n = {MC_MAX_N:,} with {MC_REPEATS} repeats")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Generative vs discriminative
# A **discriminative** model learns $p(y \mid x)$ directly: enough to classify, nothing more.
# A **generative** model learns how the data arise, $p(x \mid y)$ and $p(y)$, and gets the
# classifier for free from **Bayes' rule**:
#
# $$p(y \mid x) = \frac{p(x \mid y)\,p(y)}{p(x)}, \qquad p(x) = \sum_{y'} p(x \mid y')\,p(y').$$
#
# Below: two classes on a line. The generative model fits one Gaussian per class and the class
# frequencies; the discriminative model is a logistic regression on $(x, x^2)$.

# %%
g = torch.Generator().manual_seed(0)
PRIOR1, MU, SIGMA = 0.3, (-1.0, 1.5), (1.0, 0.7)          # the true p(y=1), class means and stds
y_cls = (torch.rand(N_TRAIN, generator=g) < PRIOR1).long()
x_cls = torch.tensor(MU)[y_cls] + torch.tensor(SIGMA)[y_cls] * torch.randn(N_TRAIN, generator=g)


def normal_log_pdf(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std) - 0.5 * math.log(2 * math.pi)


# generative: maximum-likelihood Gaussians per class (derived in section 4) and class frequencies
fitted = {c: (x_cls[y_cls == c].mean(), x_cls[y_cls == c].std(unbiased=False)) for c in (0, 1)}
prior = {c: float((y_cls == c).float().mean()) for c in (0, 1)}
xs = torch.linspace(-5, 5, 401)
joint = {c: normal_log_pdf(xs, *fitted[c]).exp() * prior[c] for c in (0, 1)}   # p(x | y) p(y)
p_x = joint[0] + joint[1]                                                     # p(x)
posterior_bayes = joint[1] / p_x                                              # p(y=1 | x)

# discriminative: logistic regression straight on p(y | x)
from sklearn.linear_model import LogisticRegression

features = lambda v: np.stack([v.numpy(), v.numpy() ** 2], axis=1)
logreg = LogisticRegression(C=100.0).fit(features(x_cls), y_cls.numpy())
posterior_disc = torch.from_numpy(logreg.predict_proba(features(xs))[:, 1])
true_joint1 = normal_log_pdf(xs, MU[1], SIGMA[1]).exp() * PRIOR1
posterior_true = true_joint1 / (true_joint1 + normal_log_pdf(xs, MU[0], SIGMA[0]).exp() * (1 - PRIOR1))

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for c, color in ((0, "tab:blue"), (1, "tab:orange")):
    # each point weighs 1 / (n * bin width): the bars then estimate the joint density p(x, y=c)
    axes[0].hist(x_cls[y_cls == c].numpy(), bins=40, range=(-5, 5), alpha=0.3, color=color,
                 weights=np.full(int((y_cls == c).sum()), 1 / (N_TRAIN * 10 / 40)))
    axes[0].plot(xs, joint[c], color=color, label=f"p(x | y={c}) p(y={c})")
axes[0].plot(xs, p_x, "k--", label="p(x) = sum of the two")
axes[0].set_xlabel("x")
axes[0].set_ylabel("density")
axes[0].set_title("Generative: a model of how x arises")
axes[0].legend(fontsize=8)
axes[1].plot(xs, posterior_true, "k", lw=3, alpha=0.3, label="true p(y=1 | x)")
axes[1].plot(xs, posterior_bayes, label="generative + Bayes' rule")
axes[1].plot(xs, posterior_disc, "--", label="logistic regression on (x, x²)")
axes[1].set_xlabel("x")
axes[1].set_ylabel("p(y=1 | x)")
axes[1].set_title("Both give a classifier")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()

inside = (xs > -3) & (xs < 3)
print(f"largest gap to the true posterior on [-3, 3]: Bayes {float((posterior_bayes - posterior_true)[inside].abs().max()):.3f}, "
      f"logistic {float((posterior_disc - posterior_true)[inside].abs().max()):.3f}")
assert torch.allclose(joint[0] / p_x + joint[1] / p_x, torch.ones_like(xs)), "posteriors sum to one"
assert float((posterior_bayes - posterior_true)[inside].abs().max()) < 0.25

# %% [markdown] slideshow={"slide_type": "subslide"}
# Only the generative model can also **sample** new x: pick a class from p(y), then x from
# p(x | y). The logistic regression has no p(x) at all.

# %%
n_new = 5000
y_new = (torch.rand(n_new, generator=g) < prior[1]).long()
x_new = torch.stack([fitted[0][0], fitted[1][0]])[y_new] + torch.stack([fitted[0][1], fitted[1][1]])[y_new] * torch.randn(n_new, generator=g)
print(f"sampled class-1 share {float(y_new.float().mean()):.3f} (model prior {prior[1]:.3f}); "
      f"sample mean {float(x_new.mean()):.3f} vs data mean {float(x_cls.mean()):.3f}")
assert abs(float(x_new.mean()) - float(x_cls.mean())) < 0.15

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · What is p(x) for? Sampling, scoring, anomalies
# The simplest model of binary images treats each pixel as its own coin: $p(x) = \prod_i
# \theta_i^{x_i}(1-\theta_i)^{1-x_i}$, where $\theta_i$ is the fraction of training digits with pixel
# $i$ on (counting again; we add one "on" and one "off" pseudo-image so no $\theta_i$ is exactly 0 or 1).
# It can **sample**, it can **score** any image, and low scores flag **anomalies**.

# %%
x_train, y_train = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
x_train, y_train = x_train[:P.max_train], y_train[:P.max_train]
x_test, y_test = x_test[:P.max_test], y_test[:P.max_test]
b_train, b_test = cu.binarize(x_train).flatten(1), cu.binarize(x_test).flatten(1)


def fit_pixel_coins(images):
    return (images.sum(0) + 1) / (len(images) + 2)


def log_p_pixels(images, theta):
    return (images * theta.log() + (1 - images) * (1 - theta).log()).sum(1)


theta_all = fit_pixel_coins(b_train)
samples = torch.bernoulli(theta_all.expand(8, -1), generator=torch.Generator(device=DEVICE).manual_seed(0))
noise = torch.bernoulli(torch.full((len(b_test), 784), 0.5, device=DEVICE), generator=torch.Generator(device=DEVICE).manual_seed(1))
fig = plotting.show_images(torch.cat([b_test[:8], samples, noise[:8]]).cpu(), nrow=8,
                           titles=["test digit"] * 8 + ["model sample"] * 8 + ["random noise"] * 8,
                           title="Independent-pixel model: real digits, its samples, noise images")
plt.show()

scores = {"test digits": log_p_pixels(b_test, theta_all), "noise images": log_p_pixels(noise, theta_all)}
print({k: f"mean log p(x) = {float(v.mean()):.0f} nats" for k, v in scores.items()})
assert scores["test digits"].min() > scores["noise images"].max(), "every digit scores above every noise image"

# %% [markdown] slideshow={"slide_type": "subslide"}
# A harder test: fit the model to **zeros only**, then score test digits. Zeros should score
# high, other digits low; the area under the ROC curve measures how well log p(x) separates them
# (1 = perfectly, 0.5 = chance).

# %%
from sklearn.metrics import roc_auc_score

theta_zero = fit_pixel_coins(b_train[y_train == 0])
score_zero_model = log_p_pixels(b_test, theta_zero).cpu()
is_zero = (y_test == 0).cpu()
auc = roc_auc_score(is_zero.numpy(), score_zero_model.numpy())

fig, ax = plt.subplots(figsize=(6, 3.3))
ax.hist(score_zero_model[is_zero].numpy(), bins=30, alpha=0.6, density=True, label="test zeros")
ax.hist(score_zero_model[~is_zero].numpy(), bins=30, alpha=0.6, density=True, label="other test digits")
ax.set_xlabel("log p(x) under the model of zeros (nats)")
ax.set_ylabel("density")
ax.set_title(f"Anomaly detection with log p(x): ROC AUC = {auc:.3f}")
ax.legend(fontsize=8)
plt.show()
assert auc > 0.85

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Histograms: maximum likelihood by counting
# Split the range into k bins. A histogram model gives bin $i$ probability $p_i$ and spreads it
# evenly over the bin: density $p_i / \Delta_i$ for x in bin i ($\Delta_i$ its width).
# Its log-likelihood on data with $n_i$ points in bin i is $\sum_i n_i \log p_i + \text{const}$;
# maximising it subject to $\sum_i p_i = 1$ (a Lagrange multiplier λ: $n_i / p_i = \lambda$)
# gives the **maximum-likelihood estimate**
#
# $$\hat p_i = \frac{n_i}{n} \qquad\text{(the fraction of points in bin i)}.$$
#
# Our data: a 1-D mixture of two Gaussians whose true density we know, so we can compare.

# %%
x1d, _ = gaussian_mixture_1d(N_TRAIN, seed=0)
x1d_test, _ = gaussian_mixture_1d(N_TEST, seed=1)
assert x1d.min() > LO and x1d.max() < HI and x1d_test.min() > LO and x1d_test.max() < HI

BINS = 32
edges = torch.linspace(LO, HI, BINS + 1, dtype=torch.float64)
counts = torch.stack([((x1d >= a) & (x1d < b)).sum() for a, b in itertools.pairwise(edges)]).double()
p_hat = counts / counts.sum()                          # the MLE: normalised counts
assert torch.allclose(p_hat, density.histogram_fit(x1d, edges)) and math.isclose(float(p_hat.sum()), 1.0)

grid = torch.linspace(LO, HI, 2001, dtype=torch.float64)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.stairs((p_hat / (edges[1:] - edges[:-1])).numpy(), edges.numpy(), fill=True, alpha=0.4,
          label=f"histogram MLE, {BINS} bins")
ax.plot(grid, gaussian_mixture_1d_log_prob(grid).exp(), "k", label="true density")
ax.plot(x1d.numpy(), np.full(len(x1d), -0.01), "|", color="gray", alpha=0.3, label="training points")
ax.set_xlabel("x")
ax.set_ylabel("density")
ax.set_title(f"Histogram fitted to {N_TRAIN} points by counting")
ax.legend(fontsize=8)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 1.** Write `histogram_mle(x, edges)`: the maximum-likelihood bin probabilities of
# 1-D data `x` for bins `[edges[i], edges[i+1])` (put a point equal to the last edge in the last
# bin). All points lie inside the edges.

# %% tags=["exercise"]
import torch


def histogram_mle(x, edges):
    # BEGIN SOLUTION
    idx = (torch.bucketize(x, edges, right=True) - 1).clamp(max=len(edges) - 2)
    counts = torch.bincount(idx, minlength=len(edges) - 1).to(torch.float64)
    return counts / counts.sum()
    # END SOLUTION


# %% tags=["check"]
import torch

from course_utils.density import histogram_fit
from course_utils.exercises import check_function

check_function(histogram_mle, histogram_fit,
               lambda g: (torch.rand(int(torch.randint(5, 200, (1,), generator=g)), generator=g, dtype=torch.float64) * 4 - 2,
                          torch.linspace(-2, 2, int(torch.randint(2, 20, (1,), generator=g)), dtype=torch.float64)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · More bins: training NLL falls, test NLL does not
# We measure fit by the average **negative log-likelihood** (NLL, nats per point) — lower is
# better. Each doubling of the bins splits every bin in two, so the finer model contains the
# coarser one and its training NLL can only go down. On **held-out** test points it eventually
# goes up: with few points per bin the counts are noise, and a test point in a bin that was
# empty in training gets probability 0 (NLL = ∞). Below, the test curve uses add-one
# (Laplace) smoothing to stay finite, and we count the test points that fall into empty bins.

# %%
bin_counts = [2 ** j for j in range(1, 11)]
rows = []
for k in bin_counts:
    e = torch.linspace(LO, HI, k + 1, dtype=torch.float64)
    mle = density.histogram_fit(x1d, e)
    smoothed = density.histogram_fit(x1d, e, pseudocount=1.0)
    in_empty = float((mle[density.bin_index(x1d_test, e)] == 0).double().mean())
    rows.append((k, density.histogram_nll(x1d, e, mle), density.histogram_nll(x1d_test, e, smoothed),
                 density.histogram_nll(x1d_test, e, mle), in_empty))
bins_arr, train_nll, test_nll, test_nll_mle, empty_frac = map(np.array, zip(*rows))
true_nll = float(-gaussian_mixture_1d_log_prob(x1d_test).mean())

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].plot(bins_arr, train_nll, "o-", label="training NLL (MLE)")
axes[0].plot(bins_arr, test_nll, "s-", label="test NLL (add-one smoothing)")
axes[0].axhline(true_nll, color="k", ls="--", lw=1, label="test NLL of the true density")
axes[0].set_xscale("log", base=2)
axes[0].set_xlabel("number of bins")
axes[0].set_ylabel("NLL (nats per point)")
axes[0].set_title("Overfitting as the bins get finer")
axes[0].legend(fontsize=8)
axes[1].plot(bins_arr, 100 * empty_frac, "o-", color="tab:red")
axes[1].set_xscale("log", base=2)
axes[1].set_xlabel("number of bins")
axes[1].set_ylabel("% of test points")
axes[1].set_title("Test points in bins with no training point (MLE: NLL = ∞)")
plt.tight_layout()
plt.show()

best = int(bins_arr[test_nll.argmin()])
print(f"best number of bins on the test set: {best}; test NLL {test_nll.min():.3f} vs true {true_nll:.3f} nats")
print(f"unsmoothed MLE test NLL is infinite from {int(bins_arr[np.isinf(test_nll_mle)].min()) if np.isinf(test_nll_mle).any() else 'no'} bins on")
assert np.all(np.diff(train_nll) <= 1e-12), "nested refinements never raise the training NLL"
assert test_nll[-1] > test_nll.min() + 0.05 and bins_arr[0] < best < bins_arr[-1]
assert train_nll[-1] < true_nll < test_nll[-1], "the finest histogram beats the truth on training data only"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · MLE of a Gaussian mean, derived and checked
# For data $x_1, \dots, x_n$ and the model $\mathcal N(\mu, \sigma^2)$ with σ known, the
# average log-likelihood is
#
# $$\ell(\mu) = \frac1n \sum_{j=1}^n \log \mathcal N(x_j; \mu, \sigma^2) = -\frac{1}{2\sigma^2 n}\sum_{j=1}^n (x_j - \mu)^2 - \log\sigma - \tfrac12 \log 2\pi .$$
#
# Setting $\ell'(\mu) = \frac{1}{\sigma^2 n}\sum_j (x_j - \mu) = 0$ gives $\hat\mu = \frac1n\sum_j x_j$, the
# sample mean; $\ell''(\mu) = -1/\sigma^2 < 0$, so it is a maximum. Three numerical checks:
# a grid search, the gradient at $\hat\mu$ (autograd), and gradient ascent from a bad start.

# %%
gen = torch.Generator().manual_seed(3)
SIGMA_KNOWN = 1.5
data = 2.0 + SIGMA_KNOWN * torch.randn(N_TRAIN, generator=gen, dtype=torch.float64)


def avg_log_lik(mu):
    return normal_log_pdf(data, mu, SIGMA_KNOWN).mean()


mu_grid = torch.linspace(-1, 5, 6001, dtype=torch.float64)
ll_grid = torch.stack([avg_log_lik(m) for m in mu_grid])
mu_hat = data.mean()

mu = torch.tensor(mu_hat.item(), dtype=torch.float64, requires_grad=True)
avg_log_lik(mu).backward()
grad_at_mean = float(mu.grad)

mu_fit = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
opt = torch.optim.SGD([mu_fit], lr=1.0)
for _ in range(100):
    opt.zero_grad()
    (-avg_log_lik(mu_fit)).backward()
    opt.step()

fig, ax = plt.subplots(figsize=(6, 3.3))
ax.plot(mu_grid, ll_grid, label="average log-likelihood ℓ(μ)")
ax.axvline(float(mu_hat), color="crimson", ls="--", label=f"sample mean {float(mu_hat):.3f}")
ax.set_xlabel("μ")
ax.set_ylabel("ℓ(μ) (nats per point)")
ax.set_title("The likelihood of a Gaussian mean peaks at the sample mean")
ax.legend(fontsize=8)
plt.show()
print(f"grid argmax {float(mu_grid[ll_grid.argmax()]):.4f}, sample mean {float(mu_hat):.4f}, "
      f"gradient there {grad_at_mean:.1e}, gradient ascent from -1: {mu_fit.item():.4f}")
assert abs(float(mu_grid[ll_grid.argmax()]) - float(mu_hat)) <= 1e-3
assert abs(grad_at_mean) < 1e-10 and abs(mu_fit.item() - float(mu_hat)) < 1e-6

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · MLE = minimising KL(p_data ‖ p_θ)
# Write $\hat p$ for the empirical distribution (here: the fraction of training points in each
# of k bins). For any model q over the same bins,
#
# $$\underbrace{-\sum_i \hat p_i \log q_i}_{\text{average NLL}} = \underbrace{-\sum_i \hat p_i \log \hat p_i}_{H(\hat p)\text{, fixed by the data}} + \underbrace{\sum_i \hat p_i \log\frac{\hat p_i}{q_i}}_{\mathrm{KL}(\hat p\,\|\,q)\;\ge\;0}.$$
#
# So minimising the NLL over q is minimising $\mathrm{KL}(\hat p\,\|\,q)$, and the minimum, KL = 0,
# is at $q = \hat p$: the counts. Checked for several models q:

# %%
k = 16
e16 = torch.linspace(LO, HI, k + 1, dtype=torch.float64)
p_emp = density.histogram_fit(x1d, e16)
idx16 = density.bin_index(x1d, e16)
gauss_bins = torch.distributions.Normal(x1d.double().mean(), x1d.double().std()).cdf(e16)
torch.manual_seed(0)
dirichlet = torch.distributions.Dirichlet(torch.ones(k, dtype=torch.float64)).sample()
models = {"MLE (counts)": p_emp,
          "add-one smoothed": density.histogram_fit(x1d, e16, pseudocount=1.0),
          "one Gaussian, binned": (gauss_bins[1:] - gauss_bins[:-1]) / (gauss_bins[-1] - gauss_bins[0]),
          "uniform": torch.full((k,), 1.0 / k, dtype=torch.float64),
          "random (Dirichlet)": dirichlet}
nz = p_emp > 0
entropy = float(-(p_emp[nz] * p_emp[nz].log()).sum())
print(f"H(p_hat) = {entropy:.4f} nats")
print(f"{'model q':24s} {'avg NLL':>9s} {'KL(p_hat||q)':>13s} {'NLL - KL':>9s}")
table = {}
for name, q_model in models.items():
    nll = float(-q_model[idx16].log().mean())                       # average over the training points
    kl = float((p_emp[nz] * (p_emp[nz] / q_model[nz]).log()).sum())
    table[name] = (nll, kl)
    print(f"{name:24s} {nll:9.4f} {kl:13.4f} {nll - kl:9.4f}")
    assert math.isclose(nll - kl, entropy, abs_tol=1e-9) and kl >= -1e-12
assert min(table, key=lambda n: table[n][0]) == "MLE (counts)" and abs(table["MLE (counts)"][1]) < 1e-12

# %% [markdown]
# The same holds for continuous models when $\hat p$ is replaced by the true $p_\text{data}$: the
# expected NLL is $H(p_\text{data}) + \mathrm{KL}(p_\text{data}\,\|\,p_\theta)$. Below, for the Gaussian
# family $\mathcal N(\mu, 1.5^2)$ on our mixture data, the KL is computed by numerical integration
# against the known true density, and the NLL on the test sample: the two curves differ by a
# constant (up to sampling noise), so they have the same minimiser.

# %%
mus = torch.linspace(-3, 3, 61, dtype=torch.float64)
fine = torch.linspace(LO - 3, HI + 3, 20001, dtype=torch.float64)
log_true = gaussian_mixture_1d_log_prob(fine)
kl_curve = torch.stack([torch.trapezoid(log_true.exp() * (log_true - normal_log_pdf(fine, m, 1.5)), fine) for m in mus])
nll_curve = torch.stack([-normal_log_pdf(x1d_test.double(), m, 1.5).mean() for m in mus])
gap = nll_curve - kl_curve
true_entropy = float(-torch.trapezoid(log_true.exp() * log_true, fine))

fig, ax = plt.subplots(figsize=(6, 3.3))
ax.plot(mus, nll_curve, label="test NLL of N(μ, 1.5²)")
ax.plot(mus, kl_curve, label="KL(p_data ‖ N(μ, 1.5²))")
ax.plot(mus, gap, "k--", label=f"difference (H(p_data) = {true_entropy:.3f})")
ax.set_xlabel("μ")
ax.set_ylabel("nats")
ax.set_title("Average NLL = entropy + KL: same minimiser")
ax.legend(fontsize=8)
plt.show()
print(f"argmin NLL {float(mus[nll_curve.argmin()]):.2f}, argmin KL {float(mus[kl_curve.argmin()]):.2f}; "
      f"NLL - KL ranges over [{float(gap.min()):.3f}, {float(gap.max()):.3f}]")
# the gap is H(p_data) up to the sampling error of the test mean (it tilts the NLL curve slightly)
assert float(gap.max() - gap.min()) < 0.25 and abs(float(gap.mean()) - true_entropy) < 0.1
assert abs(float(mus[nll_curve.argmin()] - mus[kl_curve.argmin()])) <= 0.2

# %%
q = exercises.quiz(
    "Maximum likelihood fits p_θ by minimising which divergence?",
    ["KL(p_θ ‖ p_data)", "KL(p_data ‖ p_θ)", "The squared distance between the two densities"],
    answer=1,
    explanation="The average NLL equals H(p_data) + KL(p_data ‖ p_θ); the entropy does not depend on θ. "
                "The expectation is under the data, so only points that occur in the data matter.",
)
assert "Correct" in q.answer_with(1) and "Correct" not in q.answer_with(0)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · The curse of dimensionality
# With k bins per axis, a histogram in d dimensions has $k^d$ cells, each with its own
# probability to count. Binary 28 × 28 images have $2^{784}$ possible values.

# %%
for d_ in (1, 2, 3, 10, 100):
    print(f"k = 10 bins per axis, d = {d_:3d}: {10 ** d_:.0e} cells")
print(f"binary 28x28 images: 2^784 = {2 ** 784:.3e} cells (about 10^{784 * math.log10(2):.0f}); "
      f"atoms in the observable universe: about 10^80")

distinct = len(torch.unique(b_train, dim=0))
train_set = {bytes(r) for r in b_train.to(torch.uint8).cpu().numpy()}
seen = sum(bytes(r) in train_set for r in b_test.to(torch.uint8).cpu().numpy())
print(f"{distinct} distinct images among {len(b_train)} binarized training digits; "
      f"{seen} of {len(b_test)} test digits appear exactly in the training set")
assert seen / len(b_test) < 0.01, "a histogram over images gives almost every test digit probability 0"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **How empty is the table?** Take the first d principal coordinates of the digits (notebook 02
# explains PCA; any d real-valued features would do), cut each axis into 10 equal bins over the
# training range and count how many of the $10^d$ cells hold a training digit, and how many test
# digits land in a cell that is empty in training (and so get probability 0).

# %%
pca = density.pca(x_train.flatten(1), 8)
z_tr, z_te = pca.encode(x_train.flatten(1)).cpu(), pca.encode(x_test.flatten(1)).cpu()
K_AXIS = 10
empty_rows = []
for d_ in (1, 2, 4, 8):
    lo, hi = z_tr[:, :d_].min(0).values, z_tr[:, :d_].max(0).values

    def cell(z, d_=d_, lo=lo, hi=hi):  # index of the histogram cell of each point, per axis
        return ((z[:, :d_] - lo) / (hi - lo) * K_AXIS).floor().clamp(0, K_AXIS - 1).long()

    weights_ = K_AXIS ** torch.arange(d_)
    occupied = set((cell(z_tr) * weights_).sum(1).tolist())
    test_empty = np.mean([c not in occupied for c in (cell(z_te) * weights_).sum(1).tolist()])
    empty_rows.append((d_, len(occupied), K_AXIS ** d_, test_empty))
    print(f"d = {d_}: {len(occupied):6d} of {K_AXIS ** d_:>11,} cells occupied ({len(occupied) / K_AXIS ** d_:.2e}); "
          f"{test_empty:.0%} of test digits fall in an empty cell")

fig, ax = plt.subplots(figsize=(6, 3.3))
ax.plot([r[0] for r in empty_rows], [100 * r[3] for r in empty_rows], "o-", label="test digits in empty cells")
ax.plot([r[0] for r in empty_rows], [100 * r[1] / r[2] for r in empty_rows], "s-", label="cells holding a training digit")
ax.set_xlabel("dimensions d (10 bins each)")
ax.set_ylabel("percent")
ax.set_title(f"A histogram of {len(z_tr)} digits gets emptier with d")
ax.legend(fontsize=8)
plt.show()
fractions = [r[3] for r in empty_rows]
assert all(a <= b for a, b in itertools.pairwise(fractions)) and fractions[-1] > 0.5

# %%
q = exercises.quiz(
    "How many free parameters does a full histogram (one probability per image) over binary 28×28 images have?",
    ["784", "784 × 2", "2^784 − 1", "28^2 − 1"],
    answer=2,
    explanation="One probability per possible image, minus one because they sum to 1: far more than any "
                "dataset could ever fill, so nearly every cell stays empty.",
)
assert "Correct" in q.answer_with(2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Kernel density estimation
# Instead of fixed bins, put a small bump on every training point (Parzen 1962). With a
# Gaussian kernel of width h (the **bandwidth**):
#
# $$p_h(x) = \frac1n \sum_{j=1}^n \mathcal N(x;\, x_j,\, h^2), \qquad
# \log p_h(x) = \operatorname{logsumexp}_j\Big(-\frac{(x - x_j)^2}{2h^2}\Big) - \log n - \tfrac12\log(2\pi h^2).$$
#
# The log-sum-exp form avoids underflow when every bump is tiny at x. Written out and checked
# against scikit-learn's `KernelDensity`:

# %%
from sklearn.neighbors import KernelDensity


def kde_log_density(x, data, h):
    sq = (x[:, None].double() - data[None, :].double()) ** 2          # every query vs every point
    return torch.logsumexp(-sq / (2 * h ** 2), dim=1) - math.log(len(data)) - 0.5 * math.log(2 * math.pi * h ** 2)


query = torch.linspace(-5, 5, 201)
for h in (0.1, 0.4, 1.0):
    ours = kde_log_density(query, x1d, h)
    sk_kde = KernelDensity(kernel="gaussian", bandwidth=h).fit(x1d[:, None].numpy()).score_samples(query[:, None].numpy())
    print(f"h = {h}: largest |ours - sklearn| = {np.abs(ours.numpy() - sk_kde).max():.1e}")
    assert np.allclose(ours.numpy(), sk_kde, atol=1e-8)
    assert torch.allclose(ours, density.kde_log_prob(query, x1d, h), atol=1e-10)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Choosing h on held-out data.** The training likelihood always prefers h → 0 (each point
# sits on its own spike), exactly like a histogram with ever more bins. So score each h on a
# separate **validation** sample and keep the best; scikit-learn's cross-validated grid search
# should land close.

# %%
x1d_val, _ = gaussian_mixture_1d(N_TRAIN, seed=2)
bandwidths = torch.logspace(-2, 0.5, 30).tolist()
h_best, val_scores = density.select_bandwidth(x1d, x1d_val, bandwidths)
train_scores = [float(kde_log_density(x1d, x1d, h).mean()) for h in bandwidths]

from sklearn.model_selection import GridSearchCV

search = GridSearchCV(KernelDensity(kernel="gaussian"), {"bandwidth": bandwidths}, cv=5).fit(x1d[:, None].numpy())
h_sklearn = search.best_params_["bandwidth"]

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].semilogx(bandwidths, train_scores, "o-", ms=3, label="training points")
axes[0].semilogx(bandwidths, val_scores.numpy(), "s-", ms=3, label="validation points")
axes[0].axvline(h_best, color="crimson", ls="--", label=f"best on validation: h = {h_best:.2f}")
axes[0].axvline(h_sklearn, color="gray", ls=":", label=f"sklearn 5-fold CV: h = {h_sklearn:.2f}")
axes[0].set_ylim(min(val_scores.min().item(), -4), max(train_scores) + 0.5)
axes[0].set_xlabel("bandwidth h (log scale)")
axes[0].set_ylabel("mean log-likelihood (nats)")
axes[0].set_title("Training likelihood prefers h → 0; held-out does not")
axes[0].legend(fontsize=8)
for h, style in ((0.03, ":"), (h_best, "-"), (2.0, "--")):
    axes[1].plot(grid, density.kde_log_prob(grid, x1d, h).exp(), style, label=f"h = {h:.2f}")
axes[1].plot(grid, gaussian_mixture_1d_log_prob(grid).exp(), "k", lw=3, alpha=0.25, label="true density")
axes[1].set_xlim(-5, 5)
axes[1].set_xlabel("x")
axes[1].set_ylabel("density")
axes[1].set_title("Too narrow, held-out best, too wide")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()

kde_test_nll = float(-density.kde_log_prob(x1d_test, x1d, h_best).mean())
print(f"test NLL: KDE (h = {h_best:.2f}) {kde_test_nll:.3f}, best histogram {test_nll.min():.3f}, "
      f"true density {true_nll:.3f} nats")
assert bandwidths[0] < h_best < bandwidths[-1] and 0.5 < h_best / h_sklearn < 2
assert all(a > b for a, b in itertools.pairwise(train_scores))
assert true_nll < kde_test_nll < test_nll.min(), "smooth bumps beat the best histogram"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Gaussian mixtures
# A mixture of K Gaussians with weights $\pi_k \ge 0$, $\sum_k \pi_k = 1$:
#
# $$p(x) = \sum_{k=1}^K \pi_k\, \mathcal N(x;\, \mu_k, \Sigma_k), \qquad
# \log p(x) = \operatorname{logsumexp}_k\big(\log \pi_k + \log \mathcal N(x;\, \mu_k, \Sigma_k)\big).$$
#
# **Sampling** follows the story the model tells: first a component $k \sim \text{Categorical}(\pi)$,
# then $x \sim \mathcal N(\mu_k, \Sigma_k)$, computed as $\mu_k + L_k \varepsilon$ with $L_k L_k^\top = \Sigma_k$
# (Cholesky) and $\varepsilon \sim \mathcal N(0, I)$. Both, written out for a mixture of three:

# %%
pi = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
means = torch.tensor([[-2.0, 0.0], [1.5, 1.5], [1.0, -2.0]], dtype=torch.float64)
covs = torch.tensor([[[0.6, 0.3], [0.3, 0.4]], [[0.3, 0.0], [0.0, 0.8]], [[0.5, -0.2], [-0.2, 0.3]]], dtype=torch.float64)

gen = torch.Generator().manual_seed(0)
n_s = GMM_N
k_s = torch.multinomial(pi, n_s, replacement=True, generator=gen)                  # categorical first
eps = torch.randn(n_s, 2, generator=gen, dtype=torch.float64)
x_s = means[k_s] + (torch.linalg.cholesky(covs)[k_s] @ eps[:, :, None]).squeeze(-1)  # then Gaussian


def mixture_log_prob(x):
    comps = torch.stack([torch.distributions.MultivariateNormal(means[j], covs[j]).log_prob(x) for j in range(len(pi))], 1)
    return torch.logsumexp(comps + pi.log(), dim=1)


freq = torch.bincount(k_s, minlength=3).double() / n_s
print("component frequencies", np.round(freq.numpy(), 3), "vs weights", pi.numpy())
assert torch.allclose(mixture_log_prob(x_s), density.gmm_log_prob(x_s, pi, means, covs), atol=1e-10)
assert (freq - pi).abs().max() < 4 * math.sqrt(0.25 / n_s), "frequencies within 4 standard errors"
# a density integrates to 1: check on a fine grid
u = torch.linspace(-8, 8, 401, dtype=torch.float64)
uu = torch.cartesian_prod(u, u)
mass = float(mixture_log_prob(uu).exp().sum() * (u[1] - u[0]) ** 2)
print(f"integral of p(x) over [-8, 8]^2: {mass:.5f}")
assert abs(mass - 1) < 1e-3

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Fitting a mixture by EM** (Dempster, Laird & Rubin 1977). Alternate: the E-step computes each
# point's *responsibilities* $r_{nk} \propto \pi_k \mathcal N(x_n; \mu_k, \Sigma_k)$ (normalised over k);
# the M-step refits each component as a weighted Gaussian, $\pi_k = \frac1N\sum_n r_{nk}$,
# $\mu_k = \sum_n r_{nk} x_n / \sum_n r_{nk}$, and likewise $\Sigma_k$. Each round cannot lower the
# likelihood. `density.fit_gmm_em` implements it; we fit 8 components to the ring of 8
# Gaussians and compare with scikit-learn's `GaussianMixture`.

# %%
from sklearn.mixture import GaussianMixture

ring = cu.toy_2d("ring8", GMM_N, seed=0, noise=0.15).double()
em = density.fit_gmm_em(ring, 8, iters=GMM_ITERS, restarts=GMM_RESTARTS, seed=0)
sk_gmm = GaussianMixture(8, covariance_type="full", n_init=GMM_RESTARTS, random_state=0).fit(ring.numpy())
ours_ll, sk_ll = float(em.log_prob(ring).mean()), float(sk_gmm.score(ring.numpy()))
new_points, new_comp = em.sample(GMM_N, generator=torch.Generator().manual_seed(1))

fig, axes = plt.subplots(1, 3, figsize=(13, 4))
axes[0].scatter(ring[:, 0], ring[:, 1], s=3, alpha=0.5)
axes[0].set_title(f"{GMM_N} training points (ring8)")
u = torch.linspace(-3.2, 3.2, 200, dtype=torch.float64)
uu = torch.cartesian_prod(u, u)
log_dens = em.log_prob(uu).reshape(200, 200).T
axes[1].scatter(ring[:, 0], ring[:, 1], s=2, color="lightgray")
contours = axes[1].contour(u, u, log_dens, levels=[-6, -4, -2, 0], cmap="viridis")
axes[1].clabel(contours, fontsize=7)
axes[1].scatter(em.means[:, 0], em.means[:, 1], marker="x", color="crimson", label="fitted means")
axes[1].set_title(f"EM fit, contours of log p(x)\navg log-lik {ours_ll:.3f} (sklearn {sk_ll:.3f})")
axes[1].legend(fontsize=8, loc="center")
axes[2].scatter(new_points[:, 0], new_points[:, 1], s=3, c=new_comp, cmap="tab10", alpha=0.6)
axes[2].set_title("Samples from the fit, coloured by component")
for ax in axes:
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
plt.tight_layout()
plt.show()

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(em.history, "o-", ms=3)
ax.set_xlabel("EM iteration")
ax.set_ylabel("average log-likelihood (nats)")
ax.set_title("EM never decreases the likelihood")
plt.show()
print(f"average training log-likelihood: ours {ours_ll:.4f}, sklearn {sk_ll:.4f}; fitted weights {np.round(em.weights.numpy(), 3)}")
assert np.all(np.diff(em.history) > -1e-9)
assert ours_ll > sk_ll - 0.02, "our EM reaches the same optimum as scikit-learn"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 2.** Write `mixture_log_likelihood(x, weights, means, stds)` for a **1-D** Gaussian
# mixture: `x` has shape (n,), the other three shape (K,). Return $\log p(x)$ of shape (n,),
# computed stably with `torch.logsumexp`.

# %% tags=["exercise"]
import math

import torch


def mixture_log_likelihood(x, weights, means, stds):
    # BEGIN SOLUTION
    z = (x[:, None] - means[None, :]) / stds[None, :]
    log_normal = -0.5 * z ** 2 - stds.log()[None, :] - 0.5 * math.log(2 * math.pi)
    return torch.logsumexp(weights.log()[None, :] + log_normal, dim=1)
    # END SOLUTION


# %% tags=["check"]
import torch

from course_utils.density import gmm_log_prob
from course_utils.exercises import check_function


def _random_mixture(g):
    k = int(torch.randint(1, 5, (1,), generator=g))
    w = torch.rand(k, generator=g, dtype=torch.float64) + 0.1
    return (10 * torch.randn(30, generator=g, dtype=torch.float64), w / w.sum(),
            3 * torch.randn(k, generator=g, dtype=torch.float64), torch.rand(k, generator=g, dtype=torch.float64) + 0.2)


check_function(mixture_log_likelihood, lambda x, w, m, s: gmm_log_prob(x, w, m, s ** 2), _random_mixture)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · Monte Carlo: estimating π
# Expectations we cannot compute exactly can be estimated by averaging samples. Draw n points
# uniformly in the square $[-1, 1]^2$: the fraction inside the unit circle estimates its
# relative area π/4, so $\hat\pi_n = 4 \times \text{fraction}$. Each point is a Bernoulli(π/4)
# trial, so the standard error is $4\sqrt{(\pi/4)(1-\pi/4)/n}$: **error ∝ 1/√n**, whatever the
# dimension. Ten times more accuracy costs a hundred times more samples. We repeat each n many
# times and measure the root-mean-square error.

# %%
gen = torch.Generator().manual_seed(0)
ns = np.unique(np.logspace(1, math.log10(MC_MAX_N), 12).astype(int))
rmse = []
for n in ns:
    estimates = []
    per_chunk = max(1, int(2e6 // n))          # bound the memory: at most ~2 million points at once
    for start in range(0, MC_REPEATS, per_chunk):
        r = min(per_chunk, MC_REPEATS - start)
        pts = torch.rand(r, int(n), 2, generator=gen) * 2 - 1
        estimates.append(4 * (pts.pow(2).sum(-1) <= 1).double().mean(1))
    estimates = torch.cat(estimates)
    rmse.append(float(((estimates - math.pi) ** 2).mean().sqrt()))
rmse = np.array(rmse)
theory = 4 * np.sqrt((math.pi / 4) * (1 - math.pi / 4) / ns)
slope = np.polyfit(np.log(ns), np.log(rmse), 1)[0]

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
demo = torch.rand(2000, 2, generator=gen) * 2 - 1
inside_pts = demo.pow(2).sum(1) <= 1
axes[0].scatter(demo[inside_pts, 0], demo[inside_pts, 1], s=2, label="inside the circle")
axes[0].scatter(demo[~inside_pts, 0], demo[~inside_pts, 1], s=2, label="outside")
axes[0].set_aspect("equal")
axes[0].set_xlabel("$u_1$")
axes[0].set_ylabel("$u_2$")
axes[0].set_title(f"n = 2000: π ≈ {4 * float(inside_pts.double().mean()):.3f}")
axes[0].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, markerscale=4)
axes[1].loglog(ns, rmse, "o-", label=f"measured RMS error ({MC_REPEATS} repeats), slope {slope:.2f}")
axes[1].loglog(ns, theory, "k--", label="theory: 4·sqrt(p(1-p)/n), slope -1/2")
axes[1].set_xlabel("number of samples n")
axes[1].set_ylabel("RMS error of the estimate of π")
axes[1].set_title("Monte Carlo error falls as 1/√n")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"fitted log-log slope {slope:.3f} (theory -0.5); at n = {ns[-1]:,} the RMS error is {rmse[-1]:.1e}")
assert -0.65 < slope < -0.35
assert np.all(np.abs(np.log(rmse / theory)) < math.log(2)), "within a factor 2 of the theory at every n"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - A generative model gives $p(x)$ (or $p(x, y)$): it can sample, score and, through Bayes'
#   rule, classify. A discriminative model only gives $p(y \mid x)$.
# - Maximum likelihood for a histogram is counting; for a Gaussian mean it is the sample mean.
#   In general MLE minimises $\mathrm{KL}(p_\text{data}\,\|\,p_\theta)$.
# - More bins always help on training data and eventually hurt on test data: pick model size on
#   held-out likelihood (the same rule picked the KDE bandwidth).
# - In high dimensions almost every histogram cell is empty ($k^d$ cells, $2^{784}$ binary
#   images): we need models that *share* parameters across the space — mixtures, and next, neural
#   networks.
# - Monte Carlo estimates converge as $1/\sqrt n$, independent of dimension: the workhorse of the
#   VAE notebooks.
#
# Next: **02 · PCA and autoencoders**.
#
# ## References
# - C. Bishop (2006), *Pattern Recognition and Machine Learning*, sections 1.2, 2.5 (histograms, kernel density estimators) and 9.2 (mixtures and EM).
# - K. Murphy (2022), *Probabilistic Machine Learning: An Introduction*, ch. 4 (MLE) and 9 (generative vs discriminative classifiers).
# - E. Parzen (1962), *On estimation of a probability density function and mode*; B. Silverman (1986), *Density Estimation for Statistics and Data Analysis*.
# - A. Dempster, N. Laird, D. Rubin (1977), *Maximum likelihood from incomplete data via the EM algorithm*.
# - A. Ng, M. Jordan (2001), *On discriminative vs. generative classifiers*.
