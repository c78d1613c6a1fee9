"""A small MNIST classifier used as a *judge* of generative models.

Sample quality of GANs and VAEs is hard to measure by likelihood; a practical stand-in
is to look at samples through a fixed, trained classifier:

- its **logits** give the label histogram of samples (does the model make every digit?),
  and the accuracy of class-conditional samples (does a CVAE make the digit it was asked for?);
- its **penultimate features** give a Fréchet distance between real and generated digits,
  the MNIST analogue of FID (Heusel et al. 2017, "GANs trained by a two time-scale update
  rule converge to a local Nash equilibrium", which uses Inception-v3 features instead).

``load_classifier()`` returns the network trained once on the offline MNIST subset and
shipped in ``data/checkpoints/``; ``python -m course_utils.models.classifier`` retrains it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.train import SHIPPED_CHECKPOINTS, CheckpointError, checkpoint_path, load_checkpoint

FEATURE_DIM = 128
# Everything that defines the shipped weights; the file name carries a hash of it.
CLASSIFIER_CONFIG = {"arch": "MNISTClassifier-v1", "feature_dim": FEATURE_DIM, "data_source": "subset",
                     "epochs": 12, "batch_size": 64, "lr": 1e-3, "augment_shift": 2, "seed": 0}
CLASSIFIER_NAME = "mnist_classifier"


class MNISTClassifier(nn.Module):
    """conv(32) -> pool -> conv(64) -> pool -> linear(128) -> linear(10).

    Input: N x 1 x 28 x 28 with values in [0, 1] (GAN samples in [-1, 1] must be mapped
    back with (x + 1) / 2 first). ``features`` is the 128-d penultimate layer (after ReLU).
    """

    def __init__(self, feature_dim: int = FEATURE_DIM):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32 x 14 x 14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 64 x 7 x 7
        )
        self.fc = nn.Linear(64 * 7 * 7, feature_dim)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, 10)

    def _check(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(f"expected images N x 1 x 28 x 28, got shape {tuple(x.shape)}: "
                             "reshape flat vectors with x.view(-1, 1, 28, 28).")
        lo = float(x.min()) if x.numel() else 0.0
        if lo < -1e-3:
            raise ValueError(f"expected pixel values in [0, 1], got a minimum of {lo:.3g}: "
                             "map tanh outputs in [-1, 1] to [0, 1] with (x + 1) / 2 first.")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features (N x 128), the space FID-MNIST is measured in."""
        self._check(x)
        return F.relu(self.fc(self.conv(x).flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (N x 10)."""
        return self.head(self.dropout(self.features(x)))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Predicted labels, computed in batches (the model must be in eval mode)."""
        return torch.cat([self(x[i:i + batch_size]).argmax(1) for i in range(0, x.shape[0], batch_size)])


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Translate each image by up to ``max_shift`` pixels (zero padding): cheap augmentation
    that helps a CNN trained on only 4,000 digits generalise."""
    if max_shift <= 0:
        return x
    n = x.shape[0]
    padded = F.pad(x, (max_shift,) * 4)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    out = torch.empty_like(x)
    for i in range(n):  # n is a minibatch: a Python loop over it is cheap enough here
        out[i] = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


def train_classifier(model: MNISTClassifier, x_train, y_train, x_test=None, y_test=None,
                     config: dict = CLASSIFIER_CONFIG, progress: bool = True) -> dict:
    """Train with Adam and shift augmentation; returns {"test_accuracy": ...} if test data is given."""
    from course_utils.runtime import seed_everything
    from course_utils.train import fit

    g = seed_everything(config["seed"])

    def loss_fn(m, batch):
        xb, yb = batch
        logits = m(random_shift(xb, config["augment_shift"], g))
        return F.cross_entropy(logits, yb), {"accuracy": (logits.argmax(1) == yb).float().mean()}

    fit(model, loss_fn, x_train, y_train, epochs=config["epochs"], batch_size=config["batch_size"],
        lr=config["lr"], generator=g, progress=progress, desc="MNIST classifier")
    model.eval()
    metrics = {}
    if x_test is not None:
        metrics["test_accuracy"] = float((model.predict(x_test) == y_test).float().mean())
    return metrics


def classifier_path():
    return checkpoint_path(CLASSIFIER_NAME, CLASSIFIER_CONFIG, SHIPPED_CHECKPOINTS)


_CACHE: dict = {}


def load_classifier(device=None) -> MNISTClassifier:
    """The shipped MNIST classifier, in eval mode, on ``device`` (default: cu.device()).

    Weights are loaded with ``load_checkpoint`` (sha256 check, then weights_only=True).
    Raises CheckpointError naming the fix if the file is missing or was modified.
    """
    from course_utils.runtime import device as best_device

    device = torch.device(device) if device is not None else best_device()
    path = classifier_path()
    if not path.exists():
        raise CheckpointError(
            f"the MNIST classifier checkpoint {path} is missing: restore it with "
            f"`git checkout -- {path.parent.name}/` or retrain it with "
            "`python -m course_utils.models.classifier` (a few minutes on a CPU).")
    key = (str(path), str(device))
    if key not in _CACHE:
        model = MNISTClassifier(CLASSIFIER_CONFIG["feature_dim"])
        meta = load_checkpoint(model, path, CLASSIFIER_CONFIG)
        model.test_accuracy = meta.get("metrics", {}).get("test_accuracy")
        _CACHE[key] = model.to(device).eval()
    model = _CACHE[key]
    for p in model.parameters():
        p.requires_grad_(False)  # a judge, never trained further by accident
    return model


@torch.no_grad()
def classifier_features(x: torch.Tensor, classifier: MNISTClassifier | None = None, batch_size: int = 1000) -> torch.Tensor:
    """Penultimate features of images in [0, 1] (N x 1 x 28 x 28), computed in batches."""
    classifier = classifier or load_classifier()
    dev = next(classifier.parameters()).device
    return torch.cat([classifier.features(x[i:i + batch_size].to(dev)) for i in range(0, x.shape[0], batch_size)])


def fid_mnist(images_a: torch.Tensor, images_b: torch.Tensor, classifier: MNISTClassifier | None = None) -> float:
    """FID-MNIST: the Fréchet distance between two sets of images in [0, 1], measured in the
    128-d feature space of the shipped MNIST classifier. Lower is better; compare with the
    *real-vs-real floor* (two disjoint sets of real digits of the same sizes), which is not 0
    because the estimate is biased for finite samples."""
    from course_utils.metrics import frechet_distance

    classifier = classifier or load_classifier()
    return frechet_distance(classifier_features(images_a, classifier), classifier_features(images_b, classifier))


def main() -> None:
    """Retrain the classifier on the offline subset and write it to data/checkpoints/."""
    from course_utils.data import load_mnist
    from course_utils.train import save_checkpoint

    x_train, y_train = load_mnist("train", source=CLASSIFIER_CONFIG["data_source"])
    x_test, y_test = load_mnist("test", source=CLASSIFIER_CONFIG["data_source"])
    model = MNISTClassifier(CLASSIFIER_CONFIG["feature_dim"])
    metrics = train_classifier(model, x_train, y_train, x_test, y_test)
    path = save_checkpoint(model, classifier_path(), CLASSIFIER_CONFIG, metrics,
                           data_source=CLASSIFIER_CONFIG["data_source"])
    print(f"test accuracy on the subset test split: {metrics['test_accuracy']:.2%}; saved {path}")


if __name__ == "__main__":
    main()
