"""Plots with one consistent style: image grids, training curves, 2-D latent plots."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

COURSE_STYLE = {
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "image.cmap": "gray",
}
plt.rcParams.update(COURSE_STYLE)


def _to_numpy_images(x) -> np.ndarray:
    x = torch.as_tensor(x).detach().float().cpu()
    if x.dim() == 2:  # B x D: flattened square images
        side = int(round(math.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(f"cannot show rows of length {x.shape[1]} as square images: reshape to B x 1 x H x W.")
        x = x.view(-1, 1, side, side)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images B x 1 x H x W (or B x 784), got shape {tuple(x.shape)}.")
    return x.permute(0, 2, 3, 1).numpy()


def show_images(x, nrow: int = 8, titles=None, title: str | None = None, scale: float = 1.0,
                vmin: float | None = 0.0, vmax: float | None = 1.0, ax_size: float = 1.1):
    """Show a batch of images as a grid, optionally with one title per image.

    x: B x 1 x H x W (or B x 784) in [0, 1]; pass vmin=-1 for tanh outputs.
    Returns the matplotlib Figure.
    """
    images = _to_numpy_images(x)
    n = len(images)
    if n == 0:
        raise ValueError("show_images got an empty batch: nothing to show.")
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images: pass one title per image.")
    ncol = min(nrow, n)
    nrows = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrows, ncol, figsize=(ncol * ax_size * scale, nrows * ax_size * scale + (0.3 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            img = images[i]
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, vmin=vmin, vmax=vmax, cmap="gray")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history, keys=None, title: str | None = None, xlabel: str = "epoch", logy: bool = False):
    """Plot per-epoch metrics of a ``History`` (or a dict name -> list), one panel each."""
    epochs = history.epochs if hasattr(history, "epochs") else dict(history)
    keys = list(keys) if keys is not None else list(epochs)
    if not keys:
        raise ValueError("the history has no metrics to plot: train for at least one epoch.")
    missing = [k for k in keys if k not in epochs]
    if missing:
        raise KeyError(f"history has no {missing}; it has {list(epochs)}.")
    fig, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 2.8), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        values = epochs[key]
        ax.plot(range(1, len(values) + 1), values, marker="o", ms=3)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(key)
        ax.set_title(key)
        if logy:
            ax.set_yscale("log")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_steps(values, label: str = "loss", title: str | None = None, smooth: int = 20, ax=None):
    """Per-step curve with a moving average on top (raw steps are noisy)."""
    values = np.asarray(values, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    ax.plot(values, alpha=0.3, label=f"{label} (per step)")
    if len(values) >= smooth > 1:
        kernel = np.ones(smooth) / smooth
        ax.plot(np.arange(smooth - 1, len(values)), np.convolve(values, kernel, mode="valid"),
                label=f"{label} ({smooth}-step mean)")
    ax.set_xlabel("step")
    ax.set_ylabel(label)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def latent_scatter(z, labels, title: str = "latent codes", ax=None, s: float = 4):
    """Scatter 2-D codes coloured by digit label, with a legend."""
    z = torch.as_tensor(z).detach().cpu().numpy()
    labels = torch.as_tensor(labels).detach().cpu().numpy()
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"latent_scatter needs 2-D codes (N x 2), got {z.shape}: project them first (e.g. PCA).")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    cmap = plt.get_cmap("tab10")
    for digit in np.unique(labels):
        sel = labels == digit
        ax.scatter(z[sel, 0], z[sel, 1], s=s, color=cmap(int(digit) % 10), label=str(digit))
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.legend(markerscale=3, fontsize=7, ncol=2, title="digit")
    return ax


def latent_manifold(decode_fn, n: int = 15, span: float = 2.5, title: str = "decoded latent grid"):
    """Decode an n x n grid of 2-D codes in [-span, span]^2 and show it as one image."""
    axis = torch.linspace(-span, span, n)
    zz = torch.cartesian_prod(axis, axis.flip(0))[:, [1, 0]]  # rows: z2 from top (high) to bottom
    with torch.no_grad():
        images = torch.as_tensor(decode_fn(zz)).detach().float().cpu().view(n, n, 28, 28)
    canvas = images.permute(0, 2, 1, 3).reshape(n * 28, n * 28).numpy()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(canvas, cmap="gray", extent=(-span, span, -span, span), vmin=0, vmax=1)
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.grid(False)
    return fig
