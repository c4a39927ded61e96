"""Sparse coding for super-resolution: shrinkage, ISTA/FISTA, LISTA and coupled dictionaries.

The Lasso problem codes a signal ``y`` (m values) over a dictionary ``D`` (m x K, one atom per
column) with few non-zero coefficients::

    min_z  0.5 * ||y - D z||^2 + lam * ||z||_1

(the objective of scikit-learn's ``sparse_encode``/``DictionaryLearning``; ``sklearn.linear_model
.Lasso`` divides the first term by ``m``). Batches are rows: ``y`` is (n, m), codes are (n, K).

Papers: Daubechies, Defrise, De Mol, CPAM 2004 (ISTA); Beck & Teboulle, SIAM J. Imaging
Sciences 2009 (FISTA); Gregor & LeCun, ICML 2010 (LISTA); Yang, Wright, Huang, Ma, "Image
Super-Resolution via Sparse Representation", IEEE TIP 2010 (ScSR, coupled dictionaries).
"""

from .lasso import LISTA, ista, lasso_objective, lipschitz, soft_threshold, train_lista
from .scsr import (
    CoupledDictionary,
    back_project,
    learn_coupled_dictionary,
    load_dictionary,
    lr_features,
    sample_patch_pairs,
    save_dictionary,
    scsr,
    shipped_dictionary,
    shipped_dictionary_scales,
)

__all__ = [
    "soft_threshold",
    "lasso_objective",
    "lipschitz",
    "ista",
    "LISTA",
    "train_lista",
    "CoupledDictionary",
    "lr_features",
    "sample_patch_pairs",
    "learn_coupled_dictionary",
    "scsr",
    "back_project",
    "save_dictionary",
    "load_dictionary",
    "shipped_dictionary",
    "shipped_dictionary_scales",
]
