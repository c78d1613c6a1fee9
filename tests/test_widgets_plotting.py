import math

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import plotting, widgets  # noqa: E402
from course_utils.train import History  # noqa: E402


def test_interpolation_endpoints_and_midpoints():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, generator=g), torch.randn(16, generator=g)
    for method in ("linear", "slerp"):
        assert torch.allclose(widgets.interpolate_latents(a, b, 0.0, method), a, atol=1e-6)
        assert torch.allclose(widgets.interpolate_latents(a, b, 1.0, method), b, atol=1e-6)
    assert torch.allclose(widgets.interpolate_latents(a, b, 0.5), (a + b) / 2)
    path = widgets.interpolate_latents(a, b, torch.linspace(0, 1, 5), "slerp")
    assert path.shape == (5, 16)


def test_slerp_keeps_norm_on_a_sphere_where_linear_shrinks_it():
    a = torch.tensor([3.0, 0.0])
    b = torch.tensor([0.0, 3.0])
    mid_slerp = widgets.interpolate_latents(a, b, 0.5, "slerp")
    mid_linear = widgets.interpolate_latents(a, b, 0.5, "linear")
    assert math.isclose(mid_slerp.norm().item(), 3.0, rel_tol=1e-5)
    assert mid_linear.norm().item() < 3.0 / math.sqrt(2) + 1e-5
    with pytest.raises(ValueError, match="'linear' or 'slerp'"):
        widgets.interpolate_latents(a, b, 0.5, "cubic")


def _decoder(z):
    # image brightness follows z[0]: a visible change when the slider moves
    return torch.sigmoid(z[:, :1]).expand(-1, 784).clone()


def test_interpolation_explorer_image_follows_slider():
    a, b = torch.full((4,), -3.0), torch.full((4,), 3.0)
    explorer = widgets.InterpolationExplorer(_decoder, a, b)
    png0, img0 = explorer.image.value, explorer.current_image()
    explorer.slider.value = 1.0
    assert explorer.image.value != png0
    assert explorer.current_image().mean() > img0.mean() + 0.5
    explorer.method.value = "slerp"
    assert torch.allclose(explorer.current_z(), b)


def test_slider_explorer_changes_image():
    explorer = widgets.SliderExplorer(_decoder, z_dim=3, n_sliders=2)
    before = explorer.image.value
    explorer.sliders[0].value = 2.0
    assert explorer.image.value != before and explorer.current_z()[0] == 2.0


def test_show_images_grid_titles_and_errors():
    fig = plotting.show_images(torch.rand(10, 1, 28, 28), nrow=4, titles=list("abcdefghij"), title="grid")
    axes = fig.axes
    assert len(axes) == 12 and sum(ax.has_data() for ax in axes) == 10
    assert axes[0].get_title() == "a"
    fig2 = plotting.show_images(torch.rand(3, 784))
    assert sum(ax.has_data() for ax in fig2.axes) == 3
    with pytest.raises(ValueError, match="one title per image"):
        plotting.show_images(torch.rand(3, 784), titles=["x"])
    with pytest.raises(ValueError, match="square images"):
        plotting.show_images(torch.rand(3, 10))


def test_plot_history_labels_axes():
    history = History(steps=[1, 2], epochs={"loss": [2.0, 1.0], "kl": [0.1, 0.2]})
    fig = plotting.plot_history(history)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "kl"]
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    with pytest.raises(KeyError, match="has no"):
        plotting.plot_history(history, keys=["elbo"])


def test_latent_scatter_needs_two_dims():
    ax = plotting.latent_scatter(torch.randn(50, 2), torch.randint(0, 10, (50,)))
    assert ax.get_xlabel() and ax.get_legend() is not None
    with pytest.raises(ValueError, match="2-D codes"):
        plotting.latent_scatter(torch.randn(5, 3), torch.zeros(5))
