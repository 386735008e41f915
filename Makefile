# The two commands a newcomer needs (see README.md):
#   make lab    create .venv if missing, install, start the local AWS, open JupyterLab on a
#               working copy of the notebooks (cftutorial-notebooks/, as `cftutorial lab` does)
#   make test   create .venv if missing, install with the test extra, run the whole test suite
# and, for the inner loop, make check: the fast tier (no notebooks, installs or browser).
# The extras (pyproject.toml): lab = the notebooks in JupyterLab; test = the suite (with docs, for
# the book test); dev = lint and format tools too.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8888
# make lab NO_BROWSER=1 keeps JupyterLab from opening a browser window (remote machines, Binder).
NO_BROWSER ?=
# The learner's working copy of the notebooks (gitignored): JupyterLab saves there, never into
# notebooks/, whose files are the tutorial's sources. An unedited copy follows the sources
# (--update); one the learner changed or ran stays as it is.
LAB_DIR ?= cftutorial-notebooks
PYTEST_ARGS ?=
# pytest-xdist workers. The tests wait on local servers (deployments, restarts, kernels) more
# than they compute, so two per core keep a small machine busy; more than 4 only costs memory
# (each worker has its own local AWS).
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); w=$$((2 * n)); [ $$w -gt 4 ] && w=4; echo $$w)
XDIST := -n $(WORKERS) --dist loadgroup
# pytest with Python's bytecode cache on (__pycache__, gitignored), whatever the environment
# says: the suite starts some 200 Python processes that import the package (the local AWS, the
# command line, kernels) and rewrites every test module in each worker. A PYTHONDONTWRITEBYTECODE
# (many container images set it) would have each compile them anew: a third of a local AWS's
# start, and half of a worker's collection.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest

.PHONY: lab test check book lint format notebooks local-stop clean-state help aws-standin

help:
	@echo "make lab    open the tutorial in JupyterLab (a working copy in $(LAB_DIR)/; local AWS started)"
	@echo "make test   run the whole test suite"
	@echo "make check  run the fast tier (no notebooks, installs or browser): the inner loop"
	@echo "make book   build the tutorial book (static HTML, notebooks executed) into build/book"
	@echo "make lint   ruff check + ruff format --check + import contracts"
	@echo "make notebooks  regenerate notebooks/*.ipynb from their .md sources"
	@echo "make aws-standin  the aws-mode path end to end, twice, against a private local AWS"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lab,test,docs]'
	touch $@ $(VENV)/.installed-lab $(VENV)/.installed-docs

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@ $(VENV)/.installed-lab

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-lab $(VENV)/.installed-test $(VENV)/.installed-docs

lab: $(VENV)/.installed-lab
	$(BIN)/cftutorial lab $(LAB_DIR) --update --port=$(PORT) $(if $(NO_BROWSER),--no-browser,)

# The whole suite, its slowest 25 tests listed at the end, and how many notebooks it executed.
test: $(VENV)/.installed-test
	@bash scripts/install-test-system-deps.sh
	@$(PYTEST) $(XDIST) --durations=25 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; failing on purpose" >&2; exit 1; fi; \
	exit $$rc

# The fast tier: everything but the notebooks, the installs and the browser (make test runs all).
check: $(VENV)/.installed-test
	@$(PYTEST) $(XDIST) -m "not slow and not browser" --durations=10 $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make check: pytest collected no tests; failing on purpose" >&2; exit 1; fi; \
	exit $$rc

# The aws-mode path (CFTUTORIAL_BACKEND=aws, profile in eu-west-1, AWS_ENDPOINT_URL) end to end,
# twice, against a private local AWS; also checks docs/iam-policy.json against what it called.
aws-standin: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests/test_aws_standin.py $(PYTEST_ARGS)

# The rendered book: every notebook executed once, in order, by papermill against a fresh local
# AWS of its own, then rendered by Sphinx + MyST-NB (scripts/build_book.py); offline. Open
# build/book/index.html.
book: $(VENV)/.installed-docs
	$(BIN)/python scripts/build_book.py build/book

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Each notebook's one source is notebooks/NN-*.md; the .ipynb is generated (see notebooks/jupytext.toml).
notebooks: $(VENV)/.installed-test
	$(BIN)/python scripts/sync_notebooks.py

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

local-stop:
	$(BIN)/cftutorial local stop

# Wipes the local AWS's saved state and the saved tutorial runs (asks nothing: make is the answer).
clean-state:
	$(BIN)/cftutorial local reset --yes
