"""Training loops and checkpoints.

``fit`` trains any model for which you can write ``loss_fn(model, batch)``;
``save_checkpoint`` / ``load_checkpoint`` store weights with a JSON sidecar and a
SHA-256 that is checked before ``torch.load(..., weights_only=True)``;
``train_or_load`` makes lecture demos instant: it loads a matching checkpoint and
trains only when none exists.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from course_utils.data import DATA_DIR, batches, sha256_of

SHIPPED_CHECKPOINTS = DATA_DIR / "checkpoints"  # small pretrained weights, in git


def cache_dir() -> Path:
    """Where locally trained checkpoints go (git-ignored); ``COURSE_CACHE_DIR`` overrides."""
    return Path(os.environ.get("COURSE_CACHE_DIR", DATA_DIR / "cache"))


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite."""


class CheckpointError(RuntimeError):
    """A checkpoint is missing, tampered with, or does not fit the model."""


@dataclass
class History:
    """What ``fit`` recorded: per-step loss and per-epoch means of every metric."""

    steps: list = field(default_factory=list)           # loss after every step
    epochs: dict = field(default_factory=dict)          # metric name -> list, one value per epoch
    interrupted: bool = False
    seconds: float = 0.0

    def __getitem__(self, key):
        return self.epochs[key]

    def to_dict(self) -> dict:
        return {"steps": self.steps, "epochs": self.epochs, "interrupted": self.interrupted,
                "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(list(d.get("steps", [])), dict(d.get("epochs", {})), bool(d.get("interrupted", False)),
                   float(d.get("seconds", 0.0)))


def _as_loss_and_metrics(out):
    if isinstance(out, tuple):
        loss, metrics = out
    elif isinstance(out, dict):
        metrics = dict(out)
        loss = metrics.pop("loss")
    else:
        loss, metrics = out, {}
    return loss, metrics


def fit(model: torch.nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor | None = None, *, epochs: int = 1,
        batch_size: int = 128, optimizer: torch.optim.Optimizer | None = None, lr: float = 1e-3,
        generator: torch.Generator | None = None, eval_fn=None, progress: bool = True,
        desc: str = "training", history: History | None = None) -> History:
    """Minimise ``loss_fn(model, batch)`` over minibatches of ``x`` (and ``y``).

    loss_fn returns a scalar loss, ``(loss, {name: value})`` or ``{"loss": ..., name: value}``;
    every named value is averaged per epoch into the history. ``eval_fn(model)``, if given,
    returns a dict of metrics recorded after each epoch (e.g. test NLL).
    A NaN or infinite loss stops training with an error naming the epoch and step;
    Ctrl-C (KeyboardInterrupt) stops cleanly and keeps the model and the history so far.
    """
    from tqdm.auto import tqdm

    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}.")
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = history or History()
    n_batches = math.ceil(x.shape[0] / batch_size)
    start = time.perf_counter()
    bar = tqdm(total=epochs * n_batches, desc=desc, disable=not progress, leave=False)
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            sums: dict[str, float] = {}
            count = 0
            for step, batch in enumerate(batches(x, y, batch_size=batch_size, generator=generator), start=1):
                loss, metrics = _as_loss_and_metrics(loss_fn(model, batch))
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"loss became {value} at epoch {epoch}, step {step}: lower the learning rate "
                        f"(now {optimizer.param_groups[0]['lr']:g}) or check the inputs for NaNs."
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                history.steps.append(value)
                rows = batch[0].shape[0] if isinstance(batch, (tuple, list)) else batch.shape[0]
                count += rows
                for name, v in {"loss": value, **metrics}.items():
                    sums[name] = sums.get(name, 0.0) + float(v) * rows
                bar.update(1)
                bar.set_postfix(epoch=epoch, loss=f"{value:.4g}")
            for name, total in sums.items():
                history.epochs.setdefault(name, []).append(total / max(count, 1))
            if eval_fn is not None:
                model.eval()
                with torch.no_grad():
                    for name, v in eval_fn(model).items():
                        history.epochs.setdefault(name, []).append(float(v))
    except KeyboardInterrupt:
        history.interrupted = True
        print(f"Interrupted: keeping the model and the history of {len(history.steps)} steps.")
    finally:
        bar.close()
        history.seconds += time.perf_counter() - start
        model.eval()
    return history


# ---------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------
def _canonical(obj) -> object:
    """JSON round trip, so configs compare equal however they were written (tuples vs lists)."""
    return json.loads(json.dumps(obj, sort_keys=True))


def config_key(config: dict) -> str:
    """A short stable hash of a configuration."""
    return hashlib.sha256(json.dumps(_canonical(config), sort_keys=True).encode()).hexdigest()[:12]


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; checkpoints are meant to be shared
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_checkpoint(model: torch.nn.Module, path, config: dict, metrics: dict | None = None,
                    data_source: str | None = None) -> Path:
    """Write ``model.state_dict()`` to ``path`` and a JSON sidecar with the config,
    data source, metrics and the weights' SHA-256. Both files are written atomically."""
    import io

    path = Path(path)
    buffer = io.BytesIO()
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(state, buffer)
    _atomic_write_bytes(path, buffer.getvalue())
    sidecar = {
        "config": _canonical(config),
        "data_source": data_source,
        "metrics": _canonical(metrics or {}),
        "sha256": sha256_of(path),
        "torch": torch.__version__,
    }
    _atomic_write_bytes(_sidecar(path), json.dumps(sidecar, indent=1, sort_keys=True).encode())
    return path


def read_sidecar(path) -> dict:
    side = _sidecar(Path(path))
    if not side.exists():
        raise CheckpointError(f"{side} is missing: a checkpoint needs its JSON sidecar (save it with save_checkpoint).")
    return json.loads(side.read_text())


def load_checkpoint(model: torch.nn.Module, path, config: dict | None = None) -> dict:
    """Load weights into ``model`` after checking the SHA-256 in the sidecar (and, if
    given, that the sidecar's config equals ``config``). Returns the sidecar."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}: train the model first (train_or_load does both).")
    meta = read_sidecar(path)
    got = sha256_of(path)
    if got != meta.get("sha256"):
        raise CheckpointError(
            f"{path} has sha256 {got} but its sidecar says {meta.get('sha256')}: the file was changed "
            "or corrupted. Delete it and retrain, or restore it from git; it was not loaded."
        )
    if config is not None and _canonical(config) != meta["config"]:
        raise CheckpointError(f"{path} was trained with config {meta['config']}, not {_canonical(config)}.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise CheckpointError(f"{path} does not fit this model (different architecture?): {err}") from err
    return meta


def checkpoint_path(name: str, config: dict, directory) -> Path:
    return Path(directory) / f"{name}-{config_key(config)}.pt"


def load_shipped(name: str, build_fn):
    """The model in the shipped checkpoint ``data/checkpoints/NAME-*.pt`` (exactly one must
    exist): ``build_fn(config)`` makes a fresh model from the sidecar's config, then the
    weights are loaded (sha256 checked, weights_only). Returns ``(model, sidecar)``."""
    found = sorted(SHIPPED_CHECKPOINTS.glob(f"{name}-*.pt"))
    if len(found) != 1:
        raise CheckpointError(
            f"expected one shipped checkpoint named {name!r} in {SHIPPED_CHECKPOINTS}, found {len(found)}: "
            "restore data/checkpoints/ from git, or train it with the notebook that defines it."
        )
    model = build_fn(read_sidecar(found[0])["config"])
    meta = load_checkpoint(model, found[0])
    return model.eval(), meta


def train_or_load(name: str, config: dict, train_fn, model: torch.nn.Module, retrain: bool | None = None):
    """Load ``model``'s weights from a checkpoint trained with exactly ``config``, or train it.

    Looks in data/checkpoints/ (shipped) then the local cache. If neither has one (or
    ``retrain`` / ``COURSE_RETRAIN=1``), calls ``train_fn(model) -> metrics dict`` and
    saves the result to the cache. Returns ``(model, metrics, trained)``.
    """
    if retrain is None:
        retrain = os.environ.get("COURSE_RETRAIN", "") in ("1", "true", "yes")
    device = next(iter(model.parameters()), torch.empty(0)).device
    if not retrain:
        for directory in (SHIPPED_CHECKPOINTS, cache_dir() / "checkpoints"):
            path = checkpoint_path(name, config, directory)
            if path.exists():
                meta = load_checkpoint(model, path, config)
                model.to(device).eval()
                return model, meta["metrics"], False
    metrics = train_fn(model) or {}
    model.eval()
    save_checkpoint(model, checkpoint_path(name, config, cache_dir() / "checkpoints"), config, metrics,
                    data_source=config.get("data_source"))
    return model, _canonical(metrics), True
