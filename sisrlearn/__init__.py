"""sisrlearn: single-image super-resolution, from a hand-made convnet to GANs and priors.

The package is layered (``docs/architecture.md``): building blocks (``images``, ``color``,
``resize``, ``metrics``, ...), networks (``models``), training (``train``), the shipped weights
(``zoo``), each chapter's teaching code (``toyconv``, ``sparse``, ``gan``, ``dip``, ...), SR methods
by name (``methods``), training runs (``runs``), tables (``bench``, ``speed``), course tools and
the command line (``cli``). Notebooks import what they need from the modules, e.g.
``from sisrlearn.metrics import psnr``; the most used names are also re-exported here.
"""

from .images import load_image, modcrop, sample, save_image, to_numpy, to_tensor
from .metrics import evaluate, psnr, ssim
from .resize import imresize, upsample
from .runtime import autocast, budget, fast_mode, get_device, set_seed

__version__ = "0.1.0"

__all__ = [
    "autocast",
    "budget",
    "evaluate",
    "fast_mode",
    "get_device",
    "imresize",
    "load_image",
    "modcrop",
    "psnr",
    "sample",
    "save_image",
    "set_seed",
    "ssim",
    "to_numpy",
    "to_tensor",
    "upsample",
]
