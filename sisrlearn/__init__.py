"""sisrlearn: single-image super-resolution, from a hand-made convnet to GANs and priors.

The package is layered (``docs/architecture.md``): building blocks (``images``, ``color``,
``resize``, ``metrics``, ...), networks (``models``), training (``train``), the shipped weights
(``zoo``), each chapter's teaching code (``toyconv``, ``sparse``, ``gan``, ``dip``, ...), SR methods
by name (``methods``), training runs (``runs``), tables (``bench``, ``speed``), course tools and
the command line (``cli``). Notebooks import what they need from the modules, e.g.
``from sisrlearn.metrics import psnr``; the most used names are also re-exported here.
"""

import importlib

# The most used names, loaded on first use (``import sisrlearn`` stays light: the command line
# starts, and answers Ctrl-C, before torch is imported).
_EXPORTS = {
    "load_image": "images",
    "modcrop": "images",
    "sample": "images",
    "save_image": "images",
    "to_numpy": "images",
    "to_tensor": "images",
    "evaluate": "metrics",
    "psnr": "metrics",
    "ssim": "metrics",
    "imresize": "resize",
    "upsample": "resize",
    "autocast": "runtime",
    "budget": "runtime",
    "fast_mode": "runtime",
    "get_device": "runtime",
    "set_seed": "runtime",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'sisrlearn' has no attribute {name!r}")


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
