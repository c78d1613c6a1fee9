"""Data pipelines: course_utils ``batches`` (slicing tensors already on the device) vs the
usual tutorial pipeline, written out here without torchvision: a per-sample Dataset that,
like torchvision's MNIST, turns each stored uint8 image into a PIL image, then a
ToTensor-style transform back into a float tensor in [0, 1]; a DataLoader collates them."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from benchmarks.timing import case, median_seconds
from course_utils import batches, load_mnist
from course_utils.models.vae import VAE

BATCH = 128


def to_tensor(image) -> torch.Tensor:
    """What a ToTensor-style transform does to one greyscale PIL image: 1 x H x W floats in [0, 1]."""
    array = np.array(image, dtype=np.uint8, copy=True)
    return torch.from_numpy(array).view(1, *array.shape).float().div(255.0)


class PerSampleMNIST(Dataset):
    """The tutorial pattern: uint8 images, each made a PIL image and transformed on access."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform=to_tensor):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        from PIL import Image

        return self.transform(Image.fromarray(self.images[i])), int(self.labels[i])


def _pipelines():
    x, y = load_mnist("train", source="subset")
    images = (x[:, 0] * 255).round().to(torch.uint8).numpy()
    loader = DataLoader(PerSampleMNIST(images, y.numpy()), batch_size=BATCH, shuffle=True)
    return x, y, loader


def _vae_epoch(model, optimizer, batch_iter):
    for xb in batch_iter:
        loss, _ = model.loss(xb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def cases(repeats: int = 5) -> list[dict]:
    torch.manual_seed(0)
    x, y, loader = _pipelines()

    def ours_epoch():
        for _batch in batches(x, y, batch_size=BATCH):
            pass

    def baseline_epoch():
        for _batch in loader:
            pass

    iterate = case("iterate one epoch of the subset (4,000 digits, batch 128)",
                   median_seconds(ours_epoch, repeats), median_seconds(baseline_epoch, repeats),
                   "per-sample Dataset (uint8 -> PIL -> ToTensor) + DataLoader", goal_ratio=30)

    model = VAE(784, 20, 400)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ours_train = median_seconds(lambda: _vae_epoch(model, optimizer, (xb for xb, _ in batches(x, y, batch_size=BATCH))),
                                repeats=3)
    base_train = median_seconds(lambda: _vae_epoch(model, optimizer, (xb for xb, _ in loader)), repeats=3)
    train = case("one MLP-VAE (784-400-20) training epoch, batch 128", ours_train, base_train,
                 "same model fed by the per-sample pipeline", goal_ratio=1.5,
                 note="model compute bounds this ratio on CPU; on a GPU the per-sample pipeline dominates")
    return [iterate, train]


if __name__ == "__main__":
    from benchmarks.run import print_table

    print_table(cases())
