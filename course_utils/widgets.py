"""Interactive latent-space explorers (ipywidgets). They work headless too: set
``explorer.slider.value`` in code and read ``explorer.current_image()``.

The picture is an ``ipywidgets.Image`` holding PNG bytes, so a browser shows the change
as a new ``<img>`` source and tests can compare bytes.
"""
from __future__ import annotations

import io

import numpy as np
import torch


def interpolate_latents(z_a: torch.Tensor, z_b: torch.Tensor, t, method: str = "linear") -> torch.Tensor:
    """Points between z_a and z_b at fractions t (a float or a 1-D tensor).

    linear: (1 - t) z_a + t z_b. slerp: along the great circle (Shoemake 1985),
    sin((1-t)w)/sin(w) z_a + sin(tw)/sin(w) z_b with cos w = <z_a, z_b>/(|z_a||z_b|);
    it keeps norms typical of a Gaussian prior, where the midpoint of a straight line
    is atypically close to the origin.
    """
    if method not in ("linear", "slerp"):
        raise ValueError(f"unknown method {method!r}: use 'linear' or 'slerp'.")
    if z_a.shape != z_b.shape:
        raise ValueError(f"z_a {tuple(z_a.shape)} and z_b {tuple(z_b.shape)} must have the same shape.")
    t = torch.as_tensor(t, dtype=z_a.dtype, device=z_a.device).reshape(-1, *([1] * z_a.dim()))
    if method == "linear":
        out = (1 - t) * z_a + t * z_b
    else:
        a, b = z_a.flatten(), z_b.flatten()
        cos = torch.clamp(a @ b / (a.norm() * b.norm()), -1.0, 1.0)
        omega = torch.arccos(cos)
        if omega.abs() < 1e-6:  # parallel vectors: slerp degenerates to a straight line
            out = (1 - t) * z_a + t * z_b
        else:
            out = (torch.sin((1 - t) * omega) * z_a + torch.sin(t * omega) * z_b) / torch.sin(omega)
    return out.squeeze(0) if out.shape[0] == 1 else out


def _png(image: np.ndarray, scale: int = 4) -> bytes:
    import matplotlib.pyplot as plt

    image = np.clip(image, 0, 1)
    image = np.kron(image, np.ones((scale, scale)))  # upscale so the browser shows crisp pixels
    buf = io.BytesIO()
    plt.imsave(buf, image, cmap="gray", vmin=0, vmax=1, format="png")
    return buf.getvalue()


def _decode_image(decode_fn, z: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        x = torch.as_tensor(decode_fn(z.unsqueeze(0))).detach().float().cpu()
    side = int(round(x.numel() ** 0.5))
    return x.reshape(side, side).numpy()


class _ImageExplorer:
    """Shared by the explorers: ``current_z()`` (defined by each) -> decoded PNG in ``self.image``."""

    decode_fn = None
    box = None

    def current_z(self) -> torch.Tensor:
        raise NotImplementedError

    def current_image(self) -> np.ndarray:
        return _decode_image(self.decode_fn, self.current_z())

    def _update(self, *_):
        self.image.value = _png(self.current_image())

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)


class InterpolationExplorer(_ImageExplorer):
    """A slider t in [0, 1] and a linear/slerp toggle, showing decode(interpolate(z_a, z_b, t)).

    decode_fn maps B x z_dim codes to images with values in [0, 1] (e.g. sigmoid of the
    decoder's logits, or (G(z) + 1) / 2 for a tanh generator).
    """

    def __init__(self, decode_fn, z_a: torch.Tensor, z_b: torch.Tensor, steps: int = 20):
        import ipywidgets as w

        self.decode_fn, self.z_a, self.z_b = decode_fn, z_a, z_b
        self.slider = w.FloatSlider(value=0.0, min=0.0, max=1.0, step=1.0 / steps, description="t",
                                    continuous_update=False, readout_format=".2f")
        self.method = w.ToggleButtons(options=["linear", "slerp"], value="linear", description="path")
        self.image = w.Image(format="png", width=168, height=168)
        self.slider.observe(self._update, names="value")
        self.method.observe(self._update, names="value")
        self.box = w.VBox([w.HBox([self.slider, self.method]), self.image])
        self.box.add_class("interpolation-explorer")  # a stable hook for the browser test
        self._update()

    def current_z(self) -> torch.Tensor:
        return interpolate_latents(self.z_a, self.z_b, self.slider.value, self.method.value)


class SliderExplorer(_ImageExplorer):
    """One slider per latent dimension (the first ``n_sliders``), showing decode(z)."""

    def __init__(self, decode_fn, z_dim: int, n_sliders: int | None = None, span: float = 3.0,
                 z0: torch.Tensor | None = None):
        import ipywidgets as w

        self.decode_fn = decode_fn
        self.z = torch.zeros(z_dim) if z0 is None else z0.detach().clone().float().cpu()
        n_sliders = min(z_dim, n_sliders or z_dim)
        self.sliders = [w.FloatSlider(value=float(self.z[i]), min=-span, max=span, step=0.1,
                                      description=f"z{i + 1}", continuous_update=False)
                        for i in range(n_sliders)]
        self.image = w.Image(format="png", width=168, height=168)
        for s in self.sliders:
            s.observe(self._update, names="value")
        self.box = w.HBox([w.VBox(self.sliders), self.image])
        self.box.add_class("slider-explorer")
        self._update()

    def current_z(self) -> torch.Tensor:
        z = self.z.clone()
        for i, s in enumerate(self.sliders):
            z[i] = s.value
        return z
