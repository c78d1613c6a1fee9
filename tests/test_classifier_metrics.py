"""The shipped MNIST classifier (the judge for GAN/VAE samples) and the sample-based
metrics: Fréchet distance, label-histogram mode coverage."""
import math
import shutil

import pytest
import torch

from course_utils.metrics import frechet_distance, mode_coverage
from course_utils.models import classifier as clf
from course_utils.train import CheckpointError, load_checkpoint


def test_frechet_distance_is_zero_for_identical_sets():
    feats = torch.randn(300, 6, generator=torch.Generator().manual_seed(0))
    assert frechet_distance(feats, feats) < 1e-8
    # shifting every feature by c adds ||c||^2 and nothing else
    shift = torch.tensor([1.0, -2.0, 0.0, 0.5, 0.0, 0.0])
    assert math.isclose(frechet_distance(feats, feats + shift), float(shift.pow(2).sum()), rel_tol=1e-6)


def test_frechet_distance_matches_closed_form_for_known_gaussians():
    """For diagonal covariances d^2 = ||mu_a - mu_b||^2 + sum (sigma_a - sigma_b)^2. With
    non-commuting covariances the trace term is checked against an eigendecomposition
    done by hand for 2 x 2 matrices."""
    g = torch.Generator().manual_seed(1)
    n = 200_000
    sa, sb = torch.tensor([1.0, 2.0, 0.5]), torch.tensor([3.0, 1.0, 0.5])
    ma, mb = torch.tensor([0.0, 1.0, 0.0]), torch.tensor([1.0, 1.0, 2.0])
    a = ma + sa * torch.randn(n, 3, generator=g, dtype=torch.float64)
    b = mb + sb * torch.randn(n, 3, generator=g, dtype=torch.float64)
    expected = float((ma - mb).pow(2).sum() + (sa - sb).pow(2).sum())  # 5 + 5 = 10
    assert math.isclose(frechet_distance(a, b), expected, rel_tol=0.02)

    # exact for exact moments: build samples whose empirical mean/cov are known exactly
    def with_moments(mean, cov, m=4000):
        z = torch.randn(m, 2, generator=g, dtype=torch.float64)
        z = z - z.mean(0)
        z = z @ torch.linalg.inv(torch.linalg.cholesky(torch.cov(z.T))).T  # empirical cov = I
        return mean + z @ torch.linalg.cholesky(cov).T

    ca = torch.tensor([[2.0, 0.8], [0.8, 1.0]], dtype=torch.float64)
    cb = torch.tensor([[1.0, -0.3], [-0.3, 0.5]], dtype=torch.float64)
    mu_a, mu_b = torch.tensor([0.0, 0.0], dtype=torch.float64), torch.tensor([1.0, -1.0], dtype=torch.float64)
    # tr sqrt(ca cb): eigenvalues of ca cb are real and positive; sum their square roots
    eig = torch.linalg.eigvals(ca @ cb).real
    exact = float((mu_a - mu_b).pow(2).sum() + ca.trace() + cb.trace() - 2 * eig.sqrt().sum())
    got = frechet_distance(with_moments(mu_a, ca), with_moments(mu_b, cb))
    assert math.isclose(got, exact, rel_tol=1e-8, abs_tol=1e-8)
    assert math.isclose(frechet_distance(with_moments(mu_b, cb), with_moments(mu_a, ca)), exact, rel_tol=1e-8)


def test_frechet_distance_rejects_bad_shapes():
    with pytest.raises(ValueError, match="same D"):
        frechet_distance(torch.randn(10, 3), torch.randn(10, 4))
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(torch.randn(1, 3), torch.randn(10, 3))


def test_mode_coverage_histogram_and_kl():
    uniform = mode_coverage(torch.arange(10).repeat(7))
    assert uniform["classes_present"] == 10 and abs(uniform["kl_to_uniform"]) < 1e-12
    assert uniform["counts"] == [7] * 10
    collapsed = mode_coverage(torch.full((50,), 3))
    assert collapsed["classes_present"] == 1 and math.isclose(collapsed["kl_to_uniform"], math.log(10))
    half = mode_coverage(torch.tensor([0, 1] * 5))  # two classes equally: KL = log(10/2)
    assert math.isclose(half["kl_to_uniform"], math.log(5)) and math.isclose(sum(half["fractions"]), 1.0)
    with pytest.raises(ValueError, match="0..9"):
        mode_coverage(torch.tensor([0, 10]))


def test_classifier_loads_and_is_accurate():
    import course_utils as cu

    model = clf.load_classifier("cpu")
    assert not model.training and model.test_accuracy >= 0.95
    x, y = cu.load_mnist("test", source="subset")
    acc = float((model.predict(x[:500]) == y[:500]).float().mean())
    assert acc >= 0.94
    feats = model.features(x[:8])
    assert feats.shape == (8, clf.FEATURE_DIM) and float(feats.min()) >= 0  # after ReLU
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        model(x[:2] * 2 - 1)  # tanh-range images are refused with the fix named


def test_fid_mnist_separates_real_from_noise():
    import course_utils as cu

    x, _ = cu.load_mnist("test", source="subset")
    floor = clf.fid_mnist(x[:500], x[500:])
    noise = clf.fid_mnist(torch.rand(500, 1, 28, 28, generator=torch.Generator().manual_seed(0)), x[500:])
    assert 0 < floor < noise / 10


def test_tampered_or_missing_classifier_is_refused(tmp_path, monkeypatch):
    src = clf.classifier_path()
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    shutil.copy(src.with_suffix(".json"), dst.with_suffix(".json"))
    raw = bytearray(dst.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # flip one byte inside the weights
    dst.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="sha256"):
        load_checkpoint(clf.MNISTClassifier(), dst, clf.CLASSIFIER_CONFIG)
    monkeypatch.setattr(clf, "SHIPPED_CHECKPOINTS", tmp_path / "nowhere")
    clf._CACHE.clear()
    with pytest.raises(CheckpointError, match="python -m course_utils.models.classifier"):
        clf.load_classifier("cpu")
    clf._CACHE.clear()
