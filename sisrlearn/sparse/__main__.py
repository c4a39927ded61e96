"""``python -m sisrlearn.sparse --data DIR --scale S --out FILE.pt``: learn a coupled dictionary."""

from .shipped import _main

raise SystemExit(_main())
