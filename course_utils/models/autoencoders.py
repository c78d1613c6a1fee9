"""Autoencoders: linear, deep (MLP), denoising and sparse, in one class with options.

An autoencoder learns an encoder f and a decoder g that minimise a reconstruction
loss, sum_n loss(x_n, g(f(x_n))), through a bottleneck code z = f(x).

- Linear, squared error: the optimal decoder spans the top-K principal subspace
  (Baldi & Hornik 1989), so a trained linear AE recovers the PCA subspace (not the
  principal directions themselves: any invertible mixing of them is just as good).
- Deep MLP, e.g. 784-1000-500-250-2 (Hinton & Salakhutdinov 2006): nonlinear codes
  that separate digit classes far better than 2-D PCA.
- Denoising (Vincent et al. 2008): ``noise > 0`` corrupts the input, the target stays
  clean: loss(x, g(f(x~))), x~ = x + noise * eps (``noise_kind="gaussian"``, clipped
  to [0, 1] for image data) or x with a fraction ``noise`` of pixels set to 0 ("mask").
- Sparse: an overcomplete ReLU code with an L1 penalty ``l1 * |z|_1`` (Ng's sparse AE
  notes use a KL penalty; L1 is the simpler cousin) or exactly ``top_k`` non-zero units
  per example (the k-sparse autoencoder, Makhzani & Frey 2013).

None of these is a generative model: nothing says which codes z are likely, which is
why decoding random codes gives poor images (and why the VAE adds a prior p(z)).
"""
from __future__ import annotations

import itertools
import math

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU}
LOSSES = ("bce", "mse")
NOISE_KINDS = ("gaussian", "mask")


def _mlp(sizes, activation: str) -> nn.Sequential:
    """Linear layers between consecutive sizes, the activation between them (none after the last)."""
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """MLP autoencoder x_dim -> widths... -> z_dim -> reversed(widths)... -> x_dim.

    loss="bce": the decoder outputs Bernoulli logits and ``decode`` returns sigmoid
    means (pixels in [0, 1]); loss="mse": the decoder output is the reconstruction.
    Losses are summed over pixels and averaged over the batch.
    code_activation=None leaves the code linear (as in Hinton & Salakhutdinov 2006);
    "relu" makes it non-negative (needed for the sparse variants).
    """

    def __init__(self, x_dim: int = 784, z_dim: int = 2, widths=(1000, 500, 250), activation: str = "relu",
                 loss: str = "bce", code_activation: str | None = None, noise: float = 0.0,
                 noise_kind: str = "gaussian", l1: float = 0.0, top_k: int | None = None):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: use one of {sorted(ACTIVATIONS)}.")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}: use 'bce' (pixels in [0, 1]) or 'mse'.")
        if noise_kind not in NOISE_KINDS:
            raise ValueError(f"unknown noise_kind {noise_kind!r}: use 'gaussian' or 'mask'.")
        if noise < 0 or (noise_kind == "mask" and noise >= 1):
            raise ValueError(f"noise must be >= 0 (and < 1 for masking), got {noise}.")
        if l1 < 0:
            raise ValueError(f"l1 must be >= 0, got {l1}.")
        if top_k is not None and not 1 <= top_k <= z_dim:
            raise ValueError(f"top_k must be between 1 and z_dim={z_dim}, got {top_k}.")
        if (l1 > 0 or top_k) and code_activation != "relu":
            raise ValueError("sparse codes need code_activation='relu' (an L1 penalty on a linear code "
                             "only shrinks it; it does not switch units off).")
        if code_activation not in (None, "relu"):
            raise ValueError(f"code_activation must be None or 'relu', got {code_activation!r}.")
        self.x_dim, self.z_dim, self.widths = x_dim, z_dim, tuple(int(w) for w in widths)
        self.loss_kind, self.code_activation = loss, code_activation
        self.noise, self.noise_kind, self.l1, self.top_k = float(noise), noise_kind, float(l1), top_k
        self.encoder = _mlp([x_dim, *self.widths, z_dim], activation)
        self.decoder = _mlp([z_dim, *reversed(self.widths), x_dim], activation)

    # -- the two halves -------------------------------------------------------
    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.x_dim:
            raise ValueError(f"expected inputs with {self.x_dim} values each, got {x.shape[1]}.")
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes z = f(x), B x z_dim (sparse variants: non-negative, top_k of them non-zero)."""
        z = self.encoder(self._flat(x))
        if self.code_activation == "relu":
            z = F.relu(z)
        if self.top_k is not None and self.top_k < self.z_dim:
            # keep the k largest activations of each example, zero the rest
            kth = z.topk(self.top_k, dim=1).values[:, -1:]
            z = z * (z >= kth)
        return z

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder output: logits for loss="bce", the reconstruction itself for "mse"."""
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstruction in data space, B x x_dim (sigmoid means for loss="bce")."""
        out = self.decode_raw(z)
        return torch.sigmoid(out) if self.loss_kind == "bce" else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """g(f(x)) shaped like x (images in, images out)."""
        return self(x).reshape(x.shape)

    # -- training objective ---------------------------------------------------
    def corrupt(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The denoising corruption x~ of x (x itself when noise == 0)."""
        if self.noise == 0:
            return x
        if self.noise_kind == "mask":
            keep = torch.rand(x.shape, generator=generator, device=x.device) >= self.noise
            return x * keep
        noisy = x + self.noise * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        # image data stays a valid image; unbounded (mse) data keeps the raw noise
        return noisy.clamp(0.0, 1.0) if self.loss_kind == "bce" else noisy

    def reconstruction_loss(self, x_flat: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """Per-example loss, summed over pixels: Bernoulli NLL (bce) or squared error (mse)."""
        if self.loss_kind == "bce":
            return F.binary_cross_entropy_with_logits(out, x_flat, reduction="none").sum(1)
        return (out - x_flat).pow(2).sum(1)

    def loss(self, x: torch.Tensor):
        """Mean over the batch of reconstruction loss (+ l1 |z|_1), with metrics for fit().

        Denoising: the input is corrupted, the target is the clean x.
        """
        target = self._flat(x)
        if self.loss_kind == "bce":
            lo, hi = float(target.min()), float(target.max())
            if lo < 0 or hi > 1:
                raise ValueError(f"loss='bce' needs pixels in [0, 1], got [{lo:g}, {hi:g}]: divide by 255 "
                                 "or use loss='mse'.")
        z = self.encode(self.corrupt(target))
        rec = self.reconstruction_loss(target, self.decode_raw(z))
        total = rec + self.l1 * z.abs().sum(1) if self.l1 > 0 else rec
        metrics = {"reconstruction": float(rec.detach().mean())}
        if self.code_activation == "relu":
            metrics["active fraction"] = float((z.detach() > 0).float().mean())
        return total.mean(), metrics

    def extra_repr(self) -> str:
        parts = [f"loss={self.loss_kind}"]
        if self.noise:
            parts.append(f"denoising: {self.noise_kind} noise {self.noise:g}")
        if self.l1:
            parts.append(f"sparse: l1={self.l1:g}")
        if self.top_k:
            parts.append(f"sparse: top_k={self.top_k}")
        return ", ".join(parts)

    @torch.no_grad()
    def decode_images(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded codes as B x 1 x 28 x 28 images (square x_dim only)."""
        out = self.decode(z)
        side = math.isqrt(self.x_dim)
        return out.view(-1, 1, side, side) if side * side == self.x_dim else out


class LinearAutoencoder(Autoencoder):
    """z = W_e x + b_e, x_hat = W_d z + b_d, trained with squared error.

    Its decoder columns W_d (D x K) span the top-K principal subspace at the optimum
    (Baldi & Hornik 1989); ``decoder_basis()`` returns them for principal angles.
    """

    def __init__(self, x_dim: int, z_dim: int, noise: float = 0.0):
        super().__init__(x_dim=x_dim, z_dim=z_dim, widths=(), loss="mse", noise=noise)

    def decoder_basis(self) -> torch.Tensor:
        """W_d as a D x K matrix: its columns span the subspace the AE reconstructs in."""
        return self.decoder[0].weight.detach()
