"""Interactive notebook widgets (ipywidgets): image comparison, the X/O explorer and the
colorization realism test. Course tooling: the library never imports this package."""

from .colorize import RealismTest, realism_test
from .viewers import before_after, show_values, xo_explorer

__all__ = ["RealismTest", "before_after", "realism_test", "show_values", "xo_explorer"]
