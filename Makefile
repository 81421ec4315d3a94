# genconvit_nb: the two commands a researcher types are `make report` and `make test`.
# Each creates (or refreshes) the virtual environment first; a second run skips the install.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KERNEL := genconvit-nb
# A different torch index (for example https://download.pytorch.org/whl/cpu) without editing files:
#   TORCH_INDEX_URL=... make test
PIP_TORCH := $(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL),)
REPORT_ARGS ?=

.PHONY: install report report-zoo test docs readme lab export clean-nbs lock bench clean-venv

install: $(STAMP)

$(STAMP): setup.py settings.ini constraints.txt
	@test -x $(PY) && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null \
	  || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt $(PIP_TORCH) -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	-@git rev-parse --git-dir >/dev/null 2>&1 && $(VENV)/bin/nbdev_install_hooks >/dev/null 2>&1
	@touch $(STAMP)

# The default experiment (fusion none vs sum, paths, leave-one-manipulation-out, trivial baseline) -> reports/index.html.
# Scale up from the command line, e.g. REPORT_ARGS="--seeds 5 --size paper --set train.epochs=20"; --help lists all.
report: $(STAMP)
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE:-1} $(PY) -m genconvit_nb.report $(REPORT_ARGS)

# Every registered zoo model on the same data -> reports/zoo/index.html (hours on a CPU).
report-zoo: $(STAMP)
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE:-1} $(PY) -m genconvit_nb.report --experiment zoo $(REPORT_ARGS)

test: $(STAMP)
	@VENV=$(VENV) bash .ci/run-tests

# The documentation site from the notebooks -> _docs/index.html (offline; nbdev's processing, rendered by Sphinx).
# `nbdev_docs` builds nbdev's own quarto site instead, where quarto is installed.
docs: $(STAMP)
	HF_HUB_OFFLINE=1 GENCONVIT_PROGRESS=0 $(PY) .ci/docs.py build
	$(PY) .ci/docs.py check

# README.md is generated from nbs/index.ipynb (CI fails when they disagree).
readme: $(STAMP)
	$(PY) .ci/docs.py readme

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/genconvit-bench $(BENCH_ARGS)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=nbs

export: $(STAMP)
	$(VENV)/bin/nbdev_export

clean-nbs: $(STAMP)
	$(VENV)/bin/nbdev_clean

# Re-resolve every dependency to today's newest and rewrite constraints.txt (then commit it).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --disable-pip-version-check $(PIP_TORCH) -e ".[dev]"
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt
	rm -rf .venv-lock

clean-venv:
	rm -rf $(VENV)
