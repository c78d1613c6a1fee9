import json

import pytest
import torch

from course_utils import train
from course_utils.train import CheckpointError, TrainingDiverged


def _data(n=64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
    return x, y


def _mse(model, batch):
    xb, yb = batch
    return torch.nn.functional.mse_loss(model(xb).squeeze(1), yb)


def test_fit_reduces_loss_and_records_history():
    torch.manual_seed(0)
    x, y = _data()
    model = torch.nn.Linear(3, 1)
    history = train.fit(model, _mse, x, y, epochs=30, batch_size=16, lr=0.05, progress=False,
                        eval_fn=lambda m: {"train mse": _mse(m, (x, y))})
    assert len(history.epochs["loss"]) == 30 and len(history.epochs["train mse"]) == 30
    assert len(history.steps) == 30 * 4
    assert history["train mse"][-1] < 0.01 * history["train mse"][0]
    assert not history.interrupted


def test_fit_stops_on_nan_naming_epoch_and_step():
    x, y = _data()
    model = torch.nn.Linear(3, 1)
    calls = {"n": 0}

    def exploding(model, batch):
        calls["n"] += 1
        loss = _mse(model, batch)
        return loss * float("nan") if calls["n"] == 6 else loss

    with pytest.raises(TrainingDiverged, match=r"epoch 2, step 2: lower the learning rate"):
        train.fit(model, exploding, x, y, epochs=3, batch_size=16, progress=False)
    assert all(torch.isfinite(p).all() for p in model.parameters()), "the NaN step must not be applied"


def test_fit_keyboard_interrupt_keeps_model_and_history(capsys):
    x, y = _data()
    model = torch.nn.Linear(3, 1)
    calls = {"n": 0}

    def interrupted(model, batch):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return _mse(model, batch)

    before = model.weight.detach().clone()
    history = train.fit(model, interrupted, x, y, epochs=5, batch_size=16, progress=False)
    assert history.interrupted and len(history.steps) == 3
    assert not torch.equal(before, model.weight), "the steps taken before Ctrl-C are kept"
    assert "Interrupted" in capsys.readouterr().out


def test_loss_fn_may_return_dict_with_metrics():
    x, y = _data()
    model = torch.nn.Linear(3, 1)
    history = train.fit(model, lambda m, b: {"loss": _mse(m, b), "half": 0.5}, x, y, epochs=1,
                        batch_size=64, progress=False)
    assert history["half"] == [0.5]


def test_checkpoint_round_trip(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = train.save_checkpoint(model, tmp_path / "m.pt", {"hidden": 3}, {"nll": 1.5}, data_source="subset")
    meta = json.loads((tmp_path / "m.json").read_text())
    assert meta["sha256"] == train.sha256_of(path) and meta["data_source"] == "subset"
    clone = torch.nn.Linear(3, 2)
    got = train.load_checkpoint(clone, path, {"hidden": 3})
    assert got["metrics"] == {"nll": 1.5}
    assert torch.equal(clone.weight, model.weight)
    assert not list(tmp_path.glob("*.part"))


def test_tampered_checkpoint_is_refused(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = train.save_checkpoint(model, tmp_path / "m.pt", {"hidden": 3})
    blob = bytearray(path.read_bytes())
    blob[-20] ^= 0xFF
    path.write_bytes(bytes(blob))
    clone = torch.nn.Linear(3, 2)
    before = clone.weight.detach().clone()
    with pytest.raises(CheckpointError, match="was not loaded"):
        train.load_checkpoint(clone, path)
    assert torch.equal(clone.weight, before)


def test_checkpoint_with_other_config_or_architecture_is_refused(tmp_path):
    path = train.save_checkpoint(torch.nn.Linear(3, 2), tmp_path / "m.pt", {"hidden": 3})
    with pytest.raises(CheckpointError, match="trained with config"):
        train.load_checkpoint(torch.nn.Linear(3, 2), path, {"hidden": 4})
    with pytest.raises(CheckpointError, match="does not fit this model"):
        train.load_checkpoint(torch.nn.Linear(5, 2), path)
    (tmp_path / "m.json").unlink()
    with pytest.raises(CheckpointError, match="sidecar"):
        train.load_checkpoint(torch.nn.Linear(3, 2), path)


def test_train_or_load_trains_once_then_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(train, "SHIPPED_CHECKPOINTS", tmp_path / "shipped")
    calls = []

    def train_fn(model):
        calls.append(1)
        with torch.no_grad():
            model.weight.fill_(0.25)
        return {"score": 3.0}

    config = {"hidden": 3, "data_source": "subset"}
    m1, metrics, trained = train.train_or_load("lin", config, train_fn, torch.nn.Linear(3, 1))
    assert trained and metrics == {"score": 3.0} and len(calls) == 1
    m2, metrics2, trained2 = train.train_or_load("lin", config, train_fn, torch.nn.Linear(3, 1))
    assert not trained2 and len(calls) == 1 and metrics2 == {"score": 3.0}
    assert torch.equal(m2.weight, m1.weight)
    # a different config is a different checkpoint
    train.train_or_load("lin", {**config, "hidden": 4}, train_fn, torch.nn.Linear(3, 1))
    assert len(calls) == 2
    monkeypatch.setenv("COURSE_RETRAIN", "1")
    train.train_or_load("lin", config, train_fn, torch.nn.Linear(3, 1))
    assert len(calls) == 3


def test_config_key_ignores_tuple_vs_list_and_key_order():
    assert train.config_key({"a": (1, 2), "b": 1}) == train.config_key({"b": 1, "a": [1, 2]})
    assert train.config_key({"a": 1}) != train.config_key({"a": 2})


def test_load_shipped_builds_from_sidecar_and_needs_exactly_one(tmp_path, monkeypatch):
    monkeypatch.setattr(train, "SHIPPED_CHECKPOINTS", tmp_path)
    with pytest.raises(CheckpointError, match="found 0"):
        train.load_shipped("lin", lambda c: torch.nn.Linear(c["n"], 1))
    original = torch.nn.Linear(4, 1)
    train.save_checkpoint(original, train.checkpoint_path("lin", {"n": 4}, tmp_path), {"n": 4})
    model, meta = train.load_shipped("lin", lambda c: torch.nn.Linear(c["n"], 1))
    assert meta["config"] == {"n": 4} and torch.equal(model.weight, original.weight)
    train.save_checkpoint(original, train.checkpoint_path("lin", {"n": 5}, tmp_path), {"n": 5})
    with pytest.raises(CheckpointError, match="found 2"):
        train.load_shipped("lin", lambda c: torch.nn.Linear(4, 1))
