"""``python -m sisrlearn.colorize train ...``: see :func:`sisrlearn.colorize.main`."""

import sys

from . import main

sys.exit(main())
