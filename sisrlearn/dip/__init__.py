"""Deep Image Prior: restore one image by fitting an untrained network to it.

Paper: Ulyanov, Vedaldi, Lempitsky, "Deep Image Prior", CVPR 2018 (IJCV 2020). The image is
parametrised as ``x = f_theta(z)`` with ``z`` fixed noise (32 channels, U(0, 0.1)); ``theta``
minimises a data term on the *observation* only (eq. 2)::

    denoising / JPEG:  ||f_theta(z) - x0||^2
    inpainting:        ||(f_theta(z) - x0) * m||^2          (m = 1 where x0 is known)
    super-resolution:  ||d(f_theta(z)) - x0||^2             (d = the downsampler)

with Adam (learning rate 0.01). The network fits natural structure long before noise
("impedance to noise", paper Fig. 2), so stopping early gives the restoration. The paper also
perturbs ``z`` at every step (``input_noise_std``) and averages the outputs (an exponential
moving average, ``ema``).
"""

from .bench_method import register_bench_method, sr_method
from .core import (
    DOWNSAMPLERS,
    DIPResult,
    downsampling_matrices,
    ema_update,
    fit_prior,
    masked_mse,
    noise_input,
    sr_data_term,
)
from .impedance import IMPEDANCE_TARGETS, impedance, iterations_to_mse
from .tasks import dip_denoise, dip_inpaint, dip_jpeg, dip_super_resolve

__all__ = [
    "DIPResult", "noise_input", "masked_mse", "sr_data_term", "ema_update", "fit_prior",
    "dip_denoise", "dip_jpeg", "dip_inpaint", "dip_super_resolve", "impedance",
    "iterations_to_mse", "sr_method", "register_bench_method", "IMPEDANCE_TARGETS",
    "DOWNSAMPLERS", "downsampling_matrices",
]  # fmt: skip
