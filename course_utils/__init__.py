"""Helpers for the deep generative models course: data, models, training, plots, widgets."""
from course_utils.data import batches, binarize, load_mnist, toy_2d
from course_utils.runtime import device, profile, seed_everything

__all__ = ["batches", "binarize", "device", "load_mnist", "profile", "seed_everything", "toy_2d"]
__version__ = "0.1.0"
