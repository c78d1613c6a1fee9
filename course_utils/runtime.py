"""Where code runs (device), how random it is (seeding) and how big it is (profiles).

Profiles are one switch for speed: every notebook reads its epoch counts and sizes
from ``profile()`` so the same notebook is a 60-second smoke test in CI, a
10-minute run on a laptop CPU, or a paper-sized run on a GPU.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import numpy as np
import torch

from course_utils.settings import SETTINGS

PROFILES = ("smoke", "cpu", "gpu")


def device() -> torch.device:
    """The best available device: cuda > mps > cpu. ``COURSE_DEVICE`` overrides it."""
    wanted = os.environ.get("COURSE_DEVICE", "").strip().lower()
    if wanted:
        if wanted.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError(
                f"COURSE_DEVICE={wanted!r} but CUDA is not available here: "
                "unset COURSE_DEVICE or set it to 'cpu'."
            )
        try:
            return torch.device(wanted)
        except RuntimeError as err:
            raise ValueError(
                f"COURSE_DEVICE={wanted!r} is not a device torch knows: use cpu, cuda, cuda:1 or mps."
            ) from err
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); return a torch Generator with that seed."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


@dataclass(frozen=True)
class Profile:
    """The active run profile. Attribute access reads the per-profile setting table.

    >>> P = profile(); P.name in PROFILES
    True
    """

    name: str
    settings: dict = field(repr=False, default_factory=dict)

    def __getattr__(self, key: str):
        # Only called for names that are not real attributes.
        settings = object.__getattribute__(self, "settings")
        if key in settings:
            return settings[key]
        raise AttributeError(
            f"profile has no setting {key!r}; add it to course_utils/settings.py "
            f"(known: {', '.join(sorted(settings))})"
        )

    def __getitem__(self, key: str):
        return getattr(self, key)


def profile_name() -> str:
    """``COURSE_PROFILE`` if set; else ``smoke`` when ``CI`` is true; else gpu with CUDA, else cpu."""
    name = os.environ.get("COURSE_PROFILE", "").strip().lower()
    if name:
        if name not in PROFILES:
            raise ValueError(
                f"COURSE_PROFILE={name!r} is not a profile: set it to one of {', '.join(PROFILES)}."
            )
        return name
    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        return "smoke"
    return "gpu" if torch.cuda.is_available() else "cpu"


def profile() -> Profile:
    """The active profile with its settings (see ``course_utils/settings.py``)."""
    name = profile_name()
    return Profile(name, {key: per_profile[name] for key, per_profile in SETTINGS.items()})
