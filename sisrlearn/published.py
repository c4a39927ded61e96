"""The papers' own figures, in one place: PSNR tables, SRGAN's Table 2 and parameter counts.

Every number here is quoted from the paper named beside it (Y-channel PSNR in dB, MATLAB
protocol unless a comment says otherwise). ``sisrlearn bench`` and ``sisrlearn speed`` print
them beside the measured figures; notebooks quote them with their source.
"""

from __future__ import annotations

__all__ = [
    "PUBLISHED",
    "PUBLISHED_X4",
    "PAPER_PARAMETERS",
    "PAPER_TRAINING_DATA",
    "PAPER_BUDGET",
    "published",
]

# Published PSNR (dB, Y channel, MATLAB protocol) as (dataset, scale) -> value, by method
# family. Sources: the papers' own tables (SRCNN: as VDSR CVPR 2016 Table 3 quotes it, within
# 0.03 dB of TPAMI 2016 Table 5; "srcnn (T91)": the 9-1-5 network trained on T91 only,
# ECCV 2014 Table 1; FSRCNN ECCV 2016 Table 3; ESPCN CVPR 2016 Table 1 (91 images); VDSR CVPR
# 2016 Table 3; DRCN CVPR 2016 Table 2; SRGAN CVPR 2017 Table 2; Deep Image Prior CVPR 2018,
# its super-resolution results, scored by the authors' script: Y channel, 4-pixel border).
# ScSR: Yang et al. (TIP 2010) report no Set5/Set14 figures; these are the re-evaluation
# quoted by Dong et al. (SRCNN, ECCV 2014 Tables 1-2 / TPAMI 2016).
# The layout (one family per line, as the papers print them) is kept by hand: fmt: skip.
PUBLISHED: dict[str, dict[tuple[str, int], float]] = {
    "bicubic": {("Set5", 2): 33.66, ("Set5", 3): 30.39, ("Set5", 4): 28.42,
                ("Set14", 2): 30.24, ("Set14", 3): 27.55, ("Set14", 4): 26.00},
    "srcnn": {("Set5", 2): 36.66, ("Set5", 3): 32.75, ("Set5", 4): 30.48,
              ("Set14", 2): 32.42, ("Set14", 3): 29.28, ("Set14", 4): 27.49},
    "srcnn (T91)": {("Set5", 2): 36.34, ("Set5", 3): 32.39, ("Set5", 4): 30.09},
    "fsrcnn": {("Set5", 2): 37.00, ("Set5", 3): 33.16, ("Set5", 4): 30.71,
               ("Set14", 2): 32.63, ("Set14", 3): 29.43, ("Set14", 4): 27.59},
    "espcn": {("Set5", 3): 32.55},
    "vdsr": {("Set5", 2): 37.53, ("Set5", 3): 33.66, ("Set5", 4): 31.35,
             ("Set14", 2): 33.03, ("Set14", 3): 29.77, ("Set14", 4): 28.01},
    "drcn": {("Set5", 2): 37.63, ("Set5", 3): 33.82, ("Set5", 4): 31.53,
             ("Set14", 2): 33.04, ("Set14", 3): 29.76, ("Set14", 4): 28.02},
    "scsr": {("Set5", 3): 31.42, ("Set14", 3): 28.31},
    "srresnet": {("Set5", 4): 32.05, ("Set14", 4): 28.49},
    "srgan": {("Set5", 4): 29.40, ("Set14", 4): 26.02},
    "dip": {("Set5", 4): 29.90},
}  # fmt: skip


def published(method: str, dataset: str, scale: int) -> float | None:
    """The published PSNR of a method's family (``srcnn_x3`` -> SRCNN), or None if unknown."""
    family = method.split("_x")[0]
    return PUBLISHED.get(family, {}).get((dataset, scale))


# Ledig et al. 2017, Table 2 (x4): PSNR (dB) / SSIM / MOS on Set5, Set14, BSD100, as printed
# in arXiv:1609.04802v5 (one method per line, as in the paper: fmt: skip).
PUBLISHED_X4: dict[str, dict[str, tuple[float, float, float]]] = {
    "nearest": {"Set5": (26.26, 0.7552, 1.28), "Set14": (24.64, 0.7100, 1.20),
                "BSD100": (25.02, 0.6606, 1.11)},
    "bicubic": {"Set5": (28.43, 0.8211, 1.97), "Set14": (25.99, 0.7486, 1.80),
                "BSD100": (25.94, 0.6935, 1.47)},
    "SRCNN": {"Set5": (30.07, 0.8627, 2.57), "Set14": (27.18, 0.7861, 2.26),
              "BSD100": (26.68, 0.7291, 1.87)},
    "SelfExSR": {"Set5": (30.33, 0.8720, 2.65), "Set14": (27.45, 0.7972, 2.34),
                 "BSD100": (26.83, 0.7387, 1.89)},
    "DRCN": {"Set5": (31.52, 0.8938, 3.26), "Set14": (28.02, 0.8074, 2.84),
             "BSD100": (27.21, 0.7493, 2.12)},
    "ESPCN": {"Set5": (30.76, 0.8784, 2.89), "Set14": (27.66, 0.8004, 2.52),
              "BSD100": (27.02, 0.7442, 2.01)},
    "SRResNet": {"Set5": (32.05, 0.9019, 3.37), "Set14": (28.49, 0.8184, 2.98),
                 "BSD100": (27.58, 0.7620, 2.29)},
    "SRGAN": {"Set5": (29.40, 0.8472, 3.58), "Set14": (26.02, 0.7397, 3.72),
              "BSD100": (25.16, 0.6688, 3.56)},
    "HR": {"Set5": (float("inf"), 1.0, 4.32), "Set14": (float("inf"), 1.0, 4.32),
           "BSD100": (float("inf"), 1.0, 4.46)},
}  # fmt: skip

# Parameter counts the papers state (weights only where the paper counts weights only):
# SRCNN TPAMI 2016 sec. 4.3 (57,184 for 9-5-5; 8,032 for 9-1-5), FSRCNN ECCV 2016 Table 1
# (12,464 and 3,937), VDSR CVPR 2016 (20 layers of 64 3x3 filters), DRCN CVPR 2016 sec. 4.2,
# SRGAN CVPR 2017 / EDSR CVPRW 2017 Table 1.
PAPER_PARAMETERS = {
    "srcnn": "57,184 weights (9-5-5)",
    "fsrcnn": "12,464 weights",
    "fsrcnn_s": "3,937 weights",
    "drcn": "1.77M",
    "srresnet": "1.5M",
    "edsr_baseline": "1.5M (x4)",
}


# What each paper trained on (the figures above came from these), by method family. Sources:
# SRCNN TPAMI 2016 sec. 4 (ImageNet) and ECCV 2014 (91 images); FSRCNN ECCV 2016 sec. 4.1;
# ESPCN CVPR 2016 Table 1 (the 91-image model); VDSR CVPR 2016 sec. 4.1; DRCN CVPR 2016
# sec. 4.1; ScSR TIP 2010; EDSR CVPRW 2017 (DIV2K); SRGAN CVPR 2017 sec. 3.2;
# Deep Image Prior CVPR 2018 (no training set).
PAPER_TRAINING_DATA: dict[str, str] = {
    "bicubic": "nothing",
    "srcnn": "395,909 ImageNet images",
    "srcnn (T91)": "91 images",
    "fsrcnn": "91 images + General-100, augmented",
    "espcn": "91 images",
    "vdsr": "291 images (91 + 200 of BSD), augmented",
    "drcn": "91 images",
    "scsr": "patches of 91 images",
    "edsr_baseline": "DIV2K (800 images)",
    "srresnet": "350,000 ImageNet images",
    "srgan": "350,000 ImageNet images",
    "dip": "nothing (one network fitted per image)",
}

# Training budgets the papers state (SRGAN CVPR 2017 sec. 3.2; VDSR CVPR 2016 sec. 4.1; Deep
# Image Prior CVPR 2018 sec. 4, super-resolution).
PAPER_BUDGET: dict[str, str] = {
    "vdsr": "80 epochs, about 4 h on one GPU",
    "srresnet": "1,000,000 steps of 16 crops",
    "srgan": "200,000 steps after SRResNet",
    "dip": "2,000 iterations per image",
}
