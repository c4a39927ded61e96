"""Exercise checkers: ``check_<name>(student_fn)`` runs small cases and says what failed.

A checker prints one line per failed case (the input, expected vs got, and a hint) or a
single line when everything passed, and returns True/False. With ``strict=True`` (or the
environment variable ``SISRLEARN_STRICT_CHECKS=1``, which ``make test`` sets when it runs
the solution notebooks) a failure also raises ``CheckFailed``.
"""

from ._core import CheckFailed, run_cases
from .colorize import (  # noqa: F401
    check_annealed_mean,
    check_rebalancing_weights,
    check_soft_encode,
)
from .dae import (  # noqa: F401
    check_gradient_energy,
    check_high_frequency_energy,
    check_mmse_prediction,
)
from .dip import (  # noqa: F401
    check_ema,
    check_masked_loss,
    check_sr_data_term,
)
from .fast_deep import (  # noqa: F401
    check_pixel_shuffle,
    check_recursive_ensemble,
    check_residual_block,
)
from .gan import (  # noqa: F401
    check_hinge_loss,
    check_nonsaturating_loss,
    check_optimal_discriminator,
)
from .images import (  # noqa: F401
    check_cubic,
    check_psnr,
    check_rgb_to_y,
)
from .sparse import (  # noqa: F401
    check_ista_step,
    check_soft_threshold,
    check_sr_patch,
)
from .srcnn import (  # noqa: F401
    check_psnr_y,
    check_srcnn,
    check_train_step,
)
from .srgan import (  # noqa: F401
    check_discriminator_shapes,
    check_perceptual_loss,
    check_srgan_generator_loss,
)
from .toyconv import (  # noqa: F401
    check_conv2d_by_hand,
    check_filter_match,
    check_max_pool_by_hand,
    check_neuron,
)

__all__ = [
    "CheckFailed",
    "run_cases",
    "check_annealed_mean",
    "check_conv2d_by_hand",
    "check_cubic",
    "check_discriminator_shapes",
    "check_ema",
    "check_filter_match",
    "check_gradient_energy",
    "check_high_frequency_energy",
    "check_hinge_loss",
    "check_ista_step",
    "check_masked_loss",
    "check_max_pool_by_hand",
    "check_mmse_prediction",
    "check_neuron",
    "check_nonsaturating_loss",
    "check_optimal_discriminator",
    "check_perceptual_loss",
    "check_pixel_shuffle",
    "check_psnr",
    "check_psnr_y",
    "check_rebalancing_weights",
    "check_recursive_ensemble",
    "check_residual_block",
    "check_rgb_to_y",
    "check_soft_encode",
    "check_soft_threshold",
    "check_sr_data_term",
    "check_sr_patch",
    "check_srcnn",
    "check_srgan_generator_loss",
    "check_train_step",
]
