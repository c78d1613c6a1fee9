"""MNIST loading (offline subset, full download through a local HTTP server), batching,
binarization and toy data. No test touches the internet: the 'mirrors' are 127.0.0.1."""
import contextlib
import gzip
import hashlib
import http.server
import socket
import threading
import time

import numpy as np
import pytest
import torch

from course_utils import data


# ---------------------------------------------------------------- the offline subset
def test_subset_shapes_ranges_and_stratified_split():
    x, y = data.load_mnist("train", source="subset")
    xt, yt = data.load_mnist("test", source="subset")
    assert x.shape == (4000, 1, 28, 28) and xt.shape == (1000, 1, 28, 28)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert 0.0 <= float(x.min()) and float(x.max()) == 1.0
    assert torch.equal(y.bincount(), torch.full((10,), 400))
    assert torch.equal(yt.bincount(), torch.full((10,), 100))
    # any prefix is mixed: the first 500 digits contain every class
    assert len(y[:500].unique()) == 10
    assert data.source_in_use() == "subset"


def test_subset_split_is_deterministic_and_disjoint():
    x1, _ = data.load_mnist("train", source="subset")
    x2, _ = data.load_mnist("train", source="subset")
    xt, _ = data.load_mnist("test", source="subset")
    assert torch.equal(x1, x2)
    train_rows = {row.numpy().tobytes() for row in x1.flatten(1)}
    overlap = sum(row.numpy().tobytes() in train_rows for row in xt.flatten(1))
    assert overlap <= 5  # MNIST has a few duplicate images; the split itself shares no index
    ytr = np.concatenate([data._subset_split_indices(np.repeat(np.arange(10), 500), "train"),
                          data._subset_split_indices(np.repeat(np.arange(10), 500), "test")])
    assert len(np.unique(ytr)) == 5000


def test_loads_onto_requested_device():
    x, y = data.load_mnist("test", source="subset", device="cpu")
    assert x.device.type == "cpu" and y.device.type == "cpu"


@pytest.mark.parametrize("kwargs, match", [
    ({"split": "valid"}, "unknown split 'valid'"),
    ({"source": "internet"}, "unknown source 'internet'"),
])
def test_bad_split_or_source(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.load_mnist(**kwargs)


# ---------------------------------------------------------------- full MNIST via a local server
def _idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


@pytest.fixture
def tiny_mnist(monkeypatch):
    """Tiny IDX archives (3 test images) and a patched checksum table for them."""
    images = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28) % 256
    labels = np.array([7, 2, 1])
    files = {"t10k-images-idx3-ubyte.gz": _idx_gz(images), "t10k-labels-idx1-ubyte.gz": _idx_gz(labels)}
    table = {"test": tuple((name, hashlib.sha256(blob).hexdigest()) for name, blob in files.items()),
             "train": data.MNIST_FILES["train"]}
    monkeypatch.setattr(data, "MNIST_FILES", table)
    data._UNREACHABLE.clear()
    return files, images, labels


@contextlib.contextmanager
def serve(files: dict, counter: list | None = None):
    """An HTTP server on 127.0.0.1 serving ``files`` (name -> bytes)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if counter is not None:
                counter.append(name)
            if name not in files:
                self.send_error(404)
                return
            body = files[name]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_full_download_verifies_and_caches(tiny_mnist, tmp_path):
    files, images, labels = tiny_mnist
    requests = []
    with serve(files, requests) as url:
        x, y = data.load_mnist("test", source="full", mirrors=(url,), cache_dir=tmp_path)
        assert torch.equal(y, torch.as_tensor(labels))
        assert torch.allclose(x[:, 0] * 255, torch.as_tensor(images, dtype=torch.float32))
        assert len(requests) == 2
        data.load_mnist("test", source="full", mirrors=(url,), cache_dir=tmp_path)
        assert len(requests) == 2, "a valid cache must not be downloaded again"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


def test_second_mirror_used_when_first_is_down(tiny_mnist, tmp_path):
    files, _, labels = tiny_mnist
    with serve(files) as url:
        _, y = data.load_mnist("test", source="full", mirrors=(_closed_port_url(), url), cache_dir=tmp_path)
    assert torch.equal(y, torch.as_tensor(labels))


def test_checksum_mismatch_is_clear_and_leaves_no_file(tiny_mnist, tmp_path):
    files, _, _ = tiny_mnist
    tampered = dict(files)
    tampered["t10k-images-idx3-ubyte.gz"] = files["t10k-images-idx3-ubyte.gz"][:-10] + b"0" * 10
    with serve(tampered) as url:
        with pytest.raises(data.ChecksumError, match="nothing was saved"):
            data.download(url + "t10k-images-idx3-ubyte.gz", tmp_path / "t10k-images-idx3-ubyte.gz",
                          data.MNIST_FILES["test"][0][1])
        with pytest.raises(ConnectionError, match="sha256"):
            data.load_mnist("test", source="full", mirrors=(url,), cache_dir=tmp_path)
    assert not any(p.name.startswith("t10k-images") for p in tmp_path.iterdir()), list(tmp_path.iterdir())


def test_corrupt_cache_is_fetched_again(tiny_mnist, tmp_path):
    files, _, labels = tiny_mnist
    name = "t10k-labels-idx1-ubyte.gz"
    (tmp_path / name).write_bytes(files[name][: len(files[name]) // 2])  # a partial download
    requests = []
    with serve(files, requests) as url:
        with pytest.warns(UserWarning, match="corrupt or partial"):
            _, y = data.load_mnist("test", source="full", mirrors=(url,), cache_dir=tmp_path)
    assert name in requests
    assert torch.equal(y, torch.as_tensor(labels))
    assert (tmp_path / name).read_bytes() == files[name]


def test_offline_auto_falls_back_to_subset_within_seconds(tiny_mnist, tmp_path, capsys):
    start = time.perf_counter()
    x, y = data.load_mnist("test", source="auto", mirrors=(_closed_port_url(), _closed_port_url()),
                           cache_dir=tmp_path)
    elapsed = time.perf_counter() - start
    assert x.shape == (1000, 1, 28, 28) and data.source_in_use() == "subset"
    assert elapsed < 10
    assert "falling back" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_offline_full_raises_naming_the_fix(tiny_mnist, tmp_path):
    with pytest.raises(ConnectionError, match="source='subset'"):
        data.load_mnist("test", source="full", mirrors=(_closed_port_url(),), cache_dir=tmp_path)


def test_idx_reader_rejects_truncated_file(tmp_path):
    blob = _idx_gz(np.zeros((2, 28, 28)))
    raw = gzip.decompress(blob)[:-5]
    (tmp_path / "bad.gz").write_bytes(gzip.compress(raw))
    with pytest.raises(ValueError, match="truncated"):
        data._read_idx(tmp_path / "bad.gz")


# ---------------------------------------------------------------- binarize and batches
def test_binarize_fixed_and_dynamic():
    x = torch.tensor([[0.0, 0.2, 0.5, 0.51, 1.0]])
    assert torch.equal(data.binarize(x), torch.tensor([[0.0, 0.0, 0.0, 1.0, 1.0]]))
    probs = torch.full((20000,), 0.3)
    draws = data.binarize(probs, mode="dynamic", generator=torch.Generator().manual_seed(0))
    assert set(draws.unique().tolist()) == {0.0, 1.0}
    assert abs(draws.mean().item() - 0.3) < 4 * (0.3 * 0.7 / 20000) ** 0.5
    again = data.binarize(probs, mode="dynamic", generator=torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)


@pytest.mark.parametrize("bad", [torch.tensor([0.0, 255.0]), torch.tensor([-0.1, 0.5])])
def test_binarize_rejects_values_outside_unit_interval(bad):
    with pytest.raises(ValueError, match="divide 0-255 images by 255"):
        data.binarize(bad)


def test_binarize_rejects_unknown_mode():
    with pytest.raises(ValueError, match="'fixed', 'dynamic'"):
        data.binarize(torch.zeros(3), mode="stochastic")


def test_batches_cover_every_row_once_and_keep_pairs():
    x = torch.arange(10).float().unsqueeze(1)
    y = torch.arange(10)
    seen = []
    for xb, yb in data.batches(x, y, batch_size=3, generator=torch.Generator().manual_seed(0)):
        assert torch.equal(xb[:, 0].long(), yb)
        seen += yb.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    sizes = [len(b) for b in data.batches(x, batch_size=4, shuffle=False)]
    assert sizes == [4, 4, 2]
    assert [len(b) for b in data.batches(x, batch_size=4, drop_last=True)] == [4, 4]


@pytest.mark.parametrize("size", [0, -5, 2.5])
def test_batches_rejects_bad_batch_size(size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        list(data.batches(torch.zeros(4, 1), batch_size=size))


def test_batches_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="matching"):
        list(data.batches(torch.zeros(4, 1), torch.zeros(3), batch_size=2))


# ---------------------------------------------------------------- toy data
def test_ring8_points_sit_on_eight_modes():
    pts = data.toy_2d("ring8", n=4000, seed=1)
    centers = data.ring8_centers()
    nearest = torch.cdist(pts, centers).min(1)
    assert nearest.values.max() < 0.05 * 6  # 6 standard deviations
    counts = torch.cdist(pts, centers).argmin(1).bincount(minlength=8)
    assert counts.min() > 400  # every mode used, about 500 each
    assert torch.equal(pts, data.toy_2d("ring8", n=4000, seed=1))


def test_moons_and_unknown_toy_name():
    pts = data.toy_2d("moons", n=500, seed=0)
    assert pts.shape == (500, 2)
    with pytest.raises(ValueError, match="unknown toy dataset 'swissroll'"):
        data.toy_2d("swissroll")


def test_gaussian_mixture_1d_frequencies_and_density():
    x, comp = data.gaussian_mixture_1d(n=20000, seed=0)
    assert abs(comp.float().mean().item() - 0.7) < 0.02
    grid = torch.linspace(-8, 8, 4001, dtype=torch.float64)
    density = data.gaussian_mixture_1d_log_prob(grid).exp()
    assert abs(torch.trapezoid(density, grid).item() - 1.0) < 1e-6
    with pytest.raises(ValueError, match="sum to 1"):
        data.gaussian_mixture_1d(weights=(0.5, 0.6))
