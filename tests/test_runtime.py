import pytest
import torch

from course_utils import runtime


@pytest.fixture
def clean_env(monkeypatch):
    for var in ("COURSE_PROFILE", "CI", "COURSE_DEVICE"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_profile_env_var_wins(clean_env):
    clean_env.setenv("CI", "true")
    clean_env.setenv("COURSE_PROFILE", "cpu")
    assert runtime.profile().name == "cpu"


def test_ci_implies_smoke(clean_env):
    clean_env.setenv("CI", "true")
    assert runtime.profile().name == "smoke"


def test_default_follows_cuda(clean_env):
    expected = "gpu" if torch.cuda.is_available() else "cpu"
    assert runtime.profile().name == expected
    clean_env.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.profile().name == "gpu"


def test_unknown_profile_names_the_choices(clean_env):
    clean_env.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, cpu, gpu"):
        runtime.profile()


def test_settings_differ_by_profile_and_unknown_key_is_clear(clean_env):
    clean_env.setenv("COURSE_PROFILE", "smoke")
    smoke = runtime.profile()
    clean_env.setenv("COURSE_PROFILE", "cpu")
    cpu = runtime.profile()
    assert smoke.mnist_source == "subset"
    assert smoke.max_train < cpu.max_train
    with pytest.raises(AttributeError, match="settings.py"):
        smoke.no_such_setting  # noqa: B018


def test_every_setting_has_all_three_profiles():
    from course_utils.settings import SETTINGS

    for key, values in SETTINGS.items():
        assert set(values) == set(runtime.PROFILES), key


def test_device_override_and_bad_value(clean_env):
    clean_env.setenv("COURSE_DEVICE", "cpu")
    assert runtime.device() == torch.device("cpu")
    clean_env.setenv("COURSE_DEVICE", "tpu-please")
    with pytest.raises(ValueError, match="COURSE_DEVICE"):
        runtime.device()
    if not torch.cuda.is_available():
        clean_env.setenv("COURSE_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="not available"):
            runtime.device()


def test_device_default_is_cpu_without_accelerators(clean_env):
    clean_env.setattr(torch.cuda, "is_available", lambda: False)
    clean_env.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.device() == torch.device("cpu")


def test_seed_everything_is_deterministic():
    import random

    import numpy as np

    runtime.seed_everything(123)
    first = (random.random(), np.random.rand(), torch.rand(3))
    g1 = runtime.seed_everything(123)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2])
    g2 = runtime.seed_everything(123)
    assert torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2))
    runtime.seed_everything(124)
    assert not torch.equal(torch.rand(3), first[2])
