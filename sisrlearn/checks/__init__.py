"""Exercise checkers, one module per chapter idea.

``check_<task>(student_answer)`` runs small examples against an oracle, prints ``[ok]`` or
what failed (the example, expected, got), and returns True/False. Hints come in tiers: the
first failed attempt prints a general hint, repeated failures a more specific one, and
``hint=True`` asks for the next hint at once; no hint gives the solution.
``check_prediction_<name>(prediction)`` compares a prediction the student wrote down before
an experiment with the measured result and explains it. With ``strict=True`` (or
``SISRLEARN_STRICT_CHECKS=1``) a failure also raises :class:`CheckFailed`.
"""

from ._core import CheckFailed, check_prediction, failures, reset_hints, run_cases
from .benchmark import (
    check_differences,
    check_mean_psnr,
    check_prediction_x3,
    check_reproduce_row,
)
from .colorize import (
    check_ab_auc,
    check_annealed_mean_logits,
    check_colourfulness,
    check_prediction_three_colours,
)
from .dae import (
    check_equivalent_blur,
    check_mae_prediction,
    check_posterior_mean_binary,
    check_prediction_l1_edge,
)
from .deeper import (
    check_optimal_ensemble,
    check_prediction_outlier,
    check_recursive_supervision,
    check_tv_isotropic,
)
from .dip import (
    check_dip_tv_loss,
    check_discrepancy_stop,
    check_ema_debiased,
    check_prediction_mismatch,
)
from .faster import (
    check_deconv_overlaps,
    check_icnr_weight,
    check_pixel_unshuffle,
    check_prediction_flat_deconv,
)
from .gan import (
    check_energy_hinge,
    check_lsgan_losses,
    check_lsgan_optimal_discriminator,
    check_prediction_hinge_gradient,
)
from .images import (
    check_lanczos,
    check_prediction_overshoot,
    check_psnr,
    check_shrink_weights,
    check_ssim_global,
)
from .sparse import (
    check_fista,
    check_lipschitz_power,
    check_prediction_empty_code,
    check_prox_elastic_net,
)
from .srcnn import (
    check_conv1x1_by_matmul,
    check_paper_param_groups,
    check_prediction_border_band,
    check_srcnn_parameters,
)
from .srgan import (
    check_gradient_norms,
    check_gram_matrix,
    check_prediction_shuffled_gram,
    check_relativistic_losses,
)
from .toyconv import (
    check_conv2d_general,
    check_prediction_shift,
    check_receptive_field,
    check_silu,
)

__all__ = [
    "CheckFailed",
    "check_prediction",
    "failures",
    "reset_hints",
    "run_cases",
    "check_lanczos",
    "check_prediction_overshoot",
    "check_psnr",
    "check_shrink_weights",
    "check_ssim_global",
    "check_conv2d_general",
    "check_prediction_shift",
    "check_receptive_field",
    "check_silu",
    "check_fista",
    "check_lipschitz_power",
    "check_prediction_empty_code",
    "check_prox_elastic_net",
    "check_conv1x1_by_matmul",
    "check_paper_param_groups",
    "check_prediction_border_band",
    "check_srcnn_parameters",
    "check_deconv_overlaps",
    "check_icnr_weight",
    "check_pixel_unshuffle",
    "check_prediction_flat_deconv",
    "check_optimal_ensemble",
    "check_prediction_outlier",
    "check_recursive_supervision",
    "check_tv_isotropic",
    "check_equivalent_blur",
    "check_mae_prediction",
    "check_posterior_mean_binary",
    "check_prediction_l1_edge",
    "check_energy_hinge",
    "check_lsgan_losses",
    "check_lsgan_optimal_discriminator",
    "check_prediction_hinge_gradient",
    "check_gradient_norms",
    "check_gram_matrix",
    "check_prediction_shuffled_gram",
    "check_relativistic_losses",
    "check_dip_tv_loss",
    "check_discrepancy_stop",
    "check_ema_debiased",
    "check_prediction_mismatch",
    "check_ab_auc",
    "check_annealed_mean_logits",
    "check_colourfulness",
    "check_prediction_three_colours",
    "check_differences",
    "check_mean_psnr",
    "check_prediction_x3",
    "check_reproduce_row",
]
