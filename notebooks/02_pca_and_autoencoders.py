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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/02_pca_and_autoencoders.ipynb)
#
# # 02 · PCA and autoencoders
#
# Before generating digits we learn to *compress* them: find a few numbers per image from
# which the image can be rebuilt. PCA does this with a linear map found in closed form;
# an autoencoder learns a (possibly nonlinear) map by gradient descent.
#
# **You will see**
# - PCA written out as an eigendecomposition, checked against scikit-learn;
# - why "keep the most variance" and "lose the least in reconstruction" are the same goal;
# - explained variance and reconstructions as the number of components K grows;
# - 2-D PCA codes next to 2-D codes of a deep autoencoder, coloured by digit;
# - a linear autoencoder finding the PCA subspace (measured with principal angles);
# - reconstructions from 2-D and 5-D codes; denoising and sparse autoencoders;
# - why decoding *random* codes gives poor digits, the problem the VAE (notebook 04) solves.

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
from course_utils.models.autoencoders import Autoencoder, LinearAutoencoder
from course_utils.train import fit, train_or_load

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Inputs
# Every size and epoch count comes from the profile (`course_utils/settings.py`).

# %%
AE_WIDTHS = P.ae_widths          # hidden widths of the deep autoencoders (paper: 1000-500-250)
AE_EPOCHS = P.ae_epochs          # epochs for the 2-D and 5-D deep autoencoders
LINEAR_AE_EPOCHS = P.linear_ae_epochs  # epochs of the linear autoencoder
DAE_NOISE, DAE_EPOCHS = P.dae_noise, P.dae_epochs   # denoising: noise std on [0, 1] pixels
SPARSE_WIDTH, SPARSE_L1, SPARSE_EPOCHS = P.sparse_width, P.sparse_l1, P.sparse_epochs
BATCH_SIZE, LR = P.batch_size, 1e-3

x_train, y_train = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
x_train, y_train = x_train[:P.max_train], y_train[:P.max_train]
x_test, y_test = x_test[:P.max_test], y_test[:P.max_test]
SOURCE = cu.data.source_in_use()
N, D = x_train.shape[0], 28 * 28
print(f"{N} training and {len(x_test)} test digits ({SOURCE}); each a vector of D = {D} pixels")
print(f"deep autoencoder: {D}-{'-'.join(map(str, AE_WIDTHS))}-code, {AE_EPOCHS} epochs")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · PCA by eigendecomposition
# Stack the N images as rows of a matrix X (N × D) and centre it: $X_c = X - \mathbf{1}\mu^\top$.
# The sample covariance is $C = X_c^\top X_c / (N-1)$, a symmetric D × D matrix, so it has
# an orthonormal eigenbasis: $C = U \Lambda U^\top$ with $\lambda_1 \ge \lambda_2 \ge \dots \ge \lambda_D \ge 0$.
#
# PCA with K components keeps the first K eigenvectors $W = U_{:, 1..K}$ (D × K). The
# **code** of an image is $z = W^\top (x - \mu)$ and its **reconstruction** is $\hat x = \mu + W z$.

# %%
X = x_train.flatten(1).double()            # N x D, float64 for exact comparisons
mu = X.mean(0)
Xc = X - mu
C = Xc.T @ Xc / (N - 1)                      # D x D sample covariance
with density.single_thread(C):               # small LAPACK call: one thread is fastest
    eigenvalues, eigenvectors = torch.linalg.eigh(C)   # eigh: for symmetric matrices, ascending
order = eigenvalues.argsort(descending=True)
eigenvalues, U = eigenvalues[order].clamp(min=0), eigenvectors[:, order]

print("largest eigenvalues:", [round(v, 3) for v in eigenvalues[:6].tolist()])
print(f"total variance trace(C) = {float(C.trace()):.3f} = sum of eigenvalues = {float(eigenvalues.sum()):.3f}")
assert torch.allclose(U.T @ U, torch.eye(D, dtype=U.dtype, device=U.device), atol=1e-8), "U is orthonormal"
assert torch.allclose(C @ U[:, :5], U[:, :5] * eigenvalues[:5], atol=1e-8), "C u = lambda u"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Cross-check with scikit-learn**, which computes PCA with an SVD of $X_c$ instead. The
# explained-variance ratios $\lambda_j / \sum_i \lambda_i$ must agree, and so must the
# subspaces. Eigenvectors are only defined up to sign (and rotation within ties), so we compare
# *subspaces* with **principal angles**: for orthonormal bases $Q_A, Q_B$ the cosines of the
# angles are the singular values of $Q_A^\top Q_B$; all angles are 0 when the subspaces coincide.

# %%
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

K_CHECK = 20
with threadpool_limits(1):  # one BLAS thread: faster for a matrix this small on a busy machine
    sk = PCA(n_components=K_CHECK, svd_solver="full").fit(X.cpu().numpy())
ratio_ours = (eigenvalues[:K_CHECK] / eigenvalues.sum()).cpu().numpy()
angles = density.principal_angles(U[:, :K_CHECK].cpu(), torch.from_numpy(sk.components_.T))
print(f"largest |difference| of explained-variance ratios: {np.abs(ratio_ours - sk.explained_variance_ratio_).max():.2e}")
print(f"largest principal angle between the two {K_CHECK}-D subspaces: {math.degrees(float(angles.max())):.2e} degrees")
assert np.allclose(ratio_ours, sk.explained_variance_ratio_, atol=1e-6)
assert math.degrees(float(angles.max())) < 0.1
# the helper used later in the course computes the same thing
assert torch.allclose(density.pca(X, K_CHECK).explained_variance_ratio(), torch.from_numpy(ratio_ours).to(X), atol=1e-9)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Two views of PCA that agree
# For any orthonormal basis W of a K-dimensional subspace, split each centred image into its
# projection and the rest: $x_c = W W^\top x_c + (x_c - W W^\top x_c)$. The two parts are
# orthogonal, so by Pythagoras
#
# $$\underbrace{\operatorname{tr}(C)}_{\text{total variance}} = \underbrace{\operatorname{tr}(W^\top C W)}_{\text{variance kept by the code}} + \underbrace{\tfrac{1}{N-1}\textstyle\sum_n \lVert x_{c,n} - W W^\top x_{c,n}\rVert^2}_{\text{reconstruction error}}.$$
#
# The total is fixed, so **maximising kept variance = minimising reconstruction error**.
# The best W is the top-K eigenvectors: kept variance $\sum_{j \le K}\lambda_j$, error
# $\sum_{j > K}\lambda_j$. Below: the PCA subspace against random and perturbed subspaces.

# %%
def kept_variance(W):
    return float(((Xc @ W) ** 2).sum() / (N - 1))


def reconstruction_error(W):
    return float(((Xc - Xc @ W @ W.T) ** 2).sum() / (N - 1))


K = 10
g = torch.Generator().manual_seed(0)
total = float(eigenvalues.sum())
candidates = {"random": [density.random_subspace(D, K, g).to(X) for _ in range(40)],
              "PCA, perturbed": [density.orthonormal_basis(U[:, :K].cpu() + s * torch.randn(D, K, generator=g, dtype=torch.float64)).to(X)
                                 for s in np.linspace(0.01, 0.3, 30)]}
with density.single_thread(X):
    points = {name: np.array([(kept_variance(W), reconstruction_error(W)) for W in Ws]) for name, Ws in candidates.items()}
    pca_point = (kept_variance(U[:, :K]), reconstruction_error(U[:, :K]))

fig, ax = plt.subplots(figsize=(6, 4))
for name, pts in points.items():
    ax.scatter(pts[:, 0], pts[:, 1], s=10, label=f"{name} {K}-D subspaces")
ax.scatter(*pca_point, marker="*", s=250, color="crimson", label=f"PCA (top-{K} eigenvectors)", zorder=3)
grid = np.linspace(0, total, 2)
ax.plot(grid, total - grid, "k--", lw=1, label="kept + error = trace(C)")
ax.set_xlabel("variance kept by the code, tr(WᵀCW)")
ax.set_ylabel("mean squared reconstruction error")
ax.set_title(f"Every {K}-D subspace lies on one line: more variance = less error")
ax.legend(fontsize=8)
plt.show()

every = np.concatenate(list(points.values()))
assert np.allclose(every.sum(1), total, rtol=1e-9), "Pythagoras: kept + error = total for every subspace"
assert pca_point[0] >= every[:, 0].max() and pca_point[1] <= every[:, 1].min()
assert math.isclose(pca_point[0], float(eigenvalues[:K].sum()), rel_tol=1e-9)
assert math.isclose(pca_point[1], float(eigenvalues[K:].sum()), rel_tol=1e-9)
print(f"PCA keeps {pca_point[0]:.2f} of {total:.2f}; the best random subspace keeps {points['random'][:, 0].max():.2f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · How many components?
# The fraction of variance kept by K components is $\sum_{j\le K}\lambda_j / \sum_j \lambda_j$.
# Digits are far from filling all 784 dimensions: a few dozen directions keep most of the variance.

# %%
cumulative = (eigenvalues.cumsum(0) / eigenvalues.sum()).cpu().numpy()
ks = np.arange(1, D + 1)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ks, cumulative, label="cumulative explained variance")
for level in (0.5, 0.9, 0.95):
    k_level = int(np.searchsorted(cumulative, level) + 1)
    ax.axhline(level, color="gray", lw=0.5)
    ax.plot(k_level, level, "o", label=f"{level:.0%} with K = {k_level}")
ax.set_xscale("log")
ax.set_xlabel("number of components K (log scale)")
ax.set_ylabel("fraction of variance kept")
ax.set_title("Explained variance of MNIST vs K")
ax.legend(fontsize=8)
plt.show()
assert np.all(np.diff(cumulative) >= -1e-12) and abs(cumulative[-1] - 1) < 1e-9

# %%
KS = [1, 2, 5, 10, 20, 50, 100, D]
digits = x_test[:8].flatten(1).double()
rows = [digits]
for k in KS:
    Wk = U[:, :k]
    rows.append(mu + (digits - mu) @ Wk @ Wk.T)
grid_images = torch.cat(rows).clamp(0, 1).float()
titles = ["original"] * 8 + [f"K = {k}" for k in KS for _ in range(8)]
fig = plotting.show_images(grid_images, nrow=8, titles=titles, ax_size=0.9,
                           title="PCA reconstructions of test digits with K components (rows)")
plt.show()
errors = [float(((r - digits) ** 2).sum(1).mean()) for r in rows[1:]]
print("test reconstruction error per image by K:", {k: round(e, 2) for k, e in zip(KS, errors)})
assert all(a >= b - 1e-9 for a, b in itertools.pairwise(errors)) and errors[-1] < 1e-8

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 1.** Write `project_and_reconstruct(x, mean, W)`: given images as rows of `x`
# (B × D), the data mean (D) and an orthonormal basis `W` (D × K), return the reconstructions
# $\mu + (x - \mu) W W^\top$ (B × D).

# %% tags=["exercise"]
import torch


def project_and_reconstruct(x, mean, W):
    # BEGIN SOLUTION
    codes = (x - mean) @ W
    return mean + codes @ W.T
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function


def _reference_reconstruction(x, mean, W):
    return mean + ((x - mean) @ W) @ W.T


def _random_problem(g):
    d, k, b = 12, 3, 5
    W, _ = torch.linalg.qr(torch.randn(d, k, generator=g, dtype=torch.float64))
    return torch.randn(b, d, generator=g, dtype=torch.float64), torch.randn(d, generator=g, dtype=torch.float64), W


check_function(project_and_reconstruct, _reference_reconstruction, _random_problem)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · 2-D codes: PCA vs a deep autoencoder
# Hinton & Salakhutdinov (2006) compared the first two principal components of MNIST with the
# 2-D codes of a deep **autoencoder**, a 784-1000-500-250-2 network trained to reconstruct its
# input. Ours has widths from the profile. The encoder $f$ maps an image to a code $z$, the
# decoder $g$ maps the code back to pixel probabilities, and training minimises the Bernoulli
# negative log-likelihood $-\sum_i [x_i \log \hat x_i + (1 - x_i) \log(1 - \hat x_i)]$ of
# $\hat x = g(f(x))$. Trained weights load instantly when a checkpoint matches the configuration.

# %%
def train_autoencoder(name, make_model, epochs, data=None, **extra):
    """Build a model with a fixed seed, then load it or train it with fit (Adam, LR)."""
    data = x_train if data is None else data
    cu.seed_everything(0)
    model = make_model().to(DEVICE)
    config = {"model": repr(model), "epochs": epochs, "batch_size": BATCH_SIZE, "lr": LR,
              "n_train": int(data.shape[0]), "data_source": SOURCE, "seed": 0, **extra}

    def train_fn(m):
        with density.single_thread(data):  # small layers: one CPU thread beats two (no-op on a GPU)
            history = fit(m, lambda mm, batch: mm.loss(batch), data, epochs=epochs, batch_size=BATCH_SIZE, lr=LR,
                          generator=torch.Generator().manual_seed(0), desc=name)
        return {"loss": history["loss"], "seconds": history.seconds}

    model, metrics, trained = train_or_load(name, config, train_fn, model)
    print(f"{name}: {'trained' if trained else 'loaded'}; final training loss {metrics['loss'][-1]:.2f}")
    return model, metrics


ae2, ae2_metrics = train_autoencoder("ae-deep-2d", lambda: Autoencoder(D, 2, widths=AE_WIDTHS), AE_EPOCHS)
ae5, ae5_metrics = train_autoencoder("ae-deep-5d", lambda: Autoencoder(D, 5, widths=AE_WIDTHS), AE_EPOCHS)

# %%
from sklearn.neighbors import KNeighborsClassifier

pca2 = density.pca(X, 2)
with torch.no_grad():
    codes = {"PCA": (pca2.encode(x_train.flatten(1)), pca2.encode(x_test.flatten(1))),
             "deep autoencoder": (ae2.encode(x_train), ae2.encode(x_test))}

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
knn_accuracy = {}
for ax, (name, (z_tr, z_te)) in zip(axes, codes.items()):
    # how well separated are the classes? 5-nearest-neighbour accuracy in the 2-D code space
    knn = KNeighborsClassifier(5).fit(z_tr.cpu().numpy(), y_train.cpu().numpy())
    knn_accuracy[name] = knn.score(z_te.cpu().numpy(), y_test.cpu().numpy())
    plotting.latent_scatter(z_te.cpu(), y_test.cpu(), ax=ax,
                            title=f"2-D {name} codes of test digits (5-NN accuracy {knn_accuracy[name]:.0%})")
    lo_q, hi_q = torch.quantile(z_te.cpu().float(), torch.tensor([0.005, 0.995]), dim=0)   # zoom past outliers
    pad = 0.05 * (hi_q - lo_q)
    ax.set_xlim(float(lo_q[0] - pad[0]), float(hi_q[0] + pad[0]))
    ax.set_ylim(float(lo_q[1] - pad[1]), float(hi_q[1] + pad[1]))
    ax.legend(markerscale=3, fontsize=7, title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5))
plt.tight_layout()
plt.show()
print({k: round(v, 3) for k, v in knn_accuracy.items()})
assert all(v > 0.15 for v in knn_accuracy.values()), "both codes carry label information (chance is 10%)"
if P.name != "smoke":  # a tiny smoke-profile network trained for 2 epochs need not win
    assert knn_accuracy["deep autoencoder"] > knn_accuracy["PCA"]

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · A linear autoencoder finds the PCA subspace
# Remove the nonlinearities: $z = W_e x + b_e$, $\hat x = W_d z + b_d$, squared error.
# Baldi & Hornik (1989) showed that at the optimum the columns of $W_d$ span the same
# K-dimensional subspace as the top-K principal components, but they need not *be* the
# principal directions: any invertible mixing $W_d A$, $A^{-1} W_e$ reconstructs equally well.
# So we compare subspaces with principal angles, recorded during training.
#
# We train on centred data (the biases could learn the mean too, only more slowly) with K = 6,
# where MNIST has a clear gap $\lambda_6 \gg \lambda_7$: the size of that gap sets how fast
# gradient descent settles on the subspace. Minibatch noise keeps it from settling exactly, so
# expect angles of a degree or two, against tens of degrees for a random subspace.

# %%
K_LIN = 6
Xc_float = Xc.float()
pca_basis = U[:, :K_LIN].float().cpu()


LIN_BATCH, LIN_LR = 256, 1e-2


def train_linear(model):
    trace = []

    def largest_angle(m):  # recorded after every epoch
        trace.append(math.degrees(float(density.principal_angles(m.decoder_basis().cpu(), pca_basis).max())))
        return {}

    with density.single_thread(Xc_float):
        fit(model, lambda m, batch: m.loss(batch), Xc_float, epochs=LINEAR_AE_EPOCHS, batch_size=LIN_BATCH, lr=LIN_LR,
            eval_fn=largest_angle, desc="linear autoencoder", generator=torch.Generator().manual_seed(0))
    return {"largest_angle_deg": trace}


cu.seed_everything(0)
linear_ae = LinearAutoencoder(D, K_LIN).to(DEVICE)
linear_ae, lin_metrics, _ = train_or_load(
    "ae-linear", {"K": K_LIN, "epochs": LINEAR_AE_EPOCHS, "batch_size": LIN_BATCH, "lr": LIN_LR, "n_train": N,
                  "data_source": SOURCE, "seed": 0},
    train_linear, linear_ae)

ae_angles = np.degrees(density.principal_angles(linear_ae.decoder_basis().cpu(), pca_basis).numpy())
random_angles = np.degrees(density.principal_angles(density.random_subspace(D, K_LIN, g), pca_basis).numpy())
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
idx = np.arange(1, K_LIN + 1)
axes[0].bar(idx - 0.2, random_angles, width=0.4, label="random 6-D subspace")
axes[0].bar(idx + 0.2, ae_angles, width=0.4, label="linear autoencoder")
axes[0].set_xlabel("principal angle index")
axes[0].set_ylabel("angle to the PCA subspace (degrees)")
for i, angle in zip(idx, ae_angles):
    axes[0].text(i + 0.2, angle * 1.2, f"{angle:.1f}°", ha="center", fontsize=7)
axes[0].set_yscale("log")
axes[0].set_ylim(0.1, 1000)
axes[0].set_ylabel("angle to the PCA subspace (degrees, log)")
axes[0].set_title("Principal angles after training")
axes[0].legend(fontsize=8, loc="upper center", ncol=2)
axes[1].semilogy(np.arange(1, len(lin_metrics["largest_angle_deg"]) + 1), lin_metrics["largest_angle_deg"])
axes[1].set_xlabel("epoch (minibatch Adam)")
axes[1].set_ylabel("largest principal angle (degrees, log)")
axes[1].set_title("The decoder's subspace turns onto the PCA subspace")
plt.tight_layout()
plt.show()

columns = linear_ae.decoder_basis().cpu().double()
per_column = [math.degrees(float(density.principal_angles(columns[:, j:j + 1], pca_basis[:, j:j + 1].double())[0]))
              for j in range(K_LIN)]
print("principal angles AE vs PCA (degrees):", np.round(ae_angles, 2))
print("angle between decoder column j and eigenvector j (degrees):", np.round(per_column, 1))
assert ae_angles.max() < random_angles.min(), "far closer to the PCA subspace than a random subspace is"
if P.name != "smoke":
    assert ae_angles.max() < 5.0

# %% [markdown] slideshow={"slide_type": "subslide"}
# The subspace angles are small while the angles between individual decoder columns and
# individual eigenvectors are not: the linear autoencoder learns *the same subspace*, in a
# different basis.
#
# **Exercise 2.** Write `principal_angles_deg(A, B)`: the principal angles, in degrees and in
# ascending order, between the column spaces of `A` and `B` (both D × K, full column rank).
# Hint: orthonormalise with `torch.linalg.qr`, then take the singular values of $Q_A^\top Q_B$.

# %% tags=["exercise"]
import math

import torch


def principal_angles_deg(A, B):
    # BEGIN SOLUTION
    qa, _ = torch.linalg.qr(A)
    qb, _ = torch.linalg.qr(B)
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(-1.0, 1.0)
    return torch.rad2deg(torch.arccos(cosines)).sort().values
    # END SOLUTION


# %% tags=["check"]
import torch

from course_utils.density import principal_angles
from course_utils.exercises import check_function

check_function(principal_angles_deg, lambda A, B: torch.rad2deg(principal_angles(A, B)),
               lambda g: (torch.randn(10, 3, generator=g, dtype=torch.float64),
                          torch.randn(10, 3, generator=g, dtype=torch.float64)), atol=1e-6)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Reconstructions from 2-D and 5-D codes
# Two numbers per digit are very few. With five, the deep autoencoder keeps much more of
# each digit; PCA with the same K is shown for comparison.

# %%
def pca_reconstruct(x, k):
    Wk = U[:, :k]                     # the eigenvectors from section 1
    return (mu + (x.flatten(1).double() - mu) @ Wk @ Wk.T).float().clamp(0, 1)


originals = x_test[:10]
with torch.no_grad():
    recon = {"original": originals.flatten(1),
             "PCA K=2": pca_reconstruct(originals, 2), "AE 2-D": ae2(originals),
             "PCA K=5": pca_reconstruct(originals, 5), "AE 5-D": ae5(originals)}
fig = plotting.show_images(torch.cat(list(recon.values())).cpu(), nrow=10, ax_size=0.9,
                           titles=[name for name in recon for _ in range(10)],
                           title="Test digits and their reconstructions from 2-D and 5-D codes (AE: deep autoencoder)")
plt.show()

with torch.no_grad():
    test_flat = x_test.flatten(1)
    test_error = {"PCA, K = 2": pca_reconstruct(x_test, 2), "autoencoder, 2-D": ae2(x_test),
                  "PCA, K = 5": pca_reconstruct(x_test, 5), "autoencoder, 5-D": ae5(x_test)}
    test_error = {k: float(((v - test_flat) ** 2).sum(1).mean()) for k, v in test_error.items()}
print("test squared error per image:", {k: round(v, 1) for k, v in test_error.items()})
assert test_error["PCA, K = 5"] < test_error["PCA, K = 2"]
if P.name != "smoke":
    assert test_error["autoencoder, 5-D"] < test_error["autoencoder, 2-D"]
    assert test_error["autoencoder, 5-D"] < test_error["PCA, K = 5"]

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · A denoising autoencoder
# Vincent et al. (2008): corrupt the input, keep the clean image as the target. Here the
# corruption adds Gaussian noise (std from the profile) and clips to [0, 1]. To undo the
# noise the network must learn what digits look like, not just copy pixels.

# %%
dae, _ = train_autoencoder("ae-denoising", lambda: Autoencoder(D, 32, widths=AE_WIDTHS[:1], noise=DAE_NOISE),
                           DAE_EPOCHS)
torch.manual_seed(1)
with torch.no_grad():
    clean = x_test[:10]
    noisy = dae.corrupt(clean)
    denoised = dae.reconstruct(noisy)
fig = plotting.show_images(torch.cat([noisy, denoised, clean]).cpu(), nrow=10, ax_size=0.9,
                           titles=["noisy input"] * 10 + ["denoised"] * 10 + ["clean target"] * 10,
                           title=f"Denoising autoencoder: Gaussian noise std {DAE_NOISE}, before and after")
plt.show()

with torch.no_grad():
    noisy_all = dae.corrupt(x_test)
    err_noisy = float(((noisy_all - x_test) ** 2).flatten(1).sum(1).mean())
    err_denoised = float(((dae.reconstruct(noisy_all) - x_test) ** 2).flatten(1).sum(1).mean())
print(f"squared error to the clean test digits: noisy input {err_noisy:.1f}, denoised {err_denoised:.1f}")
assert err_denoised < err_noisy

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · A sparse autoencoder
# An **overcomplete** code (more units than pixels) could simply copy the input. A sparsity
# penalty stops that: with non-negative (ReLU) codes and a loss
# $\text{reconstruction} + \lambda \lVert z \rVert_1$, each digit may use only a few units, so
# units specialise: in strokes, parts and prototypes of digits. We train the same one-layer
# network with and without the penalty, on digits averaged down to 14 × 14 = 196 pixels so that
# an overcomplete code stays small. The price of sparsity is a somewhat larger reconstruction
# error, and some units that never fire at all.

# %%
import torch.nn.functional as F

small_train, small_test = F.avg_pool2d(x_train, 2), F.avg_pool2d(x_test, 2)   # 14 x 14, still in [0, 1]
D_SMALL = 14 * 14
sparse_models = {}
for name, l1 in (("plain", 0.0), ("sparse (L1)", SPARSE_L1)):
    sparse_models[name], _ = train_autoencoder(
        f"ae-overcomplete-l1-{l1:g}",
        lambda l1=l1: Autoencoder(D_SMALL, SPARSE_WIDTH, widths=(), code_activation="relu", l1=l1),
        SPARSE_EPOCHS, data=small_train)

with torch.no_grad():
    activations = {name: m.encode(small_test) for name, m in sparse_models.items()}
    sparse_error = {name: float(((m(small_test) - small_test.flatten(1)) ** 2).sum(1).mean())
                    for name, m in sparse_models.items()}
active = {name: float((a > 0).float().sum(1).mean()) for name, a in activations.items()}

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for name, a in activations.items():
    per_digit = (a > 0).float().sum(1).cpu().numpy()
    axes[0].hist(per_digit, bins=40, range=(0, SPARSE_WIDTH), alpha=0.6,
                 label=f"{name}: mean {per_digit.mean():.0f} of {SPARSE_WIDTH}")
    axes[1].hist(a.flatten().cpu().numpy(), bins=60, alpha=0.6, log=True, label=name)
axes[0].set_xlabel("active (non-zero) code units per test digit")
axes[0].set_ylabel("number of digits")
axes[0].set_title(f"{SPARSE_WIDTH} code units for {D_SMALL} pixels: how many fire?")
axes[0].legend(fontsize=8)
axes[1].set_xlabel("activation value")
axes[1].set_ylabel("count (log scale)")
axes[1].set_title("All code activations of the test digits")
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()
print("mean active units per digit: " + ", ".join(f"{k} {v:.0f}" for k, v in active.items())
      + "; squared reconstruction error: " + ", ".join(f"{k} {v:.2f}" for k, v in sparse_error.items()))
assert SPARSE_WIDTH > D_SMALL, "the code is overcomplete"
assert active["sparse (L1)"] < active["plain"]

# %%
sparse = sparse_models["sparse (L1)"]
usage = (activations["sparse (L1)"] > 0).float().mean(0)
used = usage.argsort(descending=True)[: int((usage > 0).sum())]
top_units = used[torch.linspace(0, len(used) - 1, 16).long()]       # from most to least used
features = sparse.decoder[0].weight.detach()[:, top_units].T        # each unit's decoder column
low, high = features.amin(1, keepdim=True), features.amax(1, keepdim=True)
features = (features - low) / (high - low + 1e-12)                  # rescale each to [0, 1] to show it
fig = plotting.show_images(features.cpu(), nrow=8, ax_size=0.9,
                           titles=[f"unit {int(u)}: {float(usage[u]):.1%}" for u in top_units],
                           title="Decoder weights of 16 sparse units, most to least used (share of digits using each)")
plt.show()
with torch.no_grad():
    pair = torch.cat([small_test[:10], sparse.reconstruct(small_test[:10])])
fig = plotting.show_images(pair.cpu(), nrow=10, ax_size=0.8, titles=["14×14 digit"] * 10 + ["sparse AE"] * 10,
                           title="The sparse code still reconstructs the digits")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Can we sample digits from an autoencoder?
# An autoencoder gives codes for the training digits, but nothing says which *other* codes
# decode to digits. Draw codes at random (uniformly in the bounding box of the 2-D codes, and
# from a Gaussian fitted to the 5-D codes) and decode them: many land in empty regions between
# the clusters, where the decoder was never trained. A simple digit classifier then tells us
# which digits the decodings resemble, and how clearly.

# %%
gen = torch.Generator().manual_seed(0)
with torch.no_grad():
    z_train2 = ae2.encode(x_train).cpu()
    z_test2 = ae2.encode(x_test).cpu()
    lo, hi = z_train2.min(0).values, z_train2.max(0).values
    z_box = lo + (hi - lo) * torch.rand(200, 2, generator=gen)
    z_train5 = ae5.encode(x_train).cpu()
    z_test5 = ae5.encode(x_test).cpu()
    fitted = torch.distributions.MultivariateNormal(z_train5.mean(0), torch.cov(z_train5.T))
    torch.manual_seed(0)
    z_gauss5 = fitted.sample((200,))

fig, ax = plt.subplots(figsize=(6, 4.3))
plotting.latent_scatter(z_train2, y_train.cpu(), ax=ax, s=2, title="2-D autoencoder codes and random codes")
ax.scatter(z_box[:, 0], z_box[:, 1], marker="x", color="black", s=12, label="random")
ax.legend(markerscale=2, fontsize=7, title="digit / code", loc="center left", bbox_to_anchor=(1.0, 0.5))
plt.show()

with torch.no_grad():
    decoded = {"2-D test": ae2.decode_images(z_test2[:200].to(DEVICE)), "2-D random": ae2.decode_images(z_box.to(DEVICE)),
               "5-D test": ae5.decode_images(z_test5[:200].to(DEVICE)), "5-D random": ae5.decode_images(z_gauss5.to(DEVICE))}
shown = {"2-D test": 8, "2-D random": 16, "5-D test": 8, "5-D random": 16}
fig = plotting.show_images(torch.cat([decoded[k][:m] for k, m in shown.items()]).cpu(), nrow=8, ax_size=1.0,
                           titles=[k for k, m in shown.items() for _ in range(m)],
                           title="Decoded codes of real test digits vs decoded random codes")
plt.show()

# Do the decodings look like digits? Ask a classifier (logistic regression on 50 principal
# components of the training digits) how sure it is about each decoded image.
from sklearn.linear_model import LogisticRegression

pca50 = density.pca(X, 50)
digit_classifier = LogisticRegression(max_iter=300).fit(pca50.encode(x_train.flatten(1)).cpu().numpy(), y_train.cpu().numpy())
probs = {k: digit_classifier.predict_proba(pca50.encode(v.flatten(1)).cpu().numpy()) for k, v in decoded.items()}
confident = {k: float((p.max(1) > 0.9).mean()) for k, p in probs.items()}
label_share = {k: np.bincount(p.argmax(1), minlength=10) / len(p) for k, p in probs.items()}
# total variation distance between the label mix of decoded random codes and of decoded test codes
tv_2d = 0.5 * np.abs(label_share["2-D random"] - label_share["2-D test"]).sum()

fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
for offset, key in ((-0.2, "2-D test"), (0.2, "2-D random")):
    axes[0].bar(np.arange(10) + offset, 100 * label_share[key], width=0.4, label=f"decoded {key} codes")
axes[0].set_xticks(range(10))
axes[0].set_xlabel("digit the classifier sees")
axes[0].set_ylabel("% of decoded images")
axes[0].set_title(f"2-D: random codes give the wrong mix of digits (TV distance {tv_2d:.2f})")
axes[0].legend(fontsize=8)
axes[1].bar(list(confident), [100 * v for v in confident.values()], color=["tab:blue", "tab:orange"] * 2)
axes[1].set_ylabel("% classified with > 90% confidence")
axes[1].set_title("How digit-like are the decoded images?")
plt.tight_layout()
plt.show()
print("confidently classified:", {k: f"{v:.0%}" for k, v in confident.items()}, f"| 2-D label-mix TV distance {tv_2d:.2f}")


def nearest_distance(queries, reference):
    """Distance from each query code to its nearest training code, in units of the codes' spread."""
    scale = reference.std(0)
    return torch.cdist(queries / scale, reference / scale).min(1).values


gaps = {"2-D test codes": nearest_distance(z_test2[:200], z_train2), "2-D random codes": nearest_distance(z_box, z_train2),
        "5-D test codes": nearest_distance(z_test5[:200], z_train5), "5-D random codes": nearest_distance(z_gauss5, z_train5)}
print("median distance to the nearest training code:", {k: round(float(v.median()), 3) for k, v in gaps.items()})
assert gaps["2-D random codes"].median() > gaps["2-D test codes"].median()
if P.name != "smoke":  # needs trained autoencoders
    assert gaps["5-D random codes"].median() > gaps["5-D test codes"].median()
    assert tv_2d > 0.2 and confident["5-D random"] < confident["5-D test"]

# %% [markdown]
# Random codes sit further from any training code than real test digits do. In 2-D the
# decoder fills the empty space with bold versions of a few digits (mostly those whose
# clusters border the empty regions), so the *mix* of digits is wrong; in 5-D many decodings are
# smudges that a classifier cannot name. Either way, we have no principled way to pick codes:
# an autoencoder is a compressor, not a generative model, and it has no distribution over codes.
# The **variational autoencoder** (notebook 04) fixes exactly this: it asks the codes to follow
# a known prior $p(z) = \mathcal N(0, I)$, so that sampling $z \sim p(z)$ and decoding gives digits.

# %%
q = exercises.quiz(
    "PCA inspired the first autoencoders. Which statement about PCA is true?",
    ["It has local optima, so it should be run several times",
     "It gives the same answer as linear regression",
     "A few outliers can pull its directions far off, because it minimises squared error",
     "Its components are always easier to interpret than the raw pixels"],
    answer=2,
    explanation="PCA is an eigendecomposition (no local optima) of a squared-error objective, and squared "
                "errors let far-away points dominate.",
)
assert "Correct" in q.answer_with(2) and "Correct" not in q.answer_with(0)

# %%
q = exercises.quiz(
    "Why do random codes decode to poor digits in a plain autoencoder?",
    ["The decoder is too small",
     "Training never constrained where codes lie, so random codes fall where the decoder was never trained",
     "The codes are too low-dimensional"],
    answer=1,
    explanation="Nothing in the reconstruction loss shapes the distribution of codes; the VAE adds a prior "
                "p(z) and trains the decoder on samples that follow it.",
)
assert "Correct" in q.answer_with(1)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - PCA = eigendecomposition of the covariance; keeping the top-K eigenvectors maximises kept
#   variance and, equivalently (Pythagoras), minimises squared reconstruction error.
# - A linear autoencoder trained with squared error finds the same subspace (small principal
#   angles), in an arbitrary basis.
# - Deep autoencoders compress better and separate digit classes better than PCA in 2-D.
# - Denoising (corrupt the input, keep the clean target) and sparsity (an L1 penalty on an
#   overcomplete ReLU code) make the learned code more useful than a copy of the input.
# - Autoencoders give no distribution over codes, so decoding random codes gives poor digits.
#
# Next: **03 · Autoregressive models** (exact likelihoods) and **04 · VAEs** (a prior on codes).
#
# ## References
# - K. Pearson (1901), *On lines and planes of closest fit to systems of points in space*; H. Hotelling (1933).
# - P. Baldi, K. Hornik (1989), *Neural networks and principal component analysis: learning from examples without local minima*.
# - Å. Björck, G. Golub (1973), *Numerical methods for computing angles between linear subspaces*.
# - G. Hinton, R. Salakhutdinov (2006), *Reducing the dimensionality of data with neural networks*, Science.
# - P. Vincent, H. Larochelle, Y. Bengio, P.-A. Manzagol (2008), *Extracting and composing robust features with denoising autoencoders*.
# - A. Ng, *Sparse autoencoder* (CS294A lecture notes); A. Makhzani, B. Frey (2013), *k-Sparse autoencoders*.
# - C. Bishop (2006), *Pattern Recognition and Machine Learning*, ch. 12.
