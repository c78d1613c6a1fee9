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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/03_autoregressive_fvsbn_nade.ipynb)
#
# # 03 · Autoregressive models: FVSBN and NADE
#
# A histogram over 784 binary pixels needs $2^{784}$ cells. Autoregressive models avoid
# the table by writing $p(x)$ with the chain rule and learning each factor.
#
# **You will**
# - check the chain rule on a tiny table and count parameters: full table vs FVSBN vs NADE;
# - fit three models of binarized MNIST (independent pixels, FVSBN, NADE) and compare their
#   test NLL in nats and bits/dim with published numbers;
# - see why NADE's shared weights give an $O(HD)$ likelihood (the running sum);
# - sample digits pixel by pixel, look at the conditionals $\hat x_i$ as images, and
#   complete the lower half of a digit from its upper half;
# - extend NADE to 4-level pixels (softmax outputs) and to real values (RNADE).

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
import time

import matplotlib.pyplot as plt
import torch
from torch.nn import functional as F

import course_utils as cu
from course_utils import exercises, plotting
from course_utils.metrics import bits_per_dim
from course_utils.models.autoregressive import FVSBN, NADE, RNADE, CategoricalNADE, IndependentBernoulli
from course_utils.train import fit, train_or_load

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Inputs
# Every size comes from the profile (`course_utils/settings.py`, section `03 autoregressive`).
# The trained models use the same sizes in the `smoke` and `cpu` profiles, so both load the
# shipped checkpoints instantly.

# %%
HIDDEN = P.ar_nade_hidden            # NADE hidden units H
EPOCHS = {"fvsbn": P.ar_fvsbn_epochs, "nade": P.ar_nade_epochs, "categorical": P.ar_ext_epochs,
          "rnade": P.ar_rnade_epochs}
BATCH = P.ar_batch_size
LR = 1e-3                            # Adam learning rate for every model here
print(f"NADE H = {HIDDEN}; epochs {EPOCHS}; batch {BATCH}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The chain rule
# Any distribution over $x = (x_1, \dots, x_D)$ factorises, in any fixed order, as
#
# $$p(x) = p(x_1)\, p(x_2 \mid x_1) \cdots p(x_D \mid x_1, \dots, x_{D-1}) = \prod_{i=1}^D p(x_i \mid x_{<i}).$$
#
# No assumption is made: it is an identity. Check it on a random table over 3 binary
# variables: read each conditional off the table, multiply, and recover every entry.

# %%
g = torch.Generator().manual_seed(0)
table = torch.rand(2, 2, 2, generator=g, dtype=torch.float64)
table /= table.sum()                                    # p(x1, x2, x3): 7 free numbers


def conditional(table, x, i):
    """p(x_i | x_<i) read off the full table: marginalise x_>i, then normalise over x_i."""
    marg = table.sum(dim=tuple(range(i + 1, table.dim()))) if i + 1 < table.dim() else table
    prefix = marg[tuple(x[:i])]
    return prefix[x[i]] / prefix.sum()


for x in itertools.product([0, 1], repeat=3):
    chain = math.prod(conditional(table, x, i) for i in range(3))
    assert abs(chain - table[x]) < 1e-12
    print(f"x = {x}:  table {table[x]:.4f}   product of conditionals {chain:.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Counting parameters
# The conditionals are where the cost hides. As tables, $p(x_i \mid x_{<i})$ needs $2^{i-1}$
# numbers, $2^D - 1$ in total. Autoregressive models replace each table by a small
# parametric function:
# - **FVSBN**: a logistic regression on the previous pixels, $\hat x_i = \sigma(a_i + \sum_{j<i} W_{ij} x_j)$:
#   $1 + 2 + \dots + D = D(D+1)/2$ parameters;
# - **NADE**: one hidden layer per conditional, $h_i = \sigma(c + W_{:,<i}\, x_{<i})$,
#   $\hat x_i = \sigma(b_i + V_i \cdot h_i)$, with $W$ and $c$ **shared** by all conditionals:
#   $2HD + H + D$ parameters. Without sharing, $D$ separate one-hidden-layer networks
#   would need about $HD^2/2$.
#
# The counts below are read from the models themselves.

# %%
D = 784
counts = {
    "full table (2^D - 1)": None,
    "independent Bernoulli": IndependentBernoulli(D).effective_parameters(),
    "FVSBN": FVSBN(D).effective_parameters(),
    f"NADE, H = {HIDDEN} (shared W)": NADE(D, HIDDEN).effective_parameters(),
    f"D separate 1-hidden-layer nets, H = {HIDDEN}": sum(HIDDEN * (i - 1) + HIDDEN + HIDDEN + 1 for i in range(1, D + 1)),
}
for name, n in counts.items():
    shown = f"about 10^{D * math.log10(2):.0f}" if n is None else f"{n:,}"
    print(f"{name:42s} {shown:>15s}")
assert counts["FVSBN"] == D * (D + 1) // 2
assert counts[f"NADE, H = {HIDDEN} (shared W)"] == 2 * HIDDEN * D + HIDDEN + D

# %% [markdown]
# With $H = 500$, NADE actually has *more* parameters than FVSBN (785 k vs 308 k): sharing
# does not make NADE small, it makes a neural network per conditional affordable
# (785 k instead of 154 M parameters) and, as Section 4 shows, makes it fast.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Binarized MNIST
# Pixels become 0/1 with a **fixed** threshold at 0.5, so every run sees the same data and
# likelihoods are comparable. A tenth of the training digits is held out as a validation
# set for early stopping: we keep the parameters of the epoch with the best validation NLL.

# %%
x_grey, y_all = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_grey_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
SOURCE = cu.data.source_in_use()
x_grey, y_all = x_grey[:P.ar_max_train], y_all[:P.ar_max_train]
x_grey_test, y_test = x_grey_test[:P.ar_max_test], y_test[:P.ar_max_test]
x_all = cu.binarize(x_grey).flatten(1)
x_test = cu.binarize(x_grey_test).flatten(1)
n_valid = int(len(x_all) * P.ar_valid_fraction)
x_train, x_valid = x_all[n_valid:], x_all[:n_valid]
print(f"data: {SOURCE}; train {len(x_train)}, validation {len(x_valid)}, test {len(x_test)} binary digits of D = {D}")
print(f"fraction of pixels that are 1: {x_train.mean():.3f}")
assert set(x_train.unique().tolist()) == {0.0, 1.0}

fig = plotting.show_images(x_train[:16], nrow=8, titles=[f"label {int(v)}" for v in y_all[n_valid:n_valid + 16]],
                           title="Binarized training digits (threshold 0.5)")


# %% [markdown] slideshow={"slide_type": "subslide"}
# One helper measures what everything below is judged by: the average negative
# log-likelihood (NLL) of a set of digits, in nats, and the same per pixel in bits.

# %%
@torch.no_grad()
def nll(model, x, batch=500):
    """Mean -log p(x) in nats over the rows of x."""
    return float(torch.cat([-model.log_prob(x[i:i + batch]) for i in range(0, len(x), batch)]).mean())


UNIFORM_NLL = D * math.log(2)      # every binary image equally likely
print(f"uniform model: {UNIFORM_NLL:.1f} nats = {bits_per_dim(UNIFORM_NLL, D):.2f} bits/dim")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Baseline: independent pixels
# $p(x) = \prod_i \mathrm{Bernoulli}(x_i; \hat x_i)$ with $\hat x_i$ not depending on other
# pixels. Its maximum-likelihood fit is counting: $\hat x_i$ is the fraction of training digits
# with pixel $i$ on (smoothed by one pseudo-count so no pixel gets probability 0).

# %%
bernoulli = IndependentBernoulli(D).to(DEVICE).fit_counts(x_train)
x_train_eval = x_train[:len(x_test)]     # the train-NLL column uses as many digits as the test set
results = {"independent Bernoulli": {"test": nll(bernoulli, x_test), "train": nll(bernoulli, x_train_eval)}}
print(f"independent Bernoulli: test NLL {results['independent Bernoulli']['test']:.1f} nats")
assert results["independent Bernoulli"]["test"] < UNIFORM_NLL

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. FVSBN: all logistic regressions in one matrix product
# Writing $D$ logistic regressions as $D$ layers would run $D$ small products. Instead put
# all weights in one $D \times D$ matrix and zero the entries with $j \ge i$ with a mask
# $M_{ij} = [j < i]$:
#
# $$\text{logits} = a + x\,(W \odot M)^\top, \qquad \hat x = \sigma(\text{logits}).$$
#
# The mask is what makes the model autoregressive: $\hat x_i$ cannot see $x_i$ or any later
# pixel. (`benchmarks/bench_nade.py` times this against 784 separate `nn.Linear` layers.)

# %%
small = FVSBN(6)
fig, ax = plt.subplots(figsize=(3.2, 3))
ax.imshow(small.mask.cpu(), cmap="Greys", vmin=0, vmax=1)
ax.set_title("FVSBN mask for D = 6 (black: weight used)")
ax.set_xlabel("input pixel j")
ax.set_ylabel("output pixel i")
ax.grid(False)
plt.show()


# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 1.** Write `fvsbn_logits(x, W, a)`: the FVSBN logits for a batch of binary
# vectors `x` (B × D), a weight matrix `W` (D × D, of which only the part below the diagonal
# counts) and biases `a` (D), as one masked matrix product.

# %% tags=["exercise"]
import torch


def fvsbn_logits(x, W, a):
    # BEGIN SOLUTION
    mask = torch.ones_like(W).tril(-1)     # M_ij = 1 when j < i
    return a + x @ (W * mask).T
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function
from course_utils.models.autoregressive import FVSBN


def reference_fvsbn_logits(x, W, a):
    model = FVSBN(W.shape[0]).double()
    with torch.no_grad():
        model.W.copy_(W)
        model.a.copy_(a)
    return model.logits(x)


def fvsbn_inputs(g):
    d = int(torch.randint(2, 12, (1,), generator=g))
    x = (torch.rand(5, d, generator=g) < 0.5).double()
    return x, torch.randn(d, d, generator=g, dtype=torch.float64), torch.randn(d, generator=g, dtype=torch.float64)


check_function(fvsbn_logits, reference_fvsbn_logits, fvsbn_inputs)


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training FVSBN and NADE
# Both minimise the average NLL with Adam. The biases start at the independent-Bernoulli
# fit, so training starts from the baseline and the weights only have to add what pixel
# dependencies explain. `train_or_load` loads a shipped checkpoint when one matches the
# configuration (model, sizes, epochs, data); the curves are stored with it.

# %%
def train_model(name, model, epochs):
    """Train with early stopping on the validation NLL, or load; returns (model, metrics)."""
    config = {"model": name, "dims": D, "hidden": getattr(model, "hidden", None), "epochs": epochs,
              "batch_size": BATCH, "lr": LR, "n_train": len(x_train), "n_valid": len(x_valid),
              "binarize": "fixed", "init": "bernoulli biases", "data_source": SOURCE, "seed": 0}

    def train_fn(m):
        best = {"nll": float("inf"), "epoch": 0, "state": None}

        def validate(m):
            value = nll(m, x_valid)
            if value < best["nll"]:
                best.update(nll=value, epoch=len(best.get("curve", [])) + 1,
                            state={k: v.detach().clone() for k, v in m.state_dict().items()})
            best.setdefault("curve", []).append(value)
            return {"validation NLL": value}

        cu.seed_everything(0)
        history = fit(m, lambda m, xb: -m.log_prob(xb).mean(), x_train, epochs=epochs, batch_size=BATCH,
                      lr=LR, eval_fn=validate, desc=name, generator=torch.Generator().manual_seed(0))
        m.load_state_dict(best["state"])
        return {"validation_nll": best["nll"], "best_epoch": best["epoch"], "train_seconds": history.seconds,
                "train_nll_curve": history["loss"], "validation_nll_curve": history["validation NLL"]}

    model, info, trained = train_or_load(name, config, train_fn, model.to(DEVICE))
    print(f"{name}: {'trained' if trained else 'loaded'}; best validation NLL {info['validation_nll']:.1f} nats "
          f"at epoch {info['best_epoch']} of {epochs} (training took {info['train_seconds']:.0f} s)")
    return model, info


cu.seed_everything(0)
fvsbn = FVSBN(D)
with torch.no_grad():
    fvsbn.a.copy_(bernoulli.a)
fvsbn, fvsbn_info = train_model("fvsbn", fvsbn, EPOCHS["fvsbn"])
results["FVSBN"] = {"test": nll(fvsbn, x_test), "train": nll(fvsbn, x_train_eval)}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. NADE: shared weights and the running sum
# NADE's hidden layer for pixel $i$ is $h_i = \sigma(a_i)$ with pre-activation
# $a_i = c + W_{:,<i}\, x_{<i}$. Because $W$ is shared, consecutive pre-activations differ by
# one column:
#
# $$a_1 = c, \qquad a_{i+1} = a_i + W_{:,i}\, x_i .$$
#
# So all $D$ hidden layers cost $O(HD)$ per digit, not the $O(HD^2)$ of computing each
# $W_{:,<i}\, x_{<i}$ from scratch. Then $\hat x_i = \sigma(b_i + V_i \cdot h_i)$.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 2.** Write `nade_preactivations(x, W, c)`: the tensor `A` (B × D × H) with
# `A[:, i] = c + W[:, :i] @ x[:, :i]`, using the running sum (one update per pixel).

# %% tags=["exercise"]
import torch


def nade_preactivations(x, W, c):
    # BEGIN SOLUTION
    a = c.expand(x.shape[0], -1)
    out = []
    for i in range(x.shape[1]):
        out.append(a)
        a = a + x[:, i:i + 1] * W[:, i]      # add pixel i's column once pixel i is known
    return torch.stack(out, 1)
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function


def preactivations_from_scratch(x, W, c):
    """The O(H D^2) definition: every a_i computed on its own."""
    return torch.stack([c + x[:, :i] @ W[:, :i].T for i in range(x.shape[1])], 1)


def nade_inputs(g):
    d, h = int(torch.randint(2, 10, (1,), generator=g)), int(torch.randint(1, 6, (1,), generator=g))
    x = (torch.rand(4, d, generator=g) < 0.5).double()
    return x, torch.randn(h, d, generator=g, dtype=torch.float64), torch.randn(h, generator=g, dtype=torch.float64)


check_function(nade_preactivations, preactivations_from_scratch, nade_inputs)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How `course_utils` computes it, and how fast
# The per-pixel loop above is correct but runs 784 small Python steps. The vectorised
# alternative builds all pre-activations at once with a cumulative sum: a B × D × H tensor,
# 39 million numbers for B = 100 and H = 500, that autograd must also keep for the backward
# pass. `NADE.logits` walks the pixels in blocks of 16: inside a block the running sum is a
# single masked matrix product, only block × B × H numbers exist at a time, and a hand-written
# backward pass recomputes each block instead of storing it. (`NADE.log_prob`, used for
# training, goes further: since dL/dlogit_i = x_i - x̂_i is known as soon as logit_i is, it
# computes the gradients in the same sweep.) All three give the same numbers:

# %%
def nade_logits_vectorised(model, x):
    """All pre-activations at once: an exclusive cumulative sum over pixels (B x D x H)."""
    contrib = x.unsqueeze(2) * model.W.T                     # B x D x H: x_j W[:, j]
    pre = model.c + torch.cumsum(contrib, 1) - contrib       # sum over j < i only
    return (torch.sigmoid(pre) * model.V).sum(2) + model.b


probe = NADE(D, HIDDEN).to(DEVICE)
xb = x_train[:P.ar_timing_batch]
timings, outputs = {}, {}
for label, fn in [("blocked (course_utils)", lambda: probe.logits(xb)),
                  ("per-pixel loop", lambda: probe.logits_reference(xb)),
                  ("vectorised B x D x H", lambda: nade_logits_vectorised(probe, xb))]:
    runs = []
    for _ in range(P.ar_timing_repeats):       # the first run includes one-off warm-up costs
        start = time.perf_counter()
        logits = fn()
        logits.sum().backward()                # a training step's forward + backward
        runs.append(time.perf_counter() - start)
    timings[label] = min(runs)
    outputs[label] = logits.detach()
    print(f"{label:24s} forward + backward on {len(xb)} digits: {timings[label]:.3f} s (best of {P.ar_timing_repeats})")
for label, out in outputs.items():
    assert torch.allclose(out, outputs["per-pixel loop"], atol=1e-4), label

# %% [markdown]
# A few steps on a shared machine are a noisy measurement (when other programs compete for
# the cores, the many small multi-threaded operations of every variant slow down a lot);
# `python benchmarks/bench_nade.py` times all three side by side (median of repeats, B = 100)
# and checks that their gradients agree.

# %%
cu.seed_everything(0)
nade = NADE(D, HIDDEN)
with torch.no_grad():
    nade.b.copy_(bernoulli.a)
nade, nade_info = train_model("nade", nade, EPOCHS["nade"])
results["NADE"] = {"test": nll(nade, x_test), "train": nll(nade, x_train_eval)}

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
for ax, (label, info) in zip(axes, [("FVSBN", fvsbn_info), ("NADE", nade_info)]):
    epochs_axis = range(1, len(info["train_nll_curve"]) + 1)
    ax.plot(epochs_axis, info["train_nll_curve"], marker="o", ms=3, label="train (running mean over the epoch)")
    ax.plot(epochs_axis, info["validation_nll_curve"], marker="o", ms=3, label="validation")
    ax.axvline(info["best_epoch"], color="gray", ls="--", label=f"kept: epoch {info['best_epoch']}")
    ax.axhline(results["independent Bernoulli"]["test"], color="firebrick", ls=":", label="independent Bernoulli (test)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("NLL (nats per digit)")
    ax.set_title(f"{label} training")
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Both models are still improving slowly at the last epoch of this profile, and both
# overfit a little: the training NLL keeps falling faster than the validation NLL. With
# only a few thousand digits, FVSBN's gap between the two curves is the larger one.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Results: test NLL in nats and bits/dim
# Lower is better. Bits/dim = nats / (784 ln 2): the average number of bits per pixel an
# ideal code built from the model would need (1 for the uniform model).

# %%
PUBLISHED = {"independent Bernoulli": "—", "FVSBN": "≈ 97", "NADE": "88.86"}
print(f"{'model':22s} {'train NLL':>10s} {'test NLL':>9s} {'bits/dim':>9s}   published test NLL (full binarized MNIST)")
for name, r in results.items():
    print(f"{name:22s} {r['train']:10.2f} {r['test']:9.2f} {bits_per_dim(r['test'], D):9.4f}   {PUBLISHED[name]}")
print(f"{'uniform':22s} {'':10s} {UNIFORM_NLL:9.2f} {1.0:9.4f}")
assert results["FVSBN"]["test"] < results["independent Bernoulli"]["test"] < UNIFORM_NLL
assert results["NADE"]["test"] < results["FVSBN"]["test"]

# %% [markdown]
# **What differs from the published numbers.** Larochelle & Murray (2011) report 88.86 nats
# for NADE and about 97 for FVSBN on *binarized MNIST* of Salakhutdinov & Murray (2008):
# 50,000 training and 10,000 test digits, each pixel binarized **stochastically** once
# (on with probability equal to its grey level). Here, without a network, the models see a
# few thousand digits of the offline subset, binarized with a **fixed threshold**. The
# ordering of the models is the same; the absolute numbers are not comparable:
# thresholding removes the noisy edge pixels (easier data, lower NLL), while training on
# fewer digits makes the models overfit sooner (higher test NLL; compare the train and test
# columns). On full MNIST (`gpu` profile) the gap to the paper shrinks.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Sampling, one pixel at a time
# Sampling follows the chain rule: draw $x_1$, then $x_2$ given $x_1$, and so on. It is
# inherently sequential ($D$ steps), but with the running sum each step costs $O(H)$.

# %%
gen = torch.Generator(device=DEVICE).manual_seed(0)
start = time.perf_counter()
nade_samples = nade.sample(100, generator=gen)
nade_seconds = time.perf_counter() - start
print(f"NADE: 100 digits in {nade_seconds:.2f} s ({D} sequential steps)")
samples = {"independent Bernoulli": bernoulli.sample(P.ar_n_samples, generator=gen),
           "FVSBN": fvsbn.sample(P.ar_n_samples, generator=gen), "NADE": nade_samples[:P.ar_n_samples]}
for name, s in samples.items():
    assert set(s.unique().tolist()) <= {0.0, 1.0}
    fig = plotting.show_images(s, nrow=8, title=f"Samples from {name}")

# %% [markdown]
# Independent pixels give a noisy cloud of ink: the model knows where ink tends to be, not
# that strokes are connected. FVSBN and NADE draw connected strokes, some clearly digits,
# many not: trained on a few thousand digits, neither is a good sampler, and a difference
# of a couple of nats per digit is hard to see by eye.
#
# ## 8. The conditionals $\hat x_i$ as images
# For a test digit, show $\hat x_i = p(x_i = 1 \mid x_{<i})$ at each pixel position: what the
# model predicted for pixel $i$ having seen only the pixels above and to the left of it.

# %%
show = x_test[:6]
rows = [show, bernoulli.conditionals(show), fvsbn.conditionals(show), nade.conditionals(show)]
names = ["test digit", "x̂ Bernoulli", "x̂ FVSBN", "x̂ NADE"]
fig = plotting.show_images(torch.cat([r.detach() for r in rows]), nrow=6,
                           titles=[n for n in names for _ in range(6)],
                           title="Conditionals x̂_i = p(x_i = 1 | pixels before i), raster order")

# %% [markdown]
# The top rows of each $\hat x$ are vague (little is known yet); further down, FVSBN and
# NADE predict the continuation of strokes sharply. A check of the chain rule: the
# log-likelihood is the sum of $\log \hat x_i$ (where $x_i = 1$) and $\log(1 - \hat x_i)$.

# %%
with torch.no_grad():
    xhat = nade.conditionals(show)
    from_conditionals = torch.where(show == 1, xhat, 1 - xhat).log().sum(1)
    assert torch.allclose(from_conditionals, nade.log_prob(show), atol=1e-3)
print("log p(x) from the conditionals:", [f"{v:.1f}" for v in from_conditionals.tolist()])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Completing the lower half of a digit
# Give the model the upper 14 rows (392 pixels) of a test digit and sample the rest from
# $p(x_{>392} \mid x_{\le 392})$: just continue the sequential sampler from the given prefix.
#
# Autoregressive models also give the *exact* probability of the true lower half:
# $\log p(x_{>k} \mid x_{\le k}) = \sum_{i > k} \log p(x_i \mid x_{<i})$, a partial sum of the
# same conditionals.

# %%
HALF = D // 2
digits = x_test[6:12]
n_each = 3
prefix = digits[:, :HALF].repeat_interleave(n_each, 0)
completions = {"FVSBN": fvsbn.sample(len(prefix), generator=gen, prefix=prefix),
               "NADE": nade.sample(len(prefix), generator=gen, prefix=prefix)}
given = digits.clone()
given[:, HALF:] = 0.5                                      # grey: unknown
grid = [digits, given] + [completions["NADE"].view(6, n_each, D)[:, k] for k in range(n_each)] \
       + [completions["FVSBN"].view(6, n_each, D)[:, 0]]
labels = ["original", "given"] + [f"NADE #{k + 1}" for k in range(n_each)] + ["FVSBN #1"]
fig = plotting.show_images(torch.cat(grid), nrow=6, titles=[t for t in labels for _ in range(6)],
                           title="Lower halves completed by NADE (3 samples) and FVSBN (grey: not given)")
for s in completions.values():
    assert torch.equal(s[:, :HALF], prefix), "the given pixels must stay as they were"


# %%
@torch.no_grad()
def lower_half_nll(model, x):
    """-log p(lower half | upper half) in nats, from the conditionals of the lower pixels."""
    xhat = model.conditionals(x)
    return float(-torch.where(x == 1, xhat, 1 - xhat).log()[:, HALF:].sum(1).mean())


half = {name: lower_half_nll(m, x_test) for name, m in
        [("independent Bernoulli", bernoulli), ("FVSBN", fvsbn), ("NADE", nade)]}
for name, v in half.items():
    print(f"{name:22s} -log p(lower half | upper half) = {v:6.1f} nats")
assert half["NADE"] < half["independent Bernoulli"] and half["FVSBN"] < half["independent Bernoulli"]

# %% [markdown]
# Seeing the upper half makes the lower half far more predictable for the autoregressive
# models; the independent model cannot use it at all. The completions vary (several ways to
# finish a 7 or a 9) but mostly continue the strokes they were given.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. Quiz

# %%
q1 = exercises.quiz(
    "An FVSBN over n binary pixels uses one logistic regression per pixel on the pixels before it. "
    "How many parameters does it have?",
    ["2^n - 1", "n(n+1)/2", "n", "n^2 + n"],
    answer=1,
    explanation="Pixel i has i-1 weights and a bias: 1 + 2 + ... + n = n(n+1)/2.",
)
assert "Correct" in q1.answer_with(1) and "Correct" not in q1.answer_with(0)

# %%
q2 = exercises.quiz(
    "Why can NADE evaluate p(x) for all 784 conditionals in O(HD) time?",
    ["Its conditionals are independent of each other",
     "The hidden weights W are shared, so a_{i+1} = a_i + W[:, i] x_i updates the previous pre-activation",
     "It uses a GPU", "It samples pixels in parallel"],
    answer=1,
    explanation="Sharing W makes consecutive pre-activations differ by one column: one O(H) update per pixel.",
)
assert "Correct" in q2.answer_with(1)

# %%
q3 = exercises.quiz(
    "Evaluating log p(x) of a training digit under NADE is fast and parallel. What about generating a new digit?",
    ["Also parallel: all pixels at once", "Sequential: pixel i needs the sampled pixels before it",
     "Impossible: NADE cannot sample"],
    answer=1,
    explanation="With x known, all conditionals can be computed together; when sampling, x_<i must be drawn first.",
)
assert "Correct" in q3.answer_with(1)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. Extension: more than two pixel levels (softmax outputs)
# For pixels with $K$ levels, replace the sigmoid by a softmax over $K$ values,
# $\hat x_i = \mathrm{softmax}(b_i + V_i h_i)$, and feed each earlier pixel in as a one-hot
# vector, so $h_i = \sigma(c + \sum_{j<i} W_{j, x_j})$. Here: MNIST shrunk to 14 × 14 and
# quantized to $K = 4$ grey levels. The reference points are a uniform model
# ($\log_2 4 = 2$ bits/dim) and independent categorical pixels fit by counting.

# %%
LEVELS, SIDE = 4, 14


def quantize(x_grey):
    small = F.avg_pool2d(x_grey, 2)                                  # 14 x 14
    return (small * LEVELS).floor().clamp(max=LEVELS - 1).long().flatten(1)


q_all, q_test = quantize(x_grey), quantize(x_grey_test)
q_train, q_valid = q_all[n_valid:], q_all[:n_valid]
DQ = SIDE * SIDE
counts_q = F.one_hot(q_train, LEVELS).sum(0).double() + 1.0
log_freq = (counts_q / counts_q.sum(1, keepdim=True)).log()           # D x K, independent pixels
indep_cat_nll = float(-log_freq.gather(1, q_test.T).sum(0).mean())

cat_config = {"model": "categorical_nade", "dims": DQ, "levels": LEVELS, "hidden": P.ar_ext_hidden,
              "epochs": EPOCHS["categorical"], "batch_size": BATCH, "lr": LR, "n_train": len(q_train),
              "data_source": SOURCE, "seed": 0}


def train_categorical(m):
    cu.seed_everything(0)
    history = fit(m, lambda m, xb: -m.log_prob(xb).mean(), q_train, epochs=EPOCHS["categorical"],
                  batch_size=BATCH, lr=LR, desc="categorical NADE", generator=torch.Generator().manual_seed(0),
                  eval_fn=lambda m: {"validation NLL": nll(m, q_valid)})
    return {"validation_nll_curve": history["validation NLL"], "train_seconds": history.seconds}


cu.seed_everything(0)
cat_nade, cat_info, _ = train_or_load("categorical_nade", cat_config, train_categorical,
                                      CategoricalNADE(DQ, P.ar_ext_hidden, LEVELS).to(DEVICE))
cat_nll = nll(cat_nade, q_test)
print(f"4-level 14x14 digits, test NLL: uniform {DQ * math.log(LEVELS):.1f} nats ({math.log2(LEVELS):.2f} bits/dim), "
      f"independent {indep_cat_nll:.1f} ({bits_per_dim(indep_cat_nll, DQ):.3f}), "
      f"categorical NADE {cat_nll:.1f} ({bits_per_dim(cat_nll, DQ):.3f})")
assert cat_nll < indep_cat_nll < DQ * math.log(LEVELS)
# (short training: the samples have digit-like blobs of ink but few clean digits)

q_samples = cat_nade.sample(8, generator=gen)
fig = plotting.show_images(torch.cat([q_test[:8], q_samples]).float().view(-1, 1, SIDE, SIDE) / (LEVELS - 1), nrow=8,
                           titles=["test"] * 8 + ["sample"] * 8,
                           title="4-level 14 x 14 digits: test digits (top) and categorical NADE samples (bottom)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12. Extension: real-valued pixels (RNADE)
# For real values, each conditional becomes a density. RNADE (Uria et al. 2013) keeps NADE's
# shared hidden layer and lets $h_i$ set the weights, means and widths of a mixture of
# Gaussians: $p(x_i \mid x_{<i}) = \sum_m \pi_{im}\, \mathcal N(x_i; \mu_{im}, \sigma_{im}^2)$.
# Shown on 2-D data (two interleaved moons), where the density can be drawn: $p(x_1)$ is a
# mixture, and $p(x_2 \mid x_1)$ is a mixture whose parameters move with $x_1$.

# %%
moons = cu.data.toy_2d("moons", n=P.ar_rnade_points, seed=0).to(DEVICE)
moons_test = cu.data.toy_2d("moons", n=2000, seed=1).to(DEVICE)
rnade_config = {"model": "rnade", "dims": 2, "hidden": 32, "components": 5, "epochs": EPOCHS["rnade"],
                "batch_size": 256, "lr": 1e-2, "n_train": len(moons), "data": "moons", "seed": 0}


def train_rnade(m):
    cu.seed_everything(0)
    history = fit(m, lambda m, xb: -m.log_prob(xb).mean(), moons, epochs=EPOCHS["rnade"], batch_size=256,
                  lr=1e-2, desc="RNADE", generator=torch.Generator().manual_seed(0), progress=False)
    return {"train_nll": history["loss"][-1], "train_seconds": history.seconds}


cu.seed_everything(0)
rnade, rnade_info, _ = train_or_load("rnade", rnade_config, train_rnade, RNADE(2, 32, components=5).to(DEVICE))

# a single 2-D Gaussian fit by maximum likelihood, for comparison
mean, cov = moons.mean(0), torch.cov(moons.T)
gauss_nll = float(-torch.distributions.MultivariateNormal(mean, cov).log_prob(moons_test).mean())
rnade_nll = nll(rnade, moons_test)
print(f"test NLL on the moons: one Gaussian {gauss_nll:.3f} nats, RNADE {rnade_nll:.3f} nats")

# the density is normalised: a Riemann sum over a wide grid gives 1
axis1, axis2 = torch.linspace(-3, 4, 281, device=DEVICE), torch.linspace(-2.5, 3, 221, device=DEVICE)
grid = torch.cartesian_prod(axis1, axis2)
with torch.no_grad():
    density = rnade.log_prob(grid).exp()
mass = float(density.sum() * (axis1[1] - axis1[0]) * (axis2[1] - axis2[0]))
print(f"integral of the RNADE density over the grid: {mass:.4f}")
assert abs(mass - 1) < 0.02 and rnade_nll < gauss_nll

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
image = axes[0].imshow(density.view(len(axis1), len(axis2)).T.cpu(), origin="lower", cmap="viridis",
                       extent=(-3, 4, -2.5, 3), aspect="auto")
fig.colorbar(image, ax=axes[0], label="density p(x)")
axes[0].scatter(*moons_test[:300].cpu().T, s=2, c="white", label="test points")
axes[0].set_title("RNADE density p(x1) p(x2 | x1)")
rnade_samples = rnade.sample(1000, generator=gen)
axes[1].scatter(*moons_test[:1000].cpu().T, s=3, alpha=0.5, label="data")
axes[1].scatter(*rnade_samples.cpu().T, s=3, alpha=0.5, label="RNADE samples")
axes[1].set_title("Data vs sequential samples")
for ax in axes:
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(-3, 4)
    ax.set_ylim(-2.5, 3)
    ax.legend(loc="upper right", fontsize=8, frameon=True)
axes[0].grid(False)
fig.tight_layout()
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - The chain rule writes any $p(x)$ as a product of conditionals; autoregressive models learn
#   each conditional, so $\log p(x)$ is exact and sampling is sequential.
# - FVSBN: a logistic regression per pixel, $D(D+1)/2$ parameters, computed as one masked
#   matrix product. NADE: a shared hidden layer per conditional; the running sum
#   $a_{i+1} = a_i + W_{:,i} x_i$ makes the likelihood $O(HD)$.
# - On binarized MNIST: independent pixels < FVSBN < NADE in likelihood, as in the paper
#   (numbers differ because of data size and binarization).
# - The conditionals $\hat x_i$ can be looked at, and clamping a prefix completes a digit.
# - Softmax outputs handle $K$-level pixels; RNADE's Gaussian mixtures handle real values.
#
# Next: **04 · Variational autoencoders**, which trade exact likelihood for a latent space
# and one-shot sampling.
#
# ## References
# - H. Larochelle and I. Murray. *The Neural Autoregressive Distribution Estimator.* AISTATS 2011.
# - B. Frey. *Graphical Models for Machine Learning and Digital Communication.* MIT Press, 1998 (FVSBN);
#   R. Neal. *Connectionist learning of belief networks.* Artificial Intelligence, 1992.
# - R. Salakhutdinov and I. Murray. *On the quantitative analysis of deep belief networks.* ICML 2008 (binarized MNIST).
# - B. Uria, I. Murray and H. Larochelle. *RNADE: The real-valued neural autoregressive density-estimator.* NeurIPS 2013.
# - B. Uria, M.-A. Côté, K. Gregor, I. Murray and H. Larochelle. *Neural Autoregressive Distribution Estimation.* JMLR 2016.
