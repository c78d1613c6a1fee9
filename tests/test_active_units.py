"""active_units (Burda et al. 2015): unit u is active when Var_x(E_q[z_u]) > threshold."""
import pytest
import torch
from torch import nn

from course_utils.metrics import active_units
from course_utils.models.vae import VAE

# per-unit variances of the posterior means, chosen on both sides of the 0.01 threshold
VARIANCES = torch.tensor([4.0, 0.5, 0.02, 0.011, 0.009, 0.005, 1e-4, 0.0], dtype=torch.float64)


def signs(n_rows: int, n_cols: int) -> torch.Tensor:
    """Columns of +1/-1 with exactly mean 0 and population variance 1 (half of each sign)."""
    g = torch.Generator().manual_seed(0)
    cols = [torch.cat([torch.ones(n_rows // 2), -torch.ones(n_rows // 2)])[torch.randperm(n_rows, generator=g)]
            for _ in range(n_cols)]
    return torch.stack(cols, dim=1).double()


class KnownEncoder(nn.Module):
    """encode(x) = (mu, logvar) with mu_u = offset_u + sqrt(v_u) * x_u: Var_x(mu_u) = v_u exactly.
    logvar varies wildly with x: the posterior's own spread must not count as activity."""

    def __init__(self, variances, deterministic: bool = False):
        super().__init__()
        self.register_buffer("scale", variances.sqrt())
        self.register_buffer("offset", torch.linspace(-3, 3, len(variances), dtype=torch.float64))
        self.deterministic = deterministic

    def encode(self, x):
        mu = self.offset + self.scale * x
        return mu if self.deterministic else (mu, 5.0 * x.pow(3))


@pytest.mark.parametrize("deterministic", [False, True])
def test_exact_units_on_a_synthetic_encoder(deterministic):
    x = signs(200, len(VARIANCES))
    count, per_unit = active_units(KnownEncoder(VARIANCES, deterministic), x, threshold=0.01, batch_size=64)
    assert torch.allclose(per_unit, VARIANCES, atol=1e-12)
    assert count == 4  # 4.0, 0.5, 0.02, 0.011 exceed 0.01; 0.009 and below do not
    assert ((per_unit > 0.01).nonzero().flatten().tolist()) == [0, 1, 2, 3]


def test_threshold_moves_the_count():
    x = signs(100, len(VARIANCES))
    enc = KnownEncoder(VARIANCES)
    assert active_units(enc, x, threshold=1.0)[0] == 1
    assert active_units(enc, x, threshold=0.0)[0] == 7   # every unit but the constant one
    assert active_units(enc, x, threshold=0.015)[0] == 3


def test_vae_units_with_zero_weights_are_inactive():
    torch.manual_seed(0)
    vae = VAE(x_dim=784, z_dim=6, hidden=32)
    with torch.no_grad():
        vae.to_mu.weight[3:] = 0.0         # mu_3..5 = bias only: constant in x
        vae.to_mu.weight[:3] *= 20.0       # mu_0..2 vary strongly with x
    vae.train()
    x = (torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(1)) > 0.5).float()
    count, per_unit = active_units(vae, x)
    assert count == 3
    assert torch.all(per_unit[3:] < 1e-12) and torch.all(per_unit[:3] > 0.01)
    assert vae.training, "active_units must restore the model's training mode"
    # the population variance of the encoder means, computed directly
    mu, _ = vae.encode(x)
    assert torch.allclose(per_unit, mu.detach().double().var(0, correction=0), atol=1e-9)


def test_bad_inputs_name_the_fix():
    enc = KnownEncoder(VARIANCES)
    with pytest.raises(ValueError, match="threshold"):
        active_units(enc, signs(10, 8), threshold=-1)
    with pytest.raises(ValueError, match="at least 2"):
        active_units(enc, signs(2, 8)[:1])
