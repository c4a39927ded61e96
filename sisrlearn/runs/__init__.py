"""Training runs: what ``sisrlearn train``, ``sisrlearn srgan`` and ``sisrlearn dictionary``
drive. Each run checks its outputs before it starts, checkpoints (one format, ``checkpoint``),
resumes only the same run, and writes the weights with a record in the zoo index's format
(``records``); ``loop`` and ``distributed`` hold the epoch loader and the ``torchrun`` layout.
"""

from .colorize import train_color_model
from .dictionary import learn_dictionary
from .recipe import parse_name, recipe_dataset, train_or_load, train_recipe, training_images
from .srgan import finetune_srgan, load_generator

__all__ = [
    "finetune_srgan",
    "learn_dictionary",
    "load_generator",
    "parse_name",
    "recipe_dataset",
    "train_color_model",
    "train_or_load",
    "train_recipe",
    "training_images",
]
