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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/05_latent_dimension_sweep.ipynb)
#
# # 05 · How big should the latent space be?
#
# A VAE squeezes each digit through a code $z$ of a chosen size. Lectures make three claims
# about that size, and this notebook measures them:
#
# 1. a **small** code gives **poor reconstructions**;
# 2. a **large** code lets a plain autoencoder keep **irrelevant, noisy detail**;
# 3. a VAE **uses only a few** of the latent dimensions it is given.
#
# **You will see**
# - a *sweep*: one VAE and one plain autoencoder for each latent size in {2, 5, 10, 20, 50},
#   cached per configuration so it never trains twice and resumes after an interruption;
# - test ELBO, reconstruction term, KL (rate vs distortion), IWAE NLL and **active units**
#   (Burda et al. 2015) against the latent size, in one table and one figure;
# - reconstructions of the same test digits and prior samples for each size;
# - the KL of each of the 50 units of the largest VAE: most of them are switched off.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Setup
# On Colab the next cell installs `course_utils`; on your own machine `make lab` already did.

# %% tags=["setup"]
import subprocess
import sys

if "google.colab" in sys.modules:  # install the helper package only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "git+https://github.com/dgm-course/deep-generative-models"], check=True)

import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import display
from torch import nn
from torch.nn import functional as F

import course_utils as cu
from course_utils import exercises
from course_utils.metrics import active_units, iwae_bound
from course_utils.models.vae import VAE
from course_utils.sweep import sweep
from course_utils.train import fit

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Inputs
# Every knob of this notebook, read from the profile (`course_utils/settings.py`).

# %%
LATENT_SIZES = tuple(P.sweep_latent_sizes)  # the sizes we compare
HIDDEN = P.sweep_hidden                     # width of the one hidden layer in encoder and decoder
EPOCHS = P.sweep_epochs                     # passes over the training digits, per model
BATCH_SIZE = P.sweep_batch_size
LR = P.sweep_lr                             # Adam learning rate
IWAE_K = P.sweep_iwae_k                     # importance samples for the IWAE estimate of log p(x)
THRESHOLD = 0.01                            # Burda et al.'s activity threshold (a definition, not a knob)
if DEVICE.type == "cpu":
    # These MLPs are small: a second CPU thread gains little, and on a busy machine the
    # threads wait for each other and training becomes many times slower.
    torch.set_num_threads(1)
print(f"latent sizes {LATENT_SIZES}, hidden {HIDDEN}, {EPOCHS} epochs, batch {BATCH_SIZE}, lr {LR}, "
      f"IWAE k = {IWAE_K}")

# %% [markdown]
# The data: binary digits (fixed threshold, so every model sees exactly the same test set
# and the likelihoods are comparable).

# %%
x_train, _ = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
DATA_SOURCE = cu.data.source_in_use()
x_train = cu.binarize(x_train[:P.sweep_train])
x_test, y_test = cu.binarize(x_test[:P.sweep_test]), y_test[:P.sweep_test]
print(f"{DATA_SOURCE} MNIST: {len(x_train)} training and {len(x_test)} test digits")
assert set(x_test.unique().tolist()) <= {0.0, 1.0}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Two models per size
# **VAE** (from `course_utils.models.vae`): encoder $x \to (\mu(x), \log\sigma^2(x))$, decoder
# $z \to$ Bernoulli logits, trained on the ELBO
#
# $$\mathrm{ELBO}(x) = \underbrace{\mathbb{E}_{q(z|x)}[\log p(x|z)]}_{\text{reconstruction}}
#   - \underbrace{\mathrm{KL}(q(z|x)\,\|\,\mathcal N(0, I))}_{\text{rate}} \le \log p(x).$$
#
# **Plain autoencoder**: the same two MLPs, but the code is a single point $z = f(x)$, with no
# noise and no KL: it only minimises the reconstruction loss $-\log p(x \mid z = f(x))$.
# Nothing ties its codes to $\mathcal N(0, I)$, so it is not a generative model.

# %%
class PlainAutoencoder(nn.Module):
    """The VAE's deterministic twin: x -> hidden -> z -> hidden -> Bernoulli logits."""

    def __init__(self, x_dim: int, z_dim: int, hidden: int):
        super().__init__()
        self.z_dim = z_dim
        self.encoder = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU(), nn.Linear(hidden, z_dim))
        self.decoder = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, x_dim))

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.decoder(z)  # logits, like VAE.decode

    def reconstruction(self, x):
        """log p(x | z = f(x)) per example: the same Bernoulli likelihood as the VAE's first term."""
        return -F.binary_cross_entropy_with_logits(self.decode(self.encode(x)), x.flatten(1),
                                                   reduction="none").sum(1)

    def loss(self, x):
        rec = self.reconstruction(x)
        return -rec.mean(), {"reconstruction": float(-rec.detach().mean())}


def build(config):
    """An untrained model for one configuration of the sweep (the seed fixes its initial weights)."""
    cu.seed_everything(config["seed"])
    if config["model"] == "vae":
        model = VAE(784, config["z_dim"], config["hidden"])
    else:
        model = PlainAutoencoder(784, config["z_dim"], config["hidden"])
    return model.to(DEVICE)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## Active units
# Burda, Grosse & Salakhutdinov (2015) call latent unit $u$ **active** when its posterior mean
# changes with the input:
#
# $$A_u = \mathrm{Cov}_x\big(\mathbb{E}_{q(z|x)}[z_u]\big) > 0.01 .$$
#
# An inactive unit gives the same $\mu_u$ for every digit; to keep its KL small the encoder then
# also sets $\sigma_u \approx 1$, so $q(z_u|x) \approx p(z_u) = \mathcal N(0,1)$: the unit carries no
# information about $x$ and the decoder learns to ignore it. `course_utils.metrics.active_units`
# returns the count and every $A_u$. For a plain autoencoder the code itself plays the role of $\mu$.
#
# The KL splits over units, $\mathrm{KL} = \sum_u \mathrm{KL}_u$ with
# $\mathrm{KL}_u = \tfrac12(\mu_u^2 + \sigma_u^2 - 1 - \log\sigma_u^2)$, so the *rate* of each unit
# can be read off too.

# %%
def evaluate(model, kind: str, x, iwae_k: int = IWAE_K) -> dict:
    """Every number the sweep reports for one trained model, on the test digits x (nats per digit)."""
    cu.seed_everything(0)  # the Monte Carlo estimates below use the same noise for every model
    model.eval()
    n_active, per_unit = active_units(model, x, threshold=THRESHOLD)
    with torch.no_grad():
        if kind == "ae":
            return {"reconstruction": float(model.reconstruction(x).mean()), "elbo": None, "kl": None,
                    "iwae_nll": None, "active_units": n_active, "unit_activity": per_unit.tolist(),
                    "unit_kl": None}
        rec, kl = model.elbo_terms(x)
        mu, logvar = model.encode(x)
        unit_kl = (0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)).mean(0)
        iwae = iwae_bound(model, x, k=iwae_k).mean()
    return {"reconstruction": float(rec.mean()), "elbo": float((rec - kl).mean()), "kl": float(kl.mean()),
            "iwae_nll": float(-iwae), "active_units": n_active, "unit_activity": per_unit.tolist(),
            "unit_kl": unit_kl.tolist()}


def train_one(model, config) -> dict:
    """Train one configuration, then evaluate it; the sweep caches what this returns."""
    cu.seed_everything(config["seed"])
    history = fit(model, lambda m, xb: m.loss(xb), x_train, epochs=config["epochs"],
                  batch_size=config["batch_size"], lr=config["lr"],
                  eval_fn=lambda m: {"test loss": m.loss(x_test)[0], "active units": active_units(m, x_test)[0]},
                  desc=f"{config['model']} z={config['z_dim']}")
    return {**evaluate(model, config["model"], x_test, config["iwae_k"]), "interrupted": history.interrupted,
            "train_seconds": history.seconds,
            "history": {"loss": history["loss"], "test loss": history["test loss"],
                        "active units": history["active units"]}}


# %% [markdown] slideshow={"slide_type": "slide"}
# ## The sweep
# `course_utils.sweep.sweep` trains one model per configuration, or loads it. Each finished
# model is written to disk at once (weights + a JSON sidecar with its configuration, data
# source, metrics and SHA-256), under a key computed from the configuration *and* the data
# source, so
# - a finished configuration is **never retrained** (rerun this cell: it takes a second);
# - if you interrupt the sweep, running the cell again **resumes** with the missing models;
# - changing any setting (or the data) gives a **new key**, never stale weights.
#
# Pretrained weights for the `cpu` profile (also used by `smoke`) ship with the course, so the
# demo is instant; set `COURSE_RETRAIN=1` (or pass `retrain=True`) to train everything yourself
# (about 6 minutes on two CPU cores).

# %%
configs = [{"model": kind, "z_dim": z, "hidden": HIDDEN, "epochs": EPOCHS, "batch_size": BATCH_SIZE,
            "lr": LR, "n_train": len(x_train), "n_test": len(x_test), "iwae_k": IWAE_K, "seed": 0}
           for kind in ("vae", "ae") for z in LATENT_SIZES]
results = sweep(configs, train_one, build=build, name="latent-sweep", data_source=DATA_SOURCE)
vae = {r["config"]["z_dim"]: r["model"] for r in results if r["config"]["model"] == "vae"}
ae = {r["config"]["z_dim"]: r["model"] for r in results if r["config"]["model"] == "ae"}
metrics = {(r["config"]["model"], r["config"]["z_dim"]): r["metrics"] for r in results}
print(f"{sum(r['trained'] for r in results)} trained, {sum(not r['trained'] for r in results)} loaded "
      f"from the cache, in {sum(r['seconds'] for r in results):.1f} s")
assert len(results) == 2 * len(LATENT_SIZES)

# %% [markdown]
# **Caching and resuming, on a tiny sweep.** Two one-epoch configurations go into a scratch
# directory. The first attempt "crashes" after the first model (we raise an error on purpose,
# as a power cut would); the second attempt trains only the model that was missing; the third
# trains nothing.

# %%
import tempfile

scratch = tempfile.mkdtemp(prefix="tiny-sweep-")
tiny = [{**configs[0], "epochs": P.sweep_demo_epochs, "iwae_k": P.sweep_demo_iwae_k, "z_dim": z} for z in (2, 3)]
trained_now = []


def crash_after_one(model, config):
    if trained_now:
        raise RuntimeError("simulated power cut")
    trained_now.append(config["z_dim"])
    return train_one(model, config)


def counting(model, config):
    trained_now.append(config["z_dim"])
    return train_one(model, config)


run_tiny = lambda fn: sweep(tiny, fn, scratch, build=build, name="tiny", data_source=DATA_SOURCE,
                            shipped_dir=scratch, retrain=False, progress=False)
try:
    run_tiny(crash_after_one)
except RuntimeError as err:
    print(f"attempt 1: trained z={trained_now}, then: {err}")
trained_now.clear()
resumed = run_tiny(counting)
print(f"attempt 2: trained z={trained_now}; loaded z={[r['config']['z_dim'] for r in resumed if not r['trained']]}")
assert trained_now == [3], "only the configuration that had not finished is trained"
trained_now.clear()
again = run_tiny(counting)
print(f"attempt 3: trained z={trained_now}; keys {[r['key'] for r in again]}")
assert trained_now == [] and [r["key"] for r in again] == [r["key"] for r in resumed]

# %% [markdown]
# The cached numbers are the numbers of the loaded weights: re-evaluating one model here gives
# the same reconstruction term (deterministic for the autoencoder).

# %%
z_big = max(LATENT_SIZES)
fresh = evaluate(ae[z_big], "ae", x_test)
print(f"AE z={z_big}: cached reconstruction {metrics['ae', z_big]['reconstruction']:.3f}, "
      f"recomputed {fresh['reconstruction']:.3f} nats")
assert abs(fresh["reconstruction"] - metrics["ae", z_big]["reconstruction"]) < 1e-3

# %% [markdown]
# Training curves (from the cache): the test loss flattens, so the comparison below is between
# models that have (nearly) finished learning, not between half-trained ones. The right panel
# counts the VAEs' active units after every epoch: every unit starts out active (a random
# encoder moves all of them), and the spare ones switch off only after a while.

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
for ax, kind, what in zip(axes, ("vae", "ae"), ("negative ELBO", "reconstruction loss")):
    for z in LATENT_SIZES:
        h = metrics[kind, z]["history"]
        line, = ax.plot(range(1, len(h["loss"]) + 1), h["loss"], alpha=0.4)
        ax.plot(range(1, len(h["test loss"]) + 1), h["test loss"], color=line.get_color(), label=f"z = {z}")
    ax.set(title=f"{kind.upper()}: {what}\n(faint: train, solid: test)", xlabel="epoch",
           ylabel=f"{what} (nats per digit)")
    ax.legend(fontsize=8)
for z in LATENT_SIZES:
    h = metrics["vae", z]["history"]["active units"]
    axes[2].plot(range(1, len(h) + 1), h, label=f"z = {z}")
axes[2].set(title="VAE: active units during training", xlabel="epoch", ylabel="active units (test digits)")
axes[2].legend(fontsize=8)
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The numbers
# Everything is in nats per test digit. *ELBO* and *IWAE NLL* bound the same quantity from
# the two sides we can compute: $-\mathrm{ELBO} \ge -\mathcal{L}_k \approx -\log p(x)$, so the IWAE
# NLL is the better (lower) estimate of the true negative log-likelihood. The autoencoder has
# no likelihood of $x$, hence its empty cells.

# %%
rows = []
for (kind, z), m in metrics.items():
    rows.append({"model": kind.upper(), "latent size": z, "test ELBO": m["elbo"],
                 "reconstruction E[log p(x|z)]": m["reconstruction"], "KL (rate)": m["kl"],
                 "IWAE NLL": m["iwae_nll"], "active units": m["active_units"]})
table = pd.DataFrame(rows).set_index(["model", "latent size"])
pd.set_option("display.precision", 1)
display(table)

# %%
for z in LATENT_SIZES:
    m = metrics["vae", z]
    assert m["kl"] >= 0, "a KL divergence is never negative"
    assert m["iwae_nll"] <= -m["elbo"] + 0.5, "the IWAE bound is tighter than the ELBO (up to Monte Carlo noise)"
    assert abs(m["elbo"] - (m["reconstruction"] - m["kl"])) < 1e-3
    assert 0 <= m["active_units"] <= z and metrics["ae", z]["active_units"] <= z
    assert abs(sum(m["unit_kl"]) - m["kl"]) < 1e-3 * max(1.0, m["kl"]), "the KL is the sum of the per-unit KLs"

# %% [markdown] slideshow={"slide_type": "slide"}
# The same numbers against the latent size. Read the KL as the **rate** (nats the code carries
# about each digit) and minus the reconstruction term as the **distortion** (nats lost in the
# round trip through the code).

# %%
sizes = list(LATENT_SIZES)
col = lambda kind, key: [metrics[kind, z][key] for z in sizes]
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
ax = axes[0, 0]
ax.plot(sizes, [-v for v in col("vae", "elbo")], "o-", label="-ELBO (upper bound on NLL)")
ax.plot(sizes, col("vae", "iwae_nll"), "s-", label=f"IWAE NLL, k = {IWAE_K}")
ax.set(title="VAE: negative log-likelihood of test digits", ylabel="nats per digit")
ax = axes[0, 1]
ax.plot(sizes, [-v for v in col("vae", "reconstruction")], "o-", label="VAE")
ax.plot(sizes, [-v for v in col("ae", "reconstruction")], "s--", label="plain autoencoder")
ax.set(title="Distortion: -E[log p(x|z)]", ylabel="nats per digit")
ax = axes[1, 0]
ax.plot(sizes, col("vae", "kl"), "o-", color="C2", label="VAE")
ax.set(title="Rate: KL(q(z|x) || p(z))", ylabel="nats per digit")
ax = axes[1, 1]
ax.plot(sizes, sizes, ":", color="gray", label="all units active (= latent size)")
ax.plot(sizes, col("ae", "active_units"), "s--", color="C1", label="plain autoencoder")
ax.plot(sizes, col("vae", "active_units"), "o-", color="C0", label="VAE")
ax.set(title=f"Active units (Cov of the code > {THRESHOLD})", ylabel="number of units")
for ax in axes.flat:
    ax.set_xscale("log")
    ax.set_xticks(sizes, [str(z) for z in sizes])
    ax.minorticks_off()
    ax.set_xlabel("latent size (log scale)")
    ax.legend(fontsize=8)
fig.suptitle("Latent-size sweep on the test digits")
fig.tight_layout()

# %% [markdown]
# Rate against distortion: each VAE is one point. Bigger codes *may* spend more nats on the
# code (rate) to lose fewer in reconstruction (distortion); the ELBO is minus their sum, so
# lines of constant ELBO are diagonals.

# %%
rate, distortion = col("vae", "kl"), [-v for v in col("vae", "reconstruction")]
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.plot(rate, distortion, "o-")
for i, (z, r, d) in enumerate(zip(sizes, rate, distortion)):
    # alternate the label side so that neighbouring points (z = 20 and 50 nearly coincide) stay readable
    ax.annotate(f"z = {z}", (r, d), textcoords="offset points", xytext=(8, 6) if i % 2 == 0 else (-40, -14))
best = max(col("vae", "elbo"))
r_line = torch.linspace(0, max(rate) * 1.1, 2)
ax.plot(r_line, -best - r_line, ":", color="gray", label=f"constant ELBO = {best:.1f} (best model)")
ax.set(title="VAE: rate vs distortion", xlabel="rate = KL (nats per digit)",
       ylabel="distortion = -E[log p(x|z)] (nats per digit)")
ax.margins(0.12)
ax.legend()
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Reconstructions of the same test digits
# Ten test digits, one of each class, through every model. VAEs decode their posterior mean
# $\mu(x)$; the autoencoders decode $f(x)$. The bottom row is the truth.

# %%
def show_rows(rows: dict, title: str, cell: float = 0.8):
    """A labelled image grid: one row per entry of ``rows`` (label -> B x 1 x 28 x 28 in [0, 1])."""
    n_rows, n_cols = len(rows), max(len(v) for v in rows.values())
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * cell + 1.2, n_rows * cell + 0.6), squeeze=False,
                             gridspec_kw={"wspace": 0.05, "hspace": 0.08})
    for axes_row, (label, images) in zip(axes, rows.items()):
        for j, ax in enumerate(axes_row):
            ax.set_xticks([]), ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(images):
                ax.imshow(images[j].detach().cpu().reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        axes_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title)
    fig.subplots_adjust(left=1.1 / (n_cols * cell + 1.2), right=0.98, bottom=0.02, top=1 - 0.5 / (n_rows * cell + 0.6))
    return fig


pick = torch.stack([torch.nonzero(y_test == d)[0, 0] for d in range(10)])
originals = x_test[pick]
with torch.no_grad():
    rec_rows = {f"VAE z={z}": torch.sigmoid(vae[z].decode(vae[z].encode(originals)[0])) for z in sizes}
    rec_rows.update({f"AE z={z}": torch.sigmoid(ae[z].decode(ae[z].encode(originals))) for z in sizes})
rec_rows["test digits"] = originals
fig = show_rows(rec_rows, "Reconstructions by latent size (rows) of the same ten test digits (columns)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Samples from the prior
# A VAE is trained so that codes from $\mathcal N(0, I)$ decode to digits. A plain autoencoder
# never was: its codes live wherever training put them, at whatever scale. Decoding
# $z \sim \mathcal N(0, I)$ shows the difference.

# %%
cu.seed_everything(1)
n_samples = 10
with torch.no_grad():
    sample_rows = {f"VAE z={z}": vae[z].sample(n_samples) for z in sizes}
    sample_rows.update({f"AE z={z}": torch.sigmoid(ae[z].decode(torch.randn(n_samples, z, device=DEVICE)))
                        for z in sizes})
fig = show_rows(sample_rows, "Decoded codes z ~ N(0, I): VAE samples vs the same for plain autoencoders")

# %% [markdown]
# How far from $\mathcal N(0, I)$ are the autoencoders' codes? Their spread per unit, for the
# largest code. For a VAE the KL term pulls every unit towards the prior: when the codes of all
# digits together match $\mathcal N(0, 1)$, $\mathrm{Var}_x(\mu_u) + \mathbb E_x[\sigma_u^2] = 1$, so the
# spread of its posterior means stays below 1.

# %%
ae_spread = torch.tensor(metrics["ae", z_big]["unit_activity"]).sqrt()
vae_spread = torch.tensor(metrics["vae", z_big]["unit_activity"]).sqrt()
print(f"std of the code per unit, z = {z_big}: plain AE median {ae_spread.median():.2f} "
      f"(range {ae_spread.min():.2f}-{ae_spread.max():.2f}); VAE posterior mean median {vae_spread.median():.2f}")
assert vae_spread.max() < 2.0, "the KL keeps the VAE's codes on the scale of the prior"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## How many of its 50 units does the VAE use?
# Each unit's KL (its share of the rate) and its activity $A_u$, sorted, for the largest VAE.

# %%
unit_kl = torch.tensor(metrics["vae", z_big]["unit_kl"])
activity = torch.tensor(metrics["vae", z_big]["unit_activity"])
order = torch.argsort(unit_kl, descending=True)
active = activity[order] > THRESHOLD
n_active = int(active.sum())
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
positions = torch.arange(z_big)
for ax, values, what in ((axes[0], unit_kl[order], "KL per unit (nats per digit)"),
                         (axes[1], activity[order], "activity A_u = Var_x(E_q[z_u])")):
    ax.bar(positions[active], values[active], color="C0", label=f"active ({n_active})")
    ax.bar(positions[~active], values[~active], color="C3", label=f"inactive ({z_big - n_active})")
    ax.set(xlabel="latent unit (sorted by KL)", ylabel=what)
    ax.legend()
axes[0].set_title(f"VAE z = {z_big}: the rate is spent on a few units")
axes[1].set_yscale("log")
axes[1].axhline(THRESHOLD, color="gray", ls=":", label="threshold 0.01")
axes[1].set_title("Activity of each unit (log scale)")
axes[1].legend()
fig.tight_layout()
print(f"{n_active} of {z_big} units are active; the inactive ones carry "
      f"{float(unit_kl[activity <= THRESHOLD].sum()):.3f} of the {float(unit_kl.sum()):.1f} nats of KL")

# %% [markdown]
# An inactive unit should make no difference to the decoder. Test it: replace every inactive
# unit of the posterior mean by a prior draw and compare the reconstructions. Moving an active
# unit by the same amount changes the image a lot more.

# %%
model = vae[z_big]
inactive_units = torch.nonzero(activity <= THRESHOLD).flatten().to(DEVICE)
active_units_idx = torch.nonzero(activity > THRESHOLD).flatten().to(DEVICE)
cu.seed_everything(2)
with torch.no_grad():
    mu, _ = model.encode(x_test)
    base = torch.sigmoid(model.decode(mu))
    def change(units):
        z = mu.clone()
        z[:, units] = torch.randn(len(mu), len(units), device=DEVICE)
        return float((torch.sigmoid(model.decode(z)) - base).abs().sum(1).mean())
    d_inactive = change(inactive_units) if len(inactive_units) else 0.0
    d_active = change(active_units_idx[:max(1, len(inactive_units))]) if len(active_units_idx) else float("nan")
print(f"resampling {len(inactive_units)} inactive units changes a reconstruction by {d_inactive:.2f} "
      f"pixels (sum of |change|); resampling as many active units changes it by {d_active:.2f}")

# %% [markdown]
# **Exercise 1.** Compute the active units *by hand*. Write `count_active(mu, threshold)`: given a
# matrix of posterior means `mu` (`N × D`, one row per digit), return the number of units whose
# variance over the rows (divide by `N`) exceeds the threshold, and the `D` variances.

# %% tags=["exercise"]
import torch


def count_active(mu, threshold=0.01):
    # BEGIN SOLUTION
    variances = ((mu - mu.mean(0)) ** 2).mean(0)
    return int((variances > threshold).sum()), variances
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function


def _random_means(g):
    scales = torch.rand(12, generator=g) ** 4 * 0.5  # many units near and below 0.01
    return (torch.randn(300, 12, generator=g, dtype=torch.float64) * scales.double().sqrt() + 1.0,)


check_function(count_active, lambda mu: (int((mu.var(0, correction=0) > 0.01).sum()), mu.var(0, correction=0)),
               _random_means)

# %% [markdown]
# Your function on the largest VAE agrees with `metrics.active_units` and with the cached count:

# %%
with torch.no_grad():
    mu, _ = vae[z_big].encode(x_test)
by_hand, _ = count_active(mu.double())
print(f"by hand: {by_hand} active units; active_units(): {active_units(vae[z_big], x_test)[0]}; "
      f"cached: {metrics['vae', z_big]['active_units']}")
assert by_hand == active_units(vae[z_big], x_test)[0] == metrics["vae", z_big]["active_units"]

# %% [markdown]
# **Exercise 2.** The rate of each unit. Write `kl_per_unit(mu, logvar)`: the closed-form
# $\mathrm{KL}(\mathcal N(\mu_u, \sigma_u^2)\,\|\,\mathcal N(0, 1))$ of every unit, averaged over the rows,
# a tensor of length `D`. Summed over the units it must give the VAE's KL term.

# %% tags=["exercise"]
import torch


def kl_per_unit(mu, logvar):
    # BEGIN SOLUTION
    return (0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar)).mean(0)
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function
from course_utils.metrics import kl_to_standard_normal

check_function(kl_per_unit,
               lambda mu, logvar: torch.stack([kl_to_standard_normal(mu[:, [u]], logvar[:, [u]]).mean()
                                               for u in range(mu.shape[1])]),
               lambda g: (torch.randn(50, 7, generator=g), torch.randn(50, 7, generator=g)))

# %%
with torch.no_grad():
    mu, logvar = vae[z_big].encode(x_test)
mine = kl_per_unit(mu, logvar)
print(f"sum of your per-unit KLs {float(mine.sum()):.3f} = KL term {metrics['vae', z_big]['kl']:.3f} nats")
assert abs(float(mine.sum()) - metrics["vae", z_big]["kl"]) < 1e-3 * max(1.0, metrics["vae", z_big]["kl"])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## "Too many dimensions keep noise": a denoising test
# Flip 4% of the pixels of each test digit at random and reconstruct both the clean and the
# noisy digit. A code that only describes *digits* has no way to describe the flipped pixels,
# so its reconstruction hardly changes; a code with room to spare can pass them through.
# We measure, over the flipped pixels, which fraction of each flip reaches the reconstruction:
# $\frac{1}{|F|}\sum_{i \in F} (\hat x_i(\tilde x) - \hat x_i(x))\,(\tilde x_i - x_i)$, where $\tilde x$ is
# the noisy digit and $F$ the flipped pixels (0 = ignored, 1 = copied).

# %%
flip = torch.rand(x_test.shape, generator=torch.Generator().manual_seed(3)).to(DEVICE) < 0.04
noisy = torch.where(flip, 1 - x_test, x_test)


def noise_copied(encode_decode):
    with torch.no_grad():
        clean_out = torch.sigmoid(encode_decode(x_test)).view_as(x_test)
        noisy_out = torch.sigmoid(encode_decode(noisy)).view_as(x_test)
    return float(((noisy_out - clean_out) * (noisy - x_test))[flip].mean())


copied = {("ae", z): noise_copied(lambda x, m=ae[z]: m.decode(m.encode(x))) for z in sizes}
copied.update({("vae", z): noise_copied(lambda x, m=vae[z]: m.decode(m.encode(x)[0])) for z in sizes})
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [1, 1.4]})
axes[0].plot(sizes, [copied["vae", z] for z in sizes], "o-", label="VAE")
axes[0].plot(sizes, [copied["ae", z] for z in sizes], "s--", label="plain autoencoder")
axes[0].set(xscale="log", title="How much pixel noise reaches the reconstruction", xlabel="latent size (log scale)",
            ylabel="fraction of each pixel flip passed on")
axes[0].set_xticks(sizes, [str(z) for z in sizes])
axes[0].minorticks_off()
axes[0].legend()
five = noisy[pick[:5]]
with torch.no_grad():
    strip = [five] + [torch.sigmoid(ae[z].decode(ae[z].encode(five))).view_as(five) for z in (2, z_big)]
# one long image: a row of five digits per model, stacked
axes[1].imshow(torch.cat([torch.cat(list(row[:, 0].cpu()), dim=1) for row in strip]), cmap="gray", vmin=0, vmax=1)
axes[1].set_yticks([14, 42, 70], ["noisy input", "AE z=2", f"AE z={z_big}"])
axes[1].set_xticks([])
axes[1].set_title("Noisy digits and their autoencoder reconstructions")
fig.tight_layout()
print("noise copied, AE:", {z: round(copied["ae", z], 3) for z in sizes})
print("noise copied, VAE:", {z: round(copied["vae", z], 3) for z in sizes})

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Which lecture claims do the numbers support?
# The checks below run in every profile; the text states what the `cpu` run (4,000 training
# digits, 40 epochs; the `smoke` profile loads the same weights) showed.
#
# **"A low latent dimension gives poor reconstructions."** Supported, for both models: the
# 2-D codes have by far the largest distortion, and the grid shows it: with $z = 2$ several
# digits come back as a different, more typical digit (both models turn the 4 into a 9; the
# VAE also turns the 2 into an 8 and the 8 into a 9), 5-D codes keep the identity of most
# digits (the VAE's 4 is still a 9), and from 10-D on every digit is recognisable.

# %%
for kind in ("vae", "ae"):
    assert metrics[kind, 2]["reconstruction"] < metrics[kind, z_big]["reconstruction"], \
        f"{kind}: 2-D codes reconstruct worse than {z_big}-D codes"
print("reconstruction log-likelihood, z = 2 vs z =", z_big, ":",
      {kind: (round(metrics[kind, 2]["reconstruction"], 1), round(metrics[kind, z_big]["reconstruction"], 1))
       for kind in ("vae", "ae")})

# %% [markdown]
# **"A too high latent dimension keeps irrelevant or noisy information."** Supported for the
# plain autoencoder: the more room in its code, the more of the pixel noise it passes on to
# the reconstruction (in the `cpu` run about twice as much at $z = 50$ as at $z = 2$), and the
# gap between its test and training loss (memorised detail of the training digits) grows with
# the size. The VAE passes on less noise at large sizes and levels off after $z = 20$, because
# its KL term charges for every nat the code carries and it switches the spare units off.

# %%
assert copied["ae", z_big] > copied["ae", 2], "the large autoencoder copies more of the noise than the 2-D one"
gap = {z: metrics["ae", z]["history"]["test loss"][-1] - metrics["ae", z]["history"]["loss"][-1] for z in sizes}
print("AE test - train reconstruction loss (nats):", {z: round(g, 1) for z, g in gap.items()})
assert copied["vae", z_big] < copied["ae", z_big], "the VAE copies less noise than the autoencoder of the same size"
assert gap[z_big] > gap[2], "the large autoencoder memorises more of its training digits"

# %% [markdown]
# **"VAEs use only a small subset of the latent dimensions."** Supported: the 50-D VAE
# leaves most of its units inactive (only after enough training: in the `cpu` run all 50
# stayed active for about 15 epochs before 30 of them switched off, see the training curves),
# at essentially zero KL, while the plain autoencoder of the same size uses all 50. The
# lecture's *pro*: the VAE selects its own latent dimension; *con*: the unused units could have
# bought better reconstructions (the 50-D AE reconstructs far better). The ELBO and IWAE NLL
# hardly improve once the size exceeds the number of units the VAE wants to use (in the `cpu`
# run: 18 active units of 20, 20 of 50, and the same ELBO for both).

# %%
vae_active = {z: metrics["vae", z]["active_units"] for z in sizes}
print("VAE active units by size:", vae_active, "  AE:", {z: metrics["ae", z]["active_units"] for z in sizes})
assert metrics["ae", z_big]["reconstruction"] > metrics["vae", z_big]["reconstruction"], \
    "without a KL term the autoencoder reconstructs better"
assert vae_active[z_big] < z_big / 2, "the 50-D VAE leaves more than half of its units inactive"
assert metrics["ae", z_big]["active_units"] > vae_active[z_big]
assert d_inactive < d_active / 5, "inactive units hardly change the decoder's output"

# %% [markdown]
# **Quiz.**

# %%
q1 = exercises.quiz(
    "A VAE with 50 latent units trained on MNIST ends up with 20 active units. What is true of the other 30?",
    ["They encode fine detail such as stroke thickness",
     "Their posterior q(z_u|x) is about N(0, 1) for every digit, their KL is about 0 and the decoder ignores them",
     "They are broken: training diverged for those units",
     "They hold the label of the digit"],
    answer=1,
    explanation="An inactive unit has the same posterior for every x; matching the prior makes its KL zero, "
                "so the ELBO loses nothing by not using it.",
)
assert "Correct" in q1.answer_with(1) and "Correct" not in q1.answer_with(0)

# %%
q2 = exercises.quiz(
    "You train plain autoencoders with 2-D and 50-D codes. Which statement matches what this notebook measured?",
    ["The 2-D code reconstructs best because it is forced to be simple",
     "Both reconstruct equally well, since the decoder is the same size",
     "The 2-D code loses digit identity; the 50-D code reconstructs well but also copies pixel noise",
     "Neither can be sampled from, so their reconstructions are meaningless"],
    answer=2,
    explanation="Too small a code cannot describe the digit; too large a code also has room for details that "
                "are not part of the digit, such as noise.",
)
assert "Correct" in q2.answer_with(2) and "Correct" not in q2.answer_with(3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - The latent size trades **rate** (KL: what the code carries) against **distortion** (what the
#   reconstruction loses). Too small a code distorts digits into other digits.
# - A plain autoencoder fills whatever room it is given, noise included, and its codes are not
#   $\mathcal N(0, I)$, so decoding random codes gives poor images.
# - A VAE pays for every nat in its code, so with a large code it switches most units off:
#   active units (Burda et al.: $\mathrm{Cov}_x(\mathbb{E}_q[z_u]) > 0.01$) count what it really uses.
# - A sweep is only practical when it is cached per configuration and resumable:
#   `course_utils.sweep.sweep` does both and keys each model by its settings and data.
#
# Next: **06 · GANs and DCGAN**.
#
# **References**
# - Y. Burda, R. Grosse, R. Salakhutdinov. *Importance Weighted Autoencoders*. ICLR 2016
#   (arXiv:1509.00519): the IWAE bound and the active-unit criterion.
# - D. P. Kingma, M. Welling. *Auto-Encoding Variational Bayes*. ICLR 2014: the VAE; its
#   Figure 2 compares latent sizes on MNIST.
# - A. Alemi et al. *Fixing a Broken ELBO*. ICML 2018: the rate-distortion view of the ELBO.
# - G. E. Hinton, R. R. Salakhutdinov. *Reducing the Dimensionality of Data with Neural
#   Networks*. Science 2006: deep autoencoders and their codes.
