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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/07_latent_explorer.ipynb)
#
# # 07 · Latent explorer: a lecture demo
#
# Pretrained models, loaded in a second, to play with in class:
# - walk between two test digits in a VAE's latent space, along a straight line or a great circle;
# - move one latent dimension at a time with sliders;
# - ask a conditional VAE (2-D latent) for a chosen digit;
# - walk through a DCGAN's noise space;
# - put GANs, VAEs and autoregressive models side by side: likelihood, sample quality, sampling speed.
#
# Nothing here trains: the weights come from `data/checkpoints/` (trained by notebooks 03, 04 and 06
# in the `cpu` profile) and are checked against their sha256 before loading.

# %% tags=["setup"]
import subprocess
import sys

if "google.colab" in sys.modules:  # install the helper package only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "git+https://github.com/dgm-course/deep-generative-models"], check=True)

import time

import torch

import course_utils as cu
from course_utils import plotting, widgets
from course_utils.models import gan, vae
from course_utils.models.autoregressive import NADE
from course_utils.models.classifier import load_classifier
from course_utils.train import load_shipped

DEVICE = cu.device()
P = cu.profile()
cu.seed_everything(0)
print(f"device: {DEVICE}   profile: {P.name}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Loading the pretrained models
# Each load checks the file's sha256 against its JSON sidecar, then reads the weights with
# `torch.load(..., weights_only=True)`, which cannot run code hidden in a file.

# %%
load_seconds = {}
start = time.perf_counter()
vae20 = vae.pretrained("vae_z20", DEVICE)
load_seconds["VAE (z=20)"] = time.perf_counter() - start
start = time.perf_counter()
vae2 = vae.pretrained("vae_z2", DEVICE)
load_seconds["VAE (z=2)"] = time.perf_counter() - start
start = time.perf_counter()
cvae = vae.pretrained("cvae", DEVICE)
load_seconds["CVAE"] = time.perf_counter() - start
start = time.perf_counter()
G = gan.pretrained_generator(DEVICE)
load_seconds["DCGAN generator"] = time.perf_counter() - start
start = time.perf_counter()
nade, _ = load_shipped("nade", lambda config: NADE(config["dims"], config["hidden"]))  # from notebook 03
nade = nade.to(DEVICE)
load_seconds["NADE"] = time.perf_counter() - start
judge = load_classifier(DEVICE)
for name, seconds in load_seconds.items():
    print(f"{name:<18} loaded in {seconds * 1000:6.1f} ms")
assert sum(load_seconds.values()) < 30, "loading pretrained weights should be instant"

x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
x_test_bin = cu.binarize(x_test)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Walking between two test digits
# Encode two test digits to the means of q(z|x), then decode points on the path between them.
#
# - **linear**: $z_t = (1-t)\,z_a + t\,z_b$;
# - **spherical** (slerp): along the great circle through $z_a$ and $z_b$. Under a Gaussian prior
#   in $d$ dimensions almost all the mass sits near the sphere of radius $\sqrt d$; the middle of a
#   straight line between two typical codes is shorter than typical, slerp keeps the norm.
#
# Pick the two digits (`DIGIT_A`, `DIGIT_B`) and move the slider.

# %%
DIGIT_A, DIGIT_B = 3, 8
index_a = int((y_test == DIGIT_A).nonzero()[0])
index_b = int((y_test == DIGIT_B).nonzero()[0])
with torch.no_grad():
    z_a = vae20.encode(x_test_bin[index_a:index_a + 1])[0][0]
    z_b = vae20.encode(x_test_bin[index_b:index_b + 1])[0][0]


def decode_mean(z):
    """Decoder means (pixel probabilities) for codes z: what we show as the image."""
    return torch.sigmoid(vae20.decode(z.to(DEVICE)))


explorer = widgets.InterpolationExplorer(decode_mean, z_a, z_b)
explorer

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same walk as a strip of frames, both ways, with the norm of each code. The straight line
# dips in norm mid-way; the great circle does not.

# %%
ts = torch.linspace(0, 1, 9)
rows, norms = [], {}
for method in ("linear", "slerp"):
    path = widgets.interpolate_latents(z_a, z_b, ts, method)
    norms[method] = path.norm(dim=1)
    with torch.no_grad():
        rows.append(decode_mean(path).view(-1, 1, 28, 28).cpu())
fig = plotting.show_images(torch.cat(rows), nrow=9,
                           titles=[f"lin t={t:.2f}" for t in ts] + [f"slerp |z|={n:.1f}" for n in norms["slerp"]],
                           title=f"VAE (z=20): from a test {DIGIT_A} to a test {DIGIT_B}")
print("norm of z along the path   linear:", [round(float(n), 2) for n in norms["linear"]])
print("                            slerp:", [round(float(n), 2) for n in norms["slerp"]])
assert norms["linear"][4] <= max(norms["linear"][0], norms["linear"][-1]) + 1e-4
assert (norms["slerp"] - norms["slerp"][0]).abs().max() <= abs(float(z_a.norm() - z_b.norm())) + 1e-3

# %% [markdown] slideshow={"slide_type": "slide"}
# ## One dimension at a time
# A 2-D VAE spreads the digits over the plane; the sliders move the code. Compare with the
# decoded grid below it: the sliders walk across that map.

# %%
sliders = widgets.SliderExplorer(lambda z: torch.sigmoid(vae2.decode(z.to(DEVICE))), z_dim=2, span=2.5)
sliders

# %%
fig = plotting.latent_manifold(lambda z: torch.sigmoid(vae2.decode(z.to(DEVICE))), n=12,
                               title="VAE (z=2): decoder means over a grid of codes")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Asking for a digit: the conditional VAE
# The CVAE sees the label in its encoder and decoder, so we choose the digit and let $z$ choose
# the style. The classifier (trained separately) says how often we got what we asked for.

# %%
n_per_digit = 8
labels = torch.arange(10, device=DEVICE).repeat_interleave(n_per_digit)
with torch.no_grad():
    asked = cvae.sample(len(labels), labels)
    predicted = judge(asked).argmax(1)
accuracy = (predicted == labels).float().mean().item()
fig = plotting.show_images(asked.cpu(), nrow=n_per_digit,
                           titles=[f"asked {int(a)}" for a in labels],
                           title=f"CVAE samples, one row per requested digit (classifier agrees on {accuracy:.0%})")
print(f"the classifier recognises the requested digit in {accuracy:.1%} of CVAE samples")
assert accuracy > 0.5

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A GAN's noise space
# The DCGAN generator maps $z \sim \mathcal N(0, I_{64})$ to an image. There is no encoder, so we
# walk between two random noise vectors.

# %%
g = torch.Generator().manual_seed(1)
z_dim = G.z_dim if hasattr(G, "z_dim") else 64
noise_a, noise_b = torch.randn(z_dim, generator=g), torch.randn(z_dim, generator=g)


def gan_image(z):
    return (G(z.to(DEVICE)) + 1) / 2  # tanh output in [-1, 1] -> [0, 1]


gan_explorer = widgets.InterpolationExplorer(gan_image, noise_a, noise_b)
gan_explorer

# %%
with torch.no_grad():
    strip = torch.cat([gan_image(widgets.interpolate_latents(noise_a, noise_b, ts, m)).cpu()
                       for m in ("linear", "slerp")])
fig = plotting.show_images(strip, nrow=9, titles=[f"lin {t:.2f}" for t in ts] + [f"slerp {t:.2f}" for t in ts],
                           title="DCGAN: between two noise vectors")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Side by side: what each family is good at
# - **likelihood**: autoregressive models give $\log p(x)$ exactly; VAEs give a lower bound (the
#   importance-weighted bound with many samples is close to $\log p(x)$); GANs give none.
# - **sample quality**: the Fréchet distance between classifier features of samples and of real
#   test digits (FID-MNIST, lower is better), and how many samples the classifier is confident about.
# - **sampling speed**: time to draw 100 samples.

# %%
from course_utils import metrics  # noqa: E402

n_samples = P.explorer_samples


def timed_samples(sample_fn):
    start = time.perf_counter()
    with torch.no_grad():
        images = sample_fn(n_samples)
    return images, (time.perf_counter() - start) / n_samples * 100


# Real test digits in the form each model produces: NADE models binary pixels, so its samples
# are compared with binarized digits; the others with grey ones.
with torch.no_grad():
    real_features = {"grey": judge.features(x_test[:n_samples]), "binary": judge.features(x_test_bin[:n_samples])}
nll_digits = x_test_bin[:P.explorer_nll_examples]
candidates = [
    # name, sample n images in [0, 1], test NLL in nats (None: no likelihood), how, real reference
    ("NADE", lambda n: nade.sample(n).view(n, 1, 28, 28), lambda x: -nade.log_prob(x).mean(), "exact", "binary"),
    ("VAE (z=20)", lambda n: vae20.sample(n), lambda x: -metrics.iwae_bound(vae20, x, P.explorer_iwae_k).mean(),
     f"IWAE bound, k={P.explorer_iwae_k}", "grey"),
    ("CVAE (z=2)", lambda n: cvae.sample(n, torch.arange(n, device=DEVICE) % 10), None, "needs the label", "grey"),
    ("DCGAN", lambda n: G.sample(n), None, "no density", "grey"),
]
rows = []
for name, sample_fn, nll_fn, nll_kind, reference in candidates:
    images, seconds_per_100 = timed_samples(sample_fn)
    with torch.no_grad():
        fid = metrics.frechet_distance(judge.features(images), real_features[reference])
        confident = (judge(images).softmax(1).max(1).values > 0.9).float().mean().item()
        nll = float(nll_fn(nll_digits)) if nll_fn else float("nan")
    rows.append({"model": name, "nll": nll, "nll_kind": nll_kind, "fid": float(fid), "confident": confident,
                 "seconds_per_100": seconds_per_100})

# the floor: FID-MNIST between two halves of real digits
with torch.no_grad():
    half = len(x_test) // 2
    floor = metrics.frechet_distance(judge.features(x_test[:half]), judge.features(x_test[half:]))

print(f"{'model':<12} {'test NLL (nats)':>16}  {'(how)':<20} {'FID-MNIST':>9} {'confident':>9} {'s/100 samples':>14}")
for r in rows:
    nll_text = "-" if r["nll"] != r["nll"] else f"{r['nll']:.1f}"
    print(f"{r['model']:<12} {nll_text:>16}  {r['nll_kind']:<20} {r['fid']:>9.1f} {r['confident']:>9.0%} "
          f"{r['seconds_per_100']:>14.3f}")
print(f"{'real digits':<12} {'':>16}  {'(floor)':<20} {floor:>9.1f}")
by_name = {r["model"]: r for r in rows}
assert all(r["fid"] >= 0 for r in rows)
# sampling one pixel at a time is the slow part of autoregressive models
assert by_name["NADE"]["seconds_per_100"] > by_name["VAE (z=20)"]["seconds_per_100"]

# %% [markdown]
# NADE's likelihood is exact; the VAE's is an upper bound on its NLL (the IWAE bound, tight as k
# grows); neither the DCGAN nor (without a label) the CVAE gives one. NADE samples one pixel at a
# time, 784 sequential steps, against one decoder pass for a VAE or a GAN. Lower FID-MNIST means
# samples whose classifier features are distributed more like real test digits' (the real-vs-real
# floor is not zero because two finite samples differ).

# %%
from course_utils import exercises  # noqa: E402

exercises.quiz(
    "Which model lets you compute log p(x) of a test digit exactly?",
    ["The DCGAN", "The VAE", "NADE (an autoregressive model)", "All three"],
    answer=2,
    explanation="NADE factorises p(x) by the chain rule into tractable conditionals; the VAE only bounds "
                "log p(x) (ELBO, IWAE) and a GAN defines no density at all.",
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercise: a spherical interpolation
# Write `slerp(a, b, t)` for two vectors and a scalar `t`, following the formula
# $\mathrm{slerp}(a, b; t) = \frac{\sin((1-t)\omega)}{\sin\omega} a + \frac{\sin(t\omega)}{\sin\omega} b$
# with $\cos\omega = \frac{a\cdot b}{\|a\|\|b\|}$.

# %% tags=["exercise"]
import torch


def slerp(a, b, t):
    # BEGIN SOLUTION
    omega = torch.arccos(torch.clamp(a @ b / (a.norm() * b.norm()), -1.0, 1.0))
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function
from course_utils.widgets import interpolate_latents

check_function(slerp, lambda a, b, t: interpolate_latents(a, b, t, "slerp"),
               lambda g: (torch.randn(8, generator=g), torch.randn(8, generator=g), float(torch.rand(1, generator=g))))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - A VAE's encoder gives codes for real digits, so we can walk between them; a GAN has no encoder.
# - Slerp keeps the norm of Gaussian codes typical; linear paths pass through atypically short codes.
# - Conditioning (CVAE) turns "some digit" into "this digit".
# - Exact likelihoods (autoregressive), bounds (VAE), or none (GAN): each family trades likelihood,
#   sample quality and speed differently.
#
# **References.** Kingma & Welling (2014), *Auto-Encoding Variational Bayes*; Sohn et al. (2015),
# *Learning Structured Output Representation using Deep Conditional Generative Models*; Radford et
# al. (2016), *DCGAN*; White (2016), *Sampling Generative Networks* (slerp); Larochelle & Murray (2011), *NADE*.
