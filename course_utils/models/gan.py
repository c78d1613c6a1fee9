"""Generative adversarial networks (Goodfellow et al. 2014) and DCGAN (Radford et al. 2016).

A generator G maps noise z ~ N(0, I) to data space; a discriminator D maps an input to a
*logit* (D's probability that the input is real is sigmoid(logit)). They play

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]          (Goodfellow et al., eq. 1)

For a fixed G the best D is D*(x) = p_data(x) / (p_data(x) + p_g(x)) (their Prop. 1).

This module holds the networks, the losses written on logits (numerically stable via
softplus: log sigmoid(l) = -softplus(-l), log(1 - sigmoid(l)) = -softplus(l)), two
regularisers (instance noise, a DRAGAN-style gradient penalty), and the shipped DCGAN.
Training loops live in ``course_utils.gan_training``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


# ---------------------------------------------------------------------------
# DCGAN for 1 x 28 x 28 MNIST
# ---------------------------------------------------------------------------
def dcgan_init(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights ~ N(0, 0.02); batchnorm scale ~ N(1, 0.02), shift 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """z (N x z_dim) -> image (N x 1 x 28 x 28) in [-1, 1], following the DCGAN guidelines:
    fractionally strided (transposed) convolutions instead of upsampling layers, batchnorm
    after every hidden layer, ReLU in hidden layers and tanh at the output, no fully
    connected hidden layers (the first transposed conv acts on z seen as z_dim x 1 x 1).

    Shapes: z_dim x 1x1 -> 4w x 7x7 -> 2w x 14x14 -> 1 x 28x28.
    """

    def __init__(self, z_dim: int = 64, width: int = 32):
        super().__init__()
        self.z_dim, self.width = z_dim, width
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, 4 * width, kernel_size=7, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(4 * width), nn.ReLU(),
            nn.ConvTranspose2d(4 * width, 2 * width, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, 1, kernel_size=4, stride=2, padding=1),
            nn.Tanh(),
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected noise of shape N x {self.z_dim}, got {tuple(z.shape)}: "
                             f"draw it with torch.randn(n, {self.z_dim}).")
        return self.net(z[:, :, None, None])

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images in [0, 1] (ready for plotting or the MNIST classifier)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.z_dim, generator=generator, device="cpu").to(device)
        return to_unit_interval(self(z))


class DCGANDiscriminator(nn.Module):
    """image (N x 1 x 28 x 28, in [-1, 1]) -> logit (N), following the DCGAN guidelines:
    strided convolutions instead of pooling, LeakyReLU(0.2), batchnorm in hidden layers
    (not on the input layer, as in the paper), no fully connected hidden layers (the last
    conv covers the whole 7 x 7 map and outputs one number).

    Shapes: 1 x 28x28 -> w x 14x14 -> 2w x 7x7 -> 1 x 1x1.
    """

    def __init__(self, width: int = 32):
        super().__init__()
        self.width = width
        self.net = nn.Sequential(
            nn.Conv2d(1, width, kernel_size=4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 1, kernel_size=7, stride=1, padding=0),
        )
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(f"expected images N x 1 x 28 x 28, got {tuple(x.shape)}.")
        return self.net(x).flatten()


def to_tanh_range(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] pixels (load_mnist) -> [-1, 1] (the range of the generator's tanh)."""
    return x * 2.0 - 1.0


def to_unit_interval(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] generator output -> [0, 1] pixels (for plots and the MNIST classifier)."""
    return ((x + 1.0) / 2.0).clamp(0.0, 1.0)


# ---------------------------------------------------------------------------
# Small MLPs for 1-D and 2-D toy data
# ---------------------------------------------------------------------------
class MLPGenerator(nn.Module):
    """z (N x z_dim) -> point (N x out_dim): ``depth`` hidden ReLU layers of ``hidden`` units."""

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 128, depth: int = 2):
        super().__init__()
        self.z_dim = z_dim
        layers, d = [], z_dim
        for _ in range(depth):
            layers += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """point (N x in_dim) -> logit (N): ``depth`` hidden LeakyReLU(0.2) layers."""

    def __init__(self, in_dim: int = 2, hidden: int = 128, depth: int = 2):
        super().__init__()
        layers, d = [], in_dim
        for _ in range(depth):
            layers += [nn.Linear(d, hidden), nn.LeakyReLU(0.2)]
            d = hidden
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 1:
            x = x[:, None]  # 1-D data given as a vector
        return self.net(x).flatten()


class ToyGAN(nn.Module):
    """MLP generator and discriminator for 2-D toy data, with ``snapshots`` of G(fixed_z)
    over training kept as buffers (so a checkpoint carries the whole story)."""

    def __init__(self, z_dim: int = 2, hidden: int = 128, n_snapshots: int = 6, n_fixed: int = 1000, dim: int = 2):
        super().__init__()
        self.z_dim = z_dim
        self.generator = MLPGenerator(z_dim, dim, hidden, 2)
        self.discriminator = MLPDiscriminator(dim, hidden, 2)
        self.register_buffer("fixed_z", torch.randn(n_fixed, z_dim, generator=torch.Generator().manual_seed(8)))
        self.register_buffer("snapshots", torch.zeros(n_snapshots, n_fixed, dim))
        self.register_buffer("snapshot_steps", torch.zeros(n_snapshots, dtype=torch.long))


# ---------------------------------------------------------------------------
# Losses, on discriminator logits
# ---------------------------------------------------------------------------
def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-V(D, G) per batch: -mean log D(x) - mean log(1 - D(G(z))), i.e. binary cross-entropy
    with label 1 for real and 0 for fake. Minimising it maximises V over D."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss_saturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The minimax generator loss mean log(1 - D(G(z))). Its gradient w.r.t. the logit is
    -D(G(z)): it vanishes exactly when D confidently rejects the fakes (early training)."""
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss -mean log D(G(z)) (Goodfellow et al. 2014, Sec. 3).
    Same fixed point, but its gradient w.r.t. the logit is -(1 - D(G(z))): large when D
    rejects the fakes."""
    return F.softplus(-fake_logits).mean()


GENERATOR_LOSSES = {"saturating": generator_loss_saturating, "nonsaturating": generator_loss_nonsaturating}


def add_instance_noise(x: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Instance noise (Sønderby et al. 2017; Arjovsky & Bottou 2017): add N(0, std^2) to every
    input of D, real and fake alike, so the two distributions overlap and D cannot become
    perfectly confident; anneal std towards 0 during training."""
    if std <= 0:
        return x
    noise = torch.randn(x.shape, generator=generator, device="cpu").to(x.device)
    return x + std * noise


def gradient_penalty(discriminator: nn.Module, x_real: torch.Tensor, weight: float = 10.0, scale: float = 0.5,
                     generator: torch.Generator | None = None, perturb: bool = True) -> torch.Tensor:
    """DRAGAN-style penalty (Kodali et al. 2017, "On convergence and stability of GANs"):

        weight * E[ (||grad_x D(x_hat)||_2 - 1)^2 ],   x_hat = x + scale * std(x) * u,  u ~ U[0, 1)

    computed on D's logit. It keeps D smooth around the real data, which fights the sharp
    decision boundaries that drive mode collapse. ``perturb=False`` evaluates it at x itself.
    """
    if perturb:
        u = torch.rand(x_real.shape, generator=generator, device="cpu").to(x_real.device)
        x_hat = x_real + scale * x_real.std() * u
    else:
        x_hat = x_real
    x_hat = x_hat.detach().requires_grad_(True)
    out = discriminator(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(dim=1) if grad.dim() > 1 else grad.abs()
    return weight * (norms - 1.0).pow(2).mean()


def optimal_discriminator(log_p_data: torch.Tensor, log_p_g: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g) (Goodfellow et al., Prop. 1)."""
    return torch.sigmoid(log_p_data - log_p_g)


def normal_log_prob(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std) - 0.5 * math.log(2 * math.pi)


# ---------------------------------------------------------------------------
# The shipped DCGAN (trained in notebook 06 with the cpu profile)
# ---------------------------------------------------------------------------
class DCGAN(nn.Module):
    """Generator, discriminator and a record of training: ``snapshots`` holds the samples
    G made from a fixed noise batch at a few points of training (uint8, so they survive a
    weights-only checkpoint), ``fixed_z`` that noise batch."""

    def __init__(self, z_dim: int = 64, width: int = 32, n_snapshots: int = 8, n_fixed: int = 16):
        super().__init__()
        self.generator = DCGANGenerator(z_dim, width)
        self.discriminator = DCGANDiscriminator(width)
        self.register_buffer("fixed_z", torch.randn(n_fixed, z_dim, generator=torch.Generator().manual_seed(6)))
        self.register_buffer("snapshots", torch.zeros(n_snapshots, n_fixed, 1, 28, 28, dtype=torch.uint8))
        self.register_buffer("snapshot_steps", torch.zeros(n_snapshots, dtype=torch.long))


def dcgan_config(P, data_source: str | None, n_train: int) -> dict:
    """Everything that defines a DCGAN run of notebook 06 (the checkpoint's key)."""
    return {"arch": "DCGAN-v1", "z_dim": P.gan_z_dim, "width": P.gan_width, "epochs": P.gan_epochs,
            "batch_size": P.gan_batch_size, "lr": P.gan_lr, "betas": [0.5, 0.999],
            "n_snapshots": P.gan_snapshots, "n_train": n_train, "data_source": data_source, "seed": 0}


PRETRAINED_CONFIG = {"arch": "DCGAN-v1", "z_dim": 64, "width": 32, "epochs": 25, "batch_size": 64,
                     "lr": 0.0002, "betas": [0.5, 0.999], "n_snapshots": 8, "n_train": 4000,
                     "data_source": "subset", "seed": 0}


def pretrained_dcgan(device=None) -> DCGAN:
    """The DCGAN that notebook 06 trains with the cpu profile, from data/checkpoints/."""
    from course_utils.runtime import device as best_device
    from course_utils.train import SHIPPED_CHECKPOINTS, CheckpointError, checkpoint_path, load_checkpoint

    cfg = PRETRAINED_CONFIG
    path = checkpoint_path("dcgan_mnist", cfg, SHIPPED_CHECKPOINTS)
    if not path.exists():
        raise CheckpointError(f"the pretrained DCGAN {path} is missing: run notebook 06 with COURSE_PROFILE=cpu "
                              "and copy the dcgan_mnist-*.pt/.json from data/cache/checkpoints/ to data/checkpoints/.")
    model = DCGAN(cfg["z_dim"], cfg["width"], cfg["n_snapshots"])
    load_checkpoint(model, path, cfg)
    return model.to(torch.device(device) if device is not None else best_device()).eval()


def pretrained_generator(device=None) -> DCGANGenerator:
    """The shipped DCGAN generator in eval mode: ``G(z)`` with z ~ N(0, I_64) gives images in [-1, 1]
    (``G.sample(n)`` gives them in [0, 1])."""
    return pretrained_dcgan(device).generator
