"""Colorization as classification: ab bins, soft-encoding, class rebalancing, annealed mean.

Paper: Zhang, Isola, Efros, "Colorful Image Colorization", ECCV 2016. A network sees the
lightness L of a CIE Lab image and predicts, for every pixel, a distribution over Q
quantized ab colours (sec. 2.1); it is trained with a cross-entropy against a soft-encoded
target (eq. 2), reweighted by how rare the true colour is (eq. 3-4), and decoded with the
annealed mean (eq. 5). Its "raw accuracy" is the area under the curve of the per-pixel ab
error, thresholds 0 to 150 (sec. 3.1, Table 1).

The bins are computed here from the sRGB gamut, on a grid of 10: the gamut touches 262 grid
cells, and 229 of them have a centre that is a valid sRGB colour for some L (the default bin
set, ``Q = 229``). The paper keeps 313 without saying how they were chosen; see ``ab_bins``.

``sisrlearn train colornet --data t91 --out FILE.pt`` trains the shipped networks and records
the command beside the weights; ``sisrlearn colorize IN OUT`` applies one.
"""

from .bins import (
    AB_SCALE,
    ANNEALED_T,
    ab_bins,
    annealed_mean,
    bins_on_grid,
    decode,
    empirical_prior,
    gamut_cells,
    hard_encode,
    rebalancing_weights,
    soft_encode,
)
from .inference import colorize_image, lightness, load_colornet, predict_ab
from .objectives import (
    ClassificationLoss,
    ab_error_auc,
    ab_error_curve,
    bin_accuracy,
    colourfulness,
    raw_accuracy,
    regression_loss,
)
from .training import ColorCrops, colour_images, load_or_train, train_colornet

__all__ = [
    "ab_bins",
    "gamut_cells",
    "hard_encode",
    "soft_encode",
    "empirical_prior",
    "rebalancing_weights",
    "decode",
    "annealed_mean",
    "ClassificationLoss",
    "regression_loss",
    "ab_error_curve",
    "ab_error_auc",
    "raw_accuracy",
    "bin_accuracy",
    "colourfulness",
    "lightness",
    "predict_ab",
    "colorize_image",
    "load_colornet",
    "ColorCrops",
    "colour_images",
    "train_colornet",
    "load_or_train",
    "bins_on_grid",
    "AB_SCALE",
    "ANNEALED_T",
]
