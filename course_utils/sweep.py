"""Hyperparameter sweeps that are cached per configuration and resume after interruption.

A sweep trains one model per configuration (e.g. one VAE per latent size). Each
finished configuration is written to disk at once, as a checkpoint with a JSON sidecar
(``course_utils.train.save_checkpoint``: weights, config, metrics, SHA-256), under a
key derived from the configuration *and* the data source. So:

- a finished configuration is never retrained: rerunning loads it (SHA-256 checked,
  ``torch.load(weights_only=True)``) together with its cached metrics;
- an interrupted sweep (an error, Ctrl-C, a closed laptop) resumes where it stopped:
  the configurations already on disk load, only the rest train;
- changing anything in a configuration (or training on another data source) gives a
  new key, so stale weights are never mixed with new settings.

Shipped checkpoints (``data/checkpoints/``) are looked up before the local cache, as in
``train_or_load``; ``retrain=True`` or ``COURSE_RETRAIN=1`` trains everything again.
Configurations run one after another on the device the ``build`` function chooses
(spreading them over several GPUs is left out on purpose: it would need one process per
GPU, and on a CPU there is nothing to gain).

    results = sweep(configs, train_fn, build=make_model, name="latent-sweep")
    rows = [{**r["config"], **r["metrics"]} for r in results]   # one row per model
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from course_utils import train as _train


class SweepInterrupted(RuntimeError):
    """Training of one configuration stopped early (Ctrl-C inside ``fit``); it was not cached."""


def _retrain_from_env() -> bool:
    return os.environ.get("COURSE_RETRAIN", "").strip().lower() in ("1", "true", "yes")


def full_config(config: dict, name: str, data_source: str) -> dict:
    """The configuration a checkpoint is keyed and checked by: the user's settings plus
    the sweep's name and the data source the model is trained on."""
    reserved = {"sweep", "data_source"} & set(config)
    if reserved:
        raise ValueError(f"configuration keys {sorted(reserved)} are reserved by sweep(): rename them.")
    return {**config, "sweep": name, "data_source": data_source}


def sweep_key(config: dict, name: str, data_source: str) -> str:
    """The cache key of one configuration (a short SHA-256 of the full configuration)."""
    return _train.config_key(full_config(config, name, data_source))


def sweep(configs, train_fn, cache_dir=None, *, build, name: str = "sweep", data_source: str | None = None,
          shipped_dir=None, retrain: bool | None = None, progress: bool = True) -> list[dict]:
    """Train (or load) one model per configuration; return one result dict per configuration.

    configs:    a list of JSON-serialisable dicts, e.g. ``{"model": "vae", "z_dim": 10, "epochs": 40}``.
                Put every setting that changes the weights or the metrics in it.
    train_fn:   ``train_fn(model, config) -> dict`` trains ``model`` in place and returns its
                metrics (numbers or lists; JSON-serialisable). Returning ``{"interrupted": True}``
                (e.g. after Ctrl-C in ``fit``) stops the sweep without caching that model.
    cache_dir:  where new checkpoints go; default ``course_utils.train.cache_dir()/"checkpoints"``.
    build:      ``build(config) -> nn.Module``, an untrained model on the device to use.
    name:       the sweep's name: file names are ``NAME-KEY.pt`` (+ ``.json``).
    data_source: "full" / "subset" / ...; default ``course_utils.data.source_in_use()``,
                so call ``load_mnist`` first. It is part of the key.
    shipped_dir: checked before ``cache_dir``; default ``data/checkpoints``.
    retrain:    train every configuration again (default: ``COURSE_RETRAIN=1``).

    Returns a list of ``{"config", "key", "model", "metrics", "trained", "path", "seconds"}``
    in the order of ``configs``; ``trained`` is False for configurations loaded from disk.
    A tampered or corrupted checkpoint raises ``course_utils.train.CheckpointError`` (it is
    never loaded); delete the file named in the message to retrain that configuration.
    """
    from tqdm.auto import tqdm

    from course_utils.data import source_in_use

    configs = list(configs)
    for i, config in enumerate(configs):
        if not isinstance(config, dict):
            raise TypeError(f"configuration {i} is a {type(config).__name__}, not a dict of settings.")
    if not callable(build):
        raise TypeError("build must be a function config -> untrained nn.Module.")
    data_source = data_source if data_source is not None else source_in_use()
    if data_source is None:
        raise ValueError("no data source known: call course_utils.load_mnist(...) before sweep(), "
                         "or pass data_source='full' / 'subset' / a name for your data.")
    cache_dir = Path(cache_dir) if cache_dir is not None else _train.cache_dir() / "checkpoints"
    shipped_dir = Path(shipped_dir) if shipped_dir is not None else _train.SHIPPED_CHECKPOINTS
    retrain = _retrain_from_env() if retrain is None else bool(retrain)

    keyed = [(config, full_config(config, name, data_source)) for config in configs]
    keys = [_train.config_key(full) for _, full in keyed]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"the sweep lists the same configuration twice (keys {dupes}): remove the duplicates.")

    results = []
    bar = tqdm(keyed, desc=f"sweep {name}", disable=not progress, unit="config")
    try:
        for (config, full), key in zip(bar, keys):
            model = build(config)
            if not isinstance(model, torch.nn.Module):
                raise TypeError(f"build(config) returned a {type(model).__name__}, not an nn.Module.")
            found = None if retrain else next(
                (p for p in (_train.checkpoint_path(name, full, d) for d in (shipped_dir, cache_dir)) if p.exists()),
                None)
            start = time.perf_counter()
            if found is not None:
                # load_checkpoint checks the SHA-256 and the stored config before loading anything
                meta = _train.load_checkpoint(model, found, full)
                model.eval()
                metrics, trained, path = meta["metrics"], False, found
            else:
                metrics = train_fn(model, config)
                metrics = dict(metrics or {})
                if metrics.get("interrupted"):
                    raise SweepInterrupted(
                        f"training of {config} was interrupted, so it was not cached; run the sweep again "
                        f"to resume ({len(results)} of {len(configs)} configurations are done).")
                model.eval()
                path = _train.checkpoint_path(name, full, cache_dir)
                # written atomically: a crash mid-write never leaves a half file that looks finished
                _train.save_checkpoint(model, path, full, metrics, data_source=data_source)
                metrics, trained = _train.read_sidecar(path)["metrics"], True
            seconds = time.perf_counter() - start
            bar.set_postfix_str(f"{'trained' if trained else 'loaded'} {key} in {seconds:.1f}s")
            results.append({"config": dict(config), "key": key, "model": model, "metrics": metrics,
                            "trained": trained, "path": Path(path), "seconds": seconds})
    finally:
        bar.close()
    return results


def table(results, columns=None) -> list[dict]:
    """Flatten sweep results into rows ``{**config, **metrics}`` (only scalar values, or the
    given ``columns``): ready for ``pandas.DataFrame(rows)`` or a printed table."""
    rows = []
    for r in results:
        row = {**r["config"], **r["metrics"]}
        if columns is None:
            row = {k: v for k, v in row.items() if isinstance(v, (int, float, str, bool)) or v is None}
        else:
            row = {c: row.get(c) for c in columns}
        rows.append(row)
    return rows
