# Every install step lives here so a clean clone works with one command.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench clean readme

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of PyTorch first: a bare `torch` requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	# the fast embedding model, distilled once from the bundled MiniLM (about 40 s)
	$(BIN)/datalint prepare
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	-$(BIN)/datalint check fixtures/demo/support_train.jsonl \
		--production fixtures/demo/production_sample.jsonl

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/record_pass.py

clean:
	rm -rf $(VENV) build dist *.egg-info

readme: $(STAMP)
	$(BIN)/python scripts/update_readme.py
