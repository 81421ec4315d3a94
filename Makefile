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

.PHONY: install report report-zoo pretrain test docs readme lab export clean-nbs lock bench clean-venv

install: $(STAMP)

$(STAMP): setup.py settings.ini constraints.txt
	@test -x $(PY) && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null \
	  || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt $(PIP_TORCH) -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))" >/dev/null
	-@git rev-parse --git-dir >/dev/null 2>&1 && $(VENV)/bin/nbdev_install_hooks >/dev/null 2>&1
	@touch $(STAMP)

# The default experiment (GenConViT fusion none vs sum over seeds, a reference, the trivial baseline) -> reports/index.html.
# Scale up from the command line, e.g. REPORT_ARGS="--size tiny_full" or "--seeds 8 --set train.epochs=6"; --help lists all.
# The tiny sizes start from the backbones shipped in genconvit_nb/weights and never touch the network; --size paper
# asks the Hugging Face hub for ImageNet weights (and refuses to fall back to random init without --allow_random_init).
report: $(STAMP)
	$(PY) -m genconvit_nb.report $(REPORT_ARGS)

# Every registered CPU-sized zoo model on the same data -> reports/zoo/index.html (hours on a CPU).
report-zoo: $(STAMP)
	$(PY) -m genconvit_nb.report --experiment zoo $(REPORT_ARGS)

# Re-make the shipped tiny backbones (SBI pretext on synthetic faces) and their model card in genconvit_nb/weights/.
# About an hour per backbone per 3000 steps on a 2-core CPU; minutes on a GPU. PRETRAIN_ARGS="--arch convnext_atto --steps 2000".
PRETRAIN_ARGS ?=
pretrain: $(STAMP)
	$(VENV)/bin/genconvit-pretrain $(PRETRAIN_ARGS)

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
