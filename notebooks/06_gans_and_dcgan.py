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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/06_gans_and_dcgan.ipynb)
#
# # 06 · GANs and DCGAN
#
# A VAE is trained by pushing up a bound on log p(x). A *generative adversarial network*
# never writes p(x) down at all. A **generator** G turns noise z into samples; a
# **discriminator** D, trained at the same time, tries to tell those samples from real data;
# G improves by fooling D. The result is a sampler, with no likelihood attached.
#
# **You will see**
# - the minimax game, and its optimal discriminator D* = p_data / (p_data + p_g), checked against a trained D in 1-D;
# - why the generator is trained with the *non-saturating* loss (gradients plotted);
# - mode collapse on a ring of 8 Gaussians, with the modes counted, and a gradient penalty and instance noise against it;
# - DCGAN on MNIST with the curves practitioners watch, samples over training, a memorisation check,
#   an evaluation through a digit classifier (FID-MNIST, label histogram), and latent interpolation;
# - GANs and VAEs side by side.

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
from course_utils import exercises, plotting
from course_utils.data import ring8_centers
from course_utils.gan_training import nearest_neighbours, train_dcgan, train_toy_gan
from course_utils.metrics import frechet_distance, mode_coverage, modes_covered
from course_utils.models import gan
from course_utils.models.classifier import classifier_features, load_classifier
from course_utils.train import train_or_load
from course_utils.widgets import interpolate_latents

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Inputs
# Every size below comes from the profile (`course_utils/settings.py`, section 06).

# %%
print(f"1-D discriminator: {P.gan_optd_steps} Adam steps")
print(f"ring8 GAN: {P.gan_ring_steps} steps, batch {P.gan_ring_batch}, noise dim {P.gan_ring_z_dim}, "
      f"Adam lr G {P.gan_ring_lr} / D {P.gan_ring_lr_d}, gradient-penalty weight {P.gan_ring_gp}, instance-noise std {P.gan_ring_noise}")
print(f"DCGAN: z_dim {P.gan_z_dim}, width {P.gan_width}, {P.gan_epochs} epochs, batch {P.gan_batch_size}, "
      f"lr {P.gan_lr}, at most {P.gan_max_train} training digits; {P.gan_eval_samples} samples for evaluation")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The minimax game
# D(x) ∈ (0, 1) is D's belief that x is real; z ~ p(z) = N(0, I) and G(z) has distribution p_g.
# The two networks play (Goodfellow et al., 2014)
#
# $$\min_G \max_D \; V(D, G) = \mathbb{E}_{x\sim p_\text{data}}[\log D(x)] + \mathbb{E}_{z\sim p(z)}[\log(1 - D(G(z)))].$$
#
# **The best discriminator.** For a fixed G, write V as one integral over x:
# $\int p_\text{data}(x)\log D(x) + p_g(x)\log(1-D(x))\,dx$. For each x, the function
# $a\log y + b\log(1-y)$ is maximised at $y = a/(a+b)$, so
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}, \qquad
# V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g).$$
#
# So with a perfect D, training G minimises the Jensen–Shannon divergence, whose minimum (0)
# is reached only at p_g = p_data, where D* = 1/2 everywhere. In code D returns a *logit*
# l(x) with D = sigmoid(l); then D* means l*(x) = log p_data(x) − log p_g(x): **a trained
# discriminator estimates a density ratio.**

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Checking D* in 1-D
# Freeze "the generator" as a fixed Gaussian p_g = N(1.5, 0.6²), take p_data = N(−1, 1), and
# train a small MLP discriminator with the GAN's D loss on fresh samples from both.
# Because p_g is narrower than p_data, D* is not monotone: far to the right p_data wins again.

# %%
DATA_MEAN, DATA_STD, G_MEAN, G_STD = -1.0, 1.0, 1.5, 0.6
cu.seed_everything(0)
D_1d = gan.MLPDiscriminator(in_dim=1, hidden=32, depth=2)
opt = torch.optim.Adam(D_1d.parameters(), lr=3e-3)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # tensors this small gain nothing from threads, and a busy CPU makes them wait
try:
    for _step in range(P.gan_optd_steps):
        real = DATA_MEAN + DATA_STD * torch.randn(512)
        fake = G_MEAN + G_STD * torch.randn(512)
        loss = gan.discriminator_loss(D_1d(real), D_1d(fake))  # D's side of the game
        opt.zero_grad()
        loss.backward()
        opt.step()
finally:
    torch.set_num_threads(threads)

xs = torch.linspace(-4.5, 4.5, 400)
log_pd, log_pg = gan.normal_log_prob(xs, DATA_MEAN, DATA_STD), gan.normal_log_prob(xs, G_MEAN, G_STD)
d_star = gan.optimal_discriminator(log_pd, log_pg)
with torch.no_grad():
    d_learned = torch.sigmoid(D_1d(xs))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
ax1.plot(xs, log_pd.exp(), label="p_data = N(-1, 1)")
ax1.plot(xs, log_pg.exp(), label="p_g = N(1.5, 0.6²)")
ax1.set(xlabel="x", ylabel="density", title="The two fixed distributions")
ax1.legend()
ax2.plot(xs, d_star, "k--", lw=2, label="D*(x) = p_data / (p_data + p_g)")
ax2.plot(xs, d_learned, label=f"trained D after {P.gan_optd_steps} steps")
ax2.axhline(0.5, color="grey", lw=0.5)
ax2.set(xlabel="x", ylabel="D(x)", ylim=(-0.02, 1.02), title="A trained discriminator finds D*")
ax2.legend(fontsize=8)
fig.tight_layout()

# where both densities put real mass the trained D has seen plenty of samples
seen = (log_pd.exp() + log_pg.exp()) > 0.05
err = float((d_learned - d_star)[seen].abs().max())
print(f"largest |D - D*| where p_data + p_g > 0.05: {err:.3f}")
assert err < 0.05

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The value of the game estimates a divergence.** Plugging the trained D into V on fresh
# samples gives (V + log 4) / 2 ≈ JSD(p_data ‖ p_g), which we can also integrate numerically
# here because both densities are known.

# %%
with torch.no_grad():
    big_real = DATA_MEAN + DATA_STD * torch.randn(200_000)
    big_fake = G_MEAN + G_STD * torch.randn(200_000)
    v_hat = -float(gan.discriminator_loss(D_1d(big_real), D_1d(big_fake)))
grid = torch.linspace(-10, 10, 20001, dtype=torch.float64)
pd = gan.normal_log_prob(grid, DATA_MEAN, DATA_STD).exp()
pg = gan.normal_log_prob(grid, G_MEAN, G_STD).exp()
m = 0.5 * (pd + pg)
jsd = float(0.5 * torch.trapezoid(pd * (pd / m).log() + pg * (pg / m).log(), grid))
print(f"JSD by numerical integration: {jsd:.4f} nats;  from the trained D: (V + log 4)/2 = {(v_hat + math.log(4)) / 2:.4f}")
assert (v_hat + math.log(4)) / 2 <= jsd + 0.01, "any D gives a lower bound on V(D*, G) (up to sampling noise)"
assert abs((v_hat + math.log(4)) / 2 - jsd) < 0.02

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Saturating and non-saturating generator losses
# Early in training G's samples are poor and D rejects them confidently: D(G(z)) ≈ 0.
# With the minimax loss G minimises log(1 − D(G(z))), which is **flat** there. Writing
# D = sigmoid(l), its derivative with respect to the logit is −D(G(z)) → 0: no signal.
# Goodfellow et al. suggest instead that G *maximise* log D(G(z)), i.e. minimise
# −log D(G(z)): same fixed point, derivative −(1 − D(G(z))) → −1 where it matters.

# %%
d_values = torch.logspace(-3, math.log10(0.999), 200)
logits = torch.logit(d_values).requires_grad_(True)
sat = -torch.nn.functional.softplus(logits)  # log(1 - D), per sample
nonsat = torch.nn.functional.softplus(-logits)  # -log D, per sample
(grad_sat,) = torch.autograd.grad(sat.sum(), logits)
(grad_ns,) = torch.autograd.grad(nonsat.sum(), logits)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
ax1.plot(d_values, sat.detach(), label="saturating: log(1 - D(G(z)))")
ax1.plot(d_values, nonsat.detach(), label="non-saturating: -log D(G(z))")
ax1.set(xscale="log", xlabel="D(G(z))", ylabel="generator loss", title="Generator losses (G minimises both)")
ax1.legend(fontsize=8)
ax2.plot(d_values, grad_sat.abs(), label="saturating: |d loss / d logit| = D")
ax2.plot(d_values, grad_ns.abs(), label="non-saturating: 1 - D")
ax2.set(xscale="log", yscale="log", xlabel="D(G(z))", ylabel="|gradient| w.r.t. D's logit",
        title="Where D rejects the fakes, only one loss has a gradient")
ax2.legend(fontsize=8)
fig.tight_layout()

at = torch.argmin((d_values - 0.01).abs())
print(f"at D(G(z)) = {float(d_values[at]):.3f}: saturating gradient {float(grad_sat[at]):.4f}, "
      f"non-saturating {float(grad_ns[at]):.4f}")
assert torch.allclose(grad_sat, -d_values, atol=1e-5) and torch.allclose(grad_ns, -(1 - d_values), atol=1e-5)
assert abs(float(grad_ns[at])) > 50 * abs(float(grad_sat[at]))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 1 — the discriminator loss.** Write `d_loss(real_logits, fake_logits)`: the
# negative of V for one batch, −mean log D(x) − mean log(1 − D(G(z))), from D's **logits**.
# It must stay finite for logits as large as ±30 (hint: log sigmoid(l) = −softplus(−l) and
# log(1 − sigmoid(l)) = −softplus(l); `F.binary_cross_entropy_with_logits` also works).

# %% tags=["exercise"]
import torch
import torch.nn.functional as F


def d_loss(real_logits, fake_logits):
    # BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function
from course_utils.models.gan import discriminator_loss

check_function(d_loss, discriminator_loss,
               lambda g: (30 * (2 * torch.rand(64, generator=g) - 1), 30 * (2 * torch.rand(64, generator=g) - 1)))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 2 — the non-saturating generator loss.** Write `g_loss_nonsaturating(fake_logits)`:
# −mean log D(G(z)) from D's logits on a batch of fakes, finite for logits in ±30.

# %% tags=["exercise"]
import torch
import torch.nn.functional as F  # noqa: F811 (each exercise cell imports what it needs)


def g_loss_nonsaturating(fake_logits):
    # BEGIN SOLUTION
    return F.softplus(-fake_logits).mean()
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function
from course_utils.models.gan import generator_loss_nonsaturating

check_function(g_loss_nonsaturating, generator_loss_nonsaturating,
               lambda g: (30 * (2 * torch.rand(64, generator=g) - 1),))

# %%
q1 = exercises.quiz(
    "G has reached p_g = p_data. What does the optimal discriminator output?",
    ["1 for real inputs and 0 for generated ones", "1/2 for every input",
     "It depends on how long D was trained", "0 for every input"],
    answer=1,
    explanation="D* = p_data / (p_data + p_g) = 1/2 when the two densities are equal: D can do no better than a coin.",
)
assert "Correct" in q1.answer_with(1) and "Correct" not in q1.answer_with(0)

# %%
q2 = exercises.quiz(
    "From the first epoch D(G(z)) is about 0.001 and G barely changes. G uses log(1 - D(G(z))). What is the first thing to try?",
    ["Train D for more steps per G step", "Switch G to the non-saturating loss -log D(G(z))",
     "Lower G's learning rate", "Remove batchnorm from G"],
    answer=1,
    explanation="The minimax loss has gradient ~D(G(z)) w.r.t. the logit, ~0.001 here; -log D(G(z)) has gradient ~1 "
                "there, with the same fixed point. Training D harder makes the problem worse.",
)
assert "Correct" in q2.answer_with(1)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Mode collapse on a ring of 8 Gaussians
# The data: 8 tight Gaussians (std 0.05) on a circle of radius 2. Nothing in the GAN loss
# rewards G for covering *all* of them: G only needs outputs that the current D accepts.
# A common failure is **mode collapse**: G puts its mass on one or a few modes, D learns
# to reject them, G jumps to others, and the cycle repeats (Metz et al. 2017 used this
# exact dataset to show it).
#
# We count a mode as *covered* when at least 1 % of 1,000 samples fall within 0.25 (five
# standard deviations) of its center (`metrics.modes_covered`). All three GANs below are the
# same small MLPs (2-D noise, two hidden layers of 128) trained with the non-saturating loss,
# the same seed, and a discriminator that learns 10× faster than the generator, a setting
# that makes D sharp. The checkpoints ship with the course, so the cell is instant (set
# `COURSE_RETRAIN=1` to train them yourself: about a minute).

# %%
ring_data = cu.toy_2d("ring8", n=20_000, seed=0)
centers = ring8_centers()


def ring_config(name, gp_weight=0.0, instance_noise=0.0):
    return {"name": name, "steps": P.gan_ring_steps, "batch_size": P.gan_ring_batch, "lr": P.gan_ring_lr,
            "lr_d": P.gan_ring_lr_d, "z_dim": P.gan_ring_z_dim, "hidden": 128, "g_loss": "nonsaturating", "gp_weight": gp_weight,
            "instance_noise": instance_noise, "n_snapshots": P.gan_ring_snapshots, "seed": P.gan_ring_seed}


def ring_gan(config):
    cu.seed_everything(config["seed"])  # same initial weights for the three runs
    model = gan.ToyGAN(config["z_dim"], config["hidden"], config["n_snapshots"])
    model, _, trained = train_or_load("ring8_gan", config, lambda m: train_toy_gan(m, ring_data, config), model)
    print(f"{config['name']}: {'trained' if trained else 'loaded'}")
    return model


ring_runs = {
    "plain GAN": ring_gan(ring_config("plain GAN")),
    "gradient penalty": ring_gan(ring_config("gradient penalty", gp_weight=P.gan_ring_gp)),
    "instance noise": ring_gan(ring_config("instance noise", instance_noise=P.gan_ring_noise)),
}
coverage = {name: [modes_covered(s, centers)["covered"] for s in m.snapshots] for name, m in ring_runs.items()}
for name, covs in coverage.items():
    print(f"{name:17s} modes covered at each snapshot: {covs}")


# %%
def plot_ring_run(model, name):
    n = model.snapshots.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(2.3 * n, 2.5))
    for ax, step, pts in zip(axes, model.snapshot_steps.tolist(), model.snapshots):
        ax.scatter(ring_data[:2000, 0], ring_data[:2000, 1], s=1, c="lightgrey", label="data")
        ax.scatter(pts[:, 0], pts[:, 1], s=1, c="tab:red", label="G(z)")
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[],
               title=f"step {step}\n{modes_covered(pts, centers)['covered']}/8 modes")
    axes[0].legend(loc="lower left", fontsize=6, markerscale=5)
    axes[0].set(xlabel="x₁", ylabel="x₂")
    fig.suptitle(f"{name}: 1,000 samples of G over training (grey: data)")
    fig.tight_layout()
    return fig


fig = plot_ring_run(ring_runs["plain GAN"], "plain GAN")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The plain GAN maps its 2-D noise onto an arc over part of the ring and never produces the
# rest: the missing modes are simply dropped. (This depends on luck: with another seed the
# same plain GAN covers all 8, which is part of what makes GANs hard to trust.)
#
# **Two regularisers.** *Instance noise* (Sønderby et al. 2017) adds Gaussian noise to every
# input of D, real and fake, annealed to 0: the two distributions overlap, so D cannot draw
# a razor-sharp boundary around the modes G happens to cover. A *gradient penalty* in the
# style of DRAGAN (Kodali et al. 2017) adds λ E[(‖∇ₓ D(x̂)‖ − 1)²] at points x̂ near the real
# data, which keeps D smooth there. Both stop D from becoming a cliff around the samples G
# already makes, so G keeps receiving a gradient that points towards the modes it misses.

# %%
fig = plot_ring_run(ring_runs["gradient penalty"], f"gradient penalty (λ = {P.gan_ring_gp})")
fig = plot_ring_run(ring_runs["instance noise"], f"instance noise (std {P.gan_ring_noise} → 0)")

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
styles = {"plain GAN": dict(marker="o"), "gradient penalty": dict(marker="s", lw=5, alpha=0.4, ms=9),
          "instance noise": dict(marker="x", ls="--", ms=8)}  # the two regularised runs overlap at 8
for name, covs in coverage.items():
    ax.plot(ring_runs[name].snapshot_steps.tolist(), covs, label=name, **styles[name])
ax.set(xlabel="training step", ylabel="modes covered (of 8)", ylim=(0, 8.7),
       title="Mode coverage on ring8 over training")
ax.legend()
fig.tight_layout()
final = {name: covs[-1] for name, covs in coverage.items()}
print("modes covered at the end:", final)
assert max(coverage["plain GAN"]) < 8, "the plain GAN never covers all 8 modes at once"
assert final["gradient penalty"] == 8 and final["instance noise"] == 8

# %%
q3 = exercises.quiz(
    "A GAN's samples cover only half of the 8 ring modes. Why can training settle there?",
    ["The generator is too small to produce 8 clusters",
     "The loss only asks G to fool the current D; no term asks it to cover every mode",
     "The other 4 modes hold too few training points to be learned",
     "The non-saturating loss always collapses"],
    answer=1,
    explanation="Nothing in the objective rewards covering every mode: G only moves towards what the current D "
                "accepts. A sharp D gives G no useful gradient towards the modes it dropped; smoothing D "
                "(instance noise, a gradient penalty) restores that signal.",
)
assert "Correct" in q3.answer_with(1)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · DCGAN on MNIST
# Radford et al. (2016) found convolutional GANs that train stably by following a few rules:
# - no pooling: **strided convolutions** downsample in D, **transposed convolutions** upsample in G;
# - **batchnorm** in both networks (not on D's input layer or G's output layer);
# - no fully connected hidden layers;
# - **ReLU** in G with **tanh** at the output (so images live in [−1, 1]); **LeakyReLU(0.2)** in D;
# - weights from N(0, 0.02), Adam with learning rate 2e-4 and β₁ = 0.5.
#
# `course_utils.models.gan` implements them for 28 × 28 digits (`tests/test_gan.py` checks the rules).

# %%
G_demo, D_demo = gan.DCGANGenerator(P.gan_z_dim, P.gan_width), gan.DCGANDiscriminator(P.gan_width)
print(G_demo.net, D_demo.net, sep="\n")
print(f"parameters: G {sum(p.numel() for p in G_demo.parameters()):,}, D {sum(p.numel() for p in D_demo.parameters()):,}")
kinds = {type(mod) for net in (G_demo, D_demo) for mod in net.modules()}
assert torch.nn.Linear not in kinds and torch.nn.MaxPool2d not in kinds and torch.nn.BatchNorm2d in kinds

# %% [markdown] slideshow={"slide_type": "subslide"}
# Train it, or load the weights that ship for this configuration. D is updated once, then G
# once, per minibatch, with the non-saturating loss; the trainer records D(x) and D(G(z))
# every step and keeps G's output on a fixed noise batch at a few points of training.

# %%
x_train, y_train = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
x_train, y_train = x_train[:P.gan_max_train], y_train[:P.gan_max_train]
dcgan_cfg = gan.dcgan_config(P, cu.data.source_in_use(), len(x_train))
cu.seed_everything(0)
dcgan = gan.DCGAN(P.gan_z_dim, P.gan_width, P.gan_snapshots).to(DEVICE)
dcgan, dcgan_metrics, trained = train_or_load("dcgan_mnist", dcgan_cfg, lambda m: train_dcgan(m, x_train, dcgan_cfg), dcgan)
G = dcgan.generator
curves = dcgan_metrics["history"]
print(f"{'trained' if trained else 'loaded'} DCGAN: {len(x_train)} digits, {dcgan_cfg['epochs']} epochs, "
      f"{len(curves['d_loss']) * curves['every']} steps")

# %%
steps_axis = np.arange(len(curves["d_loss"])) * curves["every"] + 1
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
smooth = max(1, len(steps_axis) // 40)
kernel = np.ones(smooth) / smooth
for key, label, color in (("d_loss", "D loss", "tab:blue"), ("g_loss", "G loss (non-saturating)", "tab:red")):
    ax1.plot(steps_axis, curves[key], alpha=0.2, color=color)
    ax1.plot(steps_axis[smooth - 1:], np.convolve(curves[key], kernel, "valid"), color=color,
             label=f"{label}, {smooth}-step mean")
ax1.axhline(2 * math.log(2), color="grey", ls=":", label="D loss at equilibrium: 2 log 2")
ax1.set(xlabel="step", ylabel="loss (nats)", title="DCGAN losses")
ax1.legend(fontsize=8)
for key, label, color in (("d_real", "D(x), real", "tab:green"), ("d_fake", "D(G(z)), fake", "tab:orange")):
    ax2.plot(steps_axis, curves[key], alpha=0.2, color=color)
    ax2.plot(steps_axis[smooth - 1:], np.convolve(curves[key], kernel, "valid"), color=color, label=label)
ax2.axhline(0.5, color="grey", ls=":", label="1/2: D cannot tell")
ax2.set(xlabel="step", ylabel="mean D output", ylim=(0, 1), title="What D says about real and generated digits")
ax2.legend(fontsize=8)
fig.tight_layout()
late = slice(len(curves["d_real"]) // 2, None)
print(f"second half of training: mean D(x) = {np.mean(curves['d_real'][late]):.2f}, "
      f"mean D(G(z)) = {np.mean(curves['d_fake'][late]):.2f}")
# neither network wins outright: D stays unsure instead of driving D(G(z)) to 0
assert np.mean(curves["d_real"][late]) > np.mean(curves["d_fake"][late]) > 0.05

# %% [markdown] slideshow={"slide_type": "subslide"}
# Unlike a VAE's ELBO, neither loss says how good the samples are: the losses oscillate
# around a balance point while the samples improve. So we **look** at the fixed noise batch
# over training (each row is one point of training, each column one fixed z).

# %%
snaps = dcgan.snapshots.float() / 255
n_snap, n_fixed = snaps.shape[:2]
cols = min(n_fixed, 10)
titles = [f"step {int(s)}" if j == 0 else "" for s in dcgan.snapshot_steps for j in range(cols)]
fig = plotting.show_images(snaps[:, :cols].reshape(-1, 1, 28, 28), nrow=cols, titles=titles,
                           title="G(z) for the same 10 noise vectors over training (one row per snapshot)")
assert (dcgan.snapshot_steps > 0).all() and dcgan.snapshot_steps.diff().gt(0).all()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Evaluating the samples
# A GAN gives no likelihood, so we judge its samples with a fixed **MNIST classifier**
# (a small CNN trained once on the training split, shipped with the course; its test accuracy
# is printed below):
# - the **label histogram** of samples: a mode-collapsed GAN makes some digits rarely or never;
# - **FID-MNIST**: fit a Gaussian to the classifier's 128-d penultimate features of real test
#   digits and one to those of samples; the Fréchet distance between them is
#   ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}) (Heusel et al. 2017 use Inception-v3 features
#   on natural images). It is biased upwards for finite samples, so we print the **real-vs-real
#   floor** beside it: two disjoint sets of real test digits of the same sizes.

# %%
judge = load_classifier(DEVICE)
n_eval = min(P.gan_eval_samples, len(x_test) // 2)
gen = torch.Generator().manual_seed(1)
samples = G.sample(n_eval, generator=gen)
sample_labels = judge.predict(samples)
test_a, test_b = x_test[:n_eval], x_test[n_eval:2 * n_eval]
feats = {name: classifier_features(imgs, judge) for name, imgs in
         (("test A", test_a), ("test B", test_b), ("DCGAN", samples), ("uniform noise", torch.rand_like(test_a)))}
fid_gan = frechet_distance(feats["DCGAN"], feats["test A"])
fid_floor = frechet_distance(feats["test B"], feats["test A"])
fid_noise = frechet_distance(feats["uniform noise"], feats["test A"])
print(f"classifier accuracy on the subset test split: {judge.test_accuracy:.1%}")
print(f"FID-MNIST ({n_eval} vs {n_eval} images):  real vs real (floor) {fid_floor:.1f}   "
      f"DCGAN vs real {fid_gan:.1f}   uniform noise vs real {fid_noise:.1f}")
assert 0 < fid_floor < fid_gan < fid_noise

# %%
cover = mode_coverage(sample_labels.cpu())
real_cover = mode_coverage(judge.predict(test_a).cpu())
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(np.arange(10) - 0.2, real_cover["fractions"], width=0.4, label="real test digits")
ax.bar(np.arange(10) + 0.2, cover["fractions"], width=0.4, label="DCGAN samples")
ax.axhline(0.1, color="grey", ls=":", label="uniform")
ax.set(xticks=range(10), xlabel="digit predicted by the classifier", ylabel="fraction of images",
       title=f"Label histogram: KL to uniform {cover['kl_to_uniform']:.3f} nats (real: {real_cover['kl_to_uniform']:.3f})")
ax.legend(fontsize=8)
fig.tight_layout()
print(f"digits present among {n_eval} samples: {cover['classes_present']}/10; counts {cover['counts']}")
assert cover["classes_present"] == 10, "no digit is missing: no mode collapse at the level of classes"
assert cover["kl_to_uniform"] < 0.5 * math.log(10)

# %%
fig = plotting.show_images(samples[:40], nrow=10, titles=[f"looks like {int(v)}" for v in sample_labels[:40]],
                           title="DCGAN samples with the classifier's label")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Memorisation check: nearest training neighbours
# A generator that copied its training digits would score well on everything above. So for
# some samples we find the closest training digit (Euclidean distance in pixel space) and
# compare those distances with the same distance for *held-out* real digits, which
# certainly are not copies.

# %%
show = samples[:10]
idx, dist = nearest_neighbours(show, x_train)
_, dist_samples = nearest_neighbours(samples, x_train)
_, dist_test = nearest_neighbours(test_b, x_train)
titles = [f"sample\nd={d:.1f}" for d in dist.tolist()] + [f"nearest train\n#{i}" for i in idx.tolist()]
fig = plotting.show_images(torch.cat([show, x_train[idx]]), nrow=10, titles=titles,
                           title="Top: DCGAN samples. Bottom: the closest of the training digits.")
print(f"median distance to the nearest training digit: samples {dist_samples.median():.2f}, "
      f"held-out test digits {dist_test.median():.2f}; smallest for samples {dist_samples.min():.2f}")
assert dist_samples.min() > 1.0, "no sample is a near-copy of a training digit"
assert dist_samples.median() > 0.5 * dist_test.median()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Walking through the latent space
# The generator is a smooth map from z to images, so points between two noise vectors
# decode to digits that morph from one to the other. In 64 dimensions a N(0, I) vector
# almost always has norm ≈ √64 = 8, but the midpoint of a straight line between two of them
# has norm ≈ 8/√2 ≈ 5.7, a region the generator never saw in training. *Spherical*
# interpolation (slerp) follows the great circle and keeps the norm typical.

# %%
zg = torch.Generator().manual_seed(3)
z_a, z_b = torch.randn(P.gan_z_dim, generator=zg), torch.randn(P.gan_z_dim, generator=zg)
t = torch.linspace(0, 1, 10)
paths = {method: interpolate_latents(z_a, z_b, t, method=method) for method in ("linear", "slerp")}
with torch.no_grad():
    rows = [gan.to_unit_interval(G(paths[m].to(DEVICE))) for m in ("linear", "slerp")]
titles = [f"lin t={v:.1f}" for v in t.tolist()] + [f"slerp t={v:.1f}" for v in t.tolist()]
fig = plotting.show_images(torch.cat(rows), nrow=10, titles=titles,
                           title="Interpolating between two noise vectors: linear (top) and spherical (bottom)")
norms = {m: paths[m].norm(dim=1) for m in paths}
fig, ax = plt.subplots(figsize=(5, 2.8))
for m in norms:
    ax.plot(t, norms[m], marker="o", label=m)
ax.axhline(math.sqrt(P.gan_z_dim), color="grey", ls=":", label=f"√{P.gan_z_dim}")
ax.set(xlabel="t", ylabel="‖z‖", title="Norm of the interpolated noise vector")
ax.legend()
fig.tight_layout()
print(f"norm at t=0.5: linear {norms['linear'][5]:.2f}, slerp {norms['slerp'][5]:.2f}")
assert norms["linear"][4:6].max() < norms["slerp"][4:6].min()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · GANs and VAEs side by side
#
# | | VAE (notebook 04) | GAN (this notebook) |
# |---|---|---|
# | trained by | maximising the ELBO, a bound on log p(x) | a two-player game against a discriminator |
# | likelihood | a lower bound (and IWAE estimates) | none |
# | encoder x → z | yes, amortised q(z \| x) | no (needs extra machinery) |
# | samples | often blurry (Gaussian decoder averages) | sharp |
# | coverage | penalised for missing data (KL(p_data ‖ p_model) side) | can drop modes (mode collapse) |
# | training | stable, one loss going down | unstable; losses do not measure progress |
# | evaluation | NLL / bits per dim | sample-based: FID, label histograms, nearest neighbours |

# %%
q4 = exercises.quiz(
    "You need a model that can score how unusual a new digit is (anomaly detection). Which of the two fits?",
    ["The GAN: its discriminator outputs a probability", "The VAE: it gives a bound on log p(x)",
     "Both equally", "Neither"],
    answer=1,
    explanation="The VAE's ELBO (or IWAE bound) lower-bounds log p(x). A trained GAN discriminator at equilibrium "
                "outputs about 1/2 everywhere and says little about p_data(x) alone.",
)
assert "Correct" in q4.answer_with(1)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - A GAN is a game: D maximises V(D, G), G minimises it. For a fixed G the best D is
#   p_data / (p_data + p_g), and at that D the game measures 2·JSD − log 4; we checked both in 1-D.
# - Train G with the non-saturating loss −log D(G(z)): it has a gradient exactly when D wins.
# - Nothing in the objective rewards covering every mode; on ring8 the plain GAN dropped half
#   the modes, while a gradient penalty on D or instance noise recovered all 8.
# - DCGAN's rules (strided convs, batchnorm, ReLU/tanh in G, LeakyReLU in D, no hidden FC)
#   give a stable image GAN; watch D(x) and D(G(z)) and the samples, not the losses.
# - Judge samples with a classifier (FID-MNIST next to its real-vs-real floor, the label
#   histogram) and check memorisation with nearest training neighbours.
#
# Next: **07 · Latent explorer**, which loads this DCGAN next to the VAEs.
#
# ## References
# - I. Goodfellow et al. *Generative adversarial nets.* NeurIPS 2014.
# - A. Radford, L. Metz, S. Chintala. *Unsupervised representation learning with deep convolutional GANs.* ICLR 2016.
# - L. Metz, B. Poole, D. Pfau, J. Sohl-Dickstein. *Unrolled generative adversarial networks.* ICLR 2017.
# - N. Kodali, J. Abernethy, J. Hays, Z. Kira. *On convergence and stability of GANs* (DRAGAN). arXiv:1705.07215, 2017.
# - C. K. Sønderby, J. Caballero, L. Theis, W. Shi, F. Huszár. *Amortised MAP inference for image super-resolution* (instance noise). ICLR 2017.
# - M. Arjovsky, L. Bottou. *Towards principled methods for training GANs.* ICLR 2017.
# - M. Heusel et al. *GANs trained by a two time-scale update rule converge to a local Nash equilibrium* (FID). NeurIPS 2017.
# - T. White. *Sampling generative networks* (spherical interpolation). arXiv:1609.04468, 2016.
