"""Maths of the autoregressive models: the autoregressive property, exact normalisation,
the fast NADE against a per-pixel reference, samples against the model's own probabilities."""
import itertools

import pytest
import torch
from scipy.stats import chi2

from course_utils.models.autoregressive import FVSBN, NADE, RNADE, CategoricalNADE, IndependentBernoulli


def all_binary(d: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=d)), dtype=torch.float64)


def randomised(model: torch.nn.Module, seed: int = 0, scale: float = 1.5) -> torch.nn.Module:
    """Random parameters everywhere (zeros would hide a wrong mask or a missing term)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return model


BINARY_MODELS = {
    "bernoulli": lambda d: IndependentBernoulli(d),
    "fvsbn": lambda d: FVSBN(d),
    "nade": lambda d: NADE(d, 6, block=3),   # block 3 does not divide D: a ragged last block
}


@pytest.mark.parametrize("name", ["fvsbn", "nade", "nade_reference"])
def test_autoregressive_property_jacobian(name):
    """d logit_i / d x_j = 0 for every j >= i, and the dependence on earlier pixels is real."""
    d = 9
    model = randomised((FVSBN(d) if name == "fvsbn" else NADE(d, 5, block=4)).double())
    logits = model.logits_reference if name == "nade_reference" else model.logits
    x = (torch.rand(1, d, generator=torch.Generator().manual_seed(1)) < 0.5).double()
    jac = torch.autograd.functional.jacobian(lambda v: logits(v)[0], x)[:, 0, :]   # D x D: row i, column j
    upper = jac.triu()                          # j >= i, diagonal included
    assert upper.abs().max() == 0.0, f"logit i depends on pixel j >= i:\n{upper}"
    assert (jac.tril(-1).abs() > 1e-8).sum() == d * (d - 1) // 2, "every logit should depend on every earlier pixel"


@pytest.mark.parametrize("block", [1, 4, 8])
def test_fast_nade_flipping_a_pixel_changes_only_later_logits(block):
    d = 12
    model = randomised(NADE(d, 7, block=block).double(), seed=3)
    x = (torch.rand(4, d, generator=torch.Generator().manual_seed(2)) < 0.5).double()
    base = model.logits(x)
    for j in range(d):
        flipped = x.clone()
        flipped[:, j] = 1 - flipped[:, j]
        out = model.logits(flipped)
        assert torch.equal(out[:, :j + 1], base[:, :j + 1]), f"flipping pixel {j} changed logits <= {j}"
        if j < d - 1:
            assert (out[:, j + 1:] - base[:, j + 1:]).abs().max() > 1e-6


@pytest.mark.parametrize("name", list(BINARY_MODELS))
def test_exact_normalisation_by_enumeration(name):
    """sum over all 2^10 binary vectors of exp(log p(x)) = 1."""
    model = randomised(BINARY_MODELS[name](10).double(), seed=4)
    total = model.log_prob(all_binary(10)).exp().sum().item()
    assert abs(total - 1.0) < 1e-5, f"{name}: probabilities sum to {total}"


def test_conditionals_are_the_chain_rule_factors():
    """log p(x) = sum_i log of x̂_i or 1 - x̂_i, and x̂ is a probability."""
    model = randomised(NADE(10, 4).double(), seed=5)
    x = all_binary(10)[::37]
    xhat = model.conditionals(x)
    assert ((xhat > 0) & (xhat < 1)).all()
    manual = torch.where(x == 1, xhat, 1 - xhat).log().sum(1)
    torch.testing.assert_close(model.log_prob(x), manual, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dims,hidden,block,batch", [(784, 20, None, 5), (50, 9, 7, 5), (13, 5, 16, 5),
                                                     (30, 6, 8, 50)])   # batch 50: split over CPU threads
def test_fast_nade_matches_per_pixel_reference(dims, hidden, block, batch):
    """Blocked running sum + hand-written backward == autograd through the per-pixel loop,
    for log_prob and for the gradients of every parameter (float64)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(max(2, threads))       # so that batch 50 really is split in chunks
    try:
        _compare_fast_and_reference(dims, hidden, block, batch)
    finally:
        torch.set_num_threads(threads)


def _compare_fast_and_reference(dims, hidden, block, batch):
    model = randomised(NADE(dims, hidden, block=block).double(), seed=6, scale=0.3)
    x = (torch.rand(batch, dims, generator=torch.Generator().manual_seed(7)) < 0.3).double()
    weights = torch.randn(batch, dims, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    fast, ref = model.logits(x), model.logits_reference(x)
    torch.testing.assert_close(fast, ref, rtol=0, atol=1e-5)
    g_fast = torch.autograd.grad((fast * weights).sum(), list(model.parameters()))
    g_ref = torch.autograd.grad((ref * weights).sum(), list(model.parameters()))
    for (pname, _), a, b in zip(model.named_parameters(), g_fast, g_ref):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5, msg=f"gradient of {pname} differs")
    # and log_prob with the loss a training step uses: its gradients come from the fused
    # forward sweep when every example has the same weight (a mean), else from the fallback
    lp_ref = -torch.nn.functional.binary_cross_entropy_with_logits(ref, x, reduction="none").sum(1)
    torch.testing.assert_close(model.log_prob(x), lp_ref, rtol=0, atol=1e-5)
    lp_ref = -torch.nn.functional.binary_cross_entropy_with_logits(model.logits_reference(x), x,
                                                                    reduction="none").sum(1)
    per_example = torch.rand(batch, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    for example_weights in (torch.full((batch,), -1.0 / batch, dtype=torch.float64), per_example):
        g_fast = torch.autograd.grad((model.log_prob(x) * example_weights).sum(), list(model.parameters()))
        g_ref = torch.autograd.grad((lp_ref * example_weights).sum(), list(model.parameters()), retain_graph=True)
        for (pname, _), a, b in zip(model.named_parameters(), g_fast, g_ref):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-5, msg=f"log_prob gradient of {pname} differs")


def test_fast_nade_float32_close_to_float64():
    model = randomised(NADE(784, 30), seed=9, scale=0.1)
    x = (torch.rand(8, 784, generator=torch.Generator().manual_seed(1)) < 0.15).float()
    lp32 = model.log_prob(x)
    lp64 = model.double().log_prob(x.double())
    assert (lp32.double() - lp64).abs().max() < 1e-3


@pytest.mark.parametrize("name", list(BINARY_MODELS))
def test_sample_frequencies_match_probabilities(name):
    """Chi-square goodness of fit of 20,000 samples over the 16 states of D = 4."""
    model = randomised(BINARY_MODELS[name](4).double(), seed=10, scale=1.0)
    n = 20000
    samples = model.sample(n, generator=torch.Generator().manual_seed(11))
    assert samples.shape == (n, 4) and set(samples.unique().tolist()) <= {0.0, 1.0}
    states = all_binary(4)
    codes = (samples * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=samples.dtype)).sum(1).long()
    observed = torch.bincount(codes, minlength=16).double()
    expected = n * model.log_prob(states).exp()
    stat = ((observed - expected) ** 2 / expected).sum().item()
    p_value = chi2.sf(stat, df=15)
    assert p_value > 1e-3, f"{name}: chi-square {stat:.1f} on 15 dof (p = {p_value:.2g})"


def test_sampler_is_not_trivially_uniform():
    """The chi-square test can fail: samples from one model do not fit another model."""
    a = randomised(NADE(4, 6).double(), seed=10, scale=1.0)
    b = randomised(NADE(4, 6).double(), seed=12, scale=1.0)
    samples = a.sample(20000, generator=torch.Generator().manual_seed(11))
    codes = (samples * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=samples.dtype)).sum(1).long()
    observed = torch.bincount(codes, minlength=16).double()
    expected = 20000 * b.log_prob(all_binary(4)).exp()
    assert chi2.sf(((observed - expected) ** 2 / expected).sum().item(), df=15) < 1e-6


@pytest.mark.parametrize("name", list(BINARY_MODELS))
def test_non_binary_input_names_binarize(name):
    model = BINARY_MODELS[name](784)
    grey = torch.rand(2, 1, 28, 28)
    with pytest.raises(ValueError, match="binarize"):
        model.log_prob(grey)
    with pytest.raises(ValueError, match="D = 784"):
        model.log_prob(torch.zeros(2, 100))


def test_image_input_is_flattened():
    model = randomised(FVSBN(784), seed=1, scale=0.01)
    x = (torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0)) < 0.2).float()
    torch.testing.assert_close(model.log_prob(x), model.log_prob(x.view(3, 784)))


def test_parameter_counts():
    d = 784
    assert IndependentBernoulli(d).effective_parameters() == d
    assert FVSBN(d).effective_parameters() == d * (d + 1) // 2
    assert NADE(d, 500).effective_parameters() == 2 * d * 500 + d + 500


def test_bernoulli_counting_is_the_maximum_likelihood():
    """With no smoothing, the gradient of the mean log-likelihood vanishes at the counted fit."""
    x = (torch.rand(200, 6, generator=torch.Generator().manual_seed(0)) < 0.3).double()
    model = IndependentBernoulli(6).double().fit_counts(x, pseudo_count=0.0)
    torch.testing.assert_close(torch.sigmoid(model.a), x.mean(0))
    grad, = torch.autograd.grad(model.log_prob(x).mean(), model.a)
    assert grad.abs().max() < 1e-12


def test_categorical_nade_normalises_and_is_autoregressive():
    model = randomised(CategoricalNADE(3, 5, levels=4).double(), seed=2)
    states = torch.tensor(list(itertools.product(range(4), repeat=3)))
    assert abs(model.log_prob(states).exp().sum().item() - 1.0) < 1e-6
    x = states[17:18]
    base = model.conditionals(x)
    for j in range(3):
        other = x.clone()
        other[0, j] = (other[0, j] + 1) % 4
        assert torch.equal(model.conditionals(other)[:, :j + 1], base[:, :j + 1])
    with pytest.raises(ValueError, match="levels"):
        model.log_prob(torch.full((1, 3), 4))


def test_rnade_density_integrates_to_one():
    """A 2-D RNADE density summed on a fine grid (Riemann sum) gives 1."""
    model = randomised(RNADE(2, 8, components=3).double(), seed=3, scale=0.5)
    axis = torch.linspace(-12, 12, 801, dtype=torch.float64)
    grid = torch.cartesian_prod(axis, axis)
    cell = (axis[1] - axis[0]) ** 2
    total = (model.log_prob(grid).exp().sum() * cell).item()
    assert abs(total - 1.0) < 1e-3, total
    samples = model.sample(5, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (5, 2) and torch.isfinite(model.log_prob(samples)).all()
