"""Training GANs: alternating discriminator and generator steps, with the diagnostics a
practitioner watches (losses, D(x), D(G(z)) per step) and samples of a fixed noise batch
over training. Also the memorisation check (nearest training neighbours) and FID-MNIST.

The loop mirrors ``course_utils.train.fit``: tqdm progress, a history, Ctrl-C keeps what
was learned, and a NaN/inf loss stops with the epoch and step where it happened.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from course_utils.data import batches
from course_utils.models.gan import GENERATOR_LOSSES, add_instance_noise, discriminator_loss, gradient_penalty
from course_utils.train import TrainingDiverged


@dataclass
class GANHistory:
    """Per-step records of a GAN run. ``d_real``/``d_fake`` are the mean of sigmoid(logit)
    on the real and generated batch, seen by D before its update; ``snapshots`` are
    (step, G(fixed_z)) pairs on the CPU."""

    d_loss: list = field(default_factory=list)
    g_loss: list = field(default_factory=list)
    d_real: list = field(default_factory=list)
    d_fake: list = field(default_factory=list)
    penalty: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    def to_dict(self, every: int = 1) -> dict:
        """The curves (every ``every``-th step) as plain lists, for a checkpoint's JSON sidecar."""
        return {k: [round(v, 5) for v in getattr(self, k)[::every]] for k in ("d_loss", "g_loss", "d_real", "d_fake")} | {
            "every": every, "seconds": round(self.seconds, 1)}


def _noise(n: int, z_dim: int, device, generator: torch.Generator | None) -> torch.Tensor:
    return torch.randn(n, z_dim, generator=generator, device="cpu").to(device)


def train_gan(generator: torch.nn.Module, discriminator: torch.nn.Module, data: torch.Tensor, *, z_dim: int,
              epochs: int | None = None, steps: int | None = None, batch_size: int = 64, lr: float = 2e-4,
              lr_d: float | None = None, betas=(0.5, 0.999), g_loss: str = "nonsaturating", instance_noise: float = 0.0,
              gp_weight: float = 0.0, fixed_z: torch.Tensor | None = None, n_snapshots: int = 0,
              seed: int = 0, progress: bool = True, desc: str = "GAN") -> GANHistory:
    """Alternate one D step and one G step per minibatch of ``data`` (already on the device,
    in the range G produces). Give ``epochs`` (passes over data) or ``steps`` (minibatches).

    lr / lr_d: Adam learning rates of G and D (lr_d defaults to lr).
    g_loss: "nonsaturating" (-log D(G(z))) or "saturating" (log(1 - D(G(z)))).
    instance_noise: initial std of noise added to every D input, annealed linearly to 0.
    gp_weight: weight of the DRAGAN-style gradient penalty on D (0: off).
    fixed_z / n_snapshots: G(fixed_z) is recorded n_snapshots times, evenly over training
    (the last one at the final step).
    """
    from tqdm.auto import tqdm

    if g_loss not in GENERATOR_LOSSES:
        raise ValueError(f"unknown g_loss {g_loss!r}: use one of {', '.join(GENERATOR_LOSSES)}.")
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs= or steps=.")
    n = data.shape[0]
    per_epoch = n // batch_size  # drop_last: batchnorm statistics of a 3-example batch are noise
    if per_epoch == 0:
        raise ValueError(f"batch_size {batch_size} is larger than the data ({n} rows): lower it.")
    total = epochs * per_epoch if epochs is not None else steps
    device = data.device
    g = torch.Generator().manual_seed(seed)
    gen_loss_fn = GENERATOR_LOSSES[g_loss]
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr if lr_d is None else lr_d, betas=tuple(betas))
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=tuple(betas))
    snap_at = {max(1, round(total * (i + 1) / n_snapshots)) for i in range(n_snapshots)} if n_snapshots else set()
    hist = GANHistory()
    start = time.perf_counter()
    bar = tqdm(total=total, desc=desc, disable=not progress, leave=False)
    step = 0
    try:
        while step < total:
            epoch = step // per_epoch + 1
            for real in batches(data, batch_size=batch_size, generator=g, drop_last=True):
                if step >= total:
                    break
                step += 1
                generator.train(), discriminator.train()
                sigma = instance_noise * (1.0 - (step - 1) / total)
                # --- D step: maximise log D(x) + log(1 - D(G(z))) -----------------------
                fake = generator(_noise(real.shape[0], z_dim, device, g))
                real_logits = discriminator(add_instance_noise(real, sigma, g))
                fake_logits = discriminator(add_instance_noise(fake.detach(), sigma, g))
                d_loss = discriminator_loss(real_logits, fake_logits)
                penalty = gradient_penalty(discriminator, real, gp_weight, generator=g) if gp_weight > 0 else None
                total_d = d_loss + penalty if penalty is not None else d_loss
                opt_d.zero_grad(set_to_none=True)
                total_d.backward()
                opt_d.step()
                # --- G step: the same fakes (saves a G forward pass), judged by the updated D ---
                loss_g = gen_loss_fn(discriminator(add_instance_noise(fake, sigma, g)))
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                values = (float(d_loss.detach()), float(loss_g.detach()))
                if not all(math.isfinite(v) for v in values):
                    raise TrainingDiverged(
                        f"GAN loss became non-finite (D {values[0]}, G {values[1]}) at epoch {epoch}, step {step}: "
                        f"lower the learning rate (now {lr:g}) or add a gradient penalty.")
                hist.d_loss.append(values[0])
                hist.g_loss.append(values[1])
                hist.d_real.append(float(torch.sigmoid(real_logits.detach()).mean()))
                hist.d_fake.append(float(torch.sigmoid(fake_logits.detach()).mean()))
                if penalty is not None:
                    hist.penalty.append(float(penalty.detach()))
                if step in snap_at and fixed_z is not None:
                    generator.eval()
                    with torch.no_grad():
                        hist.snapshots.append((step, generator(fixed_z.to(device)).cpu()))
                bar.update(1)
                if step % 10 == 0:
                    bar.set_postfix(epoch=epoch, D=f"{values[0]:.3f}", G=f"{values[1]:.3f}")
    except KeyboardInterrupt:
        hist.interrupted = True
        print(f"Interrupted: keeping the networks and the history of {step} steps.")
    finally:
        bar.close()
        hist.seconds = time.perf_counter() - start
        generator.eval(), discriminator.eval()
    return hist


@torch.no_grad()
def nearest_neighbours(queries: torch.Tensor, reference: torch.Tensor, chunk: int = 512):
    """For each query image, the index of and Euclidean (pixel) distance to its nearest
    reference image. Used as a memorisation check: a GAN that copies training digits has
    samples at distance ~0 from a training image. Returns (indices, distances)."""
    q = queries.flatten(1).float()
    r = reference.flatten(1).float().to(q.device)
    best_d, best_i = [], []
    for i in range(0, q.shape[0], chunk):
        d = torch.cdist(q[i:i + chunk], r)
        val, idx = d.min(dim=1)
        best_d.append(val)
        best_i.append(idx)
    return torch.cat(best_i), torch.cat(best_d)


def train_dcgan(model, x_train: torch.Tensor, config: dict, progress: bool = True) -> dict:
    """Train ``model`` (a ``models.gan.DCGAN``) on images in [0, 1] with the DCGAN recipe
    (Adam, lr 2e-4, beta1 0.5, non-saturating loss); store G(fixed_z) snapshots in the model
    and return the per-step curves (for the checkpoint's sidecar)."""
    from course_utils.models.gan import to_tanh_range
    from course_utils.runtime import seed_everything

    seed_everything(config["seed"])
    data = to_tanh_range(x_train)
    hist = train_gan(model.generator, model.discriminator, data, z_dim=config["z_dim"], epochs=config["epochs"],
                     batch_size=config["batch_size"], lr=config["lr"], betas=config["betas"],
                     fixed_z=model.fixed_z, n_snapshots=config["n_snapshots"], seed=config["seed"],
                     progress=progress, desc="DCGAN")
    for i, (step, images) in enumerate(hist.snapshots[: model.snapshots.shape[0]]):
        model.snapshots[i] = (((images + 1) / 2).clamp(0, 1) * 255).round().to(torch.uint8)
        model.snapshot_steps[i] = step
    every = max(1, len(hist.d_loss) // 1000)  # keep the sidecar small
    return {"history": hist.to_dict(every)}


def train_toy_gan(model, data: torch.Tensor, config: dict, progress: bool = True) -> dict:
    """Train a ``models.gan.ToyGAN`` on 2-D points; config keys: steps, batch_size, lr,
    g_loss, instance_noise, gp_weight, seed. Snapshots of G(fixed_z) go into the model."""
    from course_utils.runtime import seed_everything

    seed_everything(config["seed"])
    hist = train_gan(model.generator, model.discriminator, data, z_dim=model.z_dim, steps=config["steps"],
                     batch_size=config["batch_size"], lr=config["lr"], lr_d=config.get("lr_d"), betas=(0.5, 0.999), g_loss=config["g_loss"],
                     instance_noise=config["instance_noise"], gp_weight=config["gp_weight"], fixed_z=model.fixed_z,
                     n_snapshots=model.snapshots.shape[0], seed=config["seed"], progress=progress,
                     desc=config.get("name", "toy GAN"))
    for i, (step, points) in enumerate(hist.snapshots):
        model.snapshots[i] = points
        model.snapshot_steps[i] = step
    every = max(1, len(hist.d_loss) // 500)
    return {"history": hist.to_dict(every)}
