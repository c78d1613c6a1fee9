"""Autoencoders: a linear AE recovers a known subspace; the options do what they say."""
import math

import pytest
import torch
from torch.nn import functional as F

from course_utils import density
from course_utils.models.autoencoders import Autoencoder, LinearAutoencoder
from course_utils.train import fit


def low_rank_data(n=2000, d=20, k=3, noise=0.05, seed=0):
    """x = A z + noise: z ~ N(0, diag(3^2, 2^2, 1.5^2)), A a random orthonormal D x 3 basis."""
    g = torch.Generator().manual_seed(seed)
    basis = density.random_subspace(d, k, g)
    z = torch.randn(n, k, generator=g, dtype=torch.float64) * torch.tensor([3.0, 2.0, 1.5], dtype=torch.float64)
    x = z @ basis.T + noise * torch.randn(n, d, generator=g, dtype=torch.float64)
    return x.float(), basis


def test_linear_autoencoder_recovers_low_rank_subspace():
    torch.manual_seed(0)
    x, basis = low_rank_data()
    model = LinearAutoencoder(20, 3)
    with density.single_thread():
        fit(model, lambda m, b: m.loss(b), x, epochs=60, batch_size=128, lr=1e-2, progress=False,
            generator=torch.Generator().manual_seed(1))
    to_truth = torch.rad2deg(density.principal_angles(model.decoder_basis(), basis))
    to_pca = torch.rad2deg(density.principal_angles(model.decoder_basis(), density.pca(x, 3).components))
    # Tolerance 1 degree. Sampling alone moves the best (PCA) subspace by about
    # noise / (sqrt(n) * smallest signal std) * sqrt(D - K) ~ 0.05 / (45 * 1.5) * 4 rad ~ 0.2 degrees
    # (measured: 0.13). Minibatch Adam adds jitter: the loss is flat around the optimum, since
    # tilting by theta costs only (1.5^2 - 0.05^2) sin^2(theta) ~ 7e-4 per example at 1 degree.
    # We measured ~0.3 degrees; a random 3-D subspace of R^20 is typically 50-90 degrees away.
    assert to_truth.max() < 1.0, f"principal angles to the true subspace: {to_truth.tolist()}"
    assert to_pca.max() < 1.0
    # it is the subspace that is recovered, not the basis: the decoder columns are not orthonormal
    w = model.decoder_basis()
    assert not torch.allclose(w.T @ w, torch.eye(3), atol=1e-2)


def test_untrained_linear_autoencoder_is_far_from_the_subspace():
    torch.manual_seed(0)
    _, basis = low_rank_data()
    angles = torch.rad2deg(density.principal_angles(LinearAutoencoder(20, 3).decoder_basis(), basis))
    assert angles.max() > 20  # so the test above measures training, not luck


def test_shapes_and_outputs():
    torch.manual_seed(0)
    model = Autoencoder(784, 2, widths=(32, 16))
    x = torch.rand(5, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (5, 2)
    assert model.decode(z).shape == (5, 784)
    out = model.reconstruct(x)
    assert out.shape == x.shape and 0 <= out.min() and out.max() <= 1
    assert model.decode_images(z).shape == (5, 1, 28, 28)


def test_bce_loss_is_bernoulli_nll_summed_over_pixels():
    torch.manual_seed(0)
    model = Autoencoder(784, 3, widths=(16,))
    x = torch.rand(4, 784)
    loss, metrics = model.loss(x)
    probs = model(x)
    expected = F.binary_cross_entropy(probs, x, reduction="none").sum(1).mean()
    assert torch.allclose(loss, expected, rtol=1e-4)
    assert math.isclose(metrics["reconstruction"], float(expected.detach()), rel_tol=1e-4)


def test_l1_penalty_and_relu_codes():
    torch.manual_seed(0)
    model = Autoencoder(10, 30, widths=(), loss="mse", code_activation="relu", l1=0.3)
    x = torch.randn(8, 10)
    z = model.encode(x)
    assert (z >= 0).all()
    rec = (model.decode(z) - x).pow(2).sum(1)
    loss, metrics = model.loss(x)
    assert torch.allclose(loss, (rec + 0.3 * z.sum(1)).mean(), rtol=1e-5)
    assert 0 < metrics["active fraction"] < 1


def test_top_k_keeps_exactly_k_units():
    torch.manual_seed(0)
    model = Autoencoder(10, 40, widths=(), loss="mse", code_activation="relu", top_k=5)
    with torch.no_grad():
        model.encoder[0].bias.fill_(5.0)   # make every unit positive so exactly k survive
        z = model.encode(torch.randn(16, 10))
    assert ((z > 0).sum(1) == 5).all()
    dense = torch.relu(model.encoder(torch.randn(1, 10)))
    assert (dense > 0).sum() > 5


def test_denoising_corrupts_input_but_not_target():
    torch.manual_seed(0)
    model = Autoencoder(784, 4, widths=(16,), noise=0.5)
    x = torch.rand(6, 784)
    torch.manual_seed(123)
    loss, _ = model.loss(x)
    torch.manual_seed(123)
    noisy = model.corrupt(x)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not torch.allclose(noisy, x)
    logits = model.decode_raw(model.encode(noisy))
    expected = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
    assert torch.allclose(loss, expected, rtol=1e-5)  # target: clean x
    clean_loss = F.binary_cross_entropy_with_logits(model.decode_raw(model.encode(x)), x, reduction="none").sum(1).mean()
    assert not torch.allclose(loss, clean_loss)


def test_mask_noise_drops_the_requested_fraction():
    model = Autoencoder(784, 4, widths=(), noise=0.3, noise_kind="mask")
    x = torch.ones(200, 784)
    dropped = float((model.corrupt(x, generator=torch.Generator().manual_seed(0)) == 0).float().mean())
    assert abs(dropped - 0.3) < 0.01


def test_clear_errors():
    with pytest.raises(ValueError, match="code_activation='relu'"):
        Autoencoder(784, 10, l1=0.1)
    with pytest.raises(ValueError, match="divide by 255"):
        Autoencoder(784, 2, widths=(8,)).loss(255 * torch.rand(3, 784))
    with pytest.raises(ValueError, match="784 values"):
        Autoencoder(784, 2, widths=(8,)).encode(torch.rand(3, 100))
    with pytest.raises(ValueError, match="top_k"):
        Autoencoder(784, 10, code_activation="relu", top_k=20)
