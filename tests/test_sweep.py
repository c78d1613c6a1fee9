"""The sweep runner: per-configuration cache, resume after interruption, keys, tampering."""
import pytest
import torch
from torch import nn

from course_utils import sweep as sw
from course_utils.train import CheckpointError

CONFIGS = [{"width": w, "value": float(w) / 10} for w in (1, 2, 3, 4)]


def build(config):
    return nn.Linear(2, config["width"])


class CountingTrainer:
    """A fake train_fn: sets the weights to a value from the config, counts its calls and
    can fail on a chosen call (to simulate a crash in the middle of a sweep)."""

    def __init__(self, fail_on_call=None, interrupted=False):
        self.calls, self.fail_on_call, self.interrupted = [], fail_on_call, interrupted

    def __call__(self, model, config):
        self.calls.append(config["width"])
        if self.fail_on_call == len(self.calls):
            raise RuntimeError("simulated crash")
        with torch.no_grad():
            model.weight.fill_(config["value"])
            model.bias.fill_(-config["value"])
        metrics = {"score": 10 * config["value"], "curve": [1.0, 0.5]}
        if self.interrupted:
            metrics["interrupted"] = True
        return metrics


@pytest.fixture
def dirs(tmp_path):
    return {"cache_dir": tmp_path / "cache", "shipped_dir": tmp_path / "shipped"}


def run(configs, trainer, dirs, **kw):
    kw.setdefault("data_source", "subset")
    return sw.sweep(configs, trainer, build=build, name="toy", progress=False, **dirs, **kw)


def test_cache_hit_skips_training_and_restores_weights_and_metrics(dirs):
    first = CountingTrainer()
    results = run(CONFIGS, first, dirs)
    assert first.calls == [1, 2, 3, 4] and all(r["trained"] for r in results)
    second = CountingTrainer()
    again = run(CONFIGS, second, dirs)
    assert second.calls == [], "a finished configuration must never be retrained"
    for r, config in zip(again, CONFIGS):
        assert not r["trained"]
        assert r["metrics"] == {"score": pytest.approx(10 * config["value"]), "curve": [1.0, 0.5]}
        assert torch.all(r["model"].weight == config["value"]) and torch.all(r["model"].bias == -config["value"])
        assert r["config"] == config and r["path"].exists()
    assert [r["key"] for r in again] == [r["key"] for r in results]


def test_interrupted_sweep_resumes_with_the_remaining_configurations(dirs):
    crashing = CountingTrainer(fail_on_call=3)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run(CONFIGS, crashing, dirs)
    assert crashing.calls == [1, 2, 3]
    resumed = CountingTrainer()
    results = run(CONFIGS, resumed, dirs)
    assert resumed.calls == [3, 4], "only the configurations that had not finished may train"
    assert [r["trained"] for r in results] == [False, False, True, True]


def test_interrupted_training_is_not_cached(dirs):
    with pytest.raises(sw.SweepInterrupted, match="resume"):
        run(CONFIGS[:2], CountingTrainer(interrupted=True), dirs)
    assert not list(dirs["cache_dir"].glob("*.pt"))
    trainer = CountingTrainer()
    run(CONFIGS[:2], trainer, dirs)
    assert trainer.calls == [1, 2]


def test_changed_configuration_or_data_source_gets_a_new_key(dirs):
    base = run(CONFIGS[:1], CountingTrainer(), dirs)[0]["key"]
    changed = {**CONFIGS[0], "value": 0.7}
    trainer = CountingTrainer()
    result = run([changed], trainer, dirs)[0]
    assert trainer.calls == [1] and result["key"] != base
    assert torch.all(result["model"].weight == 0.7)
    other_source = CountingTrainer()
    assert run(CONFIGS[:1], other_source, dirs, data_source="full")[0]["key"] != base
    assert other_source.calls == [1]
    # the key ignores how the configuration was written (order of keys, tuple vs list)
    assert sw.sweep_key({"a": (1, 2), "b": 3}, "s", "subset") == sw.sweep_key({"b": 3, "a": [1, 2]}, "s", "subset")


def test_tampered_checkpoint_is_refused(dirs):
    results = run(CONFIGS[:2], CountingTrainer(), dirs)
    path = results[1]["path"]
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    trainer = CountingTrainer()
    with pytest.raises(CheckpointError, match="sha256"):
        run(CONFIGS[:2], trainer, dirs)
    assert trainer.calls == [], "the first config loads, the tampered one is refused, not silently retrained"


def test_shipped_checkpoints_are_used_and_retrain_overrides(dirs):
    run(CONFIGS[:2], CountingTrainer(), {"cache_dir": dirs["shipped_dir"], "shipped_dir": dirs["cache_dir"]})
    trainer = CountingTrainer()
    assert not any(r["trained"] for r in run(CONFIGS[:2], trainer, dirs)) and trainer.calls == []
    retrainer = CountingTrainer()
    assert all(r["trained"] for r in run(CONFIGS[:2], retrainer, dirs, retrain=True))
    assert retrainer.calls == [1, 2]


def test_bad_sweeps_name_the_fix(dirs, monkeypatch):
    with pytest.raises(ValueError, match="twice"):
        run([CONFIGS[0], dict(CONFIGS[0])], CountingTrainer(), dirs)
    with pytest.raises(ValueError, match="reserved"):
        run([{"width": 1, "value": 0.1, "data_source": "x"}], CountingTrainer(), dirs)
    with pytest.raises(TypeError, match="dict"):
        run([("width", 1)], CountingTrainer(), dirs)
    monkeypatch.setattr("course_utils.data._LAST_SOURCE", None)
    with pytest.raises(ValueError, match="load_mnist"):
        sw.sweep(CONFIGS, CountingTrainer(), build=build, progress=False, **dirs)


def test_table_flattens_scalars(dirs):
    rows = sw.table(run(CONFIGS[:2], CountingTrainer(), dirs))
    assert rows == [{"width": 1, "value": 0.1, "score": pytest.approx(1.0)},
                    {"width": 2, "value": 0.2, "score": pytest.approx(2.0)}]
    assert sw.table(run(CONFIGS[:1], CountingTrainer(), dirs), columns=["width", "curve"]) == [
        {"width": 1, "curve": [1.0, 0.5]}]
