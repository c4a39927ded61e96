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

Deep Video Prior (:mod:`sisrlearn.dip.video`; Lei, Xing, Chen, "Blind Video Temporal
Consistency via Deep Video Prior", NeurIPS 2020) applies the same idea to a video: one network
fitted to every frame's processed version removes the flicker before it fits it.
"""

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
from .method import sr_method
from .tasks import dip_denoise, dip_inpaint, dip_jpeg, dip_super_resolve
from .video import (
    VideoPriorResult,
    deep_video_prior,
    fidelity,
    flicker,
    frame_cnn,
    panning_video,
    tone_operator,
)

__all__ = [
    "DIPResult",
    "noise_input",
    "masked_mse",
    "sr_data_term",
    "ema_update",
    "fit_prior",
    "dip_denoise",
    "dip_jpeg",
    "dip_inpaint",
    "dip_super_resolve",
    "impedance",
    "iterations_to_mse",
    "sr_method",
    "IMPEDANCE_TARGETS",
    "DOWNSAMPLERS",
    "downsampling_matrices",
    "VideoPriorResult",
    "frame_cnn",
    "panning_video",
    "tone_operator",
    "flicker",
    "fidelity",
    "deep_video_prior",
]
