"""GAN modules, losses and regularisers: the DCGAN guidelines, the optimal discriminator,
saturating vs non-saturating gradients, the gradient penalty, mode counting."""
import math

import pytest
import torch
from torch import nn

from course_utils.data import ring8_centers
from course_utils.gan_training import nearest_neighbours, train_gan
from course_utils.metrics import modes_covered
from course_utils.models.gan import (
    PRETRAINED_CONFIG,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    discriminator_loss,
    generator_loss_nonsaturating,
    generator_loss_saturating,
    gradient_penalty,
    normal_log_prob,
    optimal_discriminator,
)
from course_utils.train import TrainingDiverged

POOLING = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.MaxPool1d, nn.AvgPool1d)


def _types(module):
    return [type(m) for m in module.modules()]


@pytest.mark.parametrize("width", [8, 32])
def test_dcgan_modules_follow_the_guidelines(width):
    G, D = DCGANGenerator(z_dim=16, width=width), DCGANDiscriminator(width=width)
    for net in (G, D):
        kinds = _types(net)
        assert not any(issubclass(k, POOLING) for k in kinds), "DCGAN uses strided convs, never pooling"
        assert nn.Linear not in kinds, "no fully connected layers"
        assert nn.BatchNorm2d in kinds, "batchnorm in both networks"
    g_kinds, d_kinds = _types(G), _types(D)
    assert nn.ConvTranspose2d in g_kinds and nn.ReLU in g_kinds and nn.LeakyReLU not in g_kinds
    assert isinstance(list(G.modules())[-1], nn.Tanh), "G ends in tanh"
    leaky = [m for m in D.modules() if isinstance(m, nn.LeakyReLU)]
    assert leaky and all(m.negative_slope == 0.2 for m in leaky) and nn.ReLU not in d_kinds
    strided = [m for m in D.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    assert len(strided) == 2, "D downsamples 28 -> 14 -> 7 with stride-2 convolutions"
    conv_std = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]).detach().std()
    assert abs(float(conv_std) - 0.02) < 0.003, "weights start from N(0, 0.02)"


def test_generator_maps_noise_to_images_in_tanh_range():
    torch.manual_seed(0)
    G, D = DCGANGenerator(z_dim=16, width=8), DCGANDiscriminator(width=8)
    with torch.no_grad():
        x = G(10 * torch.randn(5, 16))  # large z: the tanh must still bound the output
    assert x.shape == (5, 1, 28, 28)
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0 and float(x.std()) > 0
    assert D(x).shape == (5,)
    with pytest.raises(ValueError, match="N x 16"):
        G(torch.randn(5, 3))


def test_discriminator_approaches_the_optimal_discriminator():
    """D trained by BCE on p_data = N(-1, 1) vs p_g = N(1, 1) (fresh samples every step)
    should approach D*(x) = p_data / (p_data + p_g) = sigmoid(-2x). Tolerance 0.06 on
    [-2, 2]: there both densities are >= 0.004 so D sees thousands of samples per unit
    length over training; the finite-sample error of a logistic fit is then ~0.01, and
    the rest covers Adam's stochastic last steps. A D that ignores x (0.5) misses by 0.48,
    one with the wrong sign by > 0.9, so the test can fail."""
    torch.manual_seed(0)
    D = MLPDiscriminator(1, hidden=32, depth=2)
    opt = torch.optim.Adam(D.parameters(), lr=3e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: extra threads only add synchronisation cost
    try:
        _train_1d(D, opt)
    finally:
        torch.set_num_threads(threads)
    grid = torch.linspace(-2, 2, 81)
    with torch.no_grad():
        learned = torch.sigmoid(D(grid))
    target = optimal_discriminator(normal_log_prob(grid, -1, 1), normal_log_prob(grid, 1, 1))
    assert torch.allclose(target, torch.sigmoid(-2 * grid), atol=1e-6)
    assert float((learned - target).abs().max()) < 0.06


def _train_1d(D, opt):
    for _step in range(600):
        real, fake = torch.randn(512) - 1.0, torch.randn(512) + 1.0
        loss = discriminator_loss(D(real), D(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_nonsaturating_loss_has_larger_gradient_when_d_rejects_fakes():
    # logits -6 .. -4: D(G(z)) between 0.0025 and 0.018, the start of training
    logits = torch.linspace(-6, -4, 5, requires_grad=True)
    (g_sat,) = torch.autograd.grad(generator_loss_saturating(logits), logits)
    (g_ns,) = torch.autograd.grad(generator_loss_nonsaturating(logits), logits)
    d = torch.sigmoid(logits.detach())
    # closed forms: d/dl mean log(1 - s(l)) = -s(l)/n ; d/dl mean -log s(l) = -(1 - s(l))/n
    assert torch.allclose(g_sat, -d / 5, atol=1e-7)
    assert torch.allclose(g_ns, -(1 - d) / 5, atol=1e-7)
    assert (g_ns.abs() > 50 * g_sat.abs()).all()
    # both push the logit up (gradient descent raises D(G(z)))
    assert (g_sat < 0).all() and (g_ns < 0).all()


def test_losses_match_their_definitions():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    s = torch.sigmoid
    expected_d = -(s(real).log().mean() + (1 - s(fake)).log().mean())
    assert torch.isclose(discriminator_loss(real, fake), expected_d, atol=1e-6)
    assert torch.isclose(generator_loss_saturating(fake), (1 - s(fake)).log().mean(), atol=1e-6)
    assert torch.isclose(generator_loss_nonsaturating(fake), -s(fake).log().mean(), atol=1e-6)
    # at D = 1/2 everywhere the discriminator loss is 2 log 2 (the value at the GAN optimum)
    assert math.isclose(float(discriminator_loss(torch.zeros(4), torch.zeros(4))), 2 * math.log(2), rel_tol=1e-6)


def test_gradient_penalty_of_a_linear_discriminator():
    """D(x) = w.x + b has gradient w everywhere, so the penalty is weight * (||w|| - 1)^2
    whatever the perturbation."""
    lin = nn.Linear(3, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[2.0, -1.0, 2.0]]))  # ||w|| = 3
    D = lambda x: lin(x).flatten()  # noqa: E731
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    for perturb in (True, False):
        gp = gradient_penalty(D, x, weight=10.0, perturb=perturb, generator=torch.Generator().manual_seed(1))
        assert math.isclose(float(gp.detach()), 10.0 * (3.0 - 1.0) ** 2, rel_tol=1e-5)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.6, 0.8, 0.0]]))  # unit norm: no penalty
    assert float(gradient_penalty(D, x, weight=10.0).detach()) < 1e-10
    # the penalty must be differentiable w.r.t. D's parameters (it is part of D's loss)
    gp = gradient_penalty(D, x, weight=1.0)
    gp.backward()


def test_modes_covered_exact_on_known_modes():
    centers = ring8_centers()
    g = torch.Generator().manual_seed(0)
    # 100 samples on each of modes 0, 2, 5 (within 0.05 of the center), none elsewhere
    pts = torch.cat([centers[k] + 0.02 * torch.randn(100, 2, generator=g) for k in (0, 2, 5)])
    out = modes_covered(pts, centers)
    assert out["covered"] == 3 and out["per_mode"] == [100, 0, 100, 0, 0, 100, 0, 0]
    assert out["high_quality"] == 1.0
    # points at the origin are far from every mode: low quality, nothing covered
    far = modes_covered(torch.zeros(50, 2), centers)
    assert far["covered"] == 0 and far["high_quality"] == 0.0
    # a single stray sample on a mode does not count as covering it (min_fraction 1%)
    assert modes_covered(torch.cat([pts, centers[7:8]]), centers)["covered"] == 3
    assert modes_covered(centers.repeat(10, 1), centers)["covered"] == 8


def test_trainer_records_diagnostics_and_stops_on_nan():
    torch.manual_seed(0)
    data = torch.randn(256, 2)
    G, D = MLPGenerator(2, 2, 16, 1), MLPDiscriminator(2, 16, 1)
    h = train_gan(G, D, data, z_dim=2, steps=20, batch_size=64, fixed_z=torch.randn(10, 2), n_snapshots=2,
                  gp_weight=1.0, instance_noise=0.1, progress=False)
    assert len(h.d_loss) == len(h.g_loss) == len(h.d_real) == len(h.d_fake) == 20
    assert all(0 <= v <= 1 for v in h.d_real + h.d_fake)
    assert [s for s, _ in h.snapshots] == [10, 20] and h.snapshots[0][1].shape == (10, 2)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1"):
        train_gan(G, D, torch.full((128, 2), float("nan")), z_dim=2, steps=5, batch_size=64, progress=False)


def test_nearest_neighbours_finds_copies():
    ref = torch.rand(50, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    idx, dist = nearest_neighbours(ref[[7, 3]] + 0.001, ref)
    assert idx.tolist() == [7, 3] and float(dist.max()) < 0.03


def test_pretrained_config_matches_the_cpu_profile(monkeypatch):
    """Notebook 06 with the cpu profile on the offline subset must build the config the
    shipped checkpoint was trained with, otherwise notebook 07 and 06 would disagree."""
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    import course_utils as cu
    from course_utils.models.gan import dcgan_config

    P = cu.profile()
    assert dcgan_config(P, "subset", min(P.gan_max_train, 4000)) == PRETRAINED_CONFIG


def test_pretrained_generator_loads_and_samples():
    from course_utils.models.gan import pretrained_dcgan, pretrained_generator

    G = pretrained_generator("cpu")
    assert not G.training and G.z_dim == PRETRAINED_CONFIG["z_dim"]
    x = G.sample(8, generator=torch.Generator().manual_seed(0))
    assert x.shape == (8, 1, 28, 28) and float(x.min()) >= 0 and float(x.max()) <= 1
    assert float(x.std()) > 0.2, "a trained generator draws strokes, not a grey blur"
    model = pretrained_dcgan("cpu")
    assert model.snapshot_steps.diff().gt(0).all(), "snapshots of training were stored in order"
