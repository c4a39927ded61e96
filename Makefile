# sisrlearn: two commands do everything.
#   make lab   create .venv if missing, install, open JupyterLab in notebooks/
#   make test  create/refresh .venv, install, then ruff, the import layers, pytest (unit, then
#              the slow tests: training, and nbgrader generating and autograding the exercises
#              in a temporary course), every notebook (fast mode) and the browser test
#              (Chromium + JupyterLab; skips without Chromium)
#   make site  HTML pages of every notebook executed in fast mode, figures included, with an
#              index, in site/; fails if a page shows a path, a thread count or how it was made

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Exactly this torch: the CPU wheel on a machine that has it locally, the CUDA build of the
# same version from PyPI on a machine with a GPU. An unpinned torch pulls a multi-GB build.
TORCH  := torch==2.13.0
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
NOTEBOOKS  := notebooks exercises/solutions

.PHONY: lab test install lint unit slow notebooks browser exercises site clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

lab: install
	cd notebooks && ../$(BIN)/jupyter lab $(ALLOW_ROOT)

lint:
	$(BIN)/ruff check sisrlearn tests tools $(NOTEBOOKS)  # generated student notebooks are not linted
	$(BIN)/ruff format --check sisrlearn tests tools
	$(BIN)/lint-imports  # the package's layers (pyproject.toml, [tool.importlinter])

# pytest's exit 5 ("no tests collected") fails make, as every non-zero status does.
unit:
	SISRLEARN_FAST=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q -m "not slow" --ignore=tests/browser tests

slow:
	SISRLEARN_FAST=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q -m slow --ignore=tests/browser tests

notebooks:
	SISRLEARN_FAST=1 SISRLEARN_STRICT_CHECKS=1 MPLBACKEND=Agg \
	  $(BIN)/python -m pytest -q --nbval-lax --nbval-current-env --nbval-cell-timeout=900 --nbval-kernel-startup-timeout=300 \
	  -p no:cacheprovider $(NOTEBOOKS)

# Real browser: Chromium (apt-get install chromium) + Playwright drive JupyterLab; Run All on
# notebooks 01 and 02, move their widgets; screenshots in tests/browser/artifacts/.
browser:
	SISRLEARN_FAST=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser

test: install lint unit slow notebooks browser

site: install
	SISRLEARN_FAST=1 $(BIN)/python tools/build_site.py --notebooks notebooks --out site

# student notebooks from exercises/solutions, by nbgrader's generate_assignment preprocessors
exercises: install
	$(BIN)/sisrlearn exercises --overwrite

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
